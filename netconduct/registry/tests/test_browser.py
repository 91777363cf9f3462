"""The filing loop in Debian's Chromium on a 390 px phone: a member applies, the branch secretary and the committee
approve, and the member finds the account with its filing number in the register."""

from __future__ import annotations

import pytest
from django.urls import reverse

from netconduct.registry.models import Account

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery-9"


def _log_in(tab, live_server, username: str, next_url: str) -> None:
    tab.goto(live_server.url + reverse("accounts:login") + f"?next={next_url}")
    tab.fill("#id_username", username)
    tab.fill("#id_password", PASSWORD)
    tab.click("button[type=submit]")
    tab.wait_for_url(f"**{next_url}")


def _no_sideways_scroll(tab) -> None:
    assert tab.evaluate("document.documentElement.scrollWidth") <= 390


def test_a_member_applies_on_a_phone_and_the_account_is_filed(live_server, browser, phone, org, accounts):
    registry = reverse("registry:list")
    _log_in(phone, live_server, "13912345678", registry)  # members log in with their mobile number
    _no_sideways_scroll(phone)
    phone.click("#apply-button")
    phone.select_option("#id_platform", "wechat_group")
    phone.select_option("#id_account_kind", "group")
    phone.fill("#id_name", "一班安全交流群")
    phone.fill("#id_purpose", "班组安全提示和排班通知")
    phone.fill("#id_admins", "王职工 13912345678")
    phone.fill("#id_audience", "35")
    phone.fill("#id_content_review", "群主把关，不发涉密和个人信息")
    phone.fill("#id_planned_open_on", "2026-09-01")
    _no_sideways_scroll(phone)
    phone.click("#submit-application")
    phone.locator("#steps").wait_for()
    assert "审批中" in phone.locator("#application-status").inner_text()
    application_url = phone.url.removeprefix(live_server.url)
    _no_sideways_scroll(phone)

    # The branch secretary approves on a phone too.
    secretary = browser.new_context(
        locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True
    ).new_page()
    _log_in(secretary, live_server, "secretary", application_url)
    secretary.check("input[name=decision][value=approve]")
    secretary.click("#decide-button")
    secretary.get_by_text("审批意见已保存").wait_for()
    _no_sideways_scroll(secretary)
    secretary.context.close()

    admin = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900}).new_page()
    _log_in(admin, live_server, "unitadmin", application_url)
    admin.check("input[name=decision][value=approve]")
    admin.fill("#id_comment", "同意开通，请严格落实群管理要求")
    admin.click("#decide-button")
    admin.locator("#filed").wait_for()
    number = Account.objects.get().filing_number
    assert number in admin.locator("#filed").inner_text()
    admin.context.close()

    phone.goto(live_server.url + registry)
    row = phone.locator('[data-account="一班安全交流群"]')
    assert number in row.inner_text()
    row.get_by_role("link", name="一班安全交流群").click()
    assert phone.locator("#filing-number").inner_text() == number
    assert "党委办公室审批：同意" in phone.locator("#history").inner_text()
    _no_sideways_scroll(phone)
