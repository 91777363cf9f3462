from django.apps import AppConfig


class SelfcheckConfig(AppConfig):
    name = "netconduct.selfcheck"
    label = "selfcheck"
    verbose_name = "发布前自查"
