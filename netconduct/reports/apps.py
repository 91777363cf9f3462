from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "netconduct.reports"
    label = "reports"
    verbose_name = _("举报与案件")

    def ready(self) -> None:
        from netconduct.org.selectors import audit_hidden_register

        from .policies import audit_hidden

        audit_hidden_register(audit_hidden)  # audit pages leave out reports and cases the viewer may not see

        from netconduct.core.templatetags.netconduct import register_model_labels

        register_model_labels(*self.get_models())  # audit events read with the models' own names and choices
        from netconduct.core.templatetags.netconduct import register_value_labels

        from .choices import SupportKind

        register_value_labels("support", SupportKind.choices, object_type="reports.protectioncase")
