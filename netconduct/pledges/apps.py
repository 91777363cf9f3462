from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PledgesConfig(AppConfig):
    name = "netconduct.pledges"
    label = "pledges"
    verbose_name = _("承诺书")

    def ready(self) -> None:
        from netconduct.core.templatetags.netconduct import register_model_labels

        from . import checks  # noqa: F401 (registers the trusted-time check)

        register_model_labels(*self.get_models())  # audit events read with the models' own names and choices

        from netconduct.campaigns.services import campaign_copier_register

        campaign_copier_register(_quiz_copy)  # next year's campaign carries the quiz


def _quiz_copy(source, copy) -> dict:
    # The services are imported when a campaign is copied, not at start-up: they bring the PDF renderer (reportlab,
    # fontTools, python-docx), half a second of every command and every worker's start.
    from .services import quiz_copy

    return quiz_copy(source, copy)
