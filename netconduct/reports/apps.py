from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "netconduct.reports"
    label = "reports"
    verbose_name = "举报与案件"
