from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "netconduct.registry"
    label = "registry"
    verbose_name = "账号备案"

    def ready(self) -> None:
        from netconduct.org.signals import people_changed

        from .receivers import on_people_changed

        people_changed.connect(on_people_changed, dispatch_uid="registry.handover")

        from netconduct.notifications.jobs import daily_job_register

        from .reviews import reviews_daily_job

        daily_job_register("registry", reviews_daily_job)
