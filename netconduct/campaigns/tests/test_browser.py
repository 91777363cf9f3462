"""The conveyance loop in Debian's Chromium: a member on a phone reads and confirms; the committee sees it."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from netconduct.campaigns.models import Target
from netconduct.campaigns.tests import factories as f

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery-9"


def _log_in(page, live_server, username: str, next_url: str = "") -> None:
    page.goto(live_server.url + reverse("accounts:login") + (f"?next={next_url}" if next_url else ""))
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")


def test_member_reads_on_a_phone_and_the_committee_sees_it(live_server, page, phone, org, accounts):
    campaign = f.campaign(org.committee, actor=accounts.unit_admin, title="2026年网络行为规范宣贯")
    target = Target.objects.get(campaign=campaign, person=accounts.member.person)

    # The link a reminder carries, opened inside WeChat: log in, land on the task.
    task_url = reverse("campaigns:my_task", args=[target.pk])
    phone.goto(live_server.url + task_url)
    phone.wait_for_url("**/accounts/login/**")
    phone.fill("#id_username", "13912345678")  # members log in with their mobile number
    phone.fill("#id_password", PASSWORD)
    phone.click("button[type=submit]")
    phone.wait_for_url(f"**{task_url}")
    assert phone.get_by_text("去阅读").is_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scrolling

    phone.locator("#task-documents a").first.click()
    phone.get_by_text("第二条").first.wait_for()
    phone.locator("#confirm-read").scroll_into_view_if_needed()
    phone.click("#confirm-read")
    phone.wait_for_url(f"**{task_url}")
    assert phone.get_by_text("已全部完成").is_visible()

    _log_in(page, live_server, "unitadmin")
    page.goto(live_server.url + reverse("campaigns:detail", args=[campaign.pk]))
    assert page.locator('[data-figure="done"]').inner_text() == "1"
    page.locator("#rollup-table").get_by_role("link", name="甲醇厂党总支").click()
    page.locator("#rollup-table").get_by_role("link", name="甲醇厂第一党支部").click()
    person = page.locator('[data-person="王职工"]')
    assert "已阅读" in person.inner_text()


def test_the_new_campaign_form_saves_with_its_default_deadline(live_server, page, org, accounts):
    """The deadline the form suggests is one the browser's date picker accepts: saving untouched works."""
    from netconduct.campaigns.models import Campaign
    from netconduct.documents.tests import factories as documents

    norms = documents.issued_norms(org.committee, actor=accounts.unit_admin)
    _log_in(page, live_server, "unitadmin")
    page.goto(live_server.url + reverse("campaigns:create") + f"?document={norms.pk}")
    deadline = page.locator('input[name="deadline"]')
    # A value the picker rejects (2026/12/31) reads back as "" and the browser refuses to submit the form.
    assert deadline.input_value() == f"{timezone.localdate().year}-12-31"
    page.locator("main button[type=submit]").click()
    page.wait_for_url("**/campaigns/*/")
    campaign = Campaign.objects.get()
    assert campaign.deadline == timezone.localdate().replace(month=12, day=31)
    assert page.locator("#campaign-draft").is_visible()  # a draft says it is not launched ...
    assert page.locator("#campaign-figures").count() == 0  # ... and shows no completion of 0 / 0
