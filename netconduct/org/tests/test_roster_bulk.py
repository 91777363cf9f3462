"""The roster import's write path at size: statements per batch, not per row; every change audited; chain verifies."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from netconduct.core import bulk
from netconduct.core.exceptions import ApplicationError
from netconduct.core.models import AuditEvent
from netconduct.org.models import Person
from netconduct.org.roster.importer import roster_import
from netconduct.org.roster.testing import office_rows, write_xlsx
from netconduct.testing import make_id_number

pytestmark = pytest.mark.django_db

BRANCHES = ["甲醇厂第一党支部", "甲醇厂第二党支部", "机关党支部"]


def roster(tmp_path, start: int, count: int, *, phone_base: int = 13700000000):
    rows = [
        [
            f"张{'伟芳娜秀英敏静丽强磊'[n % 10]}{'军洋勇艳杰'[n // 10 % 5]}",
            f"E{n:05d}",
            make_id_number(n, birth=dt.date(1980, 1, 1)),
            str(phone_base + n),
            BRANCHES[n % 3],
            ["中共党员", "群众", "共青团员", "入党积极分子"][n % 4],
            "干部、职工" if n % 7 == 0 else "职工",
            "操作工",
        ]
        for n in range(start, start + count)
    ]
    return write_xlsx(tmp_path / f"r{start}_{count}_{phone_base}.xlsx", office_rows(rows))


def statements(actor, path, *, dry_run: bool = False):
    with CaptureQueriesContext(connection) as ctx:
        result = roster_import(actor=actor, path=path, filename=path.name, dry_run=dry_run)
    assert result.errors == []
    return len(ctx.captured_queries), result


def test_statements_do_not_grow_with_the_rows(tmp_path, org, accounts):
    admin = accounts.unit_admin
    small, large = roster(tmp_path, 1, 50), roster(tmp_path, 1000, 500)
    statements(admin, roster(tmp_path, 5000, 5), dry_run=True)  # the actor's grants, cached from then on
    dry_small, _ = statements(admin, small, dry_run=True)
    dry_large, result = statements(admin, large, dry_run=True)
    assert dry_small == dry_large and result.created == 500

    events = AuditEvent.objects.count()
    first_small, result_small = statements(admin, small)
    first_large, result_large = statements(admin, large)
    assert (result_small.created, result_large.created) == (50, 500)
    assert first_small == first_large
    # Every person created is an event of their own, and the import one more.
    assert AuditEvent.objects.count() == events + 50 + 500 + 2
    assert AuditEvent.objects.filter(action="person.create").count() >= 550

    again_small, result = statements(admin, small)
    again_large, result = statements(admin, large)
    assert again_small == again_large and result.unchanged == 500 and result.updated == 0

    # Everyone's phone changes: updates are batched too.
    moved_small, result = statements(admin, roster(tmp_path, 1, 50, phone_base=13600000000))
    moved_large, result = statements(admin, roster(tmp_path, 1000, 500, phone_base=13600000000))
    assert moved_small == moved_large and result.updated == 500
    assert Person.objects.get(employee_no="E01499").mobile == "13600001499"
    assert AuditEvent.objects.filter(action="person.update").count() == 550


def test_batches_follow_the_database_limit(tmp_path, org, accounts, monkeypatch):
    """With batches of 100 rows, 500 people take four more INSERTs of people and of events than 50 do."""
    admin = accounts.unit_admin
    statements(admin, roster(tmp_path, 5000, 5), dry_run=True)  # the actor's grants, cached from then on
    first_small, _ = statements(admin, roster(tmp_path, 1, 50))
    monkeypatch.setattr(bulk, "MAX_BATCH_ROWS", 100)
    first_large, _ = statements(admin, roster(tmp_path, 1000, 500))
    assert first_large == first_small + 4 + 4


def test_the_audit_chain_verifies_after_imports(tmp_path, org, accounts):
    admin = accounts.unit_admin
    roster_import(actor=admin, path=roster(tmp_path, 1, 300), dry_run=False)
    roster_import(actor=admin, path=roster(tmp_path, 1, 300, phone_base=13600000000), dry_run=False)
    out = io.StringIO()
    call_command("audit-verify", stdout=out)
    assert "审计链完好" in out.getvalue()
    person = Person.objects.get(employee_no="E00007")
    events = AuditEvent.objects.filter(object_type="org.person", object_id=str(person.pk)).order_by("seq")
    assert [e.action for e in events] == ["person.create", "person.update"]
    assert events[1].before["mobile"] == "137****0007" and events[1].after["mobile"] == "136****0007"
    assert (person.name, person.name_initials, person.name_pinyin) == ("张丽军", "zlj", "zhanglijun")


def _indexes(model) -> dict[str, tuple]:
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, model._meta.db_table)
    return {name: (tuple(c["columns"]), c["unique"]) for name, c in found.items() if c["index"]}


def _dropped(ctx) -> list[str]:
    return [q["sql"] for q in ctx.captured_queries if q["sql"].startswith("DROP INDEX")]


def test_a_large_first_import_defers_the_secondary_indexes(tmp_path, org, monkeypatch):
    """Into an empty people table, a large import drops the non-unique indexes and builds them again at the end:
    the same indexes afterwards, the statements still do not grow with the rows, every change still audited."""
    from netconduct import testing

    root = testing.superuser()
    assert not Person.objects.exists()
    before = {model: _indexes(model) for model in (Person, AuditEvent)}
    monkeypatch.setattr(bulk, "DEFER_INDEXES_MIN_ROWS", 20)
    statements(root, roster(tmp_path, 5000, 5), dry_run=True)  # the actor's grants, cached from then on
    with CaptureQueriesContext(connection) as ctx:
        small = roster_import(actor=root, path=roster(tmp_path, 1, 50), dry_run=False)
    assert small.created == 50 and small.errors == []
    dropped = _dropped(ctx)
    assert dropped, "the people's secondary indexes were not deferred"
    unique = [name for name, (_columns, is_unique) in before[Person].items() if is_unique]
    kept = unique + [name for name, (columns, _u) in before[Person].items() if "mobile" in columns]
    assert kept and not any(
        f'"{name}"' in sql for sql in dropped for name in kept
    )  # unique and look-ups stay
    assert {model: _indexes(model) for model in (Person, AuditEvent)} == before
    first_small = len(ctx.captured_queries)

    Person.objects.all().delete()  # empty again, so that the larger import is a first import too
    with CaptureQueriesContext(connection) as ctx:
        large = roster_import(actor=root, path=roster(tmp_path, 1000, 500), dry_run=False)
    assert large.created == 500 and _dropped(ctx)
    assert len(ctx.captured_queries) == first_small
    assert {model: _indexes(model) for model in (Person, AuditEvent)} == before
    assert AuditEvent.objects.filter(action="person.create").count() == 550
    out = io.StringIO()
    call_command("audit-verify", stdout=out)
    assert "审计链完好" in out.getvalue()
    # A person is found through the rebuilt indexes as before.
    assert Person.objects.filter(name_initials="zwj", mobile="13700001000").count() == 1


def test_a_failed_import_leaves_the_indexes_in_place(tmp_path, org, monkeypatch):
    from netconduct import testing

    root = testing.superuser()
    before = _indexes(Person)
    monkeypatch.setattr(bulk, "DEFER_INDEXES_MIN_ROWS", 20)

    def fail(self):
        raise RuntimeError("crash after the rows were written")

    monkeypatch.setattr(bulk.DeferredIndexes, "restore", fail)
    with pytest.raises(RuntimeError):
        roster_import(actor=root, path=roster(tmp_path, 1, 50), dry_run=False)
    assert _indexes(Person) == before  # the drops rolled back with the rows
    assert not Person.objects.exists()


def test_a_populated_table_keeps_its_indexes(tmp_path, org, accounts, monkeypatch):
    """Fewer new rows than the table holds: indexes maintained as usual (rebuilding would cost more)."""
    monkeypatch.setattr(bulk, "DEFER_INDEXES_MIN_ROWS", 20)
    roster_import(actor=accounts.unit_admin, path=roster(tmp_path, 1, 50), dry_run=False)
    with CaptureQueriesContext(connection) as ctx:
        result = roster_import(actor=accounts.unit_admin, path=roster(tmp_path, 100, 30), dry_run=False)
    assert result.created == 30 and _dropped(ctx) == []


def test_keys_given_out_of_order_are_found_by_their_hash(tmp_path, org, accounts, monkeypatch):
    """New people's keys are read back as the range above the highest key; one below it (a sequence cached per
    session) is looked up by its ID hash instead."""
    from django.db.models import Max, Value

    from netconduct.org import services

    monkeypatch.setattr(services, "Max", lambda _field: Max(Value(10**12)))  # as if every key were below
    result = roster_import(actor=accounts.unit_admin, path=roster(tmp_path, 1, 30), dry_run=False)
    assert result.created == 30
    events = AuditEvent.objects.filter(action="person.create", object_repr__startswith="张")
    people = dict(Person.objects.filter(employee_no__startswith="E000").values_list("pk", "name"))
    assert len(people) == 30
    assert {int(e.object_id): e.object_repr for e in events if int(e.object_id) in people} == people


# ---------------------------------------------------------------------------------------------------- parallel


@pytest.fixture
def forked(monkeypatch):
    """The child parser on (the suite may run with threads of its own), with small chunks so that several cross
    (the first one smaller)."""
    from netconduct.org.roster import importer

    monkeypatch.setattr(importer, "_can_fork", lambda: True)
    monkeypatch.setattr(importer, "CHUNK_ROWS", 40)
    monkeypatch.setattr(bulk, "DEFER_INDEXES_MIN_ROWS", 25)  # a first chunk of 25 rows, indexes deferred
    return importer


def _roster_with_mistakes(tmp_path):
    rows = []
    for n in range(1, 181):
        unit = BRANCHES[n % 3] if n != 7 else "没有这个支部"
        id_number = make_id_number(n, birth=dt.date(1980, 1, 1)) if n != 11 else "110101198001010000"
        name = f"张{'伟芳娜秀英敏静丽强磊'[n % 10]}{'军洋勇艳杰'[n // 10 % 5]}"
        rows.append([name, f"E{n:05d}", id_number, str(13700000000 + n), unit, "群众"])
    rows.append(
        ["重复", "E09999", make_id_number(5, birth=dt.date(1980, 1, 1)), "13800000000", BRANCHES[0], "群众"]
    )
    header = ["姓名", "工号", "身份证号码", "手机号码", "所在党组织", "政治面貌"]
    return write_xlsx(tmp_path / "mistakes.xlsx", office_rows(rows, header=header, numbered=False))


@pytest.mark.parametrize("made_in_child", [True, False], ids=["child-makes-people", "parent-makes-people"])
def test_a_parallel_import_writes_what_a_serial_dry_run_plans(
    tmp_path, org, forked, monkeypatch, made_in_child
):
    """The same import, whichever process makes the new people (the child does while it is ahead)."""
    import os

    from netconduct import testing
    from netconduct.org import validation

    admin = testing.superuser()
    path = _roster_with_mistakes(tmp_path)
    planned = roster_import(actor=admin, path=path, dry_run=True)
    # A first import: the child makes the new people's rows and audit snapshots (pinyin, the encrypted ID numbers)
    # when it is ahead, here always or never.
    from netconduct.org import services

    monkeypatch.setattr(forked, "PREPARE_AFTER_WAITING_S", -1.0 if made_in_child else float("inf"))
    parent, pinyin, snapshot = os.getpid(), validation.name_pinyin, services.person_snapshot

    def in_child(made):
        def call(*args):
            assert (os.getpid() != parent) == made_in_child, "made in the other process"
            return made(*args)

        return call

    monkeypatch.setattr(validation, "name_pinyin", in_child(pinyin))
    monkeypatch.setattr(services, "person_snapshot", in_child(snapshot))
    done = roster_import(actor=admin, path=path, dry_run=False, parallel=True)
    monkeypatch.setattr(validation, "name_pinyin", pinyin)
    monkeypatch.setattr(services, "person_snapshot", snapshot)
    assert done.as_json() == planned.as_json()
    # Refused: the unknown unit, an invalid ID number, an ID number twice (sent from the child with the chunks).
    assert done.created == 178, done.errors
    assert [(e.row, e.column) for e in done.errors] == [
        (10, "所在党组织"),
        (14, "身份证号码"),
        (184, "身份证号码"),
    ]
    assert [s.__dict__ for s in done.samples] == [s.__dict__ for s in planned.samples]
    assert Person.objects.filter(employee_no__startswith="E0").count() == 178
    person = Person.objects.get(employee_no="E00010")
    assert person.unit.name == BRANCHES[10 % 3] and person.name == "张伟洋" and person.name_initials == "zwy"
    # The child derived pinyin, the encrypted ID number, its mask and facts: the same as the services make them.
    made = make_person_like(person)
    for field in ("name_pinyin", "id_number_masked", "gender", "birth_date", "id_number_hash"):
        assert getattr(person, field) == getattr(made, field), field
    assert person.id_number == made.id_number == make_id_number(10, birth=dt.date(1980, 1, 1))
    # Each person's audit record is their snapshot as stored, made in the child.
    created = {e.object_id: e.after for e in AuditEvent.objects.filter(action="person.create")}
    people = Person.objects.filter(employee_no__startswith="E0").select_related("unit")
    assert {str(p.pk): json_of(snapshot(p)) for p in people}.items() <= created.items()
    out = io.StringIO()
    call_command("audit-verify", stdout=out)
    assert "审计链完好" in out.getvalue()


def make_person_like(person):
    """An unsaved person given `person`'s name and ID number through `apply_person_fields` alone."""
    from netconduct.org import services

    other = Person()
    services.apply_person_fields(other, {"name": person.name, "id_number": person.id_number})
    return other


def test_people_made_ahead_are_written_and_audited_as_people_created_here(org, accounts):
    """`person_prepare_new` + `person_bulk_apply(prepared=…)` (the roster's parsing process and the writing one)
    give the same rows and audit records as `person_bulk_apply(creates=…)`."""
    from django.db import transaction

    from netconduct.core.audit import compact_json
    from netconduct.org import services

    unit = org.branch1
    columns = [
        f.attname for f in Person._meta.concrete_fields if f.attname not in {"id", "created_at", "updated_at"}
    ]

    def data(n: int, status: str = "active") -> dict:
        return {
            "name": "欧阳娜娜",
            "id_number": make_id_number(n, birth=dt.date(1979, 12, 31)),
            "mobile": f"1391234000{n}",
            "employee_no": f"K{n}",
            "categories": ["employee", "cadre"],
            "political_status": "party_member",
            "status": status,
        }

    before = AuditEvent.objects.count()
    with transaction.atomic():
        made = services.person_prepare_new([(unit, data(1, "retired"))])
        services.person_bulk_apply(actor=accounts.unit_admin, creates=[], updates=[], prepared=made)
    with transaction.atomic():
        services.person_bulk_apply(
            actor=accounts.unit_admin, creates=[(unit, data(2, "retired"))], updates=[]
        )
    ahead, here = Person.objects.get(employee_no="K1"), Person.objects.get(employee_no="K2")
    differ = {
        "id_number_enc",
        "id_number_hash",
        "id_number_masked",
        "mobile",
        "employee_no",
    }  # their own values
    assert {c: getattr(ahead, c) for c in columns if c not in differ} == {
        c: getattr(here, c) for c in columns if c not in differ
    }
    assert ahead.id_number == data(1)["id_number"] and ahead.status_since == timezone.localdate()
    events = {e.object_id: e for e in AuditEvent.objects.filter(action="person.create").order_by("-seq")[:2]}
    assert AuditEvent.objects.count() == before + 2
    for person in (ahead, here):
        event = events[str(person.pk)]
        assert event.after == json_of(services.person_snapshot(person))
        assert compact_json(event.after) == compact_json(services.person_snapshot(person))
    out = io.StringIO()
    call_command("audit-verify", stdout=out)
    assert "审计链完好" in out.getvalue()


def json_of(value):
    import json

    from netconduct.core.audit import compact_json

    return json.loads(compact_json(value))


def test_people_made_ahead_are_still_checked_against_the_actors_scope(org, accounts):
    from django.db import transaction

    from netconduct.core.exceptions import PermissionRefused
    from netconduct.org import services

    outside = org.branch1  # not the outsider secretary's branch
    made = services.person_prepare_new(
        [(outside, {"name": "李娜", "id_number": make_id_number(3, birth=dt.date(1990, 5, 6))})]
    )
    with pytest.raises(PermissionRefused), transaction.atomic():
        services.person_bulk_apply(actor=accounts.outsider_secretary, creates=[], updates=[], prepared=made)
    assert not Person.objects.filter(name="李娜").exists()


def test_a_refusal_in_the_child_rolls_everything_back(tmp_path, org, accounts, forked, settings):
    settings.NETCONDUCT_ROSTER_MAX_ROWS = (
        100  # the child reads 180 rows: refused after two chunks were written
    )
    events = AuditEvent.objects.count()
    with pytest.raises(ApplicationError, match="超出单次导入的上限"):
        roster_import(actor=accounts.unit_admin, path=roster(tmp_path, 1, 180), dry_run=False, parallel=True)
    assert not Person.objects.filter(employee_no__startswith="E0").exists()
    assert AuditEvent.objects.count() == events


def test_a_child_that_dies_is_a_refusal(tmp_path, org, accounts, forked, monkeypatch):
    import os

    def die(self, sender):
        os._exit(3)

    monkeypatch.setattr(forked.RosterImporter, "_parse_in_child", die)
    with pytest.raises(ApplicationError, match="子进程意外退出"):
        roster_import(actor=accounts.unit_admin, path=roster(tmp_path, 1, 60), dry_run=False, parallel=True)
    assert not Person.objects.filter(employee_no__startswith="E0").exists()


def test_units_to_create_are_parsed_here(tmp_path, org, accounts, forked, monkeypatch):
    def never(self):
        raise AssertionError("no child when units may be created")

    monkeypatch.setattr(forked.RosterImporter, "_parsed_in_child", never)
    result = roster_import(
        actor=accounts.unit_admin,
        path=roster(tmp_path, 1, 30),
        dry_run=False,
        create_units=True,
        parallel=True,
    )
    assert result.created == 30
