"""A study record returned with an opinion tells its recorder and the branch's secretaries, once per return."""

from __future__ import annotations

import pytest

from netconduct import testing
from netconduct.notifications.models import Notification
from netconduct.org.choices import Role
from netconduct.studies import services
from netconduct.studies.tests.test_services import make_session, ready_to_submit

pytestmark = pytest.mark.django_db


def _returned(session):
    return Notification.objects.filter(key__startswith=f"studies.session:{session.pk}:returned:")


def test_a_returned_record_tells_the_recorder_and_secretaries_with_the_opinion(org, accounts):
    deputy = testing.make_account("deputy")
    testing.grant(deputy, Role.SECRETARY, org.branch1)
    session = make_session(accounts.secretary, org.branch1)
    ready_to_submit(accounts.secretary, session, accounts.member.person)
    services.session_submit(actor=accounts.secretary, session=session)
    services.session_review(actor=accounts.unit_admin, session=session, decision="accept")
    assert not _returned(session).exists()  # accepted: nothing to put right

    other = make_session(accounts.secretary, org.branch1, topic="第二次学习", recorder=accounts.member.person)
    ready_to_submit(accounts.secretary, other, accounts.member.person)
    services.session_submit(actor=accounts.secretary, session=other)
    services.session_review(
        actor=accounts.unit_admin, session=other, decision="return", opinion="请补充会议照片"
    )
    notes = _returned(other)
    # the secretaries, and the member who kept the minutes (记录人)
    told = {accounts.secretary.pk, deputy.pk, accounts.member.pk}
    assert set(notes.values_list("user_id", flat=True)) == told
    assert not notes.filter(user__in=[accounts.outsider_secretary, accounts.unit_admin]).exists()
    assert all("请补充会议照片" in n.body for n in notes)

    # returned again after a fix: told again, once
    services.session_submit(actor=accounts.secretary, session=other)
    services.session_review(actor=accounts.unit_admin, session=other, decision="return", opinion="照片不清晰")
    assert _returned(other).count() == 6
    assert _returned(other).filter(body__contains="照片不清晰").count() == 3
