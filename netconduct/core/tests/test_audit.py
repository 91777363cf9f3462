import pytest
from django.core.management import call_command
from django.db import connection, transaction

from netconduct.core.audit import audit_verify
from netconduct.core.models import AuditEvent, AuditHead
from netconduct.testing import make_person

pytestmark = pytest.mark.django_db


def _raw(sql: str, params=()) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SET LOCAL session_replication_role = replica"
            )  # what a DB owner bypassing triggers does
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = origin")


def test_every_service_write_is_a_chained_event(org):
    make_person(org.branch1, name="赵六")
    events = list(AuditEvent.objects.order_by("seq"))
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    assert events[-1].action == "person.create"
    assert all(b.prev_hash == a.hash for a, b in zip(events, events[1:], strict=False))
    assert audit_verify().ok


def test_audit_payload_masks_id_number_and_mobile(org):
    person = make_person(org.branch1, name="赵六", mobile="13912345678")
    event = AuditEvent.objects.get(action="person.create", object_id=str(person.pk))
    assert person.id_number not in str(event.after)
    assert "13912345678" not in str(event.after)
    assert event.after["id_number"] == person.id_number_masked
    assert event.after["mobile"] == "139****5678"


def test_edited_event_is_detected_and_named(org):
    make_person(org.branch1, name="赵六")
    target = AuditEvent.objects.order_by("seq")[2]
    _raw("UPDATE core_auditevent SET object_repr = %s WHERE id = %s", ["篡改", target.pk])
    result = audit_verify()
    assert not result.ok
    assert result.broken_seq == target.seq


def test_deleted_event_is_detected(org):
    target = AuditEvent.objects.order_by("seq")[1]
    _raw("DELETE FROM core_auditevent WHERE id = %s", [target.pk])
    result = audit_verify()
    assert not result.ok and result.broken_seq == target.seq


def test_cut_tail_is_detected(org):
    last = AuditEvent.objects.order_by("-seq").first()
    _raw("DELETE FROM core_auditevent WHERE id = %s", [last.pk])
    assert not audit_verify().ok


def test_audit_verify_command_exits_non_zero_and_names_the_event(org, capsys):
    call_command("audit-verify")
    assert "完好" in capsys.readouterr().out
    target = AuditEvent.objects.order_by("seq")[0]
    _raw("UPDATE core_auditevent SET action = %s WHERE id = %s", ["unit.delete", target.pk])
    with pytest.raises(SystemExit) as exc:
        call_command("audit-verify")
    assert exc.value.code != 0
    assert f"#{target.seq}" in capsys.readouterr().err


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the append-only trigger exists on PostgreSQL")
def test_postgresql_refuses_updates_of_events(org):
    from django.db import DatabaseError

    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.update(action="x")


def test_head_tracks_last_event(org):
    head = AuditHead.objects.get(pk=1)
    last = AuditEvent.objects.order_by("-seq").first()
    assert (head.seq, head.hash) == (last.seq, last.hash)
