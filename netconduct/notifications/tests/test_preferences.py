"""E-mail goes only to those who keep it on: a person who turns it off on their profile page is told in the platform
only; nobody gets a second e-mail for the same key."""

from __future__ import annotations

import pytest

from netconduct.notifications.models import Delivery, Notification
from netconduct.notifications.services import Message, notifications_send

pytestmark = pytest.mark.django_db


def test_email_follows_each_persons_choice(accounts):
    member, secretary = accounts.member, accounts.secretary
    for user, email in ((member, "wang@example.com"), (secretary, "li@example.com")):
        user.email = email
        user.save()

    def send(key):
        return notifications_send(
            messages=[
                Message(user_id=u.pk, key=f"{key}:{u.pk}", title="提醒", email=u.email)
                for u in (member, secretary)
            ]
        )

    assert send("k1").emails == 2
    assert send("k1").emails == 0  # the same key again: nothing twice
    member.email_notifications = False
    member.save()
    report = send("k2")
    assert (report.notifications, report.emails) == (2, 1)  # the member told in the platform only
    assert Notification.objects.filter(user=member).count() == 2
    assert Delivery.objects.filter(recipient="wang@example.com").count() == 1
    assert Delivery.objects.filter(recipient="li@example.com").count() == 2
