"""QR sign-in in Debian's Chromium with two browsers: the secretary's screen shows the code, a member's phone (WeChat,
390 px) scans it, logs in, taps 签到, and the secretary's screen shows them present."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from netconduct.studies import services
from netconduct.studies.models import Attendance

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery-9"  # the password testing.make_account gives


def test_member_signs_in_by_scanning_the_secretarys_qr_code(live_server, page, phone, org, accounts):
    session = services.session_create(
        actor=accounts.secretary,
        unit=org.branch1,
        form="theme_day",
        topic="主题党日：学习网络行为规范",
        starts_at=timezone.now() - dt.timedelta(minutes=10),
        place="甲醇厂调度楼会议室",
    )

    # The secretary, at a desk, opens the session page: the QR code is there, nobody has signed in yet.
    page.goto(live_server.url + reverse("accounts:login"))
    page.fill("#id_username", "secretary")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(live_server.url + reverse("home"))
    page.goto(live_server.url + reverse("studies:session_detail", kwargs={"pk": session.pk}))
    qr = page.locator("#signin-qr")
    assert qr.locator("svg").is_visible()
    assert qr.bounding_box()["width"] >= 300  # big enough to scan across a meeting room
    signin_url = qr.get_attribute("data-signin-url")
    assert signin_url.startswith(live_server.url + "/campaigns/sessions/")
    assert page.locator("#signin-list").inner_text().count("王职工") == 0

    # The member scans it in WeChat: not logged in on this phone, so the login page comes first, then back.
    phone.goto(signin_url)
    phone.wait_for_url("**/accounts/login/**")
    phone.fill("#id_username", "member")
    phone.fill("#id_password", PASSWORD)
    phone.click("button[type=submit]")
    phone.wait_for_url(signin_url)
    assert "主题党日：学习网络行为规范" in phone.locator("main").inner_text()
    button = phone.get_by_role("button", name="签到")
    assert button.bounding_box()["height"] >= 44  # a thumb-sized target
    assert phone.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    button.tap()
    result = phone.locator("#signin-result")
    result.wait_for()
    assert "签到成功" in result.inner_text()
    assert (
        Attendance.objects.filter(session=session, person=accounts.member.person, status="present").count()
        == 1
    )

    # The secretary's screen picks it up on its next poll, without a reload.
    # expect() rather than wait_for_function: the Content-Security-Policy forbids evaluating strings in the page
    expect(page.locator("#signin-list")).to_contain_text("王职工", timeout=15_000)
    assert page.locator("#signin-list [data-count]").get_attribute("data-count") == "1"
    page.reload()
    row = page.locator("#attendance-table tr[data-person='王职工']")
    assert row.get_attribute("data-status") == "present"
    assert "扫码签到" in row.inner_text()
