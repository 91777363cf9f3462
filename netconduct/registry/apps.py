from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "netconduct.registry"
    label = "registry"
    verbose_name = "账号备案"

    def ready(self) -> None:
        from netconduct.org.signals import people_changed

        from .receivers import on_people_changed

        people_changed.connect(on_people_changed, dispatch_uid="registry.handover")
