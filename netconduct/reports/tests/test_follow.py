"""Following a report with its code and passphrase, without logging in; guessing is slowed and refused."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from netconduct.reports import receipts, services
from netconduct.reports.choices import MessageKind
from netconduct.reports.models import ReportMessage

from . import factories as f

pytestmark = pytest.mark.django_db


def _wrong_code(code: str) -> str:
    """A well-formed code of the same bucket that is not the report's."""
    while True:
        other = receipts.new_code()
        candidate = code[:3] + other[3:-1]
        candidate += receipts._luhn_digit(candidate)
        if candidate != code:
            return candidate


def _row_counts() -> dict[str, int]:
    return {m._meta.label: m._default_manager.count() for m in apps.get_models()}


def test_anyone_with_code_and_passphrase_sees_state_and_replies_and_adds_information(org, accounts):
    filed = f.file_report(accounts.member, description="某账号散布本单位安全事故谣言")
    services.report_message(
        actor=accounts.inspector, report=filed.report, kind=MessageKind.REPLY, text="正在核查，感谢。"
    )
    services.report_message(
        actor=accounts.inspector, report=filed.report, kind=MessageKind.NOTE, text="内部：疑似张某"
    )
    client = Client()  # not logged in
    response = client.post(
        reverse("reports:follow"), {"code": filed.code_display, "passphrase": f.PASSPHRASE}
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "已受理" in page and "正在核查，感谢。" in page and "某账号散布" in page
    assert "疑似张某" not in page and "inspector" not in page
    token = response.context["add_form"]["token"].value()
    added = client.post(
        reverse("reports:follow_add"),
        {"token": token, "text": "补充：该账号昨晚又发了一条。", "files": [f.png_upload()]},
    )
    assert added.status_code == 200 and "已补充" in added.content.decode()
    assert ReportMessage.objects.filter(kind=MessageKind.ADDITION).count() == 1
    assert filed.report.files.count() == 1


def test_a_wrong_passphrase_or_code_says_the_same_thing(org, accounts):
    filed = f.file_report(accounts.member)
    client = Client()
    wrong_pass = client.post(reverse("reports:follow"), {"code": filed.code, "passphrase": "not-it-at-all"})
    wrong_code = client.post(
        reverse("reports:follow"), {"code": _wrong_code(filed.code), "passphrase": f.PASSPHRASE}
    )
    assert wrong_pass.status_code == wrong_code.status_code == 400
    assert "查询码或查询密码不正确" in wrong_pass.content.decode()
    assert "查询码或查询密码不正确" in wrong_code.content.decode()
    typo = client.post(reverse("reports:follow"), {"code": filed.code[:-1] + "x", "passphrase": f.PASSPHRASE})
    assert "20位数字" in typo.content.decode()


def test_a_burst_of_wrong_guesses_locks_the_bucket_even_for_the_right_code_and_stores_nothing(org, accounts):
    filed = f.file_report(accounts.member)
    counts = _row_counts()
    allowed, _ = receipts._limits()["bucket"]
    for i in range(allowed):
        client = Client(REMOTE_ADDR=f"198.51.100.{i + 1}")  # different clients: the bucket limit still holds
        client.post(reverse("reports:follow"), {"code": _wrong_code(filed.code), "passphrase": "guess"})
    right = Client(REMOTE_ADDR="192.0.2.200").post(
        reverse("reports:follow"), {"code": filed.code, "passphrase": f.PASSPHRASE}
    )
    assert right.status_code == 400 and "尝试次数过多" in right.content.decode()
    assert _row_counts() == counts  # no row written for any attempt
    # the lock lifts with time (here: the cache entry expires), and the right code opens it again
    cache.delete(f"reports:follow:lock:bucket:{filed.code[:3]}")
    ok = Client().post(reverse("reports:follow"), {"code": filed.code, "passphrase": f.PASSPHRASE})
    assert ok.status_code == 200


def test_lockouts_grow_longer_and_clients_are_counted_by_a_keyed_hash_only(org, accounts, settings):
    settings.NETCONDUCT_REPORT_FOLLOW_LIMITS = {
        "bucket": (100, 900),
        "client": (3, 900),
        "global": (1000, 900),
        "lockout_seconds": 60,
    }
    subjects = receipts.Subjects.of(locator="123", address="203.0.113.9")
    client_key = [ident for kind, ident in subjects.keys if kind == "client"][0]
    assert "203.0.113.9" not in client_key and len(client_key) == 32
    for _ in range(3):
        receipts.record_failure(subjects)
    first = receipts.locked_for(subjects)
    assert 55 <= first <= 60
    cache.delete(f"reports:follow:lock:client:{client_key}")
    for _ in range(3):
        receipts.record_failure(subjects)
    assert 115 <= receipts.locked_for(subjects) <= 120  # doubled
    assert not any("203.0.113.9" in str(k) or "203.0.113.9" in str(v) for k, v in cache._cache.items())


def test_a_follow_token_expires_and_cannot_be_forged(org, accounts):
    f.file_report(accounts.member)
    response = Client().post(reverse("reports:follow_add"), {"token": "forged:token", "text": "x" * 20})
    assert response.status_code == 302 and response["Location"] == reverse("reports:follow")
