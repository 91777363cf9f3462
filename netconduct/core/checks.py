"""Deployment checks that fail (Error, not Warning) on a configuration that would quietly weaken the product.

`netconduct check --deploy` runs them. A weak or malformed field key or hash key would protect personal data and
reports in name only; an empty ALLOWED_HOSTS answers every request with 400; without REDIS_URL each process keeps
its own cache, so guess limits and lockouts count per process and a burst spread over workers gets through.
"""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register

from .links import site_url

# 32 random bytes hold about 30 distinct values; fewer than 16 has a probability far below 10^-20, while a typed
# pattern ("1111…", "0123456789abcdef" repeated) has 8 or fewer.
MIN_DISTINCT = 16


def _looks_random(value: str) -> bool:
    try:
        units = bytes.fromhex(value)
    except ValueError:
        units = value.encode()
    return len(set(units)) >= MIN_DISTINCT


def _hex_key_problem(value: str) -> str:
    if len(value) != 64:
        return f"长度为 {len(value)}，应为 64 个十六进制字符（32 字节）"
    try:
        bytes.fromhex(value)
    except ValueError:
        return "含有十六进制以外的字符"
    if not _looks_random(value):
        return "不是随机生成的（重复或规律的字符），请用 `openssl rand -hex 32` 生成"
    return ""


def field_key_errors(keys: object) -> list[Error]:
    if not isinstance(keys, dict) or not keys:
        return [
            Error(
                "FIELD_ENCRYPTION_KEYS 为空或格式错误。",
                hint="形如 k1:<64 个十六进制字符>",
                id="netconduct.E001",
            )
        ]
    errors = []
    seen: dict[str, str] = {}
    for kid, hexkey in keys.items():
        problem = _hex_key_problem(str(hexkey))
        if problem:
            errors.append(Error(f"FIELD_ENCRYPTION_KEYS 中的密钥 {kid}：{problem}。", id="netconduct.E001"))
        elif hexkey.lower() in seen:
            errors.append(
                Error(
                    f"FIELD_ENCRYPTION_KEYS 中的密钥 {kid} 与 {seen[hexkey.lower()]} 相同。",
                    id="netconduct.E001",
                )
            )
        seen.setdefault(str(hexkey).lower(), kid)
    return errors


def hash_key_errors(value: object) -> list[Error]:
    text = value if isinstance(value, str) else ""
    if len(text) < 32 or not _looks_random(text):
        return [
            Error(
                "ID_HASH_KEY 过短或不是随机生成的。",
                hint="用 `openssl rand -hex 32` 生成 64 个十六进制字符；一经使用不可更改。",
                id="netconduct.E002",
            )
        ]
    return []


@register(Tags.security, deploy=True)
def deployment_keys_check(app_configs=None, **kwargs) -> list[Error]:
    errors = field_key_errors(getattr(settings, "NETCONDUCT_FIELD_KEYS", None))
    errors += hash_key_errors(getattr(settings, "NETCONDUCT_HASH_KEY", None))
    if not settings.ALLOWED_HOSTS:
        errors.append(
            Error(
                "ALLOWED_HOSTS 为空：所有请求都会被拒绝。",
                hint="设置 ALLOWED_HOSTS=本平台的域名（多个用逗号分隔）。",
                id="netconduct.E003",
            )
        )
    if getattr(settings, "NETCONDUCT_REQUIRES_SHARED_CACHE", False) and not getattr(
        settings, "REDIS_URL", None
    ):
        errors.append(
            Error(
                "未设置 REDIS_URL：各进程各自计数，猜测次数限制和登录锁定会被多个进程分摊而失效。",
                hint="设置 REDIS_URL=redis://主机:6379/0。",
                id="netconduct.E004",
            )
        )
    return errors


@register("netconduct", deploy=True)
def site_url_check(app_configs, **kwargs) -> list[Warning]:
    if site_url():
        return []
    return [
        Warning(
            "SITE_URL is not set: QR codes on pledges and activation slips, and links in e-mails and robot "
            "messages, cannot name the platform's address.",
            hint="Set SITE_URL to the address people open, e.g. SITE_URL=https://netconduct.example.cn",
            id="netconduct.W001",
        )
    ]
