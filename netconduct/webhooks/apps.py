from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    """Outgoing events: subscriptions (an address and a secret, bound to a unit's subtree) receive signed JSON when a
    pledge is signed or sealed, a campaign launched or overdue, people changed, an account filed. The domains announce
    their events through netconduct.core.events; this app, above them, records and sends them."""

    name = "netconduct.webhooks"
    label = "webhooks"
    verbose_name = "事件推送"

    def ready(self) -> None:
        from netconduct.core.events import event_receiver_register
        from netconduct.core.templatetags.netconduct import register_model_labels
        from netconduct.notifications.jobs import daily_job_register
        from netconduct.org.signals import people_changed

        from .services import events_daily_job, events_record, people_changed_record

        register_model_labels(*self.get_models())
        event_receiver_register(events_record)
        # org announces people after its commit, with their ids; one event per batch (and per subscription)
        people_changed.connect(people_changed_record, dispatch_uid="webhooks.people_changed")
        daily_job_register("webhooks", events_daily_job)  # a safety net: sends whatever retries are due
