"""Slips and logins, attacked as insiders would: a unit administrator printing a reset slip to take over a peer's,
a superior's or an inspector's account; a secretary locking someone out by reusing their username as an employee
number; a leaver who comes back."""

from __future__ import annotations

import pytest
from django.urls import reverse

from netconduct import testing
from netconduct.accounts import services
from netconduct.accounts.models import ActivationCode
from netconduct.core.exceptions import ApplicationError, PermissionRefused
from netconduct.core.models import AuditEvent
from netconduct.org import selectors
from netconduct.org import services as org_services
from netconduct.org.choices import PersonStatus, Role
from netconduct.org.models import Person

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-battery-9"
RESET = ActivationCode.Purpose.RESET


def _holder(org, username: str, role: str | None, unit, *, in_unit=None):
    user = testing.make_account(
        username, person=testing.make_person(in_unit or org.branch1, name=f"人{username}")
    )
    if role is not None:
        testing.grant(user, role, unit)
    return user


def test_a_unit_administrator_cannot_reset_a_peer_a_superior_or_any_inspector(org, accounts):
    peer = _holder(org, "peer", Role.UNIT_ADMIN, org.committee)
    superior = _holder(org, "boss", Role.UNIT_ADMIN, org.company)
    inspector_below = _holder(org, "insp", Role.INSPECTOR, org.branch1)
    secretary_same_level = _holder(org, "comsec", Role.SECRETARY, org.committee)
    for target, says in (
        (peer, "同级或上级"),
        (superior, "同级或上级"),
        (secretary_same_level, "同级或上级"),
        (inspector_below, "只能由系统管理员"),
    ):
        with pytest.raises(PermissionRefused, match=says):
            services.activation_issue(actor=accounts.unit_admin, people=[target.person], purpose=RESET)
    assert not ActivationCode.objects.exists()
    # Below the administrator's level, and people without roles, are theirs to reset; an inspector is the
    # system administrator's.
    below = _holder(org, "plantsec", Role.SECRETARY, org.plant)
    assert services.activation_issue(actor=accounts.unit_admin, people=[below.person], purpose=RESET)
    assert services.activation_issue(
        actor=accounts.unit_admin, people=[accounts.member.person], purpose=RESET
    )
    assert services.activation_issue(actor=accounts.sysadmin, people=[inspector_below.person], purpose=RESET)


def test_the_reset_page_refuses_an_inspector_to_a_unit_administrator(client, org, accounts):
    inspector = _holder(org, "insp", Role.INSPECTOR, org.branch1)
    testing.login(client, accounts.unit_admin)
    response = client.post(reverse("accounts:person_reset", args=[inspector.person.pk]), follow=True)
    assert "只能由系统管理员" in response.content.decode()
    assert not ActivationCode.objects.filter(person=inspector.person).exists()


def test_a_secretary_cannot_lock_an_account_out_by_reusing_its_username(client, org, accounts):
    """Employee numbers and usernames are one namespace: the secretary's attempt is refused, and even data that
    slipped in before the rule cannot take the login over, as the username is looked up first."""
    with pytest.raises(ApplicationError, match="其他账号的登录用户名") as caught:
        org_services.person_update(
            actor=accounts.secretary, person=accounts.member.person, employee_no="unitadmin"
        )
    assert caught.value.field == "employee_no"
    response = client.post(reverse("accounts:login"), {"username": "unitadmin", "password": PASSWORD})
    assert response.status_code == 302 and int(client.session["_auth_user_id"]) == accounts.unit_admin.pk

    # Written past the services (old data): the username still names its own account.
    Person.objects.filter(pk=accounts.member.person.pk).update(employee_no="unitadmin")
    assert selectors.find_user("unitadmin") == accounts.unit_admin
    assert selectors.find_user("13912345678") == accounts.member  # the member's mobile still works


def test_login_resolves_username_then_employee_number_then_mobile(org, accounts):
    other = testing.make_account("other", person=testing.make_person(org.branch2, name="另一人"))
    # Old data: the other person's employee number is the member's mobile.
    Person.objects.filter(pk=other.person.pk).update(employee_no="13912345678")
    assert selectors.find_user("13912345678") == other  # employee number before mobile
    assert selectors.find_user("A1001") == accounts.member
    assert selectors.find_user("nobody") is None


def test_a_new_username_is_never_someone_elses_employee_number(org, accounts):
    person = testing.make_person(org.branch1, name="新人")
    testing.make_person(org.branch2, name="旁人", employee_no=f"p{person.pk}")
    assert services.new_username(person) != f"p{person.pk}"


def test_a_returning_leaver_is_reactivated_by_a_person(client, org, accounts):
    member = accounts.member
    org_services.person_update(
        actor=accounts.secretary, person=member.person, status=PersonStatus.TRANSFERRED
    )
    member.refresh_from_db()
    assert not member.is_active
    testing.login(client, accounts.secretary)
    url = reverse("accounts:person_reactivate", args=[member.person.pk])
    response = client.post(url, follow=True)
    assert "请先将其状态改为在岗" in response.content.decode()
    member.refresh_from_db()
    assert not member.is_active
    org_services.person_update(actor=accounts.secretary, person=member.person, status=PersonStatus.ACTIVE)
    member.refresh_from_db()
    assert not member.is_active  # not automatically
    page = client.get(reverse("org:person", kwargs={"pk": member.person.pk})).content.decode()
    assert "恢复账号" in page
    client.post(url)
    member.refresh_from_db()
    assert member.is_active
    assert AuditEvent.objects.get(action="account.reactivate").actor == accounts.secretary
    # Outside the scope: 404, nothing changes.
    outsider = testing.make_account("away", person=testing.make_person(org.office, name="机关人"))
    org_services.person_update(actor=accounts.unit_admin, person=outsider.person, status=PersonStatus.RETIRED)
    org_services.person_update(actor=accounts.unit_admin, person=outsider.person, status=PersonStatus.ACTIVE)
    assert client.post(reverse("accounts:person_reactivate", args=[outsider.person.pk])).status_code == 404
    outsider.refresh_from_db()
    assert not outsider.is_active
