from django.apps import AppConfig


class StudiesConfig(AppConfig):
    name = "netconduct.studies"
    label = "studies"
    verbose_name = "学习记录"
