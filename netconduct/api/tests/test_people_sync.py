"""People upserted in batches: the roster import's rules, all-or-nothing batches, idempotency, external ids."""

from __future__ import annotations

import time

import pytest

from netconduct import testing
from netconduct.api.models import ExternalRef
from netconduct.core.models import AuditEvent
from netconduct.org.models import Person


def _item(n: int, unit, **extra) -> dict:
    return {
        "external_id": f"HR{n:06d}",
        "id_number": testing.make_id_number(),
        "name": "张" + "伟芳娜敏静丽强磊军洋"[n % 10] + "甲乙丙丁戊己庚辛壬癸"[(n // 10) % 10],
        "employee_no": f"E{n:06d}",
        "unit_id": unit.pk,
        "political_status": "party_member" if n % 3 == 0 else "masses",
        "is_cadre": n % 7 == 0,
        "position": "职工",
        **extra,
    }


@pytest.mark.django_db
def test_a_batch_creates_then_changes_nothing_when_sent_again(org, make_key):
    key, client = make_key(scopes=["people:write", "people:read"])
    items = [_item(n, org.branch1 if n % 2 else org.branch2) for n in range(20)]
    first = client.post("people/batch", {"items": items})
    assert first.status_code == 200, first.json()
    body = first.json()
    assert (body["created"], body["updated"], body["unchanged"], body["external_ids_linked"]) == (
        20,
        0,
        0,
        20,
    )
    assert [i["item"] for i in body["items"]] == list(range(1, 21))
    person = Person.objects.get(pk=body["items"][0]["id"])
    assert person.employee_no == "E000000" and person.is_party_member and person.is_cadre
    event = AuditEvent.objects.filter(action="person.create").first()
    assert event.actor_label == f"API:{key.name}"
    events = AuditEvent.objects.count()

    again = client.post("people/batch", {"items": items}).json()
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 20)
    assert AuditEvent.objects.count() == events

    by_external_id = client.post("people/batch", {"items": [{"external_id": "HR000003", "position": "班长"}]})
    assert by_external_id.json()["updated"] == 1
    assert Person.objects.get(employee_no="E000003").position == "班长"
    listed = client.get("people", {"limit": 1000}).json()["items"]
    assert {p["external_id"] for p in listed} == {f"HR{n:06d}" for n in range(20)}


@pytest.mark.django_db
def test_transfers_and_leavers_follow_the_roster_rules(org, make_key, accounts):
    _key, client = make_key(scopes=["people:write"])
    member = accounts.member.person
    moved = client.post(
        "people/batch", {"items": [{"id_number": member.id_number, "unit_id": org.branch2.pk}]}
    ).json()
    assert moved["updated"] == 1
    member.refresh_from_db()
    assert member.unit == org.branch2
    left = client.post("people/batch", {"items": [{"id_number": member.id_number, "status": "retired"}]})
    assert left.status_code == 200
    member.refresh_from_db()
    accounts.member.refresh_from_db()
    assert member.status == "retired" and member.status_since is not None
    assert not accounts.member.is_active  # leaving ends access, as in a roster import


@pytest.mark.django_db
def test_a_batch_with_errors_applies_nothing_and_names_item_and_field(org, make_key):
    _key, client = make_key(scopes=["people:write"])
    existing = testing.make_person(org.branch1, name="李四", employee_no="E9")
    items = [_item(n, org.branch1) for n in range(6)]
    items[1]["id_number"] = "110101199003077777"  # wrong check digit
    items[2]["mobile"] = "12345"
    items[3]["unit_id"] = org.group.pk  # above the key's subtree
    items[4]["employee_no"] = "E9"  # someone else's
    items[5]["political_status"] = "anarchist"
    before = (Person.objects.count(), AuditEvent.objects.count(), ExternalRef.objects.count())
    response = client.post("people/batch", {"items": items})
    assert response.status_code == 422
    body = response.json()
    assert before == (Person.objects.count(), AuditEvent.objects.count(), ExternalRef.objects.count())
    if body["code"] == "invalid":  # the enum is checked before the batch is read: the rest are then reported
        assert body["errors"] == [
            {"item": 6, "field": "political_status", "message": "取值不在允许的范围内。"}
        ]
        del items[5]["political_status"]
        body = client.post("people/batch", {"items": items}).json()
    assert body["code"] == "batch_refused" and body["message"] == "本批有4项有误，整批未生效。"
    assert [(e["item"], e["field"]) for e in body["errors"]] == [
        (2, "id_number"),
        (3, "mobile"),
        (4, "unit_id"),
        (5, "employee_no"),
    ]
    messages = {e["item"]: e["message"] for e in body["errors"]}
    assert messages[2] == "身份证号校验位不正确，请核对。"
    assert messages[3] == "手机号码“12345”不是有效的11位手机号。"
    assert messages[4] == f"组织编号{org.group.pk}不存在，或不在密钥的组织范围内。"
    assert messages[5] == f"工号“E9”已被其他人员（{existing.name}）使用。"
    assert Person.objects.count() == before[0]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("item", "field", "message"),
    [
        ({"name": "王五"}, "id_number", "请提供身份证号（id_number）或外部编号（external_id）。"),
        (
            {"external_id": "X1", "name": "王五"},
            "id_number",
            "外部编号“X1”尚未对应任何人员：新增人员须同时提供身份证号。",
        ),
        ({"id_number": "ID"}, "id_number", "身份证号应为18位，实为2位。"),
        ({"name": "王五", "unit": 1}, "unit", "不认识的字段。"),
    ],
)
def test_single_item_refusals(org, make_key, item, field, message):
    _key, client = make_key(scopes=["people:write"])
    body = client.post("people/batch", {"items": [item]}).json()
    assert body["errors"][0]["item"] == 1
    assert (body["errors"][0]["field"], body["errors"][0]["message"]) == (field, message)


@pytest.mark.django_db
def test_an_external_id_cannot_name_two_people(org, make_key):
    _key, client = make_key(scopes=["people:write"])
    first = _item(1, org.branch1)
    assert client.post("people/batch", {"items": [first]}).status_code == 200
    other = _item(2, org.branch1, external_id=first["external_id"])
    body = client.post("people/batch", {"items": [other]}).json()
    assert body["errors"] == [
        {"item": 1, "field": "external_id", "message": "外部编号“HR000001”已对应另一名人员，与身份证号不符。"}
    ]


@pytest.mark.django_db
def test_a_batch_costs_the_same_queries_whatever_its_size(org, make_key):
    """Reads and updates are per batch, not per item; only the bulk INSERTs split, by the database's limit on
    parameters in one statement."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _key, client = make_key(scopes=["people:write"])

    def reads(items) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.post("people/batch", {"items": items}).status_code == 200
        return sum(1 for q in queries.captured_queries if not q["sql"].startswith("INSERT"))

    client.post("people/batch", {"items": [_item(n, org.branch1) for n in range(10)]})
    few = [_item(n, org.branch1) for n in range(100, 110)]
    small = reads(few)
    large = reads([_item(n, org.branch1) for n in range(200, 1200)])
    assert large <= small + 8 and large < 40, (small, large)
    assert reads([{**item, "unit_id": org.branch2.pk, "position": "班长"} for item in few]) < 40


@pytest.mark.django_db
@pytest.mark.once
def test_ten_thousand_people_in_batches(org, make_key, capsys):
    """Issue 17's sync proof: 10,000 people in batches of 1,000, the same again (no change, no audit event), then a
    batch with 5 bad rows (nothing applied, 5 errors naming item and field)."""
    _key, client = make_key(scopes=["people:write"])
    units = [org.branch1, org.branch2, org.office]
    items = [_item(n, units[n % 3]) for n in range(10_000)]
    batches = [items[i : i + 1000] for i in range(0, len(items), 1000)]
    started = time.perf_counter()
    for batch in batches:
        response = client.post("people/batch", {"items": batch})
        assert response.status_code == 200 and response.json()["created"] == 1000
    created = time.perf_counter() - started
    assert Person.objects.count() == 10_000
    events = AuditEvent.objects.count()
    started = time.perf_counter()
    for batch in batches:
        assert client.post("people/batch", {"items": batch}).json()["unchanged"] == 1000
    unchanged = time.perf_counter() - started
    assert AuditEvent.objects.count() == events
    bad = [dict(item) for item in batches[0]]
    for n, (field, value) in zip(
        (10, 200, 401, 650, 999),
        [
            ("mobile", "110"),
            ("email", "a@"),
            ("name", "王5"),
            ("employee_no", "有 空格"),
            ("id_number", "1" * 18),
        ],
        strict=True,
    ):
        bad[n][field] = value
        bad[n]["position"] = "改了"
    for item in bad[:5]:
        item["position"] = "也改了"
    response = client.post("people/batch", {"items": bad})
    assert response.status_code == 422
    assert [(e["item"], e["field"]) for e in response.json()["errors"]] == [
        (11, "mobile"),
        (201, "email"),
        (402, "name"),
        (651, "employee_no"),
        (1000, "id_number"),
    ]
    assert not Person.objects.filter(position__in=["改了", "也改了"]).exists()
    assert AuditEvent.objects.count() == events
    with capsys.disabled():
        print(f"\n10,000 people: created in {created:.1f} s, re-sent unchanged in {unchanged:.1f} s")


@pytest.mark.django_db
def test_a_key_cannot_pull_in_or_change_a_person_outside_its_subtree(org, make_key):
    """An insider with a key over 甲醇厂党总支 sends the ID number of someone in the office branch (outside)."""
    outsider = testing.make_person(org.office, name="赵外部")
    _key, client = make_key(unit=org.plant, scopes=["people:write"])
    item = {"id_number": outsider.id_number, "name": "赵外部", "unit_id": org.branch1.pk, "position": "改了"}
    response = client.post("people/batch", {"items": [item]})
    assert response.status_code == 422, response.content
    error = response.json()["errors"][0]
    assert error["item"] == 1 and "范围" in error["message"], error
    outsider.refresh_from_db()
    assert outsider.unit_id == org.office.pk and outsider.position != "改了"
