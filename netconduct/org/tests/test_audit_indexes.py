"""The audit events' indexes after core 0004 (tested here, as the queries that use them are org's) and the people's
after org 0004: the unused `varchar_pattern_ops` twins are gone on PostgreSQL, and the queries that filter events by
unit subtree, by hash and by action prefix, and people by ID hash, mobile, employee number prefix and initials, still
find their rows through an index."""

import pytest
from django.db import connection

from netconduct import testing
from netconduct.core.models import AuditEvent
from netconduct.org import scoping, selectors
from netconduct.org.choices import Role

pytestmark = pytest.mark.django_db

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="Django makes `_like` twins on PostgreSQL only"
)


def _index_names(table: str = "core_auditevent") -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = %s", [table])
        return {name for (name,) in cursor.fetchall()}


def _plan(queryset) -> str:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            "SET LOCAL enable_seqscan = off"
        )  # a handful of rows: make the planner show what it can do
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("SET LOCAL enable_seqscan = on")
    return plan


@postgresql_only
def test_only_the_action_pattern_index_is_left(db):
    names = _index_names()
    assert not any(n.endswith("_like") and ("_hash_" in n or "_unit_path_" in n) for n in names), names
    assert any(n.startswith("core_auditevent_action_") and n.endswith("_like") for n in names), names
    assert {"core_auditevent_hash_key", "core_auditevent_seq_key"} <= names


def test_subtree_filter_of_events_finds_them(org):
    admin = testing.make_account("admin1")
    testing.grant(admin, Role.UNIT_ADMIN, org.branch1)
    inside = testing.make_person(org.branch1, name="赵六")
    testing.make_person(org.branch2, name="钱七")  # another branch: out of the admin's subtree
    seen = selectors.audit_event_list(viewer=admin, object_type="org.person")
    assert {e.object_repr for e in seen} >= {"赵六"}
    assert "钱七" not in {e.object_repr for e in seen}
    assert str(inside.pk) in {e.object_id for e in seen}
    if connection.vendor == "postgresql":
        subtree = scoping.scope_for(admin, "audit.view").q("unit_path")
        plan = _plan(AuditEvent.objects.filter(subtree))
        assert "core_auditevent_unit_path_" in plan, plan  # the plain B-tree answers the range


def test_event_by_hash_and_by_action_prefix(org):
    testing.make_person(org.branch1, name="赵六")
    event = AuditEvent.objects.filter(action="person.create").first()
    assert AuditEvent.objects.get(hash=event.hash) == event
    assert AuditEvent.objects.filter(action__startswith="person.").exists()
    if connection.vendor == "postgresql":
        assert "core_auditevent_hash_key" in _plan(AuditEvent.objects.filter(hash=event.hash))
        assert "Index" in _plan(AuditEvent.objects.filter(action__startswith="person."))


@postgresql_only
def test_people_keep_only_the_pattern_indexes_their_search_uses(db):
    names = _index_names("org_person")
    twins = {n for n in names if n.endswith("_like")}
    assert not any("_id_number_hash_" in n or "_mobile_" in n for n in twins), twins
    assert any("_employee_no_" in n for n in twins) and any("_name_initials_" in n for n in twins), twins
    assert any(n.startswith("org_person_mobile_") and not n.endswith("_like") for n in names), names


def test_people_by_id_hash_mobile_and_search_prefixes(org):
    from netconduct.org.models import Person

    person = testing.make_person(org.branch1, name="赵六", employee_no="ZL1001", mobile="13987654321")
    found = {
        "hash": Person.objects.filter(id_number_hash=person.id_number_hash),
        "mobile": Person.objects.filter(mobile="13987654321"),
        "employee_no": Person.objects.filter(employee_no__startswith="ZL10"),
        "initials": Person.objects.filter(name_initials__startswith="zl"),
    }
    for label, queryset in found.items():
        assert list(queryset) == [person], label
    if connection.vendor == "postgresql":
        assert "org_person_id_number_hash_key" in _plan(found["hash"])
        assert "org_person_mobile_" in _plan(found["mobile"])
        assert "org_person_employee_no_" in _plan(found["employee_no"])
        assert "org_person_name_initials_" in _plan(found["initials"])
