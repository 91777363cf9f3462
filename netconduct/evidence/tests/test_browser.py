"""An inspector asks for the committee's pack in Debian's Chromium and watches it: queued, then n of m (htmx polls
the status), then the download link; at desktop width and at 390 px."""

from __future__ import annotations

import os

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from netconduct.evidence import services
from netconduct.evidence.choices import PackStatus
from netconduct.evidence.models import EvidencePack

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery-9"  # the password testing.make_account gives
SHOTS = os.environ.get("NETCONDUCT_SCREENSHOTS", "")


def _login(tab, live_server, username: str) -> None:
    tab.goto(live_server.url + reverse("accounts:login"))
    tab.fill("#id_username", username)
    tab.fill("#id_password", PASSWORD)
    tab.click("button[type=submit]")
    tab.wait_for_url(live_server.url + reverse("home"))


def test_an_inspector_asks_for_a_pack_and_watches_it_being_built(live_server, page, phone, org, accounts):
    _login(page, live_server, "inspector")
    page.get_by_role("link", name="检查材料").first.click()
    page.select_option("#id_unit", str(org.committee.pk))
    page.fill("#id_year", "2026")
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/evidence-list.png", full_page=True)
    page.get_by_role("button", name="开始生成").click()
    page.wait_for_url("**/evidence/*/", timeout=60_000)  # the immediate backend builds it within the request
    pack = EvidencePack.objects.get()
    assert page.url == live_server.url + reverse("evidence:pack_detail", args=[pack.pk])
    expect(page.locator("#pack-status")).to_contain_text("已生成")
    link = page.get_by_role("link", name="下载材料包")
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename.endswith(".zip")

    queued = services.evidence_pack_request(
        actor=accounts.inspector, unit=org.branch1, year=2026, enqueue=False
    )
    _login(phone, live_server, "inspector")
    phone.goto(live_server.url + reverse("evidence:pack_detail", args=[queued.pk]))
    expect(phone.locator("#pack-status")).to_contain_text("排队中")
    EvidencePack.objects.filter(pk=queued.pk).update(
        status=PackStatus.RUNNING, done=40, total=160, stage="承诺书"
    )
    expect(phone.locator("#pack-status")).to_contain_text("第 40 / 160 项（承诺书）", timeout=10_000)
    if SHOTS:
        phone.screenshot(path=f"{SHOTS}/evidence-running-390.png", full_page=True)
        page.screenshot(path=f"{SHOTS}/evidence-done.png", full_page=True)
        phone.goto(live_server.url + reverse("evidence:pack_list"))
        phone.screenshot(path=f"{SHOTS}/evidence-list-390.png", full_page=True)
