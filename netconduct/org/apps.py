from django.apps import AppConfig


class OrgConfig(AppConfig):
    name = "netconduct.org"
    label = "org"
    verbose_name = "组织与人员"
