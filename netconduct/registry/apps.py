from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "netconduct.registry"
    label = "registry"
    verbose_name = _("账号备案")

    def ready(self) -> None:
        from netconduct.core.templatetags.netconduct import register_model_labels

        register_model_labels(*self.get_models())  # audit events read with the models' own names and choices
        from netconduct.core.templatetags.netconduct import register_field_labels, register_value_labels

        from .choices import CloseRequest, Decision, DeclarationAnswer, ReviewAnswer, RoundStatus

        register_value_labels("decision", Decision.choices, object_type="registry.application")
        register_field_labels({"decision": _("审批决定")}, object_type="registry.application")
        register_value_labels("answer", ReviewAnswer.choices, object_type="registry.account")
        register_value_labels("answers", ReviewAnswer.choices, object_type="registry.review")
        register_value_labels("status", RoundStatus.choices, object_type="registry.review")
        register_value_labels("close_status", CloseRequest.choices, object_type="registry.account")
        register_value_labels("answer", DeclarationAnswer.choices, object_type="registry.declaration")

        from netconduct.org.signals import people_changed

        from .receivers import on_people_changed

        people_changed.connect(on_people_changed, dispatch_uid="registry.handover")

        from netconduct.notifications.jobs import daily_job_register

        from .late import late_daily_job
        from .reviews import reviews_daily_job

        daily_job_register("registry", reviews_daily_job)
        daily_job_register("registry_late", late_daily_job)
