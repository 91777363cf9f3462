from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    """In-app notifications, e-mail and group robots; deliveries with keys and retries; the daily job. The domains
    pass their messages in and register their daily jobs here: nothing in this app imports a domain app."""

    name = "netconduct.notifications"
    label = "notifications"
    verbose_name = "通知与提醒"

    def ready(self) -> None:
        from .duties import connect

        connect()  # org announces changes of duty; the telling is done here, above it

        from .schedule import defaults_register

        defaults_register()  # the daily reminders, pending deliveries and the clean-up run themselves

        from netconduct.core.templatetags.netconduct import register_model_labels

        register_model_labels(*self.get_models())  # audit events read with the models' own names and choices
