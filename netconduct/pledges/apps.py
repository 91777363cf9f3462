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

        from netconduct.core.background import worker_warm_up_register

        worker_warm_up_register(_warm_up)  # a worker's first seal as cheap as the rest (fonts, key, pyHanko)


# The services and the sealing module are imported when they are used, not at start-up: they bring the PDF renderer
# (reportlab, fontTools, python-docx) and pyHanko, half a second of every command.


def _quiz_copy(source, copy) -> dict:
    from .services import quiz_copy

    return quiz_copy(source, copy)


def _warm_up() -> None:
    from .sealing import warm_up

    warm_up()
