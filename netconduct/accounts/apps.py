from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "netconduct.accounts"
    label = "accounts"
    verbose_name = "账号"
