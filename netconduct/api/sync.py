"""People upserted in batches through the API, by the roster import's own rules.

Each batch becomes a sheet of rows for `RosterImporter` — the same cleaning, the same Chinese messages, the same
matching by ID number and the same idempotency (a row that changes nothing writes nothing and records no audit
event). What the API adds: people are matched by an external id as well (an outside system's id, kept per key
`source` in `ExternalRef`), units are named by id, and a batch is all-or-nothing: any error rolls the whole batch
back and every error names the item (from 1) and the field.
"""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import translation

from netconduct.core import crypto
from netconduct.core.audit import Change, audit_record
from netconduct.core.exceptions import ApplicationError
from netconduct.org import scoping, services, validation
from netconduct.org.choices import PersonStatus, PoliticalStatus
from netconduct.org.models import ID_CONTEXT, OrgUnit, Person
from netconduct.org.roster import reader
from netconduct.org.roster.importer import RosterImporter
from netconduct.org.roster.reader import Column, RosterSheet

from .models import ApiKey, ExternalRef

MAX_ITEMS = 1000
LOOKUP_BATCH = 900

# The sheet's columns, named as the API writes the fields: the importer's messages then name the API's field.
COLUMNS = (
    (reader.ID_NUMBER, "id_number"),
    (reader.NAME, "name"),
    (reader.EMPLOYEE_NO, "employee_no"),
    (reader.MOBILE, "mobile"),
    (reader.EMAIL, "email"),
    (reader.UNIT, "unit_id"),
    (reader.POLITICAL, "political_status"),
    (reader.CATEGORY, "is_cadre"),
    (reader.POSITION, "position"),
    (reader.STATUS, "status"),
)


@dataclass
class ItemOutcome:
    item: int
    id: int


@dataclass
class SyncResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    external_ids_linked: int = 0
    items: list[ItemOutcome] = field(default_factory=list)


class BatchRefused(Exception):
    def __init__(self, errors: list[dict]) -> None:
        super().__init__(f"{len(errors)} errors")
        self.errors = errors


@dataclass
class _ApiSheet(RosterSheet):
    """A batch as a roster sheet: every item is a row (a file's blank and signature lines do not exist here)."""

    def rows(self) -> Iterator[tuple[int, list[Any]]]:
        yield from self._rows


def _batched(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    iterator = iter(items)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk


def _unit_paths(scope: scoping.Scope) -> dict[int, tuple[str, bool]]:
    """Each unit id in the key's scope → (its path by names from the top, as the roster's unit column takes it)."""
    rows = list(OrgUnit.objects.order_by("path").values_list("pk", "path", "name"))
    names = {path: name for _pk, path, name in rows}
    step = OrgUnit.steplen
    found = {}
    for pk, path, _name in rows:
        if scope.covers(path):
            found[pk] = "/".join(names[path[:i]] for i in range(step, len(path) + 1, step))
    return found


def _cell(value: Any) -> str:
    return "" if value is None else str(value)


def people_sync(*, key: ApiKey, items: list[dict[str, Any]]) -> SyncResult:
    """Create, update, move and mark as left the people of one batch; all of it or nothing (`BatchRefused`)."""
    actor = key.account
    if len(items) > MAX_ITEMS:
        raise ApplicationError(f"一批最多{MAX_ITEMS}项，本批有{len(items)}项。", field="items")
    scope = scoping.scope_for(actor, "roster.import")
    errors: list[dict] = []

    def refuse(number: int, fld: str, message: str) -> None:
        errors.append({"item": number, "field": fld, "message": message})

    # -- external ids: who they name already, and the ID number to match them by
    external_ids = [(n, item["external_id"]) for n, item in enumerate(items, 1) if item.get("external_id")]
    seen_external: dict[str, int] = {}
    for number, external_id in external_ids:
        first = seen_external.setdefault(external_id, number)
        if first != number:
            refuse(number, "external_id", f"外部编号“{external_id}”与第{first}项重复。")
    linked: dict[str, int] = {}  # external id → person pk
    for chunk in _batched([e for _n, e in external_ids], LOOKUP_BATCH):
        linked.update(
            ExternalRef.objects.filter(source=key.source, external_id__in=chunk).values_list(
                "external_id", "person"
            )
        )
    linked_people: dict[int, tuple[str, str]] = {}  # pk → (id hash, encrypted ID number)
    for chunk in _batched(sorted(set(linked.values())), LOOKUP_BATCH):
        linked_people.update(
            (pk, (id_hash, enc))
            for pk, id_hash, enc in Person.objects.filter(pk__in=chunk).values_list(
                "pk", "id_number_hash", "id_number_enc"
            )
        )

    units = _unit_paths(scope)
    rows: list[tuple[int, list[str]]] = []
    wanted_links: dict[str, str] = {}  # external id → ID hash it must name after the batch
    row_hashes: dict[
        int, str
    ] = {}  # item → its ID hash (clean: a batch that gets applied has no bad ID numbers)
    # The roster importer reads the Chinese values a roster holds, whatever language the request asked for.
    with translation.override(settings.LANGUAGE_CODE):
        political_labels = {value: str(label) for value, label in PoliticalStatus.choices}
        status_labels = {value: str(label) for value, label in PersonStatus.choices}
    for number, item in enumerate(items, 1):
        failed = len(errors)
        external_id = item.get("external_id") or ""
        id_number = _cell(item.get("id_number")).strip()
        known = linked_people.get(linked[external_id]) if external_id in linked else None
        id_hash = None
        if id_number:
            with contextlib.suppress(
                ValidationError
            ):  # the importer names the fault, with the roster's message
                id_hash = services.id_number_hash(validation.clean_id_number(id_number))
            if known is not None and id_hash is not None and id_hash != known[0]:
                refuse(number, "external_id", f"外部编号“{external_id}”已对应另一名人员，与身份证号不符。")
        elif known is not None:
            id_number, id_hash = crypto.decrypt(known[1], context=ID_CONTEXT), known[0]
        elif external_id:
            refuse(
                number, "id_number", f"外部编号“{external_id}”尚未对应任何人员：新增人员须同时提供身份证号。"
            )
        else:
            refuse(number, "id_number", "请提供身份证号（id_number）或外部编号（external_id）。")
        unit_text = ""
        if item.get("unit_id") is not None:
            unit_text = units.get(item["unit_id"], "")
            if not unit_text:
                refuse(number, "unit_id", f"组织编号{item['unit_id']}不存在，或不在密钥的组织范围内。")
        if len(errors) > failed:
            continue
        row_hashes[number] = id_hash or ""
        if external_id and known is None:
            wanted_links[external_id] = id_hash or ""
        political = item.get("political_status")
        cadre = item.get("is_cadre")
        status = item.get("status")
        cells = {
            "id_number": id_number,
            "name": _cell(item.get("name")),
            "employee_no": _cell(item.get("employee_no")),
            "mobile": _cell(item.get("mobile")),
            "email": _cell(item.get("email")),
            "unit_id": unit_text,
            "political_status": political_labels[political] if political else "",
            "is_cadre": "" if cadre is None else ("干部" if cadre else "职工"),
            "position": _cell(item.get("position")),
            "status": status_labels[status] if status else "",
        }
        rows.append((number, [cells[header] for _fld, header in COLUMNS]))

    sheet = _ApiSheet(
        filename="api",
        sheet_name="",
        header_row=0,
        columns={fld: Column(fld, index, header) for index, (fld, header) in enumerate(COLUMNS)},
        _rows=iter(rows),
        max_rows=MAX_ITEMS,
    )
    result = SyncResult()
    with transaction.atomic():
        imported = RosterImporter(actor=actor, sheet=sheet, create_units=False, dry_run=False).run()
        errors += [{"item": e.row, "field": e.column, "message": e.message} for e in imported.errors]
        if errors:
            raise BatchRefused(sorted(errors, key=lambda e: e["item"] or 0))
        result.created, result.updated, result.unchanged = (
            imported.created,
            imported.updated,
            imported.unchanged,
        )
        hashes = row_hashes
        pks: dict[str, int] = {}
        for chunk in _batched(sorted(set(hashes.values())), LOOKUP_BATCH):
            pks.update(Person.objects.filter(id_number_hash__in=chunk).values_list("id_number_hash", "pk"))
        result.items = [ItemOutcome(number, pks[hashes[number]]) for number, _cells in rows]
        new_refs = [
            ExternalRef(
                source=key.source,
                external_id=external_id,
                person_id=pks[id_hash],
            )
            for external_id, id_hash in wanted_links.items()
        ]
        if new_refs:
            taken = set(
                ExternalRef.objects.filter(
                    source=key.source, person_id__in=[r.person_id for r in new_refs]
                ).values_list("person_id", flat=True)
            )
            clash = [r for r in new_refs if r.person_id in taken]
            if clash:
                numbers = {e: n for n, e in external_ids}
                raise BatchRefused(
                    [
                        {
                            "item": numbers[r.external_id],
                            "field": "external_id",
                            "message": "该人员已有另一个外部编号，不能再对应新的外部编号。",
                        }
                        for r in clash
                    ]
                )
            ExternalRef.objects.bulk_create(new_refs)
            result.external_ids_linked = len(new_refs)
        if result.created or result.updated or result.external_ids_linked:
            audit_record(
                actor=actor,
                change=Change(
                    "api.people_sync",
                    "api.apikey",
                    key.pk,
                    key.name,
                    key.unit.path,
                    None,
                    {
                        "items": len(items),
                        "created": result.created,
                        "updated": result.updated,
                        "unchanged": result.unchanged,
                        "external_ids_linked": result.external_ids_linked,
                    },
                ),
            )
    return result
