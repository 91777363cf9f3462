"""person_batch_upsert: dict rows in, people created or updated through person_bulk_apply, all or nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from netconduct.core.audit import audit_verify
from netconduct.core.exceptions import ApplicationError, PermissionRefused
from netconduct.core.models import AuditEvent
from netconduct.org import services
from netconduct.org.choices import PoliticalStatus
from netconduct.org.models import Person
from netconduct.testing import make_id_number

pytestmark = pytest.mark.django_db


def ids(n: int) -> str:
    return make_id_number(n, birth=dt.date(1979, 9, 9))


def rows(org, start: int, count: int, *, phone: int = 13500000000) -> list[dict]:
    return [
        {
            "id_number": ids(n),
            "name": "李建国" if n % 2 else "王芳",
            "unit": org.branch1 if n % 2 else org.office,
            "employee_no": f"P{n:04d}",
            "mobile": str(phone + n),
            "categories": ["employee"],
            "political_status": PoliticalStatus.ACTIVIST,
        }
        for n in range(start, start + count)
    ]


def test_creates_updates_and_leaves_the_unchanged(org, accounts):
    admin = accounts.unit_admin
    created, changed = services.person_batch_upsert(actor=admin, rows=rows(org, 1, 4))
    assert (len(created), changed) == (4, [])
    again = rows(org, 1, 4)
    again[1]["mobile"] = "13600000002"
    again[2]["unit"] = org.branch2
    created, changed = services.person_batch_upsert(actor=admin, rows=again)
    assert created == [] and [p.employee_no for p in changed] == ["P0002", "P0003"]
    moved = Person.objects.get(employee_no="P0003")
    assert (moved.unit, moved.political_status, moved.name_initials) == (org.branch2, "activist", "ljg")
    events = AuditEvent.objects.filter(object_type="org.person", action="person.update").order_by("seq")
    assert [e.object_repr for e in events] == ["王芳", "李建国"]
    assert events[0].after == {"mobile": "136****0002"}
    assert audit_verify().ok


def test_a_bad_row_names_its_number_and_writes_nothing(org, accounts):
    batch = rows(org, 1, 3)
    batch[2]["mobile"] = "12345"
    before = (Person.objects.count(), AuditEvent.objects.count())
    with pytest.raises(ApplicationError, match="第3条：手机号码“12345”不是有效的11位手机号") as caught:
        services.person_batch_upsert(actor=accounts.unit_admin, rows=batch)
    assert caught.value.field == "mobile"
    batch = rows(org, 1, 3)
    batch[2]["employee_no"] = "P0001"
    with pytest.raises(ApplicationError, match="第3条：工号与第1条重复"):
        services.person_batch_upsert(actor=accounts.unit_admin, rows=batch)
    batch = rows(org, 1, 2)
    del batch[1]["unit"]
    with pytest.raises(ApplicationError, match="第2条：新增人员的所属组织为必填项"):
        services.person_batch_upsert(actor=accounts.unit_admin, rows=batch)
    batch = rows(org, 1, 2)
    batch[0]["mobile"] = accounts.member.person.mobile
    with pytest.raises(ApplicationError, match="第1条：.*已是其他人员"):
        services.person_batch_upsert(actor=accounts.unit_admin, rows=batch)
    assert (Person.objects.count(), AuditEvent.objects.count()) == before


def test_out_of_scope_units_are_refused(org, accounts):
    with pytest.raises(PermissionRefused):
        services.person_batch_upsert(actor=accounts.secretary, rows=rows(org, 1, 2))  # office is not his
    assert not Person.objects.filter(employee_no__startswith="P").exists()


def test_statements_do_not_grow_with_the_rows(org, accounts):
    admin = accounts.unit_admin
    services.person_batch_upsert(actor=admin, rows=rows(org, 900, 2))  # the actor's grants, cached

    def count(batch) -> int:
        with CaptureQueriesContext(connection) as ctx:
            services.person_batch_upsert(actor=admin, rows=batch)
        return len(ctx.captured_queries)

    assert count(rows(org, 1, 5)) == count(rows(org, 100, 200))
    assert count(rows(org, 1, 5, phone=13300000000)) == count(rows(org, 100, 200, phone=13300000000))
