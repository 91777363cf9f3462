from django.apps import AppConfig


class SelfcheckConfig(AppConfig):
    name = "netconduct.selfcheck"
    label = "selfcheck"
    verbose_name = "发布前自查"

    def ready(self) -> None:
        from netconduct.core.templatetags.netconduct import register_model_labels

        register_model_labels(*self.get_models())  # audit events read with the models' own names and choices
