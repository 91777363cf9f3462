"""A member on the phone follows the bell to a reminder and on to the task it is about."""

from __future__ import annotations

import copy
import datetime as dt

import pytest
from django.urls import reverse

from netconduct.campaigns import reminders
from netconduct.campaigns.tests.test_reminders import at, launch

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery-9"  # the password testing.make_account gives


def test_member_follows_the_bell_to_the_task(live_server, phone, org, accounts, settings):
    templates = copy.deepcopy(settings.TEMPLATES)
    templates[0]["OPTIONS"]["context_processors"].append(
        "netconduct.notifications.context_processors.notifications"
    )
    settings.TEMPLATES = templates
    campaign, _ = launch(org, days=5)
    reminders.reminders_plan_and_send(now=at(campaign.deadline - dt.timedelta(days=2)), dispatch=False)

    phone.goto(live_server.url + reverse("accounts:login"))
    phone.fill("#id_username", "member")
    phone.fill("#id_password", PASSWORD)
    phone.click("button[type=submit]")
    phone.wait_for_url(live_server.url + reverse("home"))

    # the task given at launch, and the reminder
    bell = phone.get_by_role("link", name="通知（2 条未读）")
    assert bell.is_visible()  # outside the collapsed menu, on a phone
    bell.click()
    phone.wait_for_url("**/campaigns/notifications/")
    assert phone.get_by_text("还有2天截止").is_visible()
    phone.get_by_role("button", name="去办理").first.click()  # newest first: the reminder
    phone.wait_for_url("**/campaigns/my/*/")
    assert phone.get_by_role(
        "link", name="通知（1 条未读）"
    ).is_visible()  # the reminder is read, the task not
