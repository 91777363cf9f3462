"""Article 7 follow-through in Debian's Chromium: a member answers the size declaration on a 390 px phone from their
home page and lands on the filled-in filing application; staff read the counts by unit, the late changes and the
close requests at desktop width. Set NETCONDUCT_SHOTS=<folder> to keep screenshots of each page."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from netconduct.campaigns.tests import factories as campaign_factories
from netconduct.registry import declarations, reviews, services
from netconduct.registry.choices import ReviewAnswer
from netconduct.registry.tests import factories as f

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery-9"


def _log_in(tab, live_server, username: str, next_url: str) -> None:
    tab.goto(live_server.url + reverse("accounts:login") + f"?next={next_url}")
    tab.fill("#id_username", username)
    tab.fill("#id_password", PASSWORD)
    tab.click("button[type=submit]")
    tab.wait_for_url(f"**{next_url}")


def _shot(tab, name: str) -> None:
    folder = os.environ.get("NETCONDUCT_SHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        tab.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def _fits(tab, width: int) -> None:
    assert tab.evaluate("document.documentElement.scrollWidth") <= width


def test_declaring_on_a_phone_and_the_staff_pages(live_server, browser, phone, org, accounts):
    campaign = campaign_factories.campaign(org.committee, actor=org.root_user, issuer_code="西北能化党发")
    round_ = declarations.declaration_round_open(
        actor=accounts.unit_admin, campaign=campaign, follower_threshold=5000, group_threshold=200
    )
    declarations.declaration_submit(actor=accounts.secretary, round=round_, answer="no")
    # a late change and a request to close, for the staff pages
    member = accounts.member
    application = services.change_start(actor=member, account=f.filed(member, name="甲醇厂安全生产号"))
    services.application_update(
        actor=member, application=application, changed_on=timezone.localdate() - dt.timedelta(days=45)
    )
    gone = f.filed(member, name="停用的活动群", platform="wechat_group", account_kind="group")
    review = reviews.review_open(
        actor=accounts.unit_admin,
        unit=org.committee,
        year=2026,
        deadline=timezone.localdate() + dt.timedelta(days=20),
    )
    reviews.review_answer(
        actor=member,
        item=review.items.get(account=gone),
        answer=ReviewAnswer.CLOSE,
        note="活动结束，群已解散",
    )

    _log_in(phone, live_server, "13912345678", "/")
    item = phone.locator('[data-kind="declare"]')
    assert "申报个人账号、群组规模" in item.inner_text()
    _shot(phone, "home-declare-390")
    item.get_by_role("link").first.click()
    phone.locator("#declare-form").wait_for()
    _fits(phone, 390)
    _shot(phone, "declare-390")
    phone.check("input[name=answer][value=yes]")
    phone.select_option("#id_platform", "douyin")
    phone.select_option("#id_account_kind", "account")
    phone.fill("#id_name", "煤海小王")
    phone.fill("#id_audience", "12000")
    phone.click("#declare-submit")
    phone.locator("#from-declaration").wait_for()
    assert phone.input_value("#id_name") == "煤海小王" and phone.input_value("#id_audience") == "12000"
    _fits(phone, 390)
    _shot(phone, "apply-from-declaration-390")

    desk = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900}).new_page()
    url = reverse("registry:declaration_round", args=[round_.pk])
    _log_in(desk, live_server, "unitadmin", url)
    assert "煤海小王" in desk.locator("#declaration-yes").inner_text()
    _shot(desk, "declaration-counts-desk")
    desk.goto(live_server.url + reverse("registry:late"))
    assert "甲醇厂安全生产号" in desk.locator("#late-table").inner_text()
    _shot(desk, "late-desk")
    desk.goto(live_server.url + reverse("registry:close_requests"))
    assert "活动结束，群已解散" in desk.locator("#close-requests").inner_text()
    _shot(desk, "close-requests-desk")
    desk.set_viewport_size({"width": 390, "height": 844})
    for name in ("registry:close_requests", "registry:late"):
        desk.goto(live_server.url + reverse(name))
        _fits(desk, 390)
        _shot(desk, name.split(":")[1] + "-390")
    desk.goto(live_server.url + url)
    _fits(desk, 390)
    _shot(desk, "declaration-counts-390")
    desk.context.close()
