from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "netconduct.ops"
    label = "ops"
    verbose_name = "运维"
