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

        from .services import quiz_copy

        campaign_copier_register(quiz_copy)  # next year's campaign carries the quiz

        from netconduct.core.background import worker_warm_up_register

        from .sealing import warm_up

        worker_warm_up_register(warm_up)  # a worker's first seal as cheap as the rest (fonts, key, pyHanko)
