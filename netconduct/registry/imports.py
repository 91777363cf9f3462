"""Import of an existing registry (备案台账) from .xlsx, as offices keep it: a title row or two above the header,
header names in their usual variants, dates typed in several ways, several administrators in one cell.

Every row is checked first; each refused row is named with its row number, its column and a Chinese reason, and
nothing is written while any row is refused. A clean file is written in one transaction: accounts with a filing
number keep it (and the counter moves past it, so it is never handed out again); the others are numbered as
approvals number them. Each account gets its audit event (导入), so its history starts with the import.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from netconduct.core.audit import Change, audit_record_many
from netconduct.core.exceptions import ApplicationError
from netconduct.org import scoping
from netconduct.org.choices import PersonStatus
from netconduct.org.models import OrgUnit, Person
from netconduct.org.roster.reader import check_file, normalise_header
from netconduct.org.scoping import subtree_q
from netconduct.org.validation import clean_mobile

from . import policies, services
from .choices import GROUP_PLATFORMS, AccountKind, AccountStatus, OwnerKind, Platform
from .models import Account, AccountAdmin

HEADER_SCAN_ROWS = 15
SAMPLE_SIZE = 50

HEADERS: dict[str, tuple[str, ...]] = {
    "platform": ("平台", "平台类型", "所在平台", "网络平台"),
    "platform_name": ("平台名称",),
    "account_kind": ("类型", "账号类型", "账号/群组类型"),
    "name": ("名称", "账号名称", "群组名称", "账号/群组名称", "账号名", "群名称"),
    "platform_ref": ("平台ID或链接", "平台ID", "账号ID", "ID或链接", "链接", "网址", "账号"),
    "purpose": ("用途", "主要用途", "用途说明"),
    "official_capacity": ("是否职务身份", "职务身份", "以职务身份"),
    "owner_kind": ("申请主体", "主体"),
    "unit": ("主管单位", "所属单位", "所属组织", "单位"),
    "leader": ("分管领导", "主管领导"),
    "admins": ("管理员", "管理员姓名"),
    "phones": ("管理员电话", "管理员手机", "管理员手机号", "联系电话", "手机号码", "手机"),
    "audience": ("受众规模", "粉丝数", "群人数", "群成员数", "规模"),
    "platform_verified": ("平台认证", "是否认证", "已认证"),
    "content_review": ("内容审核安排", "内容审核"),
    "opened_on": ("开通日期", "开通时间"),
    "filing_number": ("备案编号", "备案号"),
    "filed_on": ("备案日期", "备案时间"),
    "status": ("状态", "账号状态"),
}
REQUIRED = ("platform", "name", "unit", "admins", "phones")
LABELS = {key: names[0] for key, names in HEADERS.items()}
_ALIAS = {normalise_header(alias): key for key, aliases in HEADERS.items() for alias in aliases}

PLATFORM_ALIASES = {
    **{str(label): value for value, label in Platform.choices},
    "公众号": Platform.WECHAT_MP,
    "微信公众平台": Platform.WECHAT_MP,
    "视频号": Platform.WECHAT_CHANNELS,
    "企业微信": Platform.WECOM_GROUP,
    "QQ": Platform.QQ_GROUP,
    "B站": Platform.BILIBILI,
    "头条": Platform.TOUTIAO,
    "头条号": Platform.TOUTIAO,
    "直播": Platform.LIVE,
    "论坛": Platform.FORUM,
    "新浪微博": Platform.WEIBO,
}
KIND_ALIASES = {
    "账号": AccountKind.ACCOUNT,
    "群组": AccountKind.GROUP,
    "群": AccountKind.GROUP,
    "直播": AccountKind.LIVE,
    "直播频道": AccountKind.LIVE,
    "直播间": AccountKind.LIVE,
}
STATUS_ALIASES = {
    "正常": AccountStatus.ACTIVE,
    "在用": AccountStatus.ACTIVE,
    "使用中": AccountStatus.ACTIVE,
    "暂停": AccountStatus.SUSPENDED,
    "暂停使用": AccountStatus.SUSPENDED,
    "停用": AccountStatus.SUSPENDED,
    "注销": AccountStatus.CLOSED,
    "已注销": AccountStatus.CLOSED,
    "关闭": AccountStatus.CLOSED,
}
YES = {"是", "√", "✓", "Y", "YES", "TRUE", "1", "已认证"}
NO = {"否", "×", "N", "NO", "FALSE", "0", "未认证"}
_SPLIT = re.compile(r"[、,，;；/\s]+")
_SPLIT_PHONES = re.compile(r"[、,，;；/\n]+")  # a phone may hold spaces: "+86 139 0000 1111"
_DATE = re.compile(r"^(\d{4})\s*[-./年]\s*(\d{1,2})\s*[-./月]\s*(\d{1,2})\s*日?$")


@dataclass
class RowError:
    row: int
    column: str
    message: str


@dataclass
class ParsedRow:
    row: int
    data: dict[str, Any]
    unit: OrgUnit
    admins: list[tuple[str, str]]
    filing: tuple[str, int, int] | None
    filed_on: dt.date | None
    status: str


@dataclass
class ImportResult:
    filename: str
    rows: int = 0
    errors: list[RowError] = field(default_factory=list)
    samples: list[dict[str, str]] = field(default_factory=list)
    created: int = 0
    numbered: int = 0

    @property
    def ok(self) -> bool:
        return self.rows > 0 and not self.errors

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ImportResult:
        errors = [RowError(**e) for e in data.pop("errors", [])]
        return cls(errors=errors, **data)


class _Refused(Exception):
    def __init__(self, column: str, message: str) -> None:
        self.column, self.message = column, message


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return unicodedata.normalize("NFKC", str(value)).strip()


def _date(value: Any, column: str) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    match = _DATE.match(_text(value))
    if not match:
        raise _Refused(
            column, _("日期“%(text)s”无法识别，请写成 2024-03-01 或 2024年3月1日。") % {"text": _text(value)}
        )
    try:
        return dt.date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        raise _Refused(column, _("日期“%(text)s”不存在。") % {"text": _text(value)}) from None


def _bool(value: Any, column: str, default: bool) -> bool:
    text = _text(value).upper()
    if not text:
        return default
    if text in YES:
        return True
    if text in NO:
        return False
    raise _Refused(column, _("“%(text)s”应填“是”或“否”。") % {"text": _text(value)})


def _read_sheet(path: Path, filename: str) -> tuple[dict[str, int], dict[str, str], list[tuple[int, tuple]]]:
    """(field → column index, field → header as written, data rows) of the first sheet with a header."""
    if Path(filename).suffix.lower() != ".xlsx":
        raise ApplicationError(
            _("请上传 .xlsx 格式的备案台账（可在 Excel 或 WPS 中“另存为 .xlsx”）。"), field="file"
        )
    check_file(path, filename)
    import openpyxl

    try:
        with path.open("rb") as handle:
            book = openpyxl.load_workbook(handle, read_only=True, data_only=True, keep_links=False)
            try:
                for sheet in book.worksheets:
                    if getattr(sheet, "sheet_state", "visible") != "visible" or not hasattr(
                        sheet, "reset_dimensions"
                    ):
                        continue
                    sheet.reset_dimensions()
                    rows = list(enumerate(sheet.iter_rows(values_only=True), start=1))
                    for index, (number, cells) in enumerate(rows[:HEADER_SCAN_ROWS]):
                        found = {}
                        shown = {}
                        for col, cell in enumerate(cells):
                            key = _ALIAS.get(normalise_header(cell))
                            if key and key not in found:
                                found[key], shown[key] = col, re.sub(r"\s+", "", str(cell))
                        if {"name", "platform"} <= set(found):
                            missing = [LABELS[k] for k in REQUIRED if k not in found]
                            if missing:
                                raise ApplicationError(
                                    _("第%(number)s行的表头缺少这些列：%(join)s。")
                                    % {"number": number, "join": "、".join(missing)},
                                    field="file",
                                )
                            return found, shown, rows[index + 1 :]
            finally:
                book.close()
    except ApplicationError:
        raise
    except Exception:  # openpyxl raises many kinds on a damaged file
        raise ApplicationError(_("无法读取该文件：它不是有效的 .xlsx 工作簿。"), field="file") from None
    raise ApplicationError(
        _(
            "在前%(HEADER_SCAN_ROWS)s行中没有找到表头（至少要有“平台”“名称”“主管单位”“管理员”“管理员电话”列）。"
        )
        % {"HEADER_SCAN_ROWS": HEADER_SCAN_ROWS},
        field="file",
    )


class _Units:
    """Units by name (or 简称, or a path of names with “/”) inside the importer's scope."""

    def __init__(self, actor) -> None:
        scope = scoping.scope_for(actor, "registry.manage")
        self.units = list(OrgUnit.objects.filter(scope.q("path"), is_active=True))
        self.by_name: dict[str, list[OrgUnit]] = {}
        for unit in self.units:
            for name in {unit.name, unit.short_name} - {""}:
                self.by_name.setdefault(name, []).append(unit)

    def resolve(self, text: str, column: str) -> OrgUnit:
        parts = [p for p in re.split(r"\s*[/>＞]\s*", text) if p]
        if not parts:
            raise _Refused(column, _("请填写主管单位。"))
        candidates = self.by_name.get(parts[-1], [])
        if len(parts) > 1:
            parents = {u.path for name in parts[:-1] for u in self.by_name.get(name, [])}
            candidates = [u for u in candidates if any(u.path.startswith(p) for p in parents)]
        if not candidates:
            raise _Refused(column, _("找不到组织“%(text)s”，或它不在您的管理范围内。") % {"text": text})
        if len(candidates) > 1:
            raise _Refused(
                column,
                _("“%(text)s”有%(len)s个同名组织，请写上级组织，如“甲醇厂党总支/%(parts)s”。")
                % {"text": text, "len": len(candidates), "parts": parts[-1]},
            )
        return candidates[0]


def _parse(
    row: int, cells: tuple, columns: dict[str, int], units: _Units, shown: dict[str, str]
) -> ParsedRow:
    def cell(key: str) -> Any:
        index = columns.get(key)
        return cells[index] if index is not None and index < len(cells) else None

    def col(key: str) -> str:
        return shown.get(key, LABELS[key])

    platform_text = _text(cell("platform"))
    platform_name = _text(cell("platform_name"))
    platform = PLATFORM_ALIASES.get(platform_text) or PLATFORM_ALIASES.get(platform_text.upper())
    if platform is None and platform_text.startswith("境外"):
        platform, platform_name = (
            Platform.OVERSEAS,
            platform_name or platform_text.removeprefix("境外平台").removeprefix("境外").strip("（）()：: "),
        )
    if platform is None:
        raise _Refused(
            col("platform"),
            _("平台“%(platform_text)s”无法识别，可填：%(join)s。")
            % {"platform_text": platform_text, "join": "、".join(str(label) for label in Platform.labels)},
        )
    if platform in (Platform.OVERSEAS, Platform.OTHER) and not platform_name:
        raise _Refused(
            col("platform"),
            _("境外平台或其他平台请写明平台名称（如“境外平台：Facebook”或另设“平台名称”列）。"),
        )
    kind_text = _text(cell("account_kind"))
    if kind_text:
        kind = KIND_ALIASES.get(kind_text)
        if kind is None:
            raise _Refused(
                col("account_kind"),
                _("类型“%(kind_text)s”应为账号、群组或直播频道。") % {"kind_text": kind_text},
            )
    else:
        kind = (
            AccountKind.GROUP
            if platform in GROUP_PLATFORMS
            else AccountKind.LIVE
            if platform == Platform.LIVE
            else AccountKind.ACCOUNT
        )
    name = _text(cell("name"))
    if not name:
        raise _Refused(col("name"), _("名称为空。"))
    if len(name) > 100:
        raise _Refused(col("name"), _("名称超过100字。"))
    unit = units.resolve(_text(cell("unit")), col("unit"))
    names = [n for n in _SPLIT.split(_text(cell("admins"))) if n]
    phones_raw = [p.strip() for p in _SPLIT_PHONES.split(_text(cell("phones"))) if p.strip()]
    if not names:
        raise _Refused(col("admins"), _("请填写至少一名管理员。"))
    if len(names) != len(phones_raw):
        raise _Refused(
            col("phones"),
            _("管理员%(len)s人，电话却有%(len2)s个，请一一对应（用顿号分隔）。")
            % {"len": len(names), "len2": len(phones_raw)},
        )
    admins = []
    for n, raw in zip(names, phones_raw, strict=True):
        try:
            admins.append((n, clean_mobile(raw)))
        except ValidationError as exc:
            raise _Refused(col("phones"), f"{n}：{exc.messages[0]}") from None
    audience_text = _text(cell("audience")).replace(",", "")
    audience = None
    if audience_text:
        multiplier = 10000 if audience_text.endswith("万") else 1
        try:
            audience = int(float(audience_text.removesuffix("万").removesuffix("人")) * multiplier)
        except ValueError:
            raise _Refused(
                col("audience"), _("规模“%(audience_text)s”应为数字。") % {"audience_text": audience_text}
            ) from None
    filing = None
    number = _text(cell("filing_number"))
    if number:
        try:
            filing = services.parse_number(number)
        except ApplicationError as exc:
            raise _Refused(col("filing_number"), exc.message) from None
    filed_on = _date(cell("filed_on"), col("filed_on")) if "filed_on" in columns else None
    status_text = _text(cell("status"))
    status = STATUS_ALIASES.get(status_text) if status_text else AccountStatus.ACTIVE
    if status is None:
        raise _Refused(
            col("status"), _("状态“%(status_text)s”应为正常、暂停或注销。") % {"status_text": status_text}
        )
    owner_text = _text(cell("owner_kind"))
    owner_kind = OwnerKind.PERSON if owner_text in ("个人", "本人") else OwnerKind.UNIT
    official = _bool(
        cell("official_capacity"),
        col("official_capacity") if "official_capacity" in columns else _("是否职务身份"),
        True,
    )
    data = {
        "platform": platform,
        "platform_name": platform_name[:50],
        "account_kind": kind,
        "name": name,
        "platform_ref": _text(cell("platform_ref"))[:300],
        "purpose": _text(cell("purpose")),
        "official_capacity": official,
        "leader": _text(cell("leader"))[:50],
        "audience": audience,
        "platform_verified": _bool(
            cell("platform_verified"),
            col("platform_verified") if "platform_verified" in columns else _("平台认证"),
            False,
        ),
        "content_review": _text(cell("content_review")),
        "owner_kind": owner_kind,
        "opened_on": _date(cell("opened_on"), col("opened_on")) if "opened_on" in columns else None,
    }
    return ParsedRow(row, data, unit, admins, filing, filed_on, status)


def registry_import(*, actor, path: Path, filename: str, dry_run: bool) -> ImportResult:
    """Check (dry run) or write an existing registry. Refuses the whole file when any row is refused."""
    if not scoping.has_any(actor, "registry.manage"):
        raise ApplicationError(_("您无权导入备案台账。"))
    columns, shown, rows = _read_sheet(path, filename)
    result = ImportResult(filename=filename)
    units = _Units(actor)
    parsed: list[ParsedRow] = []
    limit = int(settings.NETCONDUCT_REGISTRY_IMPORT_MAX_ROWS)
    numbers: dict[tuple[str, int, int], int] = {}
    keys: dict[tuple[str, str, int], int] = {}
    for number, cells in rows:
        if all(c is None or (isinstance(c, str) and not c.strip()) for c in cells):
            continue
        first = _text(next((c for c in cells if c not in (None, "")), ""))
        if re.match(r"^(填表人|制表人|审核人|负责人|日期|备注|说明|注[:：])", first):
            continue
        result.rows += 1
        if result.rows > limit:
            raise ApplicationError(
                _("文件超过%(limit)s行，请拆分后分别导入。") % {"limit": limit}, field="file"
            )
        try:
            row = _parse(number, cells, columns, units, shown)
        except _Refused as exc:
            result.errors.append(RowError(number, exc.column, exc.message))
            continue
        if row.filing:
            if row.filing in numbers:
                result.errors.append(
                    RowError(
                        number,
                        shown.get("filing_number", _("备案编号")),
                        _("备案编号与第%(numbers)s行重复。") % {"numbers": numbers[row.filing]},
                    )
                )
                continue
            numbers[row.filing] = number
        key = (row.data["platform"], row.data["name"], row.unit.pk)
        if key in keys:
            result.errors.append(
                RowError(
                    number,
                    shown.get("name", _("名称")),
                    _("与第%(keys)s行是同一平台、同一单位的同名账号。") % {"keys": keys[key]},
                )
            )
            continue
        keys[key] = number
        parsed.append(row)
    _check_existing(parsed, result, shown)
    result.errors.sort(key=lambda e: e.row)
    result.samples = [
        {
            "row": str(r.row),
            "number": services.format_number(*r.filing) if r.filing else _("（导入时编号）"),
            "platform": str(Platform(r.data["platform"]).label),
            "name": r.data["name"],
            "unit": r.unit.name,
            "admins": "、".join(n for n, _ in r.admins),
            "status": str(AccountStatus(r.status).label),
        }
        for r in parsed[:SAMPLE_SIZE]
    ]
    if result.rows == 0:
        raise ApplicationError(_("表头下面没有数据行。"), field="file")
    if dry_run or result.errors:
        if not dry_run:
            raise ApplicationError(
                _("有%(len)s行未通过检查，没有导入任何账号。") % {"len": len(result.errors)}
            )
        return result
    _write(actor, parsed, result)
    return result


def _check_existing(parsed: list[ParsedRow], result: ImportResult, shown: dict[str, str]) -> None:
    numbers = [services.format_number(*r.filing) for r in parsed if r.filing]
    taken: set[str] = set()
    for start in range(0, len(numbers), 500):
        chunk = numbers[start : start + 500]
        taken.update(Account.objects.filter(filing_number__in=chunk).values_list("filing_number", flat=True))
    existing = {
        (p, n, u): number
        for p, n, u, number in Account.objects.filter(name__in=[r.data["name"] for r in parsed])
        .exclude(status=AccountStatus.CLOSED)
        .values_list("platform", "name", "unit_id", "filing_number")
    }
    for r in parsed:
        if r.filing and services.format_number(*r.filing) in taken:
            result.errors.append(
                RowError(
                    r.row,
                    shown.get("filing_number", _("备案编号")),
                    _("备案编号%(format_number)s已在台账中。")
                    % {"format_number": services.format_number(*r.filing)},
                )
            )
        found = existing.get((r.data["platform"], r.data["name"], r.unit.pk))
        if found and r.status != AccountStatus.CLOSED:
            result.errors.append(
                RowError(
                    r.row, shown.get("name", _("名称")), _("该账号已备案（%(found)s）。") % {"found": found}
                )
            )


def _admin_person(unit: OrgUnit, name: str) -> Person | None:
    matches = list(
        Person.objects.filter(subtree_q("unit__path", unit.path), name=name, status=PersonStatus.ACTIVE)[:2]
    )
    return matches[0] if len(matches) == 1 else None


@transaction.atomic
def _write(actor, parsed: list[ParsedRow], result: ImportResult) -> None:
    today = timezone.localdate()
    changes: list[Change] = []
    codes: dict[int, str] = {}
    for row in parsed:
        if row.filing:
            code, year, seq = row.filing
            services.number_record(code, year, seq)
        else:
            code = codes.get(row.unit.pk) or policies.filing_code_for(row.unit)
            codes[row.unit.pk] = code
            year = today.year
            seq = services.allocate_number(code, year)
            result.numbered += 1
        filed_on = row.filed_on or (dt.date(year, 1, 1) if row.filing else today)
        data = dict(row.data)
        opened_on = data.pop("opened_on")
        account = Account(
            filing_number=services.format_number(code, year, seq),
            filing_code=code,
            filing_year=year,
            filing_seq=seq,
            filed_on=filed_on,
            opened_on=opened_on,
            unit=row.unit,
            status=row.status,
            status_on=None if row.status == AccountStatus.ACTIVE else filed_on,
            status_reason="" if row.status == AccountStatus.ACTIVE else "导入台账时的状态",
            basis=policies.filing_basis(
                unit=row.unit,
                official_capacity=data["official_capacity"],
                platform=data["platform"],
                account_kind=data["account_kind"],
                audience=data["audience"],
            ),
            imported=True,
            **data,
        )
        account.full_clean()
        account.save()
        admins = []
        for position, (name, phone) in enumerate(row.admins, start=1):
            person = _admin_person(row.unit, name)
            enc, masked = services.phone_seal(phone)
            admins.append(
                AccountAdmin(
                    account=account,
                    position=position,
                    name=name,
                    phone_enc=enc,
                    phone_masked=masked,
                    person=person,
                    person_unit_id=person.unit_id if person else None,
                )
            )
        AccountAdmin.objects.bulk_create(admins)
        changes.append(
            Change(
                "registry.import",
                "registry.account",
                account.pk,
                str(account)[:255],
                row.unit.path,
                None,
                {**services.account_snapshot(account), "row": row.row, "file": result.filename},
            )
        )
        result.created += 1
    audit_record_many(actor=actor, changes=changes)
