"""Year two in Debian's Chromium: copying last year's campaign from its page, the comparison and the old-norms flag
at desktop width and at 390 px. NETCONDUCT_SHOTS=<dir> keeps screenshots of each page for a look."""

from __future__ import annotations

import datetime as dt
import os

import pytest
from django.urls import reverse
from django.utils import timezone

from netconduct import testing
from netconduct.campaigns import services
from netconduct.campaigns.tests import factories as f
from netconduct.documents import services as document_services
from netconduct.documents.tests import factories as documents

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery-9"


def _log_in(tab, live_server, username: str) -> None:
    tab.goto(live_server.url + reverse("accounts:login"))
    tab.fill("#id_username", username)
    tab.fill("#id_password", PASSWORD)
    tab.click("button[type=submit]")
    tab.wait_for_load_state()


def _shot(tab, name: str) -> None:
    folder = os.environ.get("NETCONDUCT_SHOTS")
    if folder:
        tab.screenshot(path=f"{folder}/{name}.png", full_page=True)


def test_copy_compare_and_flag_at_desktop_and_phone_width(live_server, page, phone, org, accounts):
    admin = accounts.unit_admin
    year = timezone.localdate().year
    norms = documents.issued_norms(org.committee, actor=admin)
    source = f.campaign(
        org.committee, actor=admin, document=norms, title=f"{year}年网络行为规范宣贯", requires_pledge=True
    )
    for person in (accounts.member.person, accounts.secretary.person):
        services.target_mark_pledged(campaign=source, person=person, at=timezone.now())
    services.campaign_close(actor=admin, campaign=source)
    for name in ("新入职甲", "新入职乙"):
        testing.make_person(org.branch2, name=name)

    _log_in(page, live_server, "unitadmin")
    page.goto(live_server.url + reverse("campaigns:detail", args=[source.pk]))
    page.click("#campaign-copy")
    assert page.input_value("#id_title") == f"{year + 1}年网络行为规范宣贯"
    page.fill("#id_starts_on", f"{year + 1}-01-05")
    page.fill("#id_deadline", f"{year + 1}-03-31")
    _shot(page, "copy-form-desktop")
    page.get_by_role("button", name="复制为草稿").click()
    page.wait_for_selector("#year-compare")
    assert page.locator('[data-figure="lapsed"]').inner_text() == "2"
    assert page.locator('[data-figure="new"]').inner_text() == "2"
    copy_url = page.url

    # the norms get a new version: the (draft) copy still conveys the old one until it is re-pledged
    draft = document_services.document_new_version(actor=admin, document=norms)
    copy_pk = int(copy_url.rstrip("/").split("/")[-1])
    from netconduct.campaigns.models import Campaign

    copy = Campaign.objects.get(pk=copy_pk)
    assert copy.documents.filter(pk=norms.pk).exists()
    document_services.document_issue(actor=admin, document=draft)
    page.goto(copy_url)
    assert page.locator("#old-norms").is_visible()
    _shot(page, "campaign-detail-desktop")
    page.goto(live_server.url + reverse("campaigns:list"))
    assert page.locator('[data-flag="old-norms"]').count() == 1
    _shot(page, "campaign-list-desktop")
    page.goto(live_server.url + reverse("campaigns:year_compare", args=[copy_pk]))
    assert page.locator("[data-person]").count() == 2
    _shot(page, "compare-desktop")

    _log_in(phone, live_server, "unitadmin")
    for name, url in (
        ("campaign-detail-phone", copy_url),
        ("compare-phone", live_server.url + reverse("campaigns:year_compare", args=[copy_pk]) + "?list=new"),
        ("campaign-list-phone", live_server.url + reverse("campaigns:list")),
        ("copy-form-phone", live_server.url + reverse("campaigns:copy", args=[source.pk])),
        ("yearly-rule-phone", live_server.url + reverse("studies:yearly_rule") + f"?year={year}"),
    ):
        phone.goto(url)
        _shot(phone, name)
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390, name  # no sideways scrolling
    page.goto(live_server.url + reverse("studies:yearly_rule") + f"?year={year}")
    _shot(page, "yearly-rule-desktop")
    assert page.locator("#yearly-export").is_visible()
    assert copy.deadline == dt.date(year + 1, 3, 31)
