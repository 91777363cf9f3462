"""The reporting channel in Debian's Chromium: a member files a confidential report on a phone, follows it with code
and passphrase without logging in, and an inspector handles it at a desk."""

from __future__ import annotations

import pytest
from django.urls import reverse

from netconduct.reports.models import Report

from . import factories as f

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery-9"
PASSPHRASE = "梅花香自苦寒来-2026"


def _phone_context(browser):
    return browser.new_context(
        locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )


def _no_sideways_scroll(tab) -> None:
    assert tab.evaluate("document.documentElement.scrollWidth") <= 390


def test_confidential_report_on_a_phone_followed_without_login_and_handled(
    live_server, browser, phone, page, org, accounts
):
    f.norms(org.committee, actor=org.root_user)

    # 1. The member files on a phone, inside WeChat.
    phone.goto(live_server.url + reverse("accounts:login") + "?next=" + reverse("reports:file"))
    phone.fill("#id_username", "13912345678")
    phone.fill("#id_password", PASSWORD)
    phone.click("button[type=submit]")
    phone.wait_for_url("**" + reverse("reports:file"))
    assert phone.locator("#confidential-note").is_visible()
    _no_sideways_scroll(phone)
    phone.select_option("#id_category", "2.1")
    phone.select_option("#id_platform", "wechat")
    phone.fill("#id_link", "https://example.com/post/42")
    phone.fill("#id_description", "有人在同学群里转发本单位内部会议纪要截图，并附有评论。")
    phone.set_input_files("#id_files", files=[{"name": "截图.png", "mimeType": "image/png", "buffer": f.PNG}])
    assert phone.is_checked("#id_confidential_0")  # confidential is the default
    assert not phone.locator("#id_reported_unit").is_visible()
    phone.fill("#id_passphrase", PASSPHRASE)
    phone.fill("#id_passphrase2", PASSPHRASE)
    phone.click("#submit-report")
    code = phone.locator("#receipt-code").inner_text().strip()
    assert len(code.replace(" ", "")) == 20
    assert phone.locator("#copy-code").is_visible()
    _no_sideways_scroll(phone)
    report = Report.objects.get()
    assert report.confidential

    # 1b. Someone without an account files from the public page: the unit is chosen from the list, no session.
    stranger = _phone_context(browser)
    public = stranger.new_page()
    public.set_default_timeout(15_000)
    public.goto(live_server.url + reverse("reports:file"))
    assert (
        public.locator("#anonymous-note").is_visible() and public.locator("#id_confidential_0").count() == 0
    )
    assert public.locator("#id_reported_unit").is_visible()
    _no_sideways_scroll(public)
    public.select_option("#id_category", "other")
    public.select_option("#id_platform", "weibo")
    public.fill("#id_description", "某微博账号冒用本单位名义发布招聘信息。")
    public.select_option("#id_reported_unit", str(org.branch2.pk))
    public.fill("#id_passphrase", PASSPHRASE)
    public.fill("#id_passphrase2", PASSPHRASE)
    public.click("#submit-report")
    assert len(public.locator("#receipt-code").inner_text().replace(" ", "")) == 20
    assert not [c for c in stranger.cookies() if c["name"] == "sessionid"]
    stranger.close()
    assert Report.objects.get(unit=org.branch2).confidential

    # 2. Following it: a fresh phone browser, nobody logged in.
    anonymous = _phone_context(browser)
    follow = anonymous.new_page()
    follow.set_default_timeout(15_000)
    follow.goto(live_server.url + reverse("reports:follow"))
    follow.fill("#id_code", code)
    follow.fill("#id_passphrase", PASSPHRASE)
    follow.click("#follow-submit")
    assert "已受理" in follow.locator("#follow-state").inner_text()
    _no_sideways_scroll(follow)
    follow.fill("#id_text", "补充：该截图昨晚已被转到另一个群。")
    follow.click("#add-submit")
    assert follow.get_by_text("已补充").is_visible()

    # 3. The committee's inspector handles it at a desk.
    page.goto(live_server.url + reverse("reports:handle_list"))
    page.fill("#id_username", "inspector")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**" + reverse("reports:handle_list"))
    page.locator(f'[data-report="{report.reference}"] a').first.click()
    assert "内部会议纪要" in page.locator("#report-description").inner_text()
    assert "保密" in page.locator("#reporter").inner_text() and "王职工" not in page.content()
    assert "补充：该截图" in page.content()
    page.select_option("#assign-form select", str(accounts.inspector.pk))
    page.click("#assign-form button")
    page.fill("#id_reply", "已收到，正在核查。")
    page.click("#advance-button")
    page.get_by_text("核查中").first.wait_for()
    page.select_option("#id_disposition", "internal")
    page.click("#advance-button")
    page.get_by_text("内部处理").first.wait_for()
    page.fill("#id_summary", "已对当事人批评教育，截图已删除。")
    page.click("#advance-button")
    page.get_by_text("已办结").first.wait_for()
    assert "查阅" in page.locator("#readings").inner_text()

    # 4. The reporter sees the reply and the closing summary.
    follow.goto(live_server.url + reverse("reports:follow"))
    follow.fill("#id_code", code.replace(" ", ""))
    follow.fill("#id_passphrase", PASSPHRASE)
    follow.click("#follow-submit")
    assert "已办结" in follow.locator("#follow-state").inner_text()
    assert "已收到，正在核查。" in follow.locator("#follow-thread").inner_text()
    assert "批评教育" in follow.locator("#closing-summary").inner_text()
    assert follow.locator("#add-form").count() == 0
    anonymous.close()
