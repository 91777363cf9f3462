from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StudiesConfig(AppConfig):
    name = "netconduct.studies"
    label = "studies"
    verbose_name = _("学习记录")

    def ready(self) -> None:
        from netconduct.core.templatetags.netconduct import register_model_labels

        register_model_labels(*self.get_models())  # audit events read with the models' own names and choices
        from netconduct.core.templatetags.netconduct import register_value_labels

        from .services import Decision

        register_value_labels("decision", Decision.CHOICES, object_type="studies.studysession")
