"""Issuing and revoking API keys, and finding the key a request carries.

A key is `nc_<prefix>_<secret>`: the prefix finds the row, the SHA-256 of the whole key is compared in constant
time. The secret has 256 bits of randomness, so a plain hash (no salt, no slow KDF) is enough and a lookup is one
query.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from netconduct.core.audit import Change, audit_record
from netconduct.core.exceptions import ApplicationError, PermissionRefused
from netconduct.org import scoping
from netconduct.org.choices import Role
from netconduct.org.models import OrgUnit, RoleGrant

from .choices import KeyScope
from .models import ApiKey

KEY_PREFIX = "nc_"
# The role of a key's service account on its unit: enough for every operation the API offers (the key's scopes
# then narrow it per endpoint); never the inspector's, whose role reads report and case contents.
KEY_ROLE = Role.UNIT_ADMIN


def hash_key(clear: str) -> str:
    return hashlib.sha256(clear.encode()).hexdigest()


def _snapshot(key: ApiKey) -> dict:
    return {
        "name": key.name,
        "unit": key.unit.name,
        "scopes": list(key.scopes),
        "source": key.source,
        "expires_at": key.expires_at,
        "revoked_at": key.revoked_at,
    }


def may_manage_keys(actor, unit: OrgUnit) -> bool:
    """Only a system administrator over the unit issues or revokes keys for it."""
    if actor is None or not actor.is_authenticated or not actor.is_active:
        return False
    return actor.is_superuser or scoping.holds_role_over(actor, Role.SYSADMIN, unit.path)


def clean_scopes(scopes: Iterable[str]) -> list[str]:
    cleaned: list[str] = []
    for raw in scopes:
        value = raw.strip()
        if not value:
            continue
        if value not in KeyScope.values:
            raise ApplicationError(
                f"未知的权限“{value}”（可选：{'、'.join(KeyScope.values)}）。", field="scopes"
            )
        if value not in cleaned:
            cleaned.append(value)
    if not cleaned:
        raise ApplicationError("请至少选择一项权限。", field="scopes")
    return sorted(cleaned, key=KeyScope.values.index)


@transaction.atomic
def api_key_create(
    *,
    actor,
    name: str,
    unit: OrgUnit,
    scopes: Iterable[str],
    expires_at: dt.datetime | None = None,
    source: str = "",
) -> tuple[ApiKey, str]:
    """Issue a key; returns it with the clear key, which is never stored and cannot be shown again."""
    if not may_manage_keys(actor, unit):
        raise PermissionRefused("只有该组织范围内的系统管理员可以创建API密钥。")
    if any(ord(c) < 32 for c in name + source):
        raise ApplicationError("名称和外部系统标识不能含有控制字符。", field="name")
    name = " ".join(name.split())
    if not name:
        raise ApplicationError("请填写密钥名称。", field="name")
    if len(name) > 60:
        raise ApplicationError("密钥名称最长60个字。", field="name")
    if ApiKey.objects.filter(name=name).exists():
        raise ApplicationError(f"已有名为“{name}”的密钥。", field="name")
    if not unit.is_active:
        raise ApplicationError(f"“{unit.name}”已撤销，不能为它创建密钥。", field="unit")
    if expires_at is not None and expires_at <= timezone.now():
        raise ApplicationError("到期时间应晚于现在。", field="expires_at")
    scope_list = clean_scopes(scopes)
    source = " ".join(source.split())[:60] or name
    prefix = secrets.token_hex(4)
    while ApiKey.objects.filter(prefix=prefix).exists():  # 2^32 prefixes: a clash is rare, never fatal
        prefix = secrets.token_hex(4)
    clear = f"{KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    User = get_user_model()
    account = User(username=f"api.{prefix}", first_name=f"API:{name}"[:150])
    account.set_unusable_password()
    account.save()
    RoleGrant.objects.create(user=account, role=KEY_ROLE, unit=unit, granted_by=actor)
    key = ApiKey.objects.create(
        name=name,
        prefix=prefix,
        key_hash=hash_key(clear),
        unit=unit,
        scopes=scope_list,
        source=source,
        account=account,
        created_by=actor,
        expires_at=expires_at,
    )
    audit_record(
        actor=actor,
        change=Change("api_key.create", "api.apikey", key.pk, key.name, unit.path, None, _snapshot(key)),
    )
    return key, clear


@transaction.atomic
def api_key_revoke(*, actor, key: ApiKey) -> ApiKey:
    """Revoke a key at once: its service account is deactivated, so even a request under way reads nothing more."""
    key = ApiKey.objects.select_for_update().select_related("unit", "account").get(pk=key.pk)
    if not may_manage_keys(actor, key.unit):
        raise PermissionRefused("只有该组织范围内的系统管理员可以吊销API密钥。")
    if key.revoked_at is not None:
        raise ApplicationError(
            f"密钥“{key.name}”已于{timezone.localtime(key.revoked_at):%Y-%m-%d %H:%M}吊销。"
        )
    key.revoked_at = timezone.now()
    key.save(update_fields=["revoked_at"])
    key.account.is_active = False
    key.account.save(update_fields=["is_active"])
    audit_record(
        actor=actor,
        change=Change(
            "api_key.revoke",
            "api.apikey",
            key.pk,
            key.name,
            key.unit.path,
            {"revoked_at": None},
            {"revoked_at": key.revoked_at},
        ),
    )
    return key


def api_key_for(clear: str) -> ApiKey | None:
    """The usable key a request presents, or None (unknown, wrong secret, revoked or expired)."""
    if not clear.startswith(KEY_PREFIX):
        return None
    prefix, _, _secret = clear[len(KEY_PREFIX) :].partition("_")
    if not prefix or len(prefix) > 16:
        return None
    key = ApiKey.objects.select_related("unit", "account").filter(prefix=prefix).first()
    if key is None or not hmac.compare_digest(key.key_hash, hash_key(clear)):
        return None
    if not key.is_usable or not key.account.is_active:
        return None
    return key


def api_key_touch(key: ApiKey) -> None:
    """Note when a key was last used, at most once a minute (not audited: it changes nothing a person decides)."""
    now = timezone.now()
    if key.last_used_at is None or now - key.last_used_at > dt.timedelta(minutes=1):
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
        key.last_used_at = now
