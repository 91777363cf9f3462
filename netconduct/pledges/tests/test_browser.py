"""Signing a pledge with a finger on a phone, in Debian's Chromium, then verifying the downloaded copy."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from netconduct.campaigns.models import Target
from netconduct.pledges import services
from netconduct.pledges.models import Pledge

from . import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery-9"


def test_member_signs_with_a_finger_on_a_phone_and_downloads_the_sealed_copy(
    live_server, phone, org, accounts
):
    campaign = factories.pledge_campaign(org.committee, actor=accounts.unit_admin)
    target = Target.objects.get(campaign=campaign, person=accounts.member.person)

    task_url = reverse("campaigns:my_task", args=[target.pk])
    phone.goto(live_server.url + task_url)
    phone.fill("#id_username", "13912345678")
    phone.fill("#id_password", PASSWORD)
    phone.click("button[type=submit]")
    phone.wait_for_url(f"**{task_url}")
    phone.locator("#task-pledge a").click()
    phone.get_by_text("严守政治纪律和政治规矩").wait_for()

    # Not read to the end yet: the box cannot be ticked.
    assert phone.locator("#acknowledged").is_disabled()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.locator("#pledge-end").scroll_into_view_if_needed()
    phone.locator("#acknowledged").wait_for(state="attached")
    # expect() rather than wait_for_function: the Content-Security-Policy forbids evaluating strings in the page
    expect(phone.locator("#acknowledged")).to_be_enabled()
    phone.check("#acknowledged")

    # Sign with a finger: a stroke across the pad.
    pad = phone.locator("#signature-pad")
    pad.scroll_into_view_if_needed()
    box = pad.bounding_box()
    phone.mouse.move(box["x"] + 30, box["y"] + 120)
    phone.mouse.down()
    for k in range(1, 12):
        phone.mouse.move(box["x"] + 30 + k * 25, box["y"] + 120 - (k % 2) * 70, steps=3)
    phone.mouse.up()
    with phone.expect_navigation(timeout=60_000):
        phone.click("#sign-button")
    phone.locator("#download-pdf").wait_for(timeout=30_000)

    pledge = Pledge.objects.get()
    assert pledge.signature_kind == "drawn" and pledge.signature_png and "MicroMessenger" in pledge.user_agent
    assert phone.locator("#pledge-code").inner_text() == pledge.code_display
    with phone.expect_download() as info:
        phone.click("#download-pdf")
    data = Path(info.value.path()).read_bytes()
    assert data == services.pledge_pdf_bytes(pledge)

    # Anyone can check the copy on the public page, without logging in.
    phone.context.clear_cookies()
    phone.goto(live_server.url + reverse("pledges:verify"))
    phone.set_input_files("input[name=file]", info.value.path())
    phone.get_by_role("button", name="核验文件").click()
    assert "文件与平台存档的承诺书逐字节相同" in phone.locator("#verify-result").inner_text()
