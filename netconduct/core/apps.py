from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "netconduct.core"
    label = "core"
    verbose_name = "核心"
