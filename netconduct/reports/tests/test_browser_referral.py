"""A handler records a referral to an outside regulator and its reply from the report's page on a 390 px phone.
Set NETCONDUCT_SHOTS=<folder> to keep screenshots."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.urls import reverse

from netconduct.reports.models import Referral

from . import factories as f

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery-9"


def _shot(tab, name: str) -> None:
    folder = os.environ.get("NETCONDUCT_SHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        tab.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def test_a_handler_refers_a_report_on_a_phone(live_server, phone, org, accounts):
    report = f.file_report(accounts.member, unit=org.branch1).report
    url = reverse("reports:handle_detail", args=[report.pk])
    phone.goto(live_server.url + reverse("accounts:login") + f"?next={url}")
    phone.fill("#id_username", "inspector")
    phone.fill("#id_password", PASSWORD)
    phone.click("button[type=submit]")
    phone.wait_for_url(f"**{url}")
    form = phone.locator("#referral-form")
    form.locator("[name=receiver]").fill("属地网信办")
    form.locator("[name=channel]").select_option("document")
    form.locator("[name=reference]").fill("西北能化纪函〔2026〕7号")
    form.get_by_role("button").click()
    phone.get_by_text("已登记移交").wait_for()
    referral = Referral.objects.get()
    card = phone.locator(f'[data-referral="{referral.pk}"]')
    assert "西北能化纪函〔2026〕7号" in card.inner_text() and "待回复" in card.inner_text()
    card.locator("summary").click()
    card.locator("[name=summary]").fill("网信办已约谈账号主体，相关内容已删除。")
    card.get_by_role("button").click()
    phone.get_by_text("已登记回复").wait_for()
    assert "网信办已约谈账号主体" in phone.locator("#referrals").inner_text()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.locator("#referrals").scroll_into_view_if_needed()
    _shot(phone, "report-referral-390")
