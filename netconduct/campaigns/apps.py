from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    name = "netconduct.campaigns"
    label = "campaigns"
    verbose_name = "宣贯活动"

    def ready(self) -> None:
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
