import io
from collections import Counter

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from netconduct.core.audit import audit_verify
from netconduct.core.models import AuditEvent
from netconduct.org import demo, validation
from netconduct.org.choices import PoliticalStatus, Role, UnitKind
from netconduct.org.models import OrgUnit, Person, RoleGrant

K = UnitKind


def _child(parent: OrgUnit, name: str) -> OrgUnit:
    return OrgUnit.objects.get(path__startswith=parent.path, depth=parent.depth + 1, name=name)


def _children(parent: OrgUnit) -> list[OrgUnit]:
    return list(OrgUnit.objects.filter(path__startswith=parent.path, depth=parent.depth + 1))


# ---------------------------------------------------------------------------------------------------- the plan


def test_plan_is_deterministic_for_a_seed():
    first, again, other = demo.demo_plan(seed=7), demo.demo_plan(seed=7), demo.demo_plan(seed=8)
    assert first == again
    assert [p.data for p in first.people] != [p.data for p in other.people]


def test_branches_grow_with_people():
    assert demo.demo_plan(people=500).branches == 10
    assert demo.demo_plan(people=2000).branches == 40
    big = demo.demo_plan(people=20000)
    assert big.branches == 400
    names = {u.name for u in big.units}
    assert {"第二采区综采队党支部", "二号煤矿党总支", "甲醇厂第八党支部", "焦化厂党总支"} <= names
    keys = [u.key for u in big.units]
    assert len(keys) == len(set(keys))  # sibling names never clash


def test_plan_people_are_plausible():
    plan = demo.demo_plan(people=500)
    people = [p.data for p in plan.people]
    assert len(people) == 500
    share = Counter()
    for data in people:
        share.update(data["categories"])
    assert share["employee"] == 500
    assert 0.35 <= share["party_member"] / 500 <= 0.45
    assert 1 <= share["probationary"] <= 25
    assert 0.07 <= share["cadre"] / 500 <= 0.14
    assert any("·" in d["name"] for d in people)
    surnames = Counter(d["name"][0] for d in people if "·" not in d["name"])
    assert {s for s, _ in surnames.most_common(4)} & {"王", "李", "张", "刘"}


def test_cn_number():
    assert [demo.cn_number(n) for n in (1, 10, 12, 20, 21, 100, 105, 110, 999, 1000)] == [
        "一", "十", "十二", "二十", "二十一", "一百", "一百零五", "一百一十", "九百九十九", "1000",
    ]  # fmt: skip


# ---------------------------------------------------------------------------------------------------- the database


@pytest.fixture
def built(db):
    return demo.demo_build(people=500)


def test_tree_shape(built):
    group = demo.demo_group()
    assert (group.kind, group.code, group.depth) == (K.GROUP, "皖北煤电", 1)
    company = _child(group, "西北能化公司")
    assert company.kind == K.COMPANY and company.short_name == "鄂尔多斯市西北能源化工有限责任公司"
    committee = _child(company, "西北能化公司党委")
    assert (committee.kind, committee.code) == (K.COMMITTEE, "西北能化党")
    assert _child(committee, "机关第一党支部").kind == K.BRANCH
    assert _child(committee, "机关第二党支部").kind == K.BRANCH
    assert _child(_child(committee, "机关第一党支部"), "综合部").kind == K.DEPARTMENT
    assert _child(_child(committee, "机关第二党支部"), "财务部").kind == K.DEPARTMENT

    plant = _child(committee, "甲醇厂党总支")
    assert plant.kind == K.GENERAL_BRANCH
    assert [u.name for u in _children(plant)] == ["甲醇厂第一党支部", "甲醇厂第二党支部", "甲醇厂第三党支部"]
    assert _child(_child(plant, "甲醇厂第一党支部"), "生产技术科").kind == K.DEPARTMENT

    mine = _child(committee, "煤矿党总支")
    assert mine.kind == K.GENERAL_BRANCH
    teams = _children(mine)
    assert [u.name for u in teams] == [f"{t}队党支部" for t in ("综采", "掘进", "机电", "运输", "通风")]
    for team in teams:
        assert team.kind == K.BRANCH
        groups = _children(team)
        assert [g.kind for g in groups] == [K.PARTY_GROUP] * 3
    assert [g.name for g in _children(teams[0])] == ["综采一班党小组", "综采二班党小组", "综采三班党小组"]

    # Party groups sit only under branches; every unit is in the demo tree.
    for unit in OrgUnit.objects.filter(kind=K.PARTY_GROUP):
        assert OrgUnit.objects.get(path=unit.parent_path).kind == K.BRANCH
    assert OrgUnit.objects.count() == built.units == 43
    assert OrgUnit.objects.filter(kind=K.BRANCH).count() == built.branches == 10


def test_people_are_valid_and_consistent(built):
    people = list(Person.objects.select_related("unit"))
    assert len(people) == built.people == 500
    assert all(p.is_demo and p.is_employee for p in people)
    assert len({p.employee_no for p in people}) == 500
    assert all(p.employee_no.startswith("XB") and len(p.employee_no) == 8 for p in people)
    assert len({p.mobile for p in people}) == 500
    assert all(validation.clean_mobile(p.mobile) == p.mobile for p in people)
    for person in people:
        number = person.id_number
        assert validation.clean_id_number(number) == number
        assert number[:4] == "1506" or number[:2] == "34"
        assert 1965 <= person.birth_date.year <= 2003
        assert person.gender == ("M" if int(number[16]) % 2 else "F")
        assert validation.clean_name(person.name) == person.name
        assert person.is_party_member == (person.political_status == PoliticalStatus.PARTY_MEMBER)
        assert person.is_probationary == (person.political_status == PoliticalStatus.PROBATIONARY)
        if person.is_cadre:
            assert person.is_party_member
    assert any(p.is_probationary for p in people)
    assert 0.35 <= sum(p.is_party_member for p in people) / 500 <= 0.45
    assert 0.07 <= sum(p.is_cadre for p in people) / 500 <= 0.14


def test_positions_fit_the_unit(built):
    def positions(unit_name: str) -> set[str]:
        return set(Person.objects.filter(unit__name=unit_name).values_list("position", flat=True))

    coal = {"班长", "采煤机司机", "支架工", "输送机司机", "端头维护工", "电工", "验收员"}
    assert positions("综采一班党小组") <= coal
    assert "采煤机司机" in positions("综采一班党小组")
    assert positions("综采队党支部") == {"党支部书记", "队长", "副队长"}
    assert positions("合成车间") <= {"车间主任", "车间副主任", "班长", "操作工", "主操", "副操", "仪表工", "电工", "分析工", "设备员"}  # fmt: skip
    assert positions("财务部") <= {"部长", "副部长", "会计", "出纳", "主管"}
    assert "纪委书记" in positions("西北能化公司党委")


def test_every_write_is_audited(built):
    people = set(Person.objects.values_list("pk", flat=True))
    events = AuditEvent.objects.filter(action="person.create")
    assert {int(pk) for pk in events.values_list("object_id", flat=True)} == people
    assert events.count() == 500
    assert AuditEvent.objects.filter(action="unit.create").count() == 43
    assert audit_verify().ok
    system = get_user_model().objects.get(username=demo.SYSTEM_USERNAME)
    assert system.is_superuser and not system.has_usable_password()
    assert set(events.values_list("actor_id", flat=True)) == {system.pk}


def test_database_follows_the_plan(built):
    plan = demo.demo_plan(people=500)
    expected = sorted((p.data["employee_no"], p.data["name"], p.unit.rsplit("/", 1)[-1]) for p in plan.people)
    actual = sorted(Person.objects.values_list("employee_no", "name", "unit__name"))
    assert actual == expected


def test_second_run_does_not_duplicate(built):
    again = demo.demo_build(people=500)
    assert not again.created and again.group == demo.demo_group()
    assert Person.objects.count() == 500 and OrgUnit.objects.count() == 43
    out = io.StringIO()
    call_command("demo", stdout=out)
    assert "已存在" in out.getvalue()
    assert Person.objects.count() == 500


def test_command_scales_with_people_and_seed(db):
    out = io.StringIO()
    call_command("demo", people=2000, seed=5, stdout=out)
    assert "人员 2000 名" in out.getvalue()
    assert "密码" not in out.getvalue()  # no accounts unless asked
    assert Person.objects.count() == 2000
    assert OrgUnit.objects.filter(kind=K.BRANCH).count() == 40  # about one branch per 50 people
    assert OrgUnit.objects.filter(kind=K.GENERAL_BRANCH).count() == 4
    assert not get_user_model().objects.filter(username__in=demo.DEMO_ACCOUNTS).exists()
    names = sorted(Person.objects.values_list("name", flat=True))
    assert names == sorted(p.data["name"] for p in demo.demo_plan(people=2000, seed=5).people)


def test_demo_accounts(db):
    result = demo.demo_build(people=500, with_accounts=True)
    accounts = {a.username: a for a in result.accounts}
    assert set(accounts) == {"zhb_admin", "zc_secretary", "jiwei", "member_demo"}
    User = get_user_model()
    for username, account in accounts.items():
        user = User.objects.get(username=username)
        assert user.check_password(account.password)
        assert user.is_active and not user.is_superuser
    committee = OrgUnit.objects.get(name="西北能化公司党委")
    zc = OrgUnit.objects.get(name="综采队党支部")
    grants = set(RoleGrant.objects.values_list("user__username", "role", "unit"))
    assert grants == {
        ("zhb_admin", Role.UNIT_ADMIN, committee.pk),
        ("zc_secretary", Role.SECRETARY, zc.pk),
        ("jiwei", Role.INSPECTOR, committee.pk),
    }
    secretary = Person.objects.get(user__username="zc_secretary")
    assert secretary.unit == zc and secretary.position == "党支部书记"
    member = Person.objects.select_related("unit").get(user__username="member_demo")
    assert member.unit.path.startswith(zc.path) and member.is_party_member
    assert Person.objects.get(user__username="zhb_admin").unit.name == "综合部"
    assert Person.objects.get(user__username="jiwei").unit.name == "纪委办公室"
    assert len({a.password for a in result.accounts}) == 4
    assert AuditEvent.objects.filter(action="account.create_demo").count() == 4
    # Asked again: nothing new, no password.
    assert demo.demo_build(with_accounts=True).accounts == []


def test_accounts_added_to_a_demo_loaded_without_them(db):
    demo.demo_build(people=100)
    out = io.StringIO()
    call_command("demo", with_accounts=True, stdout=out)
    assert "已存在" in out.getvalue() and "zc_secretary" in out.getvalue()
    assert get_user_model().objects.filter(username__in=demo.DEMO_ACCOUNTS).count() == 4
