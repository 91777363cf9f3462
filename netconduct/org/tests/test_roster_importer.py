"""The roster importer: counts, idempotence, updates, units, scope, duplicates, atomicity and the audit trail."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from netconduct.core.exceptions import PermissionRefused
from netconduct.core.models import AuditEvent
from netconduct.org import services
from netconduct.org.choices import PersonStatus, PoliticalStatus, UnitKind
from netconduct.org.models import OrgUnit, Person
from netconduct.org.roster.importer import guess_unit_kind, parse_status_tokens, roster_import
from netconduct.org.roster.testing import HEADER, office_rows, write_xlsx
from netconduct.testing import make_id_number, make_person, superuser

BRANCH1 = "西北能化公司党委/甲醇厂党总支/甲醇厂第一党支部"


def ids(n: int, *, female: bool = False) -> str:
    return make_id_number(n, birth=dt.date(1992, 2, 2), female=female)


def xlsx(tmp_path, people, *, header=HEADER, name="roster.xlsx"):
    return write_xlsx(tmp_path / name, office_rows(people, header=header))


def run(actor, path, **options):
    options.setdefault("dry_run", False)
    return roster_import(actor=actor, path=path, filename=path.name, **options)


def people_rows(member):
    """Three new people and the fixture's 王职工 as he already is (序号 is added by office_rows)."""
    return [
        ["张伟", "B001", ids(1), "13800000001", BRANCH1, "中共党员", "干部、职工", "车间主任"],
        ["李娜", "B002", ids(2, female=True), "13800000002", "机关党支部", "群众", "职工", ""],
        ["阿不都·热合曼", "", ids(3), "", "甲醇厂第二党支部", "预备党员", "", "操作工"],
        ["王职工", "A1001", member.id_number, "13912345678", BRANCH1, "群众", "职工", ""],
    ]


def person(id_number: str) -> Person:
    return Person.objects.select_related("unit").get(id_number_hash=services.id_number_hash(id_number))


def test_counts_and_created_people(tmp_path, org, accounts):
    member = accounts.member.person
    result = run(accounts.unit_admin, xlsx(tmp_path, people_rows(member)))
    assert (result.created, result.updated, result.unchanged, result.errors) == (3, 0, 1, [])
    zhang = person(ids(1))
    assert (zhang.name, zhang.employee_no, zhang.mobile, zhang.unit, zhang.position) == (
        "张伟",
        "B001",
        "13800000001",
        org.branch1,
        "车间主任",
    )
    assert zhang.political_status == PoliticalStatus.PARTY_MEMBER
    assert (zhang.is_party_member, zhang.is_cadre, zhang.is_employee, zhang.is_probationary) == (
        True,
        True,
        True,
        False,
    )
    li = person(ids(2, female=True))
    assert (li.unit, li.gender, li.is_party_member, li.is_cadre) == (org.office, "F", False, False)
    abudu = person(ids(3))
    assert abudu.name == "阿不都·热合曼"
    assert abudu.political_status == PoliticalStatus.PROBATIONARY
    assert (abudu.is_probationary, abudu.is_party_member, abudu.employee_no, abudu.mobile) == (
        True,
        False,
        None,
        "",
    )


def test_reimporting_the_same_file_changes_nothing(tmp_path, org, accounts):
    path = xlsx(tmp_path, people_rows(accounts.member.person))
    run(accounts.unit_admin, path)
    events = AuditEvent.objects.count()
    people = list(Person.objects.order_by("pk").values())
    again = run(accounts.unit_admin, path)
    assert (again.created, again.updated, again.unchanged, again.errors) == (0, 0, 4, [])
    assert list(Person.objects.order_by("pk").values()) == people
    # Only the import's own summary event is new.
    assert list(AuditEvent.objects.filter(seq__gt=events).values_list("action", flat=True)) == [
        "roster.import"
    ]


def test_changed_phone_and_unit_are_updates(tmp_path, org, accounts):
    member = accounts.member.person
    rows = people_rows(member)
    run(accounts.unit_admin, xlsx(tmp_path, rows))
    rows[0][3] = "13800009999"
    rows[3][4] = "甲醇厂第二党支部"
    result = run(accounts.unit_admin, xlsx(tmp_path, rows, name="v2.xlsx"))
    assert (result.created, result.updated, result.unchanged) == (0, 2, 2)
    assert person(ids(1)).mobile == "13800009999"
    assert person(member.id_number).unit == org.branch2
    update = AuditEvent.objects.filter(action="person.update", object_id=str(member.pk)).get()
    assert update.before["unit"] == "甲醇厂第一党支部"
    assert update.after["unit"] == "甲醇厂第二党支部"
    samples = {s.name: s for s in result.samples}
    assert samples["王职工"].changes == ("所属组织",)


def test_absent_columns_and_empty_cells_leave_fields_as_they_are(tmp_path, org, accounts):
    member = accounts.member.person
    Person.objects.filter(pk=member.pk).update(position="化验员", is_cadre=True)
    # No phone, unit, employee number, category or position column.
    header = ["序号", "姓名", "身份证号码", "政治面貌"]
    result = run(
        accounts.unit_admin, xlsx(tmp_path, [["王职工", member.id_number, "中共党员"]], header=header)
    )
    assert (result.updated, result.errors) == (1, [])
    member.refresh_from_db()
    assert (member.mobile, member.employee_no, member.unit_id, member.position) == (
        "13912345678",
        "A1001",
        org.branch1.pk,
        "化验员",
    )
    assert member.political_status == PoliticalStatus.PARTY_MEMBER
    assert (member.is_party_member, member.is_cadre) == (True, True)  # no 人员类别 column: cadre kept
    # A present column with an empty cell also leaves the field alone.
    rows = [["王职工", "", member.id_number, "", "", "中共党员", "", ""]]
    result = run(accounts.unit_admin, xlsx(tmp_path, rows, name="empty.xlsx"))
    assert (result.unchanged, result.errors) == (1, [])
    member.refresh_from_db()
    assert (member.mobile, member.employee_no, member.position) == ("13912345678", "A1001", "化验员")


def test_duplicates_within_the_file_keep_the_first_row(tmp_path, org, accounts):
    rows = [
        ["张伟", "B001", ids(1), "", BRANCH1],
        ["张伟", "B009", ids(1), "", BRANCH1],
        ["李娜", "B001", ids(2, female=True), "", BRANCH1],
    ]
    result = run(accounts.unit_admin, xlsx(tmp_path, rows, header=HEADER[:6]))
    assert result.created == 1
    assert [(e.row, e.column, e.message) for e in result.errors] == [
        (5, "身份证号码", "身份证号与第4行重复，已保留第4行。"),
        (6, "工号", "工号“B001”与第4行重复，已保留第4行。"),
    ]
    assert person(ids(1)).employee_no == "B001"


def test_employee_number_used_by_another_person_is_a_row_error(tmp_path, org, accounts):
    result = run(
        accounts.unit_admin, xlsx(tmp_path, [["张伟", "A1001", ids(1), "", BRANCH1]], header=HEADER[:6])
    )
    assert result.created == 0
    assert [(e.row, e.column) for e in result.errors] == [(4, "工号")]
    assert "已被其他人员" in result.errors[0].message
    assert not Person.objects.filter(name="张伟").exists()


def test_row_errors_name_row_column_and_reason(tmp_path, org, accounts):
    rows = [
        ["张伟", "", ids(1), "12345", BRANCH1, "党员", "", ""],
        ["李娜", "", ids(2, female=True)[:-1] + "0", "", BRANCH1, "", "", ""],
        ["王五", "", ids(4), "", BRANCH1, "少先队员", "", ""],
        ["", "", ids(5), "", BRANCH1, "", "", ""],
    ]
    result = run(accounts.unit_admin, xlsx(tmp_path, rows))
    found = {(e.row, e.column): e.message for e in result.errors}
    assert "不是有效的11位手机号" in found[(4, "手机号码")]
    assert "校验位" in found[(5, "身份证号码")]
    assert found[(6, "政治面貌")] == "无法识别的政治面貌“少先队员”。"
    assert found[(7, "姓名")] == "新增人员的姓名为空。"
    assert result.created == 0
    assert result.refused_rows == 4


def test_gender_must_agree_with_the_id_number(tmp_path, org, accounts):
    header = ["序号", "姓名", "性别", "身份证号码", "所属组织"]
    rows = [["张伟", "女", ids(1), BRANCH1], ["李娜", "女", ids(2, female=True), BRANCH1]]
    result = run(accounts.unit_admin, xlsx(tmp_path, rows, header=header))
    assert result.created == 1
    assert [(e.row, e.column, e.message) for e in result.errors] == [(4, "性别", "性别“女”与身份证号不符。")]


def test_status_column(tmp_path, org, accounts):
    header = ["序号", "姓名", "身份证号码", "所属组织", "人员状态"]
    result = run(accounts.unit_admin, xlsx(tmp_path, [["张伟", ids(1), BRANCH1, "退休"]], header=header))
    assert result.errors == []
    retired = person(ids(1))
    assert retired.status == PersonStatus.RETIRED
    assert retired.status_since is not None


def test_unknown_unit_is_an_error_unless_units_are_created(tmp_path, org, accounts):
    rows = [
        ["张伟", "", ids(1), "", "西北能化公司党委/甲醇厂党总支/甲醇厂第三党支部"],
        ["李娜", "", ids(2, female=True), "", "西北能化公司党委 > 甲醇厂党总支 > 甲醇厂第三党支部"],
    ]
    path = xlsx(tmp_path, rows, header=HEADER[:6])
    refused = run(accounts.unit_admin, path)
    assert refused.created == 0
    assert [(e.row, e.column) for e in refused.errors] == [(4, "所在党组织"), (5, "所在党组织")]
    assert "找不到组织" in refused.errors[0].message

    units = OrgUnit.objects.count()
    planned = run(accounts.unit_admin, path, create_units=True, dry_run=True)
    assert (planned.created, planned.errors) == (2, [])
    # Named from the top of the importer's scope (the committee), not from the group above it.
    assert planned.units_created == ["西北能化公司党委/甲醇厂党总支/甲醇厂第三党支部"]
    assert OrgUnit.objects.count() == units

    done = run(accounts.unit_admin, path, create_units=True)
    assert (done.created, done.errors) == (2, [])
    new = OrgUnit.objects.get(name="甲醇厂第三党支部")
    assert new.kind == UnitKind.BRANCH
    assert new.path.startswith(org.plant.path)
    assert person(ids(1)).unit == new
    assert AuditEvent.objects.filter(action="unit.create", object_id=str(new.pk)).count() == 1


def test_created_unit_paths_with_full_width_slash(tmp_path, org, accounts):
    rows = [["张伟", "", ids(1), "", "机关党支部／综合办公室／第一党小组"]]
    result = run(accounts.unit_admin, xlsx(tmp_path, rows, header=HEADER[:6]), create_units=True)
    # 党小组 may only sit under a 党支部: the rule of unit_create refuses it, as a row error.
    assert result.created == 0
    assert "无法创建组织" in result.errors[0].message
    assert not OrgUnit.objects.filter(name__in=["综合办公室", "第一党小组"]).exists()


def test_unit_outside_the_scope_is_refused(tmp_path, org, accounts):
    root = superuser()
    other = services.unit_create(actor=root, parent=org.group, name="东南化工公司", kind=UnitKind.COMPANY)
    services.unit_create(actor=root, parent=other, name="东南化工第一党支部", kind=UnitKind.BRANCH)
    rows = [
        ["张伟", "", ids(1), "", "东南化工第一党支部"],
        ["李娜", "", ids(2, female=True), "", "皖北煤电集团"],
    ]
    result = run(accounts.unit_admin, xlsx(tmp_path, rows, header=HEADER[:6]))
    assert result.created == 0
    assert [e.message for e in result.errors] == [
        "无权导入到“东南化工第一党支部”：该组织不在您的管理范围内。",
        "无权导入到“皖北煤电集团”：该组织不在您的管理范围内。",
    ]
    # The system administrator may.
    assert run(accounts.sysadmin, xlsx(tmp_path, rows, header=HEADER[:6], name="b.xlsx")).created == 2


def test_person_outside_the_scope_is_not_touched(tmp_path, org, accounts):
    root = superuser()
    other = services.unit_create(actor=root, parent=org.group, name="东南化工公司", kind=UnitKind.COMPANY)
    outsider = make_person(other, name="赵外人", id_number=ids(7), mobile="13700000000")
    rows = [["赵外人", "", ids(7), "13700000001", "机关党支部"]]
    result = run(accounts.unit_admin, xlsx(tmp_path, rows, header=HEADER[:6]))
    assert [(e.column, e.message) for e in result.errors] == [
        ("身份证号码", "该身份证号对应的人员不在您的管理范围内，无权修改。")
    ]
    outsider.refresh_from_db()
    assert (outsider.unit, outsider.mobile) == (other, "13700000000")


def test_ambiguous_bare_name_names_the_candidates(tmp_path, org, accounts):
    root = superuser()
    for branch in (org.branch1, org.branch2):
        services.unit_create(actor=root, parent=branch, name="第一党小组", kind=UnitKind.PARTY_GROUP)
    rows = [
        ["张伟", "", ids(1), "", "第一党小组"],
        ["李娜", "", ids(2, female=True), "", "甲醇厂第二党支部/第一党小组"],
    ]
    result = run(accounts.unit_admin, xlsx(tmp_path, rows, header=HEADER[:6]))
    assert result.created == 1
    [error] = result.errors
    assert error.row == 4
    assert "不唯一" in error.message
    assert "甲醇厂第一党支部/第一党小组" in error.message
    assert "甲醇厂第二党支部/第一党小组" in error.message
    assert person(ids(2, female=True)).unit.name == "第一党小组"


def test_closed_unit_is_an_error(tmp_path, org, accounts):
    root = superuser()
    closed = services.unit_create(actor=root, parent=org.plant, name="甲醇厂第九党支部", kind=UnitKind.BRANCH)
    services.unit_close(actor=root, unit=closed, closed_on=dt.date(2024, 1, 1), reason="合并")
    result = run(
        accounts.unit_admin, xlsx(tmp_path, [["张伟", "", ids(1), "", "甲醇厂第九党支部"]], header=HEADER[:6])
    )
    assert [e.message for e in result.errors] == ["组织“甲醇厂第九党支部”已撤销，不能再调入人员。"]


def test_an_interruption_leaves_nothing(tmp_path, org, accounts, monkeypatch):
    real = services.person_bulk_apply

    def crash_after_writing(**kwargs):
        real(**kwargs)
        raise RuntimeError("断电")

    monkeypatch.setattr(services, "person_bulk_apply", crash_after_writing)
    rows = people_rows(accounts.member.person)
    rows.append(["新人", "", ids(9), "", "甲醇厂党总支/甲醇厂第五党支部"])
    before = (Person.objects.count(), OrgUnit.objects.count(), AuditEvent.objects.count())
    with pytest.raises(RuntimeError):
        run(accounts.unit_admin, xlsx(tmp_path, rows), create_units=True)
    assert (Person.objects.count(), OrgUnit.objects.count(), AuditEvent.objects.count()) == before


def test_audit_events_mask_the_id_number(tmp_path, org, accounts):
    member = accounts.member.person
    rows = people_rows(member)
    rows[3][3] = "13900000000"
    start = AuditEvent.objects.count()
    result = run(accounts.unit_admin, xlsx(tmp_path, rows))
    events = list(AuditEvent.objects.filter(seq__gt=start).order_by("seq"))
    actions = [e.action for e in events]
    assert actions.count("person.create") == result.created == 3
    assert actions.count("person.update") == result.updated == 1
    assert actions[-1] == "roster.import"
    assert all(e.actor_id == accounts.unit_admin.pk for e in events)
    created = next(e for e in events if e.action == "person.create" and e.object_repr == "张伟")
    assert created.after["id_number"] == ids(1)[:4] + "*" * 10 + ids(1)[-4:]
    text = json.dumps([[e.before, e.after] for e in events], ensure_ascii=False)
    for number in (ids(1), ids(2, female=True), ids(3), member.id_number, "13900000000"):
        assert number not in text
    summary = events[-1].after
    assert (summary["created"], summary["updated"], summary["unchanged"]) == (3, 1, 0)


def test_dry_run_writes_nothing(tmp_path, org, accounts):
    before = (Person.objects.count(), AuditEvent.objects.count())
    result = run(accounts.unit_admin, xlsx(tmp_path, people_rows(accounts.member.person)), dry_run=True)
    assert (result.created, result.unchanged) == (3, 1)
    assert {s.name for s in result.samples} == {"张伟", "李娜", "阿不都·热合曼"}
    assert all("*" in s.id_masked for s in result.samples)
    assert (Person.objects.count(), AuditEvent.objects.count()) == before


def test_accounts_without_the_import_role_are_refused(tmp_path, org, accounts):
    path = xlsx(tmp_path, people_rows(accounts.member.person))
    for actor in (accounts.secretary, accounts.inspector, accounts.member):
        with pytest.raises(PermissionRefused):
            run(actor, path)


def test_status_tokens_and_kind_guess():
    assert parse_status_tokens("党员、干部") == (PoliticalStatus.PARTY_MEMBER, True, ())
    assert parse_status_tokens("中共预备党员") == (PoliticalStatus.PROBATIONARY, None, ())
    assert parse_status_tokens("共青团员,职工") == (PoliticalStatus.LEAGUE, None, ())
    assert parse_status_tokens("九三学社社员") == (PoliticalStatus.DEMOCRATIC_PARTY, None, ())
    assert parse_status_tokens("群众/中层干部") == (PoliticalStatus.NONE, True, ())
    assert parse_status_tokens("学生") == (None, None, ("学生",))
    assert [guess_unit_kind(n) for n in ("第一党小组", "甲醇厂党总支", "机关党支部", "公司党委")] == [
        UnitKind.PARTY_GROUP,
        UnitKind.GENERAL_BRANCH,
        UnitKind.BRANCH,
        UnitKind.COMMITTEE,
    ]
    assert [guess_unit_kind(n) for n in ("皖北煤电集团", "西北能化公司", "人力资源部")] == [
        UnitKind.GROUP,
        UnitKind.COMPANY,
        UnitKind.DEPARTMENT,
    ]


@pytest.mark.parametrize(
    ("cell", "status", "party", "probationary"),
    [
        ("入党积极分子", PoliticalStatus.ACTIVIST, False, False),
        ("积极分子", PoliticalStatus.ACTIVIST, False, False),
        ("发展对象", PoliticalStatus.CANDIDATE, False, False),
        ("共青团员", PoliticalStatus.LEAGUE, False, False),
        ("民主党派", PoliticalStatus.DEMOCRATIC_PARTY, False, False),
        ("九三学社社员", PoliticalStatus.DEMOCRATIC_PARTY, False, False),
        ("无党派人士", PoliticalStatus.NON_PARTY, False, False),
        ("群众", PoliticalStatus.NONE, False, False),
        ("共青团员、入党积极分子", PoliticalStatus.ACTIVIST, False, False),
        ("中共预备党员", PoliticalStatus.PROBATIONARY, False, True),
    ],
)
def test_political_status_values_of_real_rosters(tmp_path, org, accounts, cell, status, party, probationary):
    rows = [["张伟", "B001", ids(1), "13800000001", BRANCH1, cell, "职工", ""]]
    result = run(accounts.unit_admin, xlsx(tmp_path, rows))
    assert (result.created, result.errors) == (1, [])
    zhang = person(ids(1))
    assert (zhang.political_status, zhang.is_party_member, zhang.is_probationary) == (
        status,
        party,
        probationary,
    )
    assert zhang.get_political_status_display() == PoliticalStatus(status).label


def test_an_unknown_political_status_is_a_row_error(tmp_path, org, accounts):
    rows = [["张伟", "B001", ids(1), "13800000001", BRANCH1, "积极份子们", "职工", ""]]
    result = run(accounts.unit_admin, xlsx(tmp_path, rows))
    assert result.created == 0
    assert [(e.row, e.column, e.message) for e in result.errors] == [
        (4, "政治面貌", "无法识别的政治面貌“积极份子们”。")
    ]
