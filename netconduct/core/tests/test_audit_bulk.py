import datetime as dt
import json

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from netconduct.core import audit, bulk
from netconduct.core.audit import Change, audit_events_bulk, audit_record, audit_verify
from netconduct.core.models import AuditEvent, AuditHead
from netconduct.core.tests.test_audit import _raw

pytestmark = pytest.mark.django_db


def _changes(n: int, unit) -> list[Change]:
    return [
        Change(
            "thing.update",
            "core.thing",
            i,
            f'名称“{i}”\\"引号\n换行',
            unit.path,
            {"name": "甲", "when": dt.date(2024, 5, 6), "tags": {"b", "a"}, "unit": unit, 3: None},
            {"name": "乙", "at": dt.datetime(2024, 5, 6, 8, 30, tzinfo=dt.UTC), "n": 1.5, "ok": True},
        )
        if i % 3
        else Change("thing.create", "core.thing", str(i), "x" * 300, "", None, {"i": i})
        for i in range(n)
    ]


def test_bulk_events_join_the_chain_and_verify(org):
    with transaction.atomic():
        audit_record(actor=None, change=Change("thing.create", "core.thing", 1, "before"))
        written = audit_events_bulk(actor=None, changes=_changes(40, org.branch1))
        audit_record(actor=None, change=Change("thing.create", "core.thing", 2, "after"))
    assert written == 40
    events = list(AuditEvent.objects.order_by("seq"))
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    head = AuditHead.objects.get()
    assert (head.seq, head.hash) == (events[-1].seq, events[-1].hash)
    assert audit_verify().ok
    created = AuditEvent.objects.get(action="thing.update", object_id="1")
    assert created.before["when"] == "2024-05-06" and created.before["tags"] == ["a", "b"]
    assert created.before["unit"] == org.branch1.pk and created.before["3"] is None
    assert created.after["n"] == "1.5"
    assert len(AuditEvent.objects.get(action="thing.create", object_id="3").object_repr) == 255


def test_bulk_canonical_text_is_the_one_verify_hashes(org):
    """The hand-written canonical JSON must be byte for byte what `_canonical` gives for the stored event."""
    with transaction.atomic():
        audit_events_bulk(actor=None, changes=_changes(7, org.branch1))
    for event in AuditEvent.objects.filter(action__startswith="thing."):
        assert audit.compute_hash(event) == event.hash
        json.loads(audit._canonical(event))


def test_a_tampered_bulk_event_is_named(org):
    with transaction.atomic():
        audit_events_bulk(actor=None, changes=_changes(10, org.branch1))
    target = AuditEvent.objects.get(action="thing.update", object_id="5")
    _raw("UPDATE core_auditevent SET object_repr = %s WHERE id = %s", ["篡改", target.pk])
    result = audit_verify()
    assert not result.ok and result.broken_seq == target.seq


def test_statements_grow_with_batches_not_events(org, monkeypatch):
    def count(n: int) -> int:
        with transaction.atomic(), CaptureQueriesContext(connection) as ctx:
            audit_events_bulk(actor=None, changes=_changes(n, org.branch1))
        return len(ctx.captured_queries)

    assert count(5) == count(500)
    monkeypatch.setattr(bulk, "MAX_BATCH_ROWS", 100)
    assert count(500) == count(5) + 4  # five batches of 100
    assert audit_verify().ok
