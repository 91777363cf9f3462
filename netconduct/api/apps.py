from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "netconduct.api"
    label = "api"
    verbose_name = "开放接口"

    def ready(self) -> None:
        from netconduct.core.templatetags.netconduct import register_model_labels

        register_model_labels(*self.get_models())
