"""API keys: issued by a system administrator only, shown once and stored hashed, expiring and revocable."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.utils import timezone

from netconduct import testing
from netconduct.api import services
from netconduct.api.models import ApiKey
from netconduct.core.exceptions import ApplicationError, PermissionRefused
from netconduct.core.models import AuditEvent

from .conftest import KeyClient


@pytest.mark.django_db
def test_a_key_is_stored_hashed_and_works_until_revoked(org, accounts):
    key, clear = services.api_key_create(
        actor=accounts.sysadmin, name="人事系统", unit=org.committee, scopes=["people:read"]
    )
    assert clear.startswith(f"nc_{key.prefix}_") and len(clear) > 40
    assert clear not in str(ApiKey.objects.filter(pk=key.pk).values().get())
    assert key.key_hash == services.hash_key(clear)
    assert services.api_key_for(clear) == key
    assert services.api_key_for(clear[:-1] + ("A" if clear[-1] != "A" else "B")) is None
    assert services.api_key_for("nc_deadbeef_x") is None
    event = AuditEvent.objects.get(action="api_key.create")
    assert event.actor == accounts.sysadmin and event.after["scopes"] == ["people:read"]
    assert clear not in str(event.after)

    assert KeyClient(clear).get("people").status_code == 200
    services.api_key_revoke(actor=accounts.sysadmin, key=key)
    assert services.api_key_for(clear) is None
    response = KeyClient(clear).get("people")
    assert response.status_code == 401
    assert response.json()["code"] == "unauthorized"
    with pytest.raises(ApplicationError, match="已于"):
        services.api_key_revoke(actor=accounts.sysadmin, key=key)


@pytest.mark.django_db
def test_an_expired_key_is_refused(org):
    key, clear = services.api_key_create(
        actor=testing.superuser(),
        name="短期",
        unit=org.committee,
        scopes=["people:read"],
        expires_at=timezone.now() + dt.timedelta(hours=1),
    )
    assert KeyClient(clear).get("people").status_code == 200
    ApiKey.objects.filter(pk=key.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert KeyClient(clear).get("people").status_code == 401


@pytest.mark.django_db
def test_only_a_system_administrator_over_the_unit_issues_keys(org, accounts):
    for role in ("unit_admin", "secretary", "inspector", "member"):
        with pytest.raises(PermissionRefused):
            services.api_key_create(
                actor=getattr(accounts, role), name=f"k-{role}", unit=org.branch1, scopes=["people:read"]
            )
    assert not ApiKey.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"name": "  "}, "请填写密钥名称"),
        ({"name": "甲\x00乙"}, "不能含有控制字符"),
        ({"scopes": ["people:read", "people:delete"]}, "未知的权限“people:delete”"),
        ({"scopes": []}, "请至少选择一项权限"),
        ({"expires_at": dt.datetime(2020, 1, 1, tzinfo=dt.UTC)}, "到期时间应晚于现在"),
    ],
)
def test_bad_key_requests_are_refused_with_a_reason(org, fields, message):
    arguments = {"actor": testing.superuser(), "name": "甲", "unit": org.committee, "scopes": ["people:read"]}
    with pytest.raises(ApplicationError, match=message):
        services.api_key_create(**{**arguments, **fields})
    assert not ApiKey.objects.exists()
    assert not AuditEvent.objects.filter(action="api_key.create").exists()


@pytest.mark.django_db
def test_the_service_account_cannot_log_in(org, client):
    key, _clear = services.api_key_create(
        actor=testing.superuser(), name="甲", unit=org.committee, scopes=["people:read"]
    )
    assert not key.account.has_usable_password()
    assert key.account.display_name == "API:甲"
    response = client.post("/accounts/login/", {"username": key.account.username, "password": ""})
    assert "_auth_user_id" not in client.session
    assert response.status_code == 200


@pytest.mark.django_db
def test_the_command_creates_lists_and_revokes(org):
    testing.superuser()
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "api-key",
        "create",
        "--name",
        "人事同步",
        "--unit",
        str(org.committee.pk),
        "--scope",
        "people:write,campaigns:read",
        "--expires",
        "2099-12-31",
        stdout=out,
        stderr=err,
    )
    clear = out.getvalue().strip()
    key = ApiKey.objects.get(name="人事同步")
    assert key.scopes == ["people:write", "campaigns:read"] and key.key_hash == services.hash_key(clear)
    assert "只显示这一次" in err.getvalue()
    listing = io.StringIO()
    call_command("api-key", "list", stdout=listing)
    assert "人事同步" in listing.getvalue() and clear not in listing.getvalue()
    with pytest.raises(CommandError, match="未知的权限"):
        call_command("api-key", "create", "--name", "x", "--unit", "西北能化公司党委", "--scope", "all")
    call_command("api-key", "revoke", "人事同步", stdout=io.StringIO())
    assert ApiKey.objects.get(pk=key.pk).revoked_at is not None


@pytest.mark.django_db
def test_the_keys_page_issues_a_key_once_and_revokes_it(org, accounts):
    client = Client()
    testing.login(client, accounts.sysadmin)
    page = client.get("/api/keys/")
    assert page.status_code == 200 and "签发新密钥" in page.content.decode()
    response = client.post(
        "/api/keys/",
        {"name": "门户", "unit": org.committee.pk, "scopes": ["units:read", "people:read"], "source": ""},
    )
    html = response.content.decode()
    key = ApiKey.objects.get(name="门户")
    assert "只显示这一次" in html and f"nc_{key.prefix}_" in html
    assert response["Cache-Control"] == "no-store"
    assert f"nc_{key.prefix}_" + "…" in client.get("/api/keys/").content.decode()
    refused = client.post("/api/keys/", {"name": "门户", "unit": org.committee.pk, "scopes": ["units:read"]})
    assert "已有名为“门户”的密钥" in refused.content.decode()
    client.post(f"/api/keys/{key.pk}/revoke/")
    assert ApiKey.objects.get(pk=key.pk).revoked_at is not None
    other = Client()
    testing.login(other, accounts.unit_admin)
    assert other.get("/api/keys/").status_code == 404
