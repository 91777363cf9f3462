"""The roster import's write path at size: statements per batch, not per row; every change audited; chain verifies."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from netconduct.core import bulk
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
