from django.apps import AppConfig


class PledgesConfig(AppConfig):
    name = "netconduct.pledges"
    label = "pledges"
    verbose_name = "承诺书"

    def ready(self) -> None:
        from netconduct.core.templatetags.netconduct import register_model_labels

        register_model_labels(*self.get_models())  # audit events read with the models' own names and choices
