"""Changes of duty that org announces are told here: sensitive roles to the inspectors above, vacant roles to the
unit administrators."""

from __future__ import annotations

import pytest

from netconduct import testing
from netconduct.notifications.models import Notification
from netconduct.org import services
from netconduct.org.choices import PersonStatus, Role

pytestmark = pytest.mark.django_db


def test_granting_or_revoking_a_sensitive_role_tells_the_inspectors_above(org, accounts):
    group_inspector = testing.make_account("groupinsp")
    testing.grant(group_inspector, Role.INSPECTOR, org.group)
    Notification.objects.all().delete()
    grant = services.grant_create(
        actor=accounts.inspector, user=accounts.member, role=Role.INSPECTOR, unit=org.plant
    )
    told = set(Notification.objects.values_list("user_id", flat=True))
    assert told == {accounts.inspector.pk, group_inspector.pk}  # not the unit administrator, not the holder
    assert (
        "授予" in Notification.objects.first().title and "甲醇厂党总支" in Notification.objects.first().title
    )
    services.grant_revoke(actor=accounts.sysadmin, grant=grant)
    assert Notification.objects.filter(title__contains="撤销").count() == 2
    # An office-line role is nobody's business on the discipline line.
    before = Notification.objects.count()
    services.grant_create(
        actor=accounts.unit_admin, user=accounts.member, role=Role.SECRETARY, unit=org.branch2
    )
    assert Notification.objects.count() == before


def test_a_leaver_s_roles_are_reported_vacant_to_the_unit_administrators(org, accounts):
    Notification.objects.all().delete()
    services.person_update(
        actor=accounts.unit_admin, person=accounts.secretary.person, status=PersonStatus.RETIRED
    )
    notes = list(Notification.objects.all())
    assert [n.user_id for n in notes] == [accounts.unit_admin.pk]
    assert (
        "角色空缺" in notes[0].title and "甲醇厂第一党支部" in notes[0].title and "支部书记" in notes[0].title
    )
    # Someone without roles leaves: nobody needs telling.
    services.person_update(
        actor=accounts.unit_admin, person=accounts.member.person, status=PersonStatus.RETIRED
    )
    assert Notification.objects.count() == 1


def test_a_leaving_inspector_is_told_up_the_discipline_line(org, accounts):
    insp = testing.make_account("branchinsp", person=testing.make_person(org.branch1, name="纪委员"))
    testing.grant(insp, Role.INSPECTOR, org.branch1)
    Notification.objects.all().delete()
    services.person_update(actor=accounts.sysadmin, person=insp.person, status=PersonStatus.TRANSFERRED)
    told = set(Notification.objects.values_list("user_id", flat=True))
    assert told == {accounts.inspector.pk, accounts.unit_admin.pk}
