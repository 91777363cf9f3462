"""Checks of the seal's trusted time (`netconduct check`, and `--deploy`): every seal needs an RFC 3161 timestamp, so
a deployment that cannot get one would leave every pledge waiting (等待可信时间戳)."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, Tags, register


@register(Tags.security, deploy=True)
def seal_tsa_check(app_configs=None, **kwargs) -> list[Error]:
    from . import sealing, tsa

    if settings.SEAL_TSA_URL:
        return []
    if sealing.seal_configured() is not None:
        return [
            Error(
                "已配置签章证书（NETCONDUCT_SEAL_CERT），但没有配置可信时间戳服务：承诺书将一直等待可信时间戳。",
                hint="设置 SEAL_TSA_URL（以及需要时的 SEAL_TSA_USERNAME / SEAL_TSA_PASSWORD）为 RFC 3161 时间戳服务地址。",
                id="pledges.E001",
            )
        ]
    if not tsa.openssl_available():
        return [
            Error(
                "未配置 SEAL_TSA_URL，而本机时间戳服务所需的 openssl 程序不存在：承诺书将一直等待可信时间戳。",
                hint="安装 openssl（apt-get install openssl），或设置 SEAL_TSA_URL。",
                id="pledges.E002",
            )
        ]
    return []
