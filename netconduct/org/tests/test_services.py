import datetime as dt

import pytest

from netconduct.core import crypto
from netconduct.core.exceptions import ApplicationError, PermissionRefused
from netconduct.core.models import AuditEvent
from netconduct.org import scoping, services
from netconduct.org.choices import PersonStatus, Role, UnitKind
from netconduct.org.models import OrgUnit, Person
from netconduct.testing import make_id_number, make_person

pytestmark = pytest.mark.django_db


# ------------------------------------------------------------------------------------------------ units


def test_unit_tree_is_built_and_subtree_is_one_prefix_query(org, django_assert_num_queries):
    with django_assert_num_queries(1):
        names = list(OrgUnit.objects.subtree_of(org.plant).values_list("name", flat=True))
    assert names == ["甲醇厂党总支", "甲醇厂第一党支部", "甲醇厂第二党支部"]


def test_party_group_only_under_a_branch(org):
    with pytest.raises(ApplicationError, match="党小组不能设在党总支之下"):
        services.unit_create(
            actor=org.root_user, parent=org.plant, name="一班党小组", kind=UnitKind.PARTY_GROUP
        )
    group = services.unit_create(
        actor=org.root_user, parent=org.branch1, name="一班党小组", kind=UnitKind.PARTY_GROUP
    )
    assert group.depth == org.branch1.depth + 1


def test_sibling_names_are_unique_and_slash_is_refused(org):
    with pytest.raises(ApplicationError, match="已有名为"):
        services.unit_create(
            actor=org.root_user, parent=org.plant, name="甲醇厂第一党支部", kind=UnitKind.BRANCH
        )
    with pytest.raises(ApplicationError, match="/"):
        services.unit_create(actor=org.root_user, parent=org.plant, name="甲/乙", kind=UnitKind.BRANCH)


def test_unit_admin_cannot_create_outside_scope_or_a_root(org, accounts):
    with pytest.raises(PermissionRefused):
        services.unit_create(
            actor=accounts.unit_admin, parent=org.company, name="新部门", kind=UnitKind.DEPARTMENT
        )
    with pytest.raises(PermissionRefused):
        services.unit_create(actor=accounts.unit_admin, parent=None, name="另一集团", kind=UnitKind.GROUP)
    unit = services.unit_create(
        actor=accounts.unit_admin, parent=org.plant, name="甲醇厂第三党支部", kind=UnitKind.BRANCH
    )
    assert unit.path.startswith(org.committee.path)


def test_rename_keeps_history_in_audit(org, accounts):
    services.unit_update(actor=accounts.unit_admin, unit=org.branch1, name="甲醇厂生产一党支部", code="")
    event = AuditEvent.objects.filter(action="unit.update").latest("seq")
    assert event.before == {"name": "甲醇厂第一党支部"}
    assert event.after == {"name": "甲醇厂生产一党支部"}


def test_move_carries_subtree_and_people(org, accounts):
    person = make_person(org.branch1, name="赵六")
    moved = services.unit_move(actor=org.root_user, unit=org.branch1, new_parent=org.company)
    person.refresh_from_db()
    assert moved.path.startswith(org.company.path) and not moved.path.startswith(org.plant.path)
    assert person.unit_id == moved.pk
    assert Person.objects.in_subtree(org.company).filter(pk=person.pk).exists()
    assert not Person.objects.in_subtree(org.plant).filter(pk=person.pk).exists()


def test_cannot_move_under_own_descendant(org):
    with pytest.raises(ApplicationError, match="下级组织之下"):
        services.unit_move(actor=org.root_user, unit=org.plant, new_parent=org.branch1)


def test_move_needs_scope_over_target(org, accounts):
    with pytest.raises(PermissionRefused):
        services.unit_move(actor=accounts.unit_admin, unit=org.branch1, new_parent=org.company)
    org.branch1.refresh_from_db()
    assert org.branch1.path.startswith(org.plant.path)


def test_close_refuses_with_people_then_keeps_the_unit(org, accounts):
    person = make_person(org.branch2, name="钱七")
    with pytest.raises(ApplicationError, match="1名在岗人员"):
        services.unit_close(
            actor=accounts.unit_admin, unit=org.branch2, closed_on=dt.date(2026, 1, 1), reason="合并"
        )
    services.person_update(actor=accounts.unit_admin, person=person, unit=org.branch1)
    closed = services.unit_close(
        actor=accounts.unit_admin, unit=org.branch2, closed_on=dt.date(2026, 1, 1), reason="合并"
    )
    assert not closed.is_active and OrgUnit.objects.filter(pk=closed.pk).exists()
    with pytest.raises(ApplicationError, match="已撤销"):
        make_person(org.branch2, name="孙八", actor=accounts.unit_admin)
    with pytest.raises(ApplicationError, match="未撤销的组织"):
        services.unit_close(
            actor=accounts.unit_admin, unit=org.plant, closed_on=dt.date(2026, 1, 1), reason="调整"
        )
    with pytest.raises(ApplicationError, match="撤销原因"):
        services.unit_close(
            actor=accounts.unit_admin, unit=org.office, closed_on=dt.date(2026, 1, 1), reason=" "
        )


# ------------------------------------------------------------------------------------------------ people


def test_person_id_number_is_encrypted_hashed_masked_and_derives_gender_and_birth(org):
    id_number = make_id_number(7, birth=dt.date(1990, 5, 17), female=True)
    person = make_person(org.branch1, name="周九", id_number=id_number.lower())
    person.refresh_from_db()
    assert id_number not in person.id_number_enc
    assert person.id_number == id_number
    assert person.id_number_masked == id_number[:4] + "*" * 10 + id_number[-4:]
    assert person.id_number_hash == services.id_number_hash(id_number)
    assert (person.gender, person.birth_date) == ("F", dt.date(1990, 5, 17))
    assert person.name_initials == "zj"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("150602198501011230", "校验位不正确"),
        ("15060219850101123", "应为18位"),
        ("1506021985010112AX", "只能由数字"),
        ("", "为空"),
    ],
)
def test_bad_id_numbers_are_refused_with_a_reason_and_change_nothing(org, value, message):
    before = Person.objects.count()
    with pytest.raises(ApplicationError, match=message) as exc:
        make_person(org.branch1, name="吴十", id_number=value)
    assert exc.value.field == "id_number"
    assert Person.objects.count() == before


def test_duplicate_id_number_or_employee_no_is_refused(org):
    id_number = make_id_number()
    make_person(org.branch1, name="郑一", id_number=id_number, employee_no="E1")
    with pytest.raises(ApplicationError, match="身份证号"):
        make_person(org.branch1, name="郑二", id_number=id_number)
    with pytest.raises(ApplicationError, match="工号"):
        make_person(org.branch1, name="郑三", employee_no="E1")


def test_secretary_edits_own_branch_only_and_cannot_move_people_out(org, accounts):
    mine = make_person(org.branch1, name="冯一")
    theirs = make_person(org.branch2, name="陈二")
    services.person_update(actor=accounts.secretary, person=mine, mobile="+86 139-0000-1111")
    mine.refresh_from_db()
    assert mine.mobile == "13900001111"
    with pytest.raises(PermissionRefused):
        services.person_update(actor=accounts.secretary, person=theirs, position="班长")
    with pytest.raises(PermissionRefused):
        services.person_update(actor=accounts.secretary, person=mine, unit=org.branch2)


def test_status_change_records_the_date(org, accounts):
    person = make_person(org.branch1, name="褚三")
    services.person_update(
        actor=accounts.unit_admin,
        person=person,
        status=PersonStatus.RETIRED,
        status_since=dt.date(2026, 6, 30),
    )
    person.refresh_from_db()
    assert (person.status, person.status_since) == ("retired", dt.date(2026, 6, 30))


def test_reveal_is_audited_and_limited_to_staff(org, accounts):
    person = make_person(org.branch1, name="卫四")
    assert services.person_reveal_id_number(actor=accounts.unit_admin, person=person) == person.id_number
    assert AuditEvent.objects.filter(action="person.reveal_id", object_id=str(person.pk)).count() == 1
    with pytest.raises(PermissionRefused):
        services.person_reveal_id_number(actor=accounts.secretary, person=person)


# ------------------------------------------------------------------------------------------------ grants & scope


def test_grant_reaches_the_whole_subtree(org, accounts):
    scope = scoping.scope_for(accounts.unit_admin, "person.view")
    assert scope.covers(org.branch1.path) and scope.covers(org.office.path)
    assert not scope.covers(org.company.path)
    assert not scoping.scope_for(accounts.member, "person.view").covers(org.branch1.path)


def test_only_sysadmin_grants_sysadmin(org, accounts):
    with pytest.raises(PermissionRefused):
        services.grant_create(
            actor=accounts.unit_admin, user=accounts.member, role=Role.SYSADMIN, unit=org.committee
        )
    grant = services.grant_create(
        actor=accounts.unit_admin, user=accounts.member, role=Role.SECRETARY, unit=org.branch2
    )
    assert scoping.scope_for(accounts.member, "person.view").covers(org.branch2.path)
    services.grant_revoke(actor=accounts.unit_admin, grant=grant)
    assert not scoping.scope_for(accounts.member, "person.view").covers(org.branch2.path)


def test_field_key_rotation_keeps_old_tokens_readable(settings):
    settings.NETCONDUCT_FIELD_KEYS = {"old": "44" * 32}
    crypto.reset_key_cache()
    token = crypto.encrypt("secret", context="t")
    settings.NETCONDUCT_FIELD_KEYS = {"new": "55" * 32, "old": "44" * 32}
    crypto.reset_key_cache()
    try:
        assert crypto.decrypt(token, context="t") == "secret"
        assert crypto.key_id(crypto.encrypt("x", context="t")) == "new"
        with pytest.raises(Exception):  # noqa: B017 - a token moved to another field must not open
            crypto.decrypt(token, context="other")
    finally:
        crypto.reset_key_cache()
