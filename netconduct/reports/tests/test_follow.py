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


def _guess(address: str, code: str, passphrase: str = "guess", **meta):
    return Client(REMOTE_ADDR=address, **meta).post(
        reverse("reports:follow"), {"code": code, "passphrase": passphrase}
    )


def test_other_peoples_wrong_guesses_never_lock_out_the_reporter_and_store_nothing(org, accounts):
    filed = f.file_report(accounts.member)
    counts = _row_counts()
    limits = receipts._limits()
    # many guessers on the report's bucket, each until refused
    for i in range(limits["bucket"][0] + 5):
        for _ in range(limits["bucket_client"][0] + 1):
            _guess(f"198.51.100.{i + 1}", _wrong_code(filed.code))
    # and one guesser until its own limit
    for _ in range(limits["client"][0] + 2):
        _guess("198.51.100.250", filed.code)
    assert "尝试次数过多" in _guess("198.51.100.250", filed.code, f.PASSPHRASE).content.decode()
    right = _guess("192.0.2.200", filed.code, f.PASSPHRASE)
    assert right.status_code == 200 and "已受理" in right.content.decode()
    assert _row_counts() == counts  # no row written for any attempt


def test_a_guesser_is_stopped_per_client_and_on_a_busy_bucket_per_client_too(org, accounts, settings):
    settings.NETCONDUCT_REPORT_FOLLOW_LIMITS = {
        "client": (4, 900),
        "bucket": (6, 900),
        "bucket_client": (2, 900),
    }
    filed = f.file_report(accounts.member)
    for _ in range(4):
        assert "查询码或查询密码不正确" in _guess("203.0.113.1", _wrong_code(filed.code)).content.decode()
    refused = _guess("203.0.113.1", filed.code, f.PASSPHRASE)  # even the right answer: this client is paused
    assert refused.status_code == 400 and "尝试次数过多" in refused.content.decode()
    # the bucket has had 4 attempts; two more from elsewhere make it busy: then 2 per client on it
    _guess("203.0.113.2", _wrong_code(filed.code))
    _guess("203.0.113.3", _wrong_code(filed.code))
    for _ in range(2):
        assert "不正确" in _guess("203.0.113.4", _wrong_code(filed.code)).content.decode()
    assert "尝试次数过多" in _guess("203.0.113.4", _wrong_code(filed.code)).content.decode()
    # a refused attempt is not counted: the reporter, from their own address, still gets in
    assert _guess("203.0.113.9", filed.code, f.PASSPHRASE).status_code == 200


def test_people_behind_one_proxy_are_counted_apart_by_the_trusted_header(org, accounts, settings):
    settings.NETCONDUCT_TRUSTED_PROXIES = 1
    settings.NETCONDUCT_REPORT_FOLLOW_LIMITS = {
        "client": (3, 900),
        "bucket": (100, 900),
        "bucket_client": (3, 900),
    }
    filed = f.file_report(accounts.member)
    proxy = "10.0.0.1"
    for _ in range(5):  # a guesser behind the proxy, lying about its address in front of the real one
        _guess(proxy, _wrong_code(filed.code), HTTP_X_FORWARDED_FOR="192.0.2.50, 198.51.100.66")
    guesser = _guess(proxy, filed.code, f.PASSPHRASE, HTTP_X_FORWARDED_FOR="192.0.2.77, 198.51.100.66")
    assert "尝试次数过多" in guesser.content.decode()  # the forged first entry did not make it someone else
    reporter = _guess(proxy, filed.code, f.PASSPHRASE, HTTP_X_FORWARDED_FOR="198.51.100.67")
    assert reporter.status_code == 200


def test_the_client_address_comes_from_the_trusted_proxies_only(rf, settings):
    from netconduct.reports.clients import client_address

    request = rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="1.1.1.1, 2.2.2.2, 3.3.3.3")
    settings.NETCONDUCT_TRUSTED_PROXIES = 0
    assert client_address(request) == "10.0.0.2"  # no proxy trusted: the header is the client's own word
    settings.NETCONDUCT_TRUSTED_PROXIES = 1
    assert client_address(request) == "3.3.3.3"
    settings.NETCONDUCT_TRUSTED_PROXIES = 2
    assert client_address(request) == "2.2.2.2"
    settings.NETCONDUCT_CLIENT_IP_HEADER = "X-Real-IP"
    settings.NETCONDUCT_TRUSTED_PROXIES = 1
    assert client_address(request) == "10.0.0.2"  # the configured header is absent
    request = rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_REAL_IP="garbage")
    assert client_address(request) == "10.0.0.2"


def test_a_burst_of_parallel_guesses_gets_no_more_than_the_limit_through(settings):
    import threading

    settings.NETCONDUCT_REPORT_FOLLOW_LIMITS = {
        "client": (10, 900),
        "bucket": (1000, 900),
        "bucket_client": (10, 900),
    }
    passed: list[int] = []
    refused: list[int] = []
    start = threading.Barrier(40)

    def guess(i: int) -> None:
        start.wait()
        try:
            receipts.attempt_begin(locator="123", address="203.0.113.8")
        except receipts.Refused:
            refused.append(i)
        else:
            passed.append(i)

    threads = [threading.Thread(target=guess, args=(i,)) for i in range(40)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(passed) == 10 and len(refused) == 30


def test_clients_are_counted_by_a_keyed_hash_only(settings):
    receipts.attempt_begin(locator="123", address="203.0.113.9")
    assert not any("203.0.113.9" in str(k) or "203.0.113.9" in str(v) for k, v in cache._cache.items())
    assert receipts.client_id("203.0.113.9") != receipts.client_id("203.0.113.10")


def test_a_known_and_an_unknown_code_run_the_same_argon2_work(org, accounts, monkeypatch):
    filed = f.file_report(accounts.member)
    for _ in range(2):  # a fuller bucket: every code hash in it is verified, found or not
        extra = f.file_report(accounts.member)
        Report = type(extra.report)
        Report.objects.filter(pk=extra.report.pk).update(locator=filed.code[:3])
    calls: list[str] = []
    real = receipts.verify_secret

    def counting(stored: str, value: str) -> bool:
        calls.append(stored.rsplit("$", 2)[0])  # the hash's algorithm and cost, not its salt
        return real(stored, value)

    monkeypatch.setattr(receipts, "verify_secret", counting)

    def work(code: str) -> list[str]:
        calls.clear()
        with pytest.raises(services.FollowRefused, match="查询码或查询密码不正确"):
            services.report_follow(code=code, passphrase="wrong-pass-123", address="198.51.100.1")
        cache.clear()
        return list(calls)

    known = work(filed.code)
    unknown = work(_wrong_code(filed.code))
    assert known == unknown and len(known) == 4  # three codes of the bucket and one passphrase
    other_bucket = "999" if filed.code[:3] != "999" else "998"
    empty = other_bucket + filed.code[3:-1]
    empty += receipts._luhn_digit(empty)
    empty_work = work(empty)
    assert len(empty_work) == 2  # an empty bucket still verifies one code and one passphrase


def test_a_follow_token_expires_and_cannot_be_forged(org, accounts):
    f.file_report(accounts.member)
    response = Client().post(reverse("reports:follow_add"), {"token": "forged:token", "text": "x" * 20})
    assert response.status_code == 400 and "页面已过期" in response.content.decode()
    assert "messages" not in response.cookies and "sessionid" not in response.cookies
