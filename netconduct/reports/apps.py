from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "netconduct.reports"
    label = "reports"
    verbose_name = "举报与案件"

    def ready(self) -> None:
        from netconduct.core.templatetags.netconduct import register_model_labels

        register_model_labels(*self.get_models())  # audit events read with the models' own names and choices
        from netconduct.core.templatetags.netconduct import register_value_labels

        from .choices import SupportKind

        register_value_labels("support", SupportKind.choices, object_type="reports.protectioncase")
