"""Separation of duties, attacked as insiders would: granting oneself a role, a unit administrator handing out
or taking away the roles that read reports and cases, login names that collide, and leavers who keep access."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from netconduct import testing
from netconduct.core.exceptions import ApplicationError, PermissionRefused
from netconduct.core.models import AuditEvent
from netconduct.org import scoping, selectors, services
from netconduct.org.choices import PersonStatus, Role
from netconduct.org.models import Person, RoleGrant
from netconduct.org.permissions import SENSITIVE_ROLES
from netconduct.org.roster.importer import roster_import
from netconduct.org.roster.testing import HEADER, office_rows, write_xlsx

pytestmark = pytest.mark.django_db


def _client(client, user):
    testing.login(client, user)
    return client


# ---------------------------------------------------------------------------------------------------- self-grants


def test_nobody_grants_themselves_a_role_through_the_service(org, accounts):
    for actor, role, unit in (
        (accounts.unit_admin, Role.SECRETARY, org.branch1),
        (accounts.unit_admin, Role.UNIT_ADMIN, org.company),
        (accounts.sysadmin, Role.UNIT_ADMIN, org.group),
        (accounts.inspector, Role.INSPECTOR, org.plant),
        (org.root_user, Role.SYSADMIN, org.group),
    ):
        with pytest.raises(PermissionRefused, match="不能给自己授予角色"):
            services.grant_create(actor=actor, user=actor, role=role, unit=unit)
    assert not RoleGrant.objects.filter(user=org.root_user).exists()
    assert RoleGrant.objects.filter(user=accounts.unit_admin).count() == 1
    # Granting someone else still works.
    services.grant_create(
        actor=accounts.unit_admin, user=accounts.member, role=Role.SECRETARY, unit=org.branch1
    )


def test_nobody_grants_themselves_a_role_through_the_page(client, org, accounts):
    _client(client, accounts.unit_admin)
    url = reverse("org:unit_grants", kwargs={"pk": org.branch1.pk})
    response = client.post(url, {"username": "unitadmin", "role": Role.SECRETARY})
    assert response.status_code == 200
    assert "不能给自己授予角色" in response.content.decode()
    assert not RoleGrant.objects.filter(user=accounts.unit_admin, unit=org.branch1).exists()


def test_the_demo_accounts_are_granted_by_the_system_actor_not_by_themselves(db):
    from netconduct.org import demo

    actor = demo.system_actor()
    result = demo.demo_build(people=60, actor=actor, with_accounts=True)
    assert result.accounts
    grants = RoleGrant.objects.all()
    assert grants.exists() and all(g.granted_by_id == actor.pk != g.user_id for g in grants)


# ---------------------------------------------------------------------------------------------------- sensitive roles


def test_sensitive_roles_are_the_inspector_and_the_readers_of_reports_and_cases():
    assert Role.INSPECTOR in SENSITIVE_ROLES
    assert Role.UNIT_ADMIN not in SENSITIVE_ROLES and Role.SECRETARY not in SENSITIVE_ROLES


def test_a_unit_administrator_cannot_grant_or_revoke_an_inspector(org, accounts):
    with pytest.raises(PermissionRefused, match="纪检监察员"):
        services.grant_create(
            actor=accounts.unit_admin, user=accounts.member, role=Role.INSPECTOR, unit=org.branch1
        )
    assert not RoleGrant.objects.filter(user=accounts.member).exists()
    grant = services.grant_create(
        actor=accounts.sysadmin, user=accounts.member, role=Role.INSPECTOR, unit=org.branch1
    )
    with pytest.raises(PermissionRefused, match="单位管理员不能办理"):
        services.grant_revoke(actor=accounts.unit_admin, grant=grant)
    assert RoleGrant.objects.filter(pk=grant.pk).exists()
    # Nor the inspector over the committee: that is a peer's grant on the inspector's own level.
    with pytest.raises(PermissionRefused):
        services.grant_revoke(
            actor=accounts.inspector,
            grant=RoleGrant.objects.get(user=accounts.inspector, role=Role.INSPECTOR),
        )


def test_only_a_system_administrator_or_an_inspector_above_grants_an_inspector(org, accounts):
    # An inspector on the committee: below it yes, on the committee itself (their own level) no.
    grant = services.grant_create(
        actor=accounts.inspector, user=accounts.member, role=Role.INSPECTOR, unit=org.plant
    )
    assert grant.granted_by == accounts.inspector
    with pytest.raises(PermissionRefused):
        services.grant_create(
            actor=accounts.inspector, user=accounts.member, role=Role.INSPECTOR, unit=org.committee
        )
    # An inspector hands out the discipline line's roles only, not the office line's.
    with pytest.raises(PermissionRefused):
        services.grant_create(
            actor=accounts.inspector, user=accounts.member, role=Role.SECRETARY, unit=org.branch1
        )
    services.grant_revoke(actor=accounts.inspector, grant=grant)
    services.grant_create(
        actor=accounts.sysadmin, user=accounts.member, role=Role.INSPECTOR, unit=org.committee
    )


def test_a_unit_administrator_cannot_grant_an_inspector_through_the_page(client, org, accounts):
    _client(client, accounts.unit_admin)
    url = reverse("org:unit_grants", kwargs={"pk": org.branch1.pk})
    page = client.get(url).content.decode()
    assert 'value="inspector"' not in page  # not offered
    response = client.post(url, {"username": "member", "role": Role.INSPECTOR})
    assert response.status_code == 200
    assert not RoleGrant.objects.filter(user=accounts.member).exists()
    grant = services.grant_create(
        actor=accounts.sysadmin, user=accounts.member, role=Role.INSPECTOR, unit=org.branch1
    )
    assert "由纪检条线办理" in client.get(url).content.decode()
    client.post(reverse("org:grant_revoke", kwargs={"pk": grant.pk}), {"unit": org.branch1.pk})
    assert RoleGrant.objects.filter(pk=grant.pk).exists()


def test_an_inspector_above_grants_an_inspector_through_the_page(client, org, accounts):
    _client(client, accounts.inspector)
    assert client.get(reverse("org:unit_grants", kwargs={"pk": org.committee.pk})).status_code == 404
    url = reverse("org:unit_grants", kwargs={"pk": org.branch1.pk})
    page = client.get(url).content.decode()
    assert 'value="inspector"' in page and 'value="secretary"' not in page
    response = client.post(url, {"username": "member", "role": Role.INSPECTOR})
    assert response.status_code == 302
    grant = RoleGrant.objects.get(user=accounts.member, role=Role.INSPECTOR, unit=org.branch1)
    # The secretary's grant on the same unit is not the inspector's to revoke: 404, and it stays.
    secretary_grant = RoleGrant.objects.get(user=accounts.secretary)
    assert client.post(reverse("org:grant_revoke", kwargs={"pk": secretary_grant.pk})).status_code == 404
    client.post(reverse("org:grant_revoke", kwargs={"pk": grant.pk}), {"unit": org.branch1.pk})
    assert not RoleGrant.objects.filter(pk=grant.pk).exists()
    assert RoleGrant.objects.filter(pk=secretary_grant.pk).exists()


def test_the_sensitive_roles_page_lists_holders_and_changes_for_inspectors_only(client, org, accounts):
    grant = services.grant_create(
        actor=accounts.sysadmin, user=accounts.member, role=Role.INSPECTOR, unit=org.plant
    )
    services.grant_create(
        actor=accounts.sysadmin, user=accounts.member, role=Role.SECRETARY, unit=org.branch2
    )
    url = reverse("org:sensitive_grants")
    for user in (accounts.unit_admin, accounts.secretary, accounts.outsider_secretary):
        other = client.__class__()
        testing.login(other, user)
        assert other.get(url).status_code == 404
    _client(client, accounts.inspector)
    page = client.get(url).content.decode()
    assert "王职工" in page and "甲醇厂党总支" in page and "sysadmin" in page
    assert "支部书记" not in page.split("现持有人")[1]  # office-line roles are not listed
    services.grant_revoke(actor=accounts.inspector, grant=grant)
    page = client.get(url).content.decode()
    holders, history = page.split("最近的授予与撤销")
    assert "甲醇厂党总支" not in holders.split("现持有人")[1]
    assert "撤销" in history and "甲醇厂党总支" in history
    assert len(selectors.sensitive_grant_history(viewer=accounts.inspector)) == 3  # committee + plant twice


# ---------------------------------------------------------------------------------------------------- login names


def test_an_employee_number_or_mobile_that_names_someone_else_at_login_is_refused(org, accounts):
    person = testing.make_person(org.branch1, name="赵六", employee_no="B2002")
    member = accounts.member.person
    for field, value, says in (
        ("employee_no", "unitadmin", "其他账号的登录用户名"),  # the unit administrator's username
        ("employee_no", member.mobile, "王职工）的手机号码"),
        ("mobile", member.mobile, "王职工）的手机号码"),
    ):
        with pytest.raises(ApplicationError, match=says) as caught:
            services.person_update(actor=accounts.secretary, person=person, **{field: value})
        assert caught.value.field == field
    person.refresh_from_db()
    assert person.employee_no == "B2002" and person.mobile == ""
    testing.make_person(org.branch1, name="孙五", employee_no="13900000077")
    with pytest.raises(ApplicationError, match="其他人员（孙五）的工号"):
        testing.make_person(org.branch1, name="钱七", mobile="13900000077")
    # One's own values are no clash.
    services.person_update(actor=accounts.secretary, person=member, employee_no="A1001", position="班长")


def test_the_person_form_says_why_a_login_name_is_refused(client, org, accounts):
    _client(client, accounts.secretary)
    person = accounts.member.person
    url = reverse("org:person_edit", kwargs={"pk": person.pk})
    form = client.get(url).context["form"]
    data = {k: v for k, v in form.initial.items() if v is not None}
    data.update(employee_no="unitadmin")
    response = client.post(url, data)
    assert response.status_code == 200
    assert "其他账号的登录用户名" in response.content.decode()
    person.refresh_from_db()
    assert person.employee_no == "A1001"


def test_the_roster_import_refuses_a_row_whose_login_name_is_taken(tmp_path, org, accounts):
    header = [*HEADER[:6]]
    rows = office_rows(
        [
            ["孙八", "unitadmin", testing.make_id_number(401), "", "机关党支部"],
            ["周九", "", testing.make_id_number(402), "13912345678", "机关党支部"],  # the member's mobile
            ["吴十", "C3003", testing.make_id_number(403), "13800001111", "机关党支部"],
            ["郑一", "13800001111", testing.make_id_number(404), "", "机关党支部"],  # row 3's mobile
        ],
        header=header,
    )
    path = write_xlsx(tmp_path / "roster.xlsx", rows)
    result = roster_import(actor=accounts.unit_admin, path=path, filename=path.name, dry_run=False)
    errors = {(e.row, e.column): e.message for e in result.errors}
    assert set(errors) == {(4, "工号"), (5, "手机号码"), (7, "工号")}
    assert "其他账号的登录用户名" in errors[(4, "工号")]
    assert "王职工" in errors[(5, "手机号码")]
    assert "第6行" in errors[(7, "工号")]
    assert set(
        Person.objects.filter(name__in=["孙八", "周九", "吴十", "郑一"]).values_list("name", flat=True)
    ) == {"吴十"}


# ---------------------------------------------------------------------------------------------------- leaving


def test_leaving_by_hand_deactivates_the_account_and_revokes_the_grants(org, accounts):
    secretary = accounts.secretary
    grant = RoleGrant.objects.get(user=secretary)
    services.person_update(
        actor=accounts.unit_admin, person=secretary.person, status=PersonStatus.TRANSFERRED
    )
    secretary.refresh_from_db()
    assert not secretary.is_active
    assert not RoleGrant.objects.filter(user=secretary).exists()
    assert not scoping.has_any(secretary, "person.change")
    revoked = AuditEvent.objects.get(action="grant.revoke", object_id=str(grant.pk))
    assert revoked.before["role"] == Role.SECRETARY and "调离" in revoked.after["reason"]
    deactivated = AuditEvent.objects.get(action="account.deactivate", object_id=str(secretary.pk))
    assert deactivated.actor == accounts.unit_admin
    # Coming back does not reopen the account: a person does that (accounts.account_reactivate).
    services.person_update(actor=accounts.unit_admin, person=secretary.person, status=PersonStatus.ACTIVE)
    secretary.refresh_from_db()
    assert not secretary.is_active and not RoleGrant.objects.filter(user=secretary).exists()


def test_a_secretary_who_records_a_leaver_ends_their_access_too(client, org, accounts):
    member = accounts.member
    services.person_update(
        actor=accounts.secretary,
        person=member.person,
        status=PersonStatus.RETIRED,
        status_since=dt.date(2026, 1, 1),
    )
    member.refresh_from_db()
    assert not member.is_active
    client.post(reverse("accounts:login"), {"username": "A1001", "password": "correct-horse-battery-9"})
    assert "_auth_user_id" not in client.session


def test_a_secretary_cannot_lock_out_a_superior_by_recording_them_as_gone(org, accounts):
    """Leaving revokes roles, so recording it is as strong as revoking them: not a peer's, not a superior's."""
    boss = testing.make_account("boss", person=testing.make_person(org.branch1, name="赵主任"))
    testing.grant(boss, Role.UNIT_ADMIN, org.committee)
    peer = testing.make_account("peer", person=testing.make_person(org.branch1, name="钱书记"))
    testing.grant(peer, Role.SECRETARY, org.branch1)
    for target in (boss, peer):
        with pytest.raises(PermissionRefused, match="不能登记"):
            services.person_update(
                actor=accounts.secretary, person=target.person, status=PersonStatus.TRANSFERRED
            )
        target.refresh_from_db()
        assert target.is_active and RoleGrant.objects.filter(user=target).exists()
        assert target.person.status == PersonStatus.ACTIVE
    # An inspector's departure is the system administrator's to record, not the unit administrator's.
    insp = testing.make_account("insp", person=testing.make_person(org.branch1, name="孙纪检"))
    testing.grant(insp, Role.INSPECTOR, org.branch1)
    with pytest.raises(PermissionRefused, match="只能由系统管理员"):
        services.person_update(actor=accounts.unit_admin, person=insp.person, status=PersonStatus.RETIRED)
    services.person_update(actor=accounts.sysadmin, person=insp.person, status=PersonStatus.RETIRED)
    insp.refresh_from_db()
    assert not insp.is_active


def test_the_roster_import_refuses_a_departure_beyond_the_importers_reach(tmp_path, org, accounts):
    peer = testing.make_account("peer", person=testing.make_person(org.branch1, name="钱管理"))
    testing.grant(peer, Role.UNIT_ADMIN, org.committee)
    rows = office_rows(
        [[peer.person.name, "", peer.person.id_number, "", "甲醇厂第一党支部", "调离"]],
        header=[*HEADER[:6], "人员状态"],
    )
    path = write_xlsx(tmp_path / "roster.xlsx", rows)
    result = roster_import(actor=accounts.unit_admin, path=path, filename=path.name, dry_run=False)
    assert [(e.row, e.column) for e in result.errors] == [(4, "人员状态")]
    assert "同级或上级" in result.errors[0].message and result.updated == 0
    peer.refresh_from_db()
    assert peer.is_active and peer.person.status == PersonStatus.ACTIVE


def test_a_failed_leaving_changes_nothing(org, accounts):
    """Everything in one transaction: a refused update leaves the account and grants as they were."""
    secretary = accounts.secretary
    with pytest.raises(ApplicationError):
        services.person_update(
            actor=accounts.unit_admin,
            person=secretary.person,
            status=PersonStatus.RETIRED,
            employee_no="unitadmin",
        )
    secretary.refresh_from_db()
    assert secretary.is_active and RoleGrant.objects.filter(user=secretary).exists()


def test_leaving_through_the_roster_import_ends_access(tmp_path, org, accounts):
    person = accounts.secretary.person
    rows = office_rows(
        [[person.name, "", person.id_number, "", "甲醇厂第一党支部", "退休"]],
        header=[*HEADER[:6], "人员状态"],
    )
    path = write_xlsx(tmp_path / "roster.xlsx", rows)
    result = roster_import(actor=accounts.unit_admin, path=path, filename=path.name, dry_run=False)
    assert result.updated == 1 and not result.errors
    accounts.secretary.refresh_from_db()
    assert not accounts.secretary.is_active
    assert not RoleGrant.objects.filter(user=accounts.secretary).exists()
    assert AuditEvent.objects.filter(action="account.deactivate").count() == 1
