from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CampaignsConfig(AppConfig):
    name = "netconduct.campaigns"
    label = "campaigns"
    verbose_name = _("宣贯活动")

    def ready(self) -> None:
        from netconduct.core.templatetags.netconduct import register_model_labels

        register_model_labels(*self.get_models())  # audit events read with the models' own names and choices
        from django.utils.translation import gettext_lazy as _

        from netconduct.core.templatetags.netconduct import register_value_labels

        register_value_labels(
            "actions",
            {"read": _("阅读确认"), "study": _("参加学习"), "pledge": _("签订承诺书")},
            object_type="campaigns.campaign",
        )

        from netconduct.org.signals import people_changed

        people_changed.connect(_people_changed, dispatch_uid="campaigns.people_changed")

        from netconduct.documents.selectors import document_readers_register

        from .selectors import documents_conveyed_to

        document_readers_register(documents_conveyed_to)

        from netconduct.notifications.jobs import daily_job_register

        from .reminders import reminders_daily_job

        daily_job_register("campaigns", reminders_daily_job)


def _people_changed(sender, person_ids: list[int], **kwargs) -> None:
    from .choices import CampaignStatus
    from .models import Campaign
    from .tasks import sync_people

    if Campaign.objects.filter(status=CampaignStatus.ACTIVE).exists():
        # Many people at once (a roster import): one full pass instead of a long id list in the queue.
        sync_people.enqueue(person_ids if len(person_ids) <= 5000 else [])
