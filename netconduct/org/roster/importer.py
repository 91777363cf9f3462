"""The HR roster import: rows of a spreadsheet become people created or updated through `person_bulk_apply`.

People are matched by ID number (its keyed hash); re-importing a file changes nothing. Columns absent from a file
leave those fields as they are, and so does an empty cell in a present column (a roster whose phone column has gaps
must not wipe the phones the platform already holds); to clear a value, edit the person. Every refused row is
reported with its row number as the spreadsheet shows it, the column's header as the file writes it, and a reason.

The file is read once, as a stream, in chunks: each chunk looks its people up in one query per batch of ID hashes
(as many as the database takes in one statement), so the number of queries grows with the file only by one per
chunk, never per row. A real import runs in one
transaction and applies each chunk as it goes, so memory stays bounded however long the file is; anything that
goes wrong (a file-level refusal at row 200,001, a crash) rolls all of it back.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import re
import time
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils.translation import gettext as _

from netconduct.core import bulk, crypto
from netconduct.core.audit import Change, audit_record
from netconduct.core.db import BULK_LOAD_ROWS
from netconduct.core.exceptions import ApplicationError, PermissionRefused
from netconduct.core.models import AuditEvent, AuditHead
from netconduct.org import scoping

from .. import selectors, services, validation
from ..choices import CATEGORY_FIELDS, Category, Gender, PersonStatus, PoliticalStatus, UnitKind
from ..models import OrgUnit, Person
from . import reader
from .reader import (
    CATEGORY,
    EMAIL,
    EMPLOYEE_NO,
    FIELD_LABELS,
    GENDER,
    ID_NUMBER,
    MOBILE,
    NAME,
    POLITICAL,
    POSITION,
    STATUS,
    UNIT,
    RosterFile,
    RosterSheet,
)

CHUNK_ROWS = 5000
# The parsing process of a first import makes a chunk's new people when sending the chunk before waited this long
# for the writing process to take it (`RosterImporter._parse_in_child`); sending to a process ready to read takes
# a few milliseconds.
PREPARE_AFTER_WAITING_S = 0.02
# The people's columns that each chunk's look-ups search by (login names): their indexes stay during a large load.
DEFERRED_INDEX_KEEP = ("mobile",)
SAMPLE_SIZE = 20

PRECISION_LOST = "身份证号被 Excel 存成了数字，后几位已丢失精度，请把该列设为文本后重新填写。"

# ---------------------------------------------------------------------------------------------------- results


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "message": self.message}


@dataclass(frozen=True)
class RowSample:
    """A row that will be (or was) applied, for the preview: never the clear ID number."""

    row: int
    action: str  # "create" or "update"
    name: str
    id_masked: str
    unit: str
    changes: tuple[str, ...] = ()

    @property
    def action_label(self) -> str:
        return "新增" if self.action == "create" else "更新"


@dataclass
class ImportResult:
    filename: str
    dry_run: bool
    create_units: bool
    sheet_name: str = ""
    header_row: int = 0
    columns: list[str] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    samples: list[RowSample] = field(default_factory=list)
    units_created: list[str] = field(default_factory=list)

    @property
    def refused_rows(self) -> int:
        return len({e.row for e in self.errors})

    def as_json(self) -> dict[str, Any]:
        """The shape `import-roster --json` prints: counts and row errors only."""
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "errors": [e.as_dict() for e in self.errors],
        }

    def as_dict(self) -> dict[str, Any]:
        """Everything the preview page shows, as JSON-safe values (the page keeps it beside the upload)."""
        return {
            **self.as_json(),
            "filename": self.filename,
            "dry_run": self.dry_run,
            "create_units": self.create_units,
            "sheet_name": self.sheet_name,
            "header_row": self.header_row,
            "columns": self.columns,
            "samples": [s.__dict__ for s in self.samples],
            "units_created": self.units_created,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ImportResult:
        return cls(
            filename=data["filename"],
            dry_run=data["dry_run"],
            create_units=data["create_units"],
            sheet_name=data.get("sheet_name", ""),
            header_row=data.get("header_row", 0),
            columns=list(data.get("columns", [])),
            created=data["created"],
            updated=data["updated"],
            unchanged=data["unchanged"],
            errors=[RowError(**e) for e in data["errors"]],
            samples=[RowSample(**{**s, "changes": tuple(s["changes"])}) for s in data.get("samples", [])],
            units_created=list(data.get("units_created", [])),
        )


class _RowRefused(Exception):
    def __init__(self, column: str, message: str) -> None:
        super().__init__(message)
        self.column = column
        self.message = message


# ---------------------------------------------------------------------------------------------------- values

_PARTY = PoliticalStatus.PARTY_MEMBER
_PROBATIONARY = PoliticalStatus.PROBATIONARY
POLITICAL_TOKENS: dict[str, str] = {
    "中共党员": _PARTY,
    "党员": _PARTY,
    "正式党员": _PARTY,
    "共产党员": _PARTY,
    "中国共产党党员": _PARTY,
    "中共预备党员": _PROBATIONARY,
    "预备党员": _PROBATIONARY,
    "共青团员": PoliticalStatus.LEAGUE,
    "团员": PoliticalStatus.LEAGUE,
    "中国共产主义青年团团员": PoliticalStatus.LEAGUE,
    "群众": PoliticalStatus.NONE,
    "无党派人士": PoliticalStatus.NON_PARTY,
    "无党派": PoliticalStatus.NON_PARTY,
    "入党积极分子": PoliticalStatus.ACTIVIST,
    "积极分子": PoliticalStatus.ACTIVIST,
    "入党申请人": PoliticalStatus.NONE,  # a step before 积极分子: still 群众 (or 团员, written beside it)
    "发展对象": PoliticalStatus.CANDIDATE,
    "入党发展对象": PoliticalStatus.CANDIDATE,
    "党员发展对象": PoliticalStatus.CANDIDATE,
    "民主党派": PoliticalStatus.DEMOCRATIC_PARTY,
    "民主党派成员": PoliticalStatus.DEMOCRATIC_PARTY,
}
_DEMOCRATIC = re.compile(r"^(民革|民盟|民建|民进|农工|致公|九三|台盟)")
CADRE_TOKENS = frozenset({"干部", "领导干部", "中层干部", "管理干部", "基层干部", "科级干部", "处级干部"})
EMPLOYEE_TOKENS = frozenset({"职工", "员工", "在职职工", "在岗职工", "工人"})
_TOKEN_SPLIT = re.compile(r"[、，,/;；|\s]+")
GENDER_TOKENS = {
    "男": Gender.MALE,
    "男性": Gender.MALE,
    "m": Gender.MALE,
    "male": Gender.MALE,
    "女": Gender.FEMALE,
    "女性": Gender.FEMALE,
    "f": Gender.FEMALE,
    "female": Gender.FEMALE,
}
STATUS_TOKENS = {
    "在岗": PersonStatus.ACTIVE,
    "在职": PersonStatus.ACTIVE,
    "在册": PersonStatus.ACTIVE,
    "在编": PersonStatus.ACTIVE,
    "正常": PersonStatus.ACTIVE,
    "调离": PersonStatus.TRANSFERRED,
    "调出": PersonStatus.TRANSFERRED,
    "转出": PersonStatus.TRANSFERRED,
    "离职": PersonStatus.TRANSFERRED,
    "退休": PersonStatus.RETIRED,
    "离休": PersonStatus.RETIRED,
    "内退": PersonStatus.RETIRED,
}


@functools.lru_cache(maxsize=4096)  # a roster has a handful of distinct values in these columns
def parse_status_tokens(text: str) -> tuple[str | None, bool | None, tuple[str, ...]]:
    """(political status or None, cadre or None, unknown tokens) from a 政治面貌/人员类别 cell such as "党员、干部"."""
    political: str | None = None
    cadre: bool | None = None
    unknown: list[str] = []
    for token in _TOKEN_SPLIT.split(unicodedata.normalize("NFKC", text)):
        if not token:
            continue
        if token in POLITICAL_TOKENS:
            political = _stronger(political, POLITICAL_TOKENS[token])
        elif _DEMOCRATIC.match(token):
            political = _stronger(political, PoliticalStatus.DEMOCRATIC_PARTY)
        elif token in CADRE_TOKENS or token.endswith("干部"):
            cadre = True
        elif token in EMPLOYEE_TOKENS:
            pass  # everyone in the roster is an employee
        else:
            unknown.append(token)
    return political, cadre, tuple(unknown)


_POLITICAL_ORDER = [
    PoliticalStatus.NONE,
    PoliticalStatus.NON_PARTY,
    PoliticalStatus.LEAGUE,
    PoliticalStatus.DEMOCRATIC_PARTY,
    PoliticalStatus.ACTIVIST,
    PoliticalStatus.CANDIDATE,
    PoliticalStatus.PROBATIONARY,
    PoliticalStatus.PARTY_MEMBER,
]


def _stronger(a: str | None, b: str) -> str:
    """A cell such as "团员、党员": a party member who was in the League; keep the later, higher status."""
    if a is None:
        return b
    return a if _POLITICAL_ORDER.index(a) >= _POLITICAL_ORDER.index(b) else b


def guess_unit_kind(name: str) -> str:
    """The kind of a unit from its name's suffix, for units created by --create-units."""
    if name.endswith("党小组"):
        return UnitKind.PARTY_GROUP
    if name.endswith("党总支") or name.endswith("总支部"):
        return UnitKind.GENERAL_BRANCH
    if name.endswith("支部"):
        return UnitKind.BRANCH
    if name.endswith("党委") or name.endswith("党工委"):
        return UnitKind.COMMITTEE
    if name.endswith("集团") or (name.endswith("公司") and "集团" in name):
        return UnitKind.GROUP
    if name.endswith("公司"):
        return UnitKind.COMPANY
    return UnitKind.DEPARTMENT


# ---------------------------------------------------------------------------------------------------- units


class PlannedUnit:
    """A unit a dry run with --create-units would create: stands in for it for the rest of the run."""

    pk = None
    is_active = True

    def __init__(self, *, name: str, kind: str, parent: OrgUnit | PlannedUnit, serial: int) -> None:
        self.name = name
        self.kind = kind
        self.parent = parent
        # Below the parent's path, so that scope checks on it answer as they will for the real unit.
        self.path = f"{parent.path}~{serial:04d}"

    def chain(self) -> tuple[OrgUnit, list[PlannedUnit]]:
        """The existing ancestor and the planned units from it down to this one."""
        planned: list[PlannedUnit] = [self]
        node = self.parent
        while isinstance(node, PlannedUnit):
            planned.insert(0, node)
            node = node.parent
        return node, planned


AnyUnit = OrgUnit | PlannedUnit
_SEPARATORS = re.compile(r"\s*[/>\\]\s*")


def _key(name: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", name))


class _DryRunRollback(Exception):
    pass


class UnitResolver:
    """Turns the unit cell (a name or a path) into a unit, once per distinct text.

    The whole tree is read once (organisations have hundreds or a few thousand units); a path's first segment
    matches a unit anywhere, the next ones its children by name, and the result must be one open unit inside the
    importer's scope.
    """

    def __init__(self, *, actor, scope: scoping.Scope, create_units: bool, dry_run: bool) -> None:
        self.actor = actor
        self.scope = scope
        self.create_units = create_units
        self.dry_run = dry_run
        self.by_path: dict[str, AnyUnit] = {}
        self.by_name: dict[str, list[AnyUnit]] = {}
        self.children: dict[str, dict[str, list[AnyUnit]]] = {}
        self.created: list[str] = []
        self._memo: dict[str, AnyUnit | _RowRefused] = {}
        self._serial = itertools.count(1)
        for unit in OrgUnit.objects.only("pk", "path", "depth", "name", "kind", "is_active").order_by("path"):
            self._index(unit, unit.path[: -unit.steplen])

    def _index(self, unit: AnyUnit, parent_path: str) -> None:
        self.by_path[unit.path] = unit
        key = _key(unit.name)
        self.by_name.setdefault(key, []).append(unit)
        self.children.setdefault(parent_path, {}).setdefault(key, []).append(unit)

    def label(self, unit: AnyUnit) -> str:
        """The unit's path by names from the top of the importer's scope, as a committee's administrator would
        write it: 西北能化公司党委/甲醇厂党总支/甲醇厂第一党支部 (units above the scope are not theirs to see)."""
        if isinstance(unit, PlannedUnit):
            return f"{self.label(unit.parent)}/{unit.name}"
        step = OrgUnit.steplen
        prefixes = [unit.path[:i] for i in range(step, len(unit.path) + 1, step)]
        names = [self.by_path[p].name for p in prefixes if self.scope.covers(p)]
        return "/".join(names or [unit.name])

    def resolve(self, text: str, column: str) -> AnyUnit:
        hit = self._memo.get(text)
        if hit is None:
            try:
                hit = self._resolve(text, column)
            except _RowRefused as refused:
                hit = refused
            self._memo[text] = hit
        if isinstance(hit, _RowRefused):
            raise hit
        return hit

    def _walk(self, segments: list[str]) -> list[AnyUnit]:
        current = list(self.by_name.get(segments[0], ()))
        for segment in segments[1:]:
            current = [c for unit in current for c in self.children.get(unit.path, {}).get(segment, ())]
        return current

    def _pick(self, text: str, matches: list[AnyUnit], column: str) -> AnyUnit:
        open_units = [u for u in matches if u.is_active]
        mine = [u for u in open_units if self.scope.covers(u.path)]
        if len(mine) == 1:
            return mine[0]
        if len(mine) > 1:
            paths = "；".join(self.label(u) for u in mine[:5])
            raise _RowRefused(
                column,
                _("组织“%(text)s”不唯一，可能是：%(paths)s。请填写完整路径加以区分。")
                % {"text": text, "paths": paths},
            )
        closed_mine = [u for u in matches if not u.is_active and self.scope.covers(u.path)]
        if closed_mine:
            raise _RowRefused(column, _("组织“%(text)s”已撤销，不能再调入人员。") % {"text": text})
        raise _RowRefused(column, _("无权导入到“%(text)s”：该组织不在您的管理范围内。") % {"text": text})

    def _resolve(self, text: str, column: str) -> AnyUnit:
        segments = [_key(s) for s in _SEPARATORS.split(unicodedata.normalize("NFKC", text).strip())]
        segments = [s for s in segments if s]
        if not segments:
            raise _RowRefused(column, _("所属组织为空。"))
        matches = self._walk(segments)
        if matches:
            return self._pick(text, matches, column)
        if not self.create_units:
            raise _RowRefused(
                column,
                _("找不到组织“%(text)s”。请核对名称或路径，或选择自动创建不存在的组织。") % {"text": text},
            )
        for cut in range(len(segments) - 1, 0, -1):
            prefix = self._walk(segments[:cut])
            if prefix:
                parent = self._pick("/".join(segments[:cut]), prefix, column)
                return self._create(parent, segments[cut:], column)
        raise _RowRefused(
            column,
            _("找不到组织“%(text)s”，也无法自动创建：路径的第一段必须是已有的组织（如“%(example)s”）。")
            % {"text": text, "example": self._example()},
        )

    def _example(self) -> str:
        mine = [u for u in self.by_path.values() if self.scope.covers(u.path) and u.is_active]
        return self.label(mine[0]) + "/…" if mine else "上级组织/…"

    def _create(self, parent: AnyUnit, names: list[str], column: str) -> AnyUnit:
        """Create the missing units of a path under `parent`, all or none (a savepoint per path).

        A dry run creates them too, by the same service and rules, in a savepoint it rolls back; planned
        stand-ins then take their place for the rest of the run.
        """
        planned: list[PlannedUnit] = []
        node: AnyUnit = parent
        for name in names:
            node = PlannedUnit(name=name, kind=guess_unit_kind(name), parent=node, serial=next(self._serial))
            planned.append(node)
        base, chain = planned[-1].chain()
        real: list[OrgUnit] = []
        try:
            with transaction.atomic():
                unit: OrgUnit = base
                for item in chain:
                    unit = services.unit_create(actor=self.actor, parent=unit, name=item.name, kind=item.kind)
                    real.append(unit)
                if self.dry_run:
                    raise _DryRunRollback
        except _DryRunRollback:
            pass
        except ApplicationError as exc:
            failed = chain[len(real)].name if len(real) < len(chain) else names[-1]
            raise _RowRefused(
                column,
                _("无法创建组织“%(failed)s”：%(message)s") % {"failed": failed, "message": exc.message},
            ) from None
        made: list[AnyUnit] = list(planned) if self.dry_run else list(real[len(chain) - len(planned) :])
        for item in made:
            self._index(item, item.parent.path if isinstance(item, PlannedUnit) else item.parent_path)
            self.created.append(self.label(item))
        return made[-1]


# ---------------------------------------------------------------------------------------------------- rows


@dataclass(slots=True)
class ParsedRow:
    """One row's clean values; None means "not given" (column absent or cell empty)."""

    row: int
    id_number: str
    id_hash: str
    name: str | None = None
    employee_no: str | None = None
    mobile: str | None = None
    email: str | None = None
    unit: AnyUnit | None = None
    political: str | None = None
    cadre: bool | None = None
    position: str | None = None
    status: str | None = None
    # A new person's row and audit snapshot, made ahead by the child of a first import (`_prepare`)
    prepared: tuple[tuple, str] | None = None


class KnownPerson(NamedTuple):
    """What the import compares of a person already in the database (field names as on `Person`)."""

    pk: int
    id_number_hash: str
    unit_id: int
    unit_path: str
    name: str
    mobile: str
    email: str
    employee_no: str | None
    position: str
    status: str
    political_status: str
    is_party_member: bool
    is_probationary: bool
    is_cadre: bool
    is_employee: bool


_KNOWN_FIELDS = [f if f != "unit_path" else "unit__path" for f in KnownPerson._fields]


class RosterImporter:
    def __init__(self, *, actor, sheet: RosterSheet, create_units: bool, dry_run: bool) -> None:
        self.actor = actor
        self.sheet = sheet
        self.dry_run = dry_run
        self.scope = scoping.scope_for(actor, "roster.import")
        self.units = UnitResolver(actor=actor, scope=self.scope, create_units=create_units, dry_run=dry_run)
        self.columns = sheet.columns
        self.result = ImportResult(
            filename=sheet.filename,
            dry_run=dry_run,
            create_units=create_units,
            sheet_name=sheet.sheet_name,
            header_row=sheet.header_row,
            columns=[c.header for c in sorted(sheet.columns.values(), key=lambda c: c.index)],
        )
        self._seen_ids: dict[str, int] = {}  # id hash -> first row
        self._seen_employee_nos: dict[str, int] = {}
        self._seen_logins: dict[str, tuple[int, str]] = {}  # employee no or mobile -> (first row, id hash)
        self._index = {f: c.index for f, c in self.columns.items()}
        self._fields_but_id = [(f, i) for f, i in self._index.items() if f != ID_NUMBER]
        self._sampled = {"create": 0, "update": 0}
        self._indexes = bulk.DeferredIndexes()
        self._present: dict[type, int] | None = None  # rows in the people and event tables before the import
        self._prepare_new = False  # whether the child makes new people's rows ahead (`_prepare`)
        self._written = 0

    # -- columns

    def header(self, fld: str) -> str:
        column = self.columns.get(fld)
        return column.header if column is not None else FIELD_LABELS[fld]

    def _cell(self, cells: tuple[Any, ...] | list[Any], fld: str) -> Any:
        index = self._index.get(fld)
        if index is None or index >= len(cells):
            return None
        return cells[index]

    # -- one row

    def parse(self, number: int, cells: tuple[Any, ...] | list[Any]) -> ParsedRow | None:
        errors: list[RowError] = []
        size = len(cells)
        text = {fld: reader.cell_text(cells[i]) if i < size else "" for fld, i in self._fields_but_id}

        def refuse(fld: str, message: str) -> None:
            errors.append(RowError(number, self.header(fld), message))

        def clean(fld: str, cleaner, raw: str):
            try:
                return cleaner(raw)
            except ValidationError as exc:
                refuse(fld, "；".join(exc.messages))
                return None

        # The ID number first: it is the key, and a row without one is nobody.
        id_number = id_hash = None
        try:
            raw_id = reader.id_cell_text(self._cell(cells, ID_NUMBER))
        except reader.PrecisionLost:
            refuse(ID_NUMBER, PRECISION_LOST)
        else:
            id_number = clean(ID_NUMBER, validation.clean_id_number, raw_id)
        if id_number is not None:
            id_hash = services.id_number_hash(id_number)
            first = self._seen_ids.get(id_hash)
            if first is not None:
                refuse(ID_NUMBER, _("身份证号与第%(first)s行重复，已保留第%(first)s行。") % {"first": first})
            else:
                self._seen_ids[id_hash] = number

        parsed = ParsedRow(number, id_number or "", id_hash or "")
        raw_name = text.get(NAME, "")
        if raw_name:
            parsed.name = clean(NAME, validation.clean_name, raw_name)
        raw_mobile = text.get(MOBILE, "")
        if raw_mobile:
            parsed.mobile = clean(MOBILE, validation.clean_mobile, raw_mobile) or None
        raw_email = text.get(EMAIL, "")
        if raw_email:
            parsed.email = clean(EMAIL, validation.clean_email, raw_email) or None
        raw_employee_no = text.get(EMPLOYEE_NO, "")
        if raw_employee_no:
            parsed.employee_no = clean(EMPLOYEE_NO, validation.clean_employee_no, raw_employee_no)
            if parsed.employee_no:
                first = self._seen_employee_nos.get(parsed.employee_no)
                if first is not None:
                    refuse(
                        EMPLOYEE_NO,
                        _("工号“%(employee_no)s”与第%(first)s行重复，已保留第%(first)s行。")
                        % {"employee_no": parsed.employee_no, "first": first},
                    )
                else:
                    self._seen_employee_nos[parsed.employee_no] = number
        raw_unit = text.get(UNIT, "")
        if raw_unit:
            try:
                parsed.unit = self.units.resolve(raw_unit, self.header(UNIT))
            except _RowRefused as refused:
                errors.append(RowError(number, refused.column, refused.message))
        for fld in (POLITICAL, CATEGORY):
            raw = text.get(fld, "")
            if not raw:
                continue
            political, cadre, unknown = parse_status_tokens(raw)
            if unknown:
                refuse(
                    fld,
                    _("无法识别的%(value)s“%(join)s”。")
                    % {"value": FIELD_LABELS[fld], "join": "、".join(unknown)},
                )
                continue
            if political is not None:
                parsed.political = _stronger(parsed.political, political)
            if cadre:
                parsed.cadre = True
            elif fld == CATEGORY and parsed.cadre is None:
                parsed.cadre = False  # a 人员类别 cell that does not say 干部 says the person is not one
        raw_position = text.get(POSITION, "")
        if raw_position:
            parsed.position = raw_position[:100]
        raw_status = text.get(STATUS, "")
        if raw_status:
            parsed.status = STATUS_TOKENS.get(re.sub(r"\s+", "", raw_status))
            if parsed.status is None:
                refuse(
                    STATUS,
                    _("人员状态“%(raw_status)s”无法识别（可填：在岗、调离、退休）。")
                    % {"raw_status": raw_status},
                )
        raw_gender = text.get(GENDER, "")
        if raw_gender and id_number is not None:
            gender = GENDER_TOKENS.get(re.sub(r"\s+", "", raw_gender).lower())
            if gender is None:
                refuse(
                    GENDER, _("性别“%(raw_gender)s”无法识别（应填“男”或“女”）。") % {"raw_gender": raw_gender}
                )
            elif gender != validation.id_number_facts(id_number)[0]:
                refuse(GENDER, _("性别“%(raw_gender)s”与身份证号不符。") % {"raw_gender": raw_gender})

        if errors:
            self.result.errors.extend(errors)
            return None
        return parsed

    # -- a chunk of rows

    def process(self, chunk: list[ParsedRow]) -> None:
        existing = self._existing_people([r.id_hash for r in chunk])
        logins = selectors.login_name_holders([v for r in chunk for v in (r.employee_no, r.mobile) if v])
        holders = {  # employee numbers held by people: among the login names just looked up
            value: (h.id_hash, h.name)
            for value, found in logins.items()
            for h in found
            if h.kind == "employee_no"
        }
        leaving = [
            existing[r.id_hash].pk
            for r in chunk
            if r.status in services.LEFT_STATUSES
            and r.id_hash in existing
            and existing[r.id_hash].status not in services.LEFT_STATUSES
        ]
        leaver_accounts = dict(
            Person.objects.filter(pk__in=bulk.values_in(leaving), user__isnull=False).values_list(
                "pk", "user_id"
            )
        )
        creates: list[tuple[OrgUnit, dict[str, Any]]] = []
        prepared: list[services.NewPerson] = []
        changes: list[tuple[int, dict[str, Any]]] = []
        for row in chunk:
            known = existing.get(row.id_hash)
            if row.employee_no:
                holder = holders.get(row.employee_no)
                if holder is not None and holder[0] != row.id_hash:
                    self._refuse(
                        row, EMPLOYEE_NO, f"工号“{row.employee_no}”已被其他人员（{holder[1]}）使用。"
                    )
                    continue
            if self._login_name_refused(row, logins):
                continue
            if known is None:
                if row.prepared is not None:  # made in the child (a first import)
                    assert isinstance(row.unit, OrgUnit) and row.name is not None
                    prepared.append(services.NewPerson(row.unit, row.id_hash, row.name, *row.prepared))
                    self._sample(row, "create", row.name, row.unit)
                    self.result.created += 1
                    continue
                data = self._create_data(row)
                if data is None:
                    continue
                assert row.unit is not None
                creates.append((row.unit, data))  # type: ignore[arg-type]  # a PlannedUnit only in dry runs
                self._sample(row, "create", data["name"], row.unit)
                self.result.created += 1
                continue
            if not self.scope.covers(known.unit_path):
                self._refuse(row, ID_NUMBER, "该身份证号对应的人员不在您的管理范围内，无权修改。")
                continue
            data = self._update_data(row, known)
            if not data:
                self.result.unchanged += 1
                continue
            if known.pk in leaver_accounts and data.get("status") in services.LEFT_STATUSES:
                # Leaving revokes their roles: only someone who could revoke them records it (one query per
                # leaver with an account, who are few).
                problem = services.account_reach_problem(self.actor, [leaver_accounts[known.pk]])
                if problem:
                    self._refuse(row, STATUS, f"不能登记调离或退休：{problem}")
                    continue
            changes.append((known.pk, data))
            unit = data.get("unit") or self.units.by_path[known.unit_path]
            self._sample(row, "update", data.get("name", known.name), unit, data)
            self.result.updated += 1
        if self.dry_run or not (creates or prepared or changes):
            return
        # Only the people who change are loaded as model instances, in one query per batch.
        people: dict[int, Person] = {}
        pks = [pk for pk, _data in changes]
        people.update(Person.objects.select_related("unit").filter(pk__in=bulk.values_in(pks)).in_bulk())
        updates = [(people[pk], data) for pk, data in changes]
        self._defer_indexes(len(creates) + len(prepared))
        try:
            services.person_bulk_apply(actor=self.actor, creates=creates, updates=updates, prepared=prepared)
        except IntegrityError as exc:
            raise ApplicationError(
                _("身份证号或工号与已有人员重复（可能有人同时在修改人员信息），请重新导入。")
            ) from exc
        self._written += len(creates) + len(prepared) + len(changes)

    def _defer_indexes(self, creating: int) -> None:
        """Before a chunk is written: when the import is much larger than the tables it fills (a first import), their
        non-unique secondary indexes are dropped until the end of the run (`bulk.DeferredIndexes`); the ones that
        the chunks' own look-ups use stay. One query per table the first time a chunk is large enough."""
        if creating < bulk.DEFER_INDEXES_MIN_ROWS:
            return
        if self._present is None:
            head = AuditHead.objects.filter(pk=1).values_list("seq", flat=True).first()
            self._present = {Person: Person.objects.count(), AuditEvent: head or 0}
        for model, keep in ((Person, DEFERRED_INDEX_KEEP), (AuditEvent, ())):
            present = self._present[model] + self._written
            if self._indexes.should_defer(model, rows=creating, present=present):
                self._indexes.defer(model, keep=keep)

    def _login_name_refused(self, row: ParsedRow, logins: dict[str, list[selectors.LoginHolder]]) -> bool:
        """Refuse a row whose employee number or mobile already names someone else at login: an account's
        username, another person's employee number or mobile (in the database or on an earlier row)."""
        for fld, value in ((EMPLOYEE_NO, row.employee_no), (MOBILE, row.mobile)):
            if not value:
                continue
            holders = logins.get(value)
            problem = (
                selectors.login_name_clash(value, holders, field_label=FIELD_LABELS[fld], id_hash=row.id_hash)
                if holders
                else None
            )
            if problem is None:
                first = self._seen_logins.setdefault(value, (row.row, row.id_hash))
                if first[1] != row.id_hash:
                    problem = f"“{value}”与第{first[0]}行的工号或手机号码重复（都用于登录，不能重复），已保留第{first[0]}行。"
            if problem:
                self._refuse(row, fld, problem)
                return True
        return False

    def _refuse(self, row: ParsedRow, fld: str, message: str) -> None:
        self.result.errors.append(RowError(row.row, self.header(fld), message))

    def _existing_people(self, hashes: list[str]) -> dict[str, KnownPerson]:
        """The people of these ID hashes, as plain tuples: most rows of a re-import change nothing."""
        found: dict[str, KnownPerson] = {}
        if not hashes:
            return found
        for values in Person.objects.filter(id_number_hash__in=bulk.values_in(hashes)).values_list(
            *_KNOWN_FIELDS
        ):
            known = KnownPerson(*values)
            found[known.id_number_hash] = known
        return found

    def _categories(self, row: ParsedRow, current: dict[str, bool]) -> dict[str, bool]:
        flags = dict(current)
        flags[Category.EMPLOYEE] = True  # everyone in an HR roster is an employee
        if row.political is not None:
            flags[Category.PARTY_MEMBER] = row.political == PoliticalStatus.PARTY_MEMBER
            flags[Category.PROBATIONARY] = row.political == PoliticalStatus.PROBATIONARY
        if row.cadre is not None:
            flags[Category.CADRE] = row.cadre
        return flags

    def _create_data(self, row: ParsedRow) -> dict[str, Any] | None:
        if row.name is None:
            self._refuse(row, NAME, "新增人员的姓名为空。")
        if row.unit is None:
            if UNIT in self.columns:
                self._refuse(row, UNIT, "新增人员的所属组织为空。")
            else:
                self._refuse(row, UNIT, "文件中没有所属组织一列，无法新增人员（只能更新已有人员）。")
        return self._new_person_data(row)

    def _new_person_data(self, row: ParsedRow) -> dict[str, Any] | None:
        """A new person's clean data from their row, or None when the row lacks their name or unit."""
        if row.name is None or row.unit is None:
            return None
        flags = self._categories(row, dict.fromkeys(CATEGORY_FIELDS, False))
        data: dict[str, Any] = {
            "name": row.name,
            "id_number": row.id_number,
            "id_number_hash": row.id_hash,  # computed once, in `parse`
            "political_status": row.political or PoliticalStatus.NONE,
            "categories": [c for c, on in flags.items() if on],
        }
        for key in ("mobile", "email", "employee_no", "position", "status"):
            value = getattr(row, key)
            if value is not None:
                data[key] = value
        return data

    def _update_data(self, row: ParsedRow, person: KnownPerson) -> dict[str, Any]:
        data: dict[str, Any] = {}
        for key in ("name", "mobile", "email", "employee_no", "position", "status"):
            value = getattr(row, key)
            if value is not None and value != getattr(person, key):
                data[key] = value
        if row.unit is not None and row.unit.pk != person.unit_id:
            data["unit"] = row.unit
        if row.political is not None and row.political != person.political_status:
            data["political_status"] = row.political
        current = {c: bool(getattr(person, f)) for c, f in CATEGORY_FIELDS.items()}
        flags = self._categories(row, current)
        if flags != current:
            data["categories"] = [c for c, on in flags.items() if on]
        return data

    _CHANGE_LABELS = {
        "name": "姓名",
        "mobile": "手机号码",
        "email": "电子邮箱",
        "employee_no": "工号",
        "position": "职务",
        "status": "人员状态",
        "unit": "所属组织",
        "political_status": "政治面貌",
        "categories": "人员类别",
    }

    def _sample(
        self, row: ParsedRow, action: str, name: str, unit: AnyUnit, data: dict[str, Any] | None = None
    ) -> None:
        if self._sampled[action] >= SAMPLE_SIZE:
            return
        self._sampled[action] += 1
        changes = tuple(self._CHANGE_LABELS[k] for k in data if k in self._CHANGE_LABELS) if data else ()
        self.result.samples.append(
            RowSample(
                row=row.row,
                action=action,
                name=name,
                id_masked=crypto.mask_id_number(row.id_number),
                unit=self.units.label(unit),
                changes=changes,
            )
        )

    # -- the whole sheet

    def _parsed(self, *, first: int | None = None) -> Iterator[list[ParsedRow]]:
        """The sheet's good rows, parsed, in chunks (the refused ones are in `result.errors`); the first chunk of
        `first` rows when given."""
        parsed = (
            p for p in (self.parse(number, cells) for number, cells in self.sheet.rows()) if p is not None
        )
        if first is not None and first < CHUNK_ROWS:
            head = list(itertools.islice(parsed, first))
            if not head:
                return iter(())
            return itertools.chain([head], _batched(parsed, CHUNK_ROWS))
        return _batched(parsed, CHUNK_ROWS)

    def run(self, *, parallel: bool = False) -> ImportResult:
        use_child = parallel and not self.dry_run and not self.units.create_units and _can_fork()
        with contextlib.closing(self._parsed_in_child() if use_child else self._parsed()) as chunks:
            for chunk in chunks:
                self.process(chunk)
        self._indexes.restore()
        self.result.errors.sort(key=lambda e: e.row)
        self.result.samples.sort(key=lambda s: (s.action != "create", s.row))
        self.result.units_created = list(self.units.created)
        return self.result

    # -- reading and parsing in a second process (a large real import from the command line)

    def _parsed_in_child(self) -> Iterator[list[ParsedRow]]:
        """`_parsed()`, computed by a forked child while this process writes the chunks before: reading the cells,
        cleaning them, the keyed hash of every ID number and resolving units are a third of a large import's
        time, and need nothing the writes change. The child has this importer as it is (the units read, the
        columns found) and touches neither the database nor its connection (it ends with `os._exit`); it sends
        each chunk with the row errors found so far, units by path. Units are never created here (not with
        `create_units`). A file-level refusal or a crash in the child is raised here, in the import's
        transaction, so nothing is written."""
        import multiprocessing

        # Into an empty people table (a first import) every row is a new person: while the child is ahead, it makes
        # their rows and audit snapshots as well (pinyin, the encrypted ID number, the snapshot's JSON), which the
        # writing process would otherwise make.
        self._prepare_new = not Person.objects.exists()
        context = multiprocessing.get_context("fork")
        receiver, sender = context.Pipe(duplex=False)
        child = context.Process(target=self._parse_in_child, args=(sender,), daemon=True)
        child.start()
        sender.close()
        by_path = self.units.by_path
        try:
            while True:
                kind, payload, errors = receiver.recv()
                self.result.errors.extend(errors)
                if kind == "error":
                    raise payload
                if kind == "end":
                    return
                rows = []
                for values in payload:
                    row = ParsedRow(*values)
                    if row.unit is not None:
                        row.unit = by_path[row.unit]
                    rows.append(row)
                yield rows
        except EOFError:
            raise ApplicationError(_("读取花名册的子进程意外退出，未做任何改动，请重新导入。")) from None
        finally:
            receiver.close()
            if child.is_alive():
                child.terminate()
            child.join()

    def _parse_in_child(self, sender) -> None:
        # In the forked child. Never returns normally: multiprocessing ends it with os._exit.
        try:
            # A chunk whose sending waited for the writing process (it was still busy with the one before) says
            # that this process is ahead: it then makes the next chunk's new people too, which the writing process
            # would otherwise make. So the two processes share that work by how fast each goes (the database, the
            # machine), and neither waits long for the other.
            waited = 0.0
            # A smaller first chunk, so that the writing process starts sooner; large enough still to have the
            # indexes deferred (`_defer_indexes`).
            for chunk in self._parsed(first=bulk.DEFER_INDEXES_MIN_ROWS):
                if self._prepare_new and waited > PREPARE_AFTER_WAITING_S:
                    self._prepare(chunk)
                errors, self.result.errors = self.result.errors, []
                wired = [_wire(row) for row in chunk]
                started = time.monotonic()
                sender.send(("chunk", wired, errors))
                waited = time.monotonic() - started
            sender.send(("end", None, self.result.errors))
        except BaseException as exc:  # noqa: BLE001 - every failure is the parent's to raise
            try:
                sender.send(("error", exc, self.result.errors))
            except Exception:  # noqa: BLE001 - an exception that does not pickle
                sender.send(("error", ApplicationError(str(exc)), self.result.errors))
        finally:
            sender.close()

    def _prepare(self, chunk: list[ParsedRow]) -> None:
        """In the child of a first import: each new person's row and audit snapshot, made ahead. A row that the
        writing process refuses (its employee number or mobile already taken) is dropped with them; a row without
        a name or unit gets none, and is refused there as in any import."""
        ready = [(row, data) for row in chunk if (data := self._new_person_data(row)) is not None]
        made = services.person_prepare_new([(row.unit, data) for row, data in ready])  # type: ignore[misc]
        for (row, _data), new in zip(ready, made, strict=True):
            row.prepared = (new.row, str(new.after))


_UNIT_SLOT = ParsedRow.__slots__.index("unit")


def _wire(row: ParsedRow) -> tuple:
    """A parsed row as plain values for the pipe: its unit by path."""
    values = [getattr(row, name) for name in ParsedRow.__slots__]
    if row.unit is not None:
        values[_UNIT_SLOT] = row.unit.path
    return tuple(values)


def _can_fork() -> bool:
    """Whether the child may be forked, and is worth it: on POSIX, in a process with no other thread (a thread
    holding a lock at the fork would leave it held in the child), with a second core to run it on (on one core it
    would only add the pipe's work)."""
    import os
    import threading

    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return hasattr(os, "fork") and threading.active_count() == 1 and cores >= 2


def _batched(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    iterator = iter(items)
    while batch := list(itertools.islice(iterator, size)):
        yield batch


# ---------------------------------------------------------------------------------------------------- the service


def roster_import(
    *,
    actor,
    path: str | Path,
    filename: str | None = None,
    create_units: bool = False,
    dry_run: bool = True,
    parallel: bool = False,
) -> ImportResult:
    """Import an HR roster file: a dry run (nothing written) or the real thing (one transaction).

    Raises `ApplicationError` when the file as a whole is refused (not a spreadsheet, macros, password, zip bomb,
    over the limits, no header), `PermissionRefused` when the actor may not import at all; row problems are not
    exceptions but `ImportResult.errors`. A real import writes one audit event per person created or updated
    (through `person_bulk_apply`), one per unit created, and one for the import itself. With `parallel` (the
    command line), a real import that creates no units reads and parses the file in a forked child process while
    this one writes (`RosterImporter._parsed_in_child`); the result is the same.
    """
    scope = scoping.scope_for(actor, "roster.import")
    if scope.empty:
        raise PermissionRefused(_("您无权导入花名册。"))
    with RosterFile(path, filename=filename) as sheet:
        if dry_run:
            return RosterImporter(actor=actor, sheet=sheet, create_units=create_units, dry_run=True).run()
        with transaction.atomic():
            importer = RosterImporter(actor=actor, sheet=sheet, create_units=create_units, dry_run=False)
            result = importer.run(parallel=parallel)
            audit_record(
                actor=actor,
                change=Change(
                    "roster.import",
                    "org.roster",
                    "",
                    result.filename,
                    scope.paths[0] if len(scope.paths) == 1 else "",
                    None,
                    {
                        "file": result.filename,
                        "created": result.created,
                        "updated": result.updated,
                        "unchanged": result.unchanged,
                        "refused_rows": result.refused_rows,
                        "units_created": result.units_created,
                    },
                ),
            )
        if result.created + result.updated >= BULK_LOAD_ROWS:
            # After commit, so that ANALYZE sees the new rows; the tables written only. PostgreSQL's autovacuum
            # analyses the audit events in its own time (they take 0.7 s of a 20,000-row import's 1.2 s there).
            audit = [AuditEvent] if connection.vendor == "sqlite" else []
            bulk.analyze(Person, OrgUnit, *audit)
        return result
