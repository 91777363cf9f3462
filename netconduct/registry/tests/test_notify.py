"""Registry messages: the approver of the current step is told (in-app, and by e-mail when they have an address),
the applicant is told the decision; nobody else, and nothing twice."""

from __future__ import annotations

import pytest

from netconduct.notifications.models import Delivery, Notification
from netconduct.registry import services
from netconduct.registry.choices import Decision
from netconduct.registry.services.common import _notify
from netconduct.registry.tests import factories as f

pytestmark = pytest.mark.django_db


def test_approver_and_applicant_are_told_once_each(org, accounts):
    member, secretary = accounts.member, accounts.secretary
    secretary.email = "li@example.com"
    secretary.save()
    application = f.submitted(member, name="王职工安全随手拍")
    waiting = Notification.objects.filter(title__startswith="待审批")
    # the branch secretary, and the system administrator who may decide any step
    assert set(waiting.values_list("user_id", flat=True)) == {secretary.pk, accounts.sysadmin.pk}
    assert Delivery.objects.filter(recipient="li@example.com", channel="email").count() == 1
    assert not waiting.filter(user__in=[accounts.outsider_secretary, member]).exists()
    note = waiting.get(user=secretary)
    _notify([secretary.pk], key=note.key.rsplit(":to", 1)[0], title=note.title, body="", url=note.url)
    assert waiting.count() == 2 and Delivery.objects.count() == 1  # a second send writes nothing
    services.application_decide(
        actor=secretary,
        application=application,
        decision=Decision.REJECT,
        comment="名称不规范",
        version=application.version,
    )
    decided = Notification.objects.filter(user=member)
    assert decided.count() == 1 and decided.get().title.startswith("您的")
    assert not Notification.objects.filter(user=accounts.outsider_secretary).exists()
