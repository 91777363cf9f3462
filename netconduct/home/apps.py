from django.apps import AppConfig


class HomeConfig(AppConfig):
    """The top floor: what gathers every app — each role's home page, the navigation, the audit log page,
    quickstart and the demo. It may import any app; no app imports it."""

    name = "netconduct.home"
    label = "home"
    verbose_name = "首页"

    def ready(self) -> None:
        from netconduct.notifications.jobs import daily_job_register

        from .checkpoints import audit_checkpoint_daily_job

        daily_job_register("audit_checkpoint", audit_checkpoint_daily_job)
