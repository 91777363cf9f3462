"""Checks of the directory sign-in's configuration: run by `netconduct check` (and so at start-up).

Without them a half-set configuration shows the LDAP button and then fails every sign-in with a vague message, and
an `ldap://` address without StartTLS sends every directory password across the network in clear.
"""

from __future__ import annotations

import importlib.util

from django.conf import settings
from django.core.checks import Error, Warning, register


@register("netconduct")
def ldap_settings_check(app_configs=None, **kwargs) -> list[Error | Warning]:
    uri = getattr(settings, "NETCONDUCT_LDAP_URI", "")
    if not uri:
        return []
    problems: list[Error | Warning] = []
    if not uri.startswith(("ldap://", "ldaps://")):
        problems.append(
            Error(f"NETCONDUCT_LDAP_URI 应以 ldap:// 或 ldaps:// 开头（现为 {uri!r}）。", id="accounts.E001")
        )
    if importlib.util.find_spec("django_auth_ldap") is None:
        problems.append(
            Error(
                "已设置 NETCONDUCT_LDAP_URI，但未安装 django-auth-ldap。",
                hint="pip install 'netconduct[ldap]'（需先 apt-get install libldap2-dev libsasl2-dev）",
                id="accounts.E002",
            )
        )
    if not settings.NETCONDUCT_LDAP_USER_BASE:
        problems.append(
            Error("已设置 NETCONDUCT_LDAP_URI，但未设置 NETCONDUCT_LDAP_USER_BASE。", id="accounts.E003")
        )
    if settings.NETCONDUCT_LDAP_GROUP_ROLES and not settings.NETCONDUCT_LDAP_GROUP_BASE:
        problems.append(
            Error(
                "设置了 NETCONDUCT_LDAP_GROUP_ROLES，但未设置 NETCONDUCT_LDAP_GROUP_BASE。",
                id="accounts.E004",
            )
        )
    if uri.startswith("ldap://") and not settings.NETCONDUCT_LDAP_START_TLS:
        problems.append(
            Warning(
                "目录密码将以明文经过网络：ldap:// 地址未开启 StartTLS。",
                hint="设置 NETCONDUCT_LDAP_START_TLS=true，或改用 ldaps:// 地址。",
                id="accounts.W001",
            )
        )
    return problems
