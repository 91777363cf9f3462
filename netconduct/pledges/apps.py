from django.apps import AppConfig


class PledgesConfig(AppConfig):
    name = "netconduct.pledges"
    label = "pledges"
    verbose_name = "承诺书"
