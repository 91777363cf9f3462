from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "netconduct.accounts"
    label = "accounts"
    verbose_name = "账号"

    def ready(self) -> None:
        from netconduct.core.templatetags.netconduct import register_model_labels

        register_model_labels(*self.get_models())  # audit events read with the models' own names and choices
        from netconduct.core.templatetags.netconduct import register_value_labels

        from .models import ActivationCode

        for object_type in ("accounts.user", "org.person"):  # slips are recorded on the person or the account
            register_value_labels("purpose", ActivationCode.Purpose.choices, object_type=object_type)
        register_value_labels(
            "via",
            {"link": "链接", "code": "凭条编码", "ldap": "单位目录账号", "oidc": "统一身份认证"},
            object_type="accounts.user",
        )
        from . import checks, dingtalk, ldap, oidc, wecom  # noqa: F401 - settings checks; the sign-in methods register themselves
