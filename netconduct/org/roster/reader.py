"""Reading an HR roster as offices keep it: find the sheet and its header row, then stream the data rows.

The reader refuses a file as a whole (raising `ApplicationError`, nothing changed) when it is not a spreadsheet,
carries macros or a password, is a zip bomb, or exceeds the size and row limits in settings. It knows nothing of
people or units: it yields `(row_number, cells)` with the row number as the spreadsheet shows it (1-based, title
rows included) and the raw cell values, and says which column holds which field (`RosterSheet.columns`).

Formats: .xlsx, .xls and .ods through python-calamine (cached formula values, never evaluated), or an .xlsx too
large for it through openpyxl (read-only, streamed); .csv in UTF-8 (with or without BOM) or GBK/GB18030.
"""

from __future__ import annotations

import codecs
import csv
import itertools
import re
import unicodedata
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from netconduct.core.exceptions import ApplicationError
from netconduct.core.ooxml import bomb_part, bomb_refusal, declared_dtd_part, dtd_refusal

# ---------------------------------------------------------------------------------------------------- headers

NAME = "name"
EMPLOYEE_NO = "employee_no"
ID_NUMBER = "id_number"
MOBILE = "mobile"
EMAIL = "email"
UNIT = "unit"
POLITICAL = "political"
CATEGORY = "category"
POSITION = "position"
GENDER = "gender"
STATUS = "status"

# Header names as offices write them, per field; an earlier name wins when a file has two columns for one field
# (a sheet with both 所在党组织 and 部门 is placed by the party organisation).
HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    NAME: ("姓名", "员工姓名", "职工姓名", "人员姓名", "党员姓名", "名字"),
    EMPLOYEE_NO: ("工号", "员工编号", "职工编号", "员工号", "职工号", "人员编号"),
    ID_NUMBER: (
        "身份证号",
        "身份证号码",
        "公民身份号码",
        "证件号码",
        "居民身份证号码",
        "身份证",
        "证件号",
    ),
    MOBILE: ("手机", "手机号", "手机号码", "联系电话", "联系方式", "移动电话", "电话"),
    EMAIL: ("邮箱", "电子邮件", "电子邮箱", "邮件", "邮箱地址", "Email", "E-mail"),
    UNIT: (
        "所属组织",
        "所在党组织",
        "所属党组织",
        "所在支部",
        "所属支部",
        "党组织",
        "所在单位",
        "部门",
        "所在部门",
        "单位",
    ),
    POLITICAL: ("政治面貌", "政治面貌/人员类别"),
    CATEGORY: ("人员类别", "人员类型", "类别"),
    POSITION: ("职务", "岗位", "职务岗位", "职务/岗位", "职位", "职务(岗位)"),
    GENDER: ("性别",),
    STATUS: ("人员状态", "状态", "在岗状态"),
}
FIELD_LABELS = {
    NAME: "姓名",
    EMPLOYEE_NO: "工号",
    ID_NUMBER: "身份证号",
    MOBILE: "手机号码",
    EMAIL: "电子邮箱",
    UNIT: "所属组织",
    POLITICAL: "政治面貌",
    CATEGORY: "人员类别",
    POSITION: "职务",
    GENDER: "性别",
    STATUS: "人员状态",
}
REQUIRED_FIELDS = (NAME, ID_NUMBER)
HEADER_SCAN_ROWS = 15

_ALIAS_RANK: dict[str, tuple[str, int]] = {
    alias: (fld, rank) for fld, aliases in HEADER_ALIASES.items() for rank, alias in enumerate(aliases)
}
_BRACKETED = re.compile(r"[（(【\[][^）)】\]]*[）)】\]]")
_NOT_IN_HEADER = re.compile(r"[\s*＊※:：]+")


def normalise_header(value: Any) -> str:
    """身份证号码（必填）*, "身份证\\n号码" and full-width forms all become 身份证号码."""
    if value is None:
        return ""
    text = unicodedata.normalize("NFKC", str(value))
    if text not in _ALIAS_RANK:  # keep "职务(岗位)" whole, drop notes such as "（必填）" elsewhere
        text = _BRACKETED.sub("", text)
    return _NOT_IN_HEADER.sub("", text)


def display_header(value: Any) -> str:
    """The header text as the file shows it, on one line."""
    return re.sub(r"\s+", "", str(value)) if value is not None else ""


@dataclass(frozen=True)
class Column:
    field: str
    index: int
    header: str  # as in the file


def match_header(cells: tuple[Any, ...] | list[Any]) -> dict[str, Column]:
    """The fields a row would give if it were the header: for each field, its best-named column."""
    found: dict[str, tuple[int, Column]] = {}
    for index, cell in enumerate(cells):
        hit = _ALIAS_RANK.get(normalise_header(cell))
        if hit is None:
            continue
        fld, rank = hit
        if fld not in found or rank < found[fld][0]:
            found[fld] = (rank, Column(fld, index, display_header(cell)))
    return {fld: column for fld, (_rank, column) in found.items()}


# ---------------------------------------------------------------------------------------------------- rows

# A line under the table that is not a person: signatures, dates, notes, totals.
_TRAILER = re.compile(
    r"^(填表人|填报人|制表人|审核人|审批人|负责人|单位负责人|经办人|联系人|签字|签名|盖章|日期|填表日期|填报日期|"
    r"制表日期|备注|说明|注[:：]|合计|总计|小计)"
)


_DIGITS = re.compile(r"\d")


def is_blank(cells: tuple[Any, ...] | list[Any]) -> bool:
    return all(c is None or (isinstance(c, str) and not c.strip()) for c in cells)


def is_trailer(cells: tuple[Any, ...] | list[Any], id_index: int) -> bool:
    """A signature, date or note line: some cell opens with such a word and the ID cell holds no number.

    Signature lines are typed anywhere across the sheet's width, the ID column included ("审核人：李四").
    """
    if id_index < len(cells):
        value = cells[id_index]
        if isinstance(value, str) and value[:10].isdigit():  # the common case, without normalising
            return False
        if len(_DIGITS.findall(unicodedata.normalize("NFKC", str(value)))) >= 10:
            return False
    for cell in cells:
        if isinstance(cell, str) and cell.strip():
            text = re.sub(r"\s+", "", unicodedata.normalize("NFKC", cell))
            if _TRAILER.match(text):
                return True
    return False


@dataclass
class RosterSheet:
    """One sheet of a roster: where its header is, which column is which field, and its data rows."""

    filename: str
    sheet_name: str
    header_row: int
    columns: dict[str, Column]
    _rows: Iterator[tuple[int, tuple[Any, ...] | list[Any]]] = field(repr=False)
    max_rows: int = 0

    def rows(self) -> Iterator[tuple[int, tuple[Any, ...] | list[Any]]]:
        """Data rows after the header: blank rows, repeated headers and signature lines left out.

        Refuses the file (`ApplicationError`) once more data rows than NETCONDUCT_ROSTER_MAX_ROWS have been seen;
        the importer writes nothing until the file has been read to its end, or writes inside a transaction.
        """
        id_index = self.columns[ID_NUMBER].index
        count = 0
        limit = self.max_rows
        for number, cells in self._rows:
            if is_blank(cells):
                continue
            if is_trailer(cells, id_index):
                continue
            id_cell = cells[id_index] if id_index < len(cells) else None
            if (
                isinstance(id_cell, str)
                and not id_cell[:1].isdigit()  # an ID number: no need to normalise it as a header
                and normalise_header(id_cell) in HEADER_ALIASES[ID_NUMBER]
            ):
                continue  # the header repeated (printing layouts repeat it on every page)
            count += 1
            if count > limit:
                raise ApplicationError(
                    _("文件超过%(limit)s行数据，超出单次导入的上限。请拆分成多个文件分别导入。")
                    % {"limit": format(limit, ",")},
                    field="file",
                )
            yield number, cells


# ---------------------------------------------------------------------------------------------------- file checks

SPREADSHEET_SUFFIXES = (".xlsx", ".xls", ".ods", ".csv")
MACRO_SUFFIXES = (".xlsm", ".xlsb", ".xltm", ".xlam")
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
# A real .xlsx deflates 5 to 30 times; a member that claims hundreds of times its compressed size is a bomb.

NOT_A_SPREADSHEET = "无法读取该文件：它不是有效的电子表格（支持 .xlsx、.xls、.ods 和 .csv）。"
PASSWORD = "文件设有打开密码（已加密），无法读取。请在 Excel/WPS 中去掉密码后另存为 .xlsx 再上传。"  # noqa: S105
MACRO = "文件含有宏（VBA），出于安全考虑不予读取。请另存为不含宏的 .xlsx 工作簿后再上传。"


def _utf16(name: str) -> bytes:
    return name.encode("utf-16-le")


def _limits() -> tuple[int, int]:
    return int(settings.NETCONDUCT_ROSTER_MAX_BYTES), int(settings.NETCONDUCT_ROSTER_MAX_ROWS)


def _check_zip(path: Path, suffix: str, max_bytes: int) -> None:
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            bomb = bomb_part(archive)
            dtd_part = declared_dtd_part(archive) if bomb is None else None
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, zlib.error):
        raise ApplicationError(NOT_A_SPREADSHEET, field="file") from None
    if dtd_part is not None:
        raise ApplicationError(dtd_refusal(pgettext("upload", "文件"), dtd_part), field="file")
    names = {info.filename.lower() for info in infos}
    if any(n.endswith("vbaproject.bin") for n in names) or any(n.startswith("basic/") for n in names):
        raise ApplicationError(MACRO, field="file")
    total = sum(info.file_size for info in infos)
    if bomb is not None:
        raise ApplicationError(bomb_refusal(pgettext("upload", "文件"), *bomb), field="file")
    if total > max_bytes * 50:
        raise ApplicationError(
            _("文件解压后约 %(value)s MB，超出上限，疑似压缩炸弹，已拒绝读取。")
            % {"value": f"{total / (1 << 20):,.0f}"},
            field="file",
        )
    wanted = "xl/workbook.xml" if suffix == ".xlsx" else "content.xml"
    if wanted not in names:
        raise ApplicationError(NOT_A_SPREADSHEET, field="file")


def check_file(path: Path, filename: str) -> str:
    """Refuse a file that must not be parsed; return the format to read it as ("xlsx", "calamine" or "csv")."""
    suffix = Path(filename).suffix.lower()
    if suffix in MACRO_SUFFIXES:
        raise ApplicationError(MACRO, field="file")
    if suffix not in SPREADSHEET_SUFFIXES:
        raise ApplicationError(
            _("不支持“%(value)s”类型的文件，请上传 .xlsx、.xls、.ods 或 .csv 文件。")
            % {"value": suffix or _("无扩展名")},
            field="file",
        )
    max_bytes, _rows = _limits()
    size = path.stat().st_size
    if size > max_bytes:
        raise ApplicationError(
            _("文件大小 %(value).1f MB，超过 %(value2).0f MB 的上限。请拆分后再导入。")
            % {"value": size / (1 << 20), "value2": max_bytes / (1 << 20)},
            field="file",
        )
    if size == 0:
        raise ApplicationError(_("文件是空的。"), field="file")
    with path.open("rb") as handle:
        head = handle.read(8)
    if head.startswith(OLE_MAGIC):
        # An OLE container: an old .xls, or an encrypted .xlsx (Office wraps those in OLE whatever the name).
        content = path.read_bytes()
        if _utf16("EncryptedPackage") in content or _utf16("EncryptionInfo") in content:
            raise ApplicationError(PASSWORD, field="file")
        if _utf16("_VBA_PROJECT") in content:
            raise ApplicationError(MACRO, field="file")
        if suffix == ".xls":
            return "calamine"
        if suffix == ".xlsx":
            # No encryption streams found, so perhaps an old .xls renamed; if it will not read, say why it may not.
            return "ole-as-xlsx"
        raise ApplicationError(NOT_A_SPREADSHEET, field="file")
    if head.startswith(ZIP_MAGIC):
        if suffix not in (".xlsx", ".ods"):
            raise ApplicationError(NOT_A_SPREADSHEET, field="file")
        _check_zip(path, suffix, max_bytes)
        return "xlsx" if suffix == ".xlsx" else "calamine"
    if suffix == ".csv":
        with path.open("rb") as handle:
            sample = handle.read(8192)
        if b"\x00" in sample:
            raise ApplicationError(NOT_A_SPREADSHEET, field="file")
        return "csv"
    raise ApplicationError(NOT_A_SPREADSHEET, field="file")


# ---------------------------------------------------------------------------------------------------- formats

RawRows = Iterator[tuple[int, tuple[Any, ...] | list[Any]]]


# python-calamine (Rust) reads a sheet about ten times faster than openpyxl, but whole, into a dense grid of
# (last row × last column) cells: one stray value at XFD1048576 would ask for billions. Its extent is measured
# first from the sheet's XML (cell references; a quarter of a second for 100,000 rows) and a sheet beyond this
# many cells is streamed by openpyxl instead, which refuses it at NETCONDUCT_ROSTER_MAX_ROWS data rows.
CALAMINE_MAX_CELLS = 4_000_000
_CELL_COLUMN = re.compile(rb'<c r="([A-Z]{1,3})\d')
_ROW_NUMBER = re.compile(rb'<row r="(\d+)"')


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number


def xlsx_largest_extent(path: Path) -> int:
    """The largest (last row × last column) over the workbook's worksheets, from their cell references."""
    largest = 0
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            name = info.filename.lower()
            if not (name.startswith("xl/worksheets/") and name.endswith(".xml")):
                continue
            columns: set[bytes] = set()
            last_row = 0
            tail = b""
            with archive.open(info) as part:
                while chunk := part.read(1 << 20):
                    data = tail + chunk
                    cut = data.rfind(b"<")
                    data, tail = (data[:cut], data[cut:]) if cut > 0 else (data, b"")
                    columns.update(_CELL_COLUMN.findall(data))
                    rows = _ROW_NUMBER.findall(data)
                    if rows:
                        last_row = max(last_row, *map(int, rows))
            width = max((_column_number(c) for c in columns), default=1)
            largest = max(largest, last_row * width)
    return largest


def _xlsx_sheets(path: Path, stack: ExitStack) -> Iterator[tuple[str, RawRows]]:
    if xlsx_largest_extent(path) <= CALAMINE_MAX_CELLS:
        return _calamine_sheets(path, stack)
    return _openpyxl_sheets(path, stack)


def _openpyxl_sheets(path: Path, stack: ExitStack) -> Iterator[tuple[str, RawRows]]:
    import openpyxl

    try:
        # A file object, not the path: uploads are stored without an extension, and openpyxl checks it.
        handle = stack.enter_context(path.open("rb"))
        book = openpyxl.load_workbook(handle, read_only=True, data_only=True, keep_links=False)
    except Exception:  # openpyxl raises many kinds on a damaged or foreign file
        raise ApplicationError(NOT_A_SPREADSHEET, field="file") from None
    stack.callback(book.close)
    for sheet in book.worksheets:
        if getattr(sheet, "sheet_state", "visible") != "visible" or not hasattr(sheet, "reset_dimensions"):
            continue  # hidden sheets and chart sheets
        # The stored dimension is often wrong (or says A1:XFD1048576 after formatting whole columns): ignore it.
        sheet.reset_dimensions()
        yield sheet.title, enumerate(sheet.iter_rows(values_only=True), start=1)


def _calamine_sheets(
    path: Path, stack: ExitStack, failure: str = NOT_A_SPREADSHEET
) -> Iterator[tuple[str, RawRows]]:
    from python_calamine import CalamineWorkbook, PasswordError

    try:
        # From the content, not the name (uploads are stored without an extension).
        handle = stack.enter_context(path.open("rb"))
        book = CalamineWorkbook.from_filelike(handle)
    except PasswordError:
        raise ApplicationError(PASSWORD, field="file") from None
    except Exception:  # CalamineError, ZipError, XmlError and plain ValueErrors on foreign files
        raise ApplicationError(failure, field="file") from None
    stack.callback(book.close)
    for index, meta in enumerate(book.sheets_metadata):
        if str(getattr(meta, "visible", "")).lower().endswith(("hidden", "veryhidden")):
            continue
        if not str(getattr(meta, "typ", "WorkSheet")).endswith("WorkSheet"):
            continue  # chart sheets, dialog and macro sheets
        try:
            sheet = book.get_sheet_by_index(index)
        except PasswordError:
            raise ApplicationError(PASSWORD, field="file") from None
        except Exception:
            raise ApplicationError(failure, field="file") from None
        first = (sheet.start or (0, 0))[0] + 1
        yield sheet.name, enumerate(sheet.iter_rows(), start=first)


def detect_encoding(path: Path) -> str:
    """utf-8-sig if the whole file decodes so (BOM or not), else gb18030 (a superset of GBK and GB2312)."""
    for encoding in ("utf-8-sig", "gb18030"):
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            with path.open("rb") as handle:
                while chunk := handle.read(1 << 20):
                    decoder.decode(chunk)
                decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        return encoding
    raise ApplicationError(_("无法识别 CSV 文件的文字编码，请另存为“CSV UTF-8”后再上传。"), field="file")


def _csv_sheets(path: Path, stack: ExitStack) -> Iterator[tuple[str, RawRows]]:
    encoding = detect_encoding(path)
    handle = stack.enter_context(path.open("r", encoding=encoding, newline=""))
    sample = handle.read(8192)
    handle.seek(0)
    # Commas, or tabs when a sheet was copied out of Excel and saved as text; csv.Sniffer guesses wrong on a
    # title row with no delimiter at all, so count instead.
    dialect = csv.excel_tab if sample.count("\t") > sample.count(",") else csv.excel
    yield (
        "",
        enumerate(csv.reader(handle, dialect), start=1),
    )  # a CSV has no sheets (and the stored name is a token)


def _ole_as_xlsx_sheets(path: Path, stack: ExitStack) -> Iterator[tuple[str, RawRows]]:
    return _calamine_sheets(path, stack, PASSWORD)


READERS = {
    "xlsx": _xlsx_sheets,
    "calamine": _calamine_sheets,
    "ole-as-xlsx": _ole_as_xlsx_sheets,
    "csv": _csv_sheets,
}


def _find_header(rows: RawRows) -> tuple[int, dict[str, Column], RawRows] | None:
    head = list(itertools.islice(rows, HEADER_SCAN_ROWS))
    best: tuple[int, int, dict[str, Column]] | None = None
    for position, (_number, cells) in enumerate(head):
        columns = match_header(cells)
        if all(f in columns for f in REQUIRED_FIELDS) and (best is None or len(columns) > len(best[2])):
            best = (position, _number, columns)
    if best is None:
        return None
    position, number, columns = best
    return number, columns, itertools.chain(head[position + 1 :], rows)


class RosterFile:
    """`with RosterFile(path, filename=...) as sheet:` checks the file, finds the sheet and its header row."""

    def __init__(self, path: str | Path, *, filename: str | None = None) -> None:
        self.path = Path(path)
        self.filename = filename or self.path.name
        self._stack = ExitStack()

    def __enter__(self) -> RosterSheet:
        try:
            return self._open()
        except BaseException:
            self._stack.close()
            raise

    def __exit__(self, *exc_info: object) -> None:
        self._stack.close()

    def _open(self) -> RosterSheet:
        kind = check_file(self.path, self.filename)
        _bytes, max_rows = _limits()
        for sheet_name, rows in READERS[kind](self.path, self._stack):
            found = _find_header(rows)
            if found is not None:
                number, columns, data = found
                return RosterSheet(self.filename, sheet_name, number, columns, data, max_rows)
        names = "、".join(HEADER_ALIASES[f][0] for f in REQUIRED_FIELDS)
        raise ApplicationError(
            _(
                "在文件前%(HEADER_SCAN_ROWS)s行中没有找到表头：表头至少要有%(names)s两列（也可写作“身份证号码”“公民身份号码”“证件号码”等）。"
            )
            % {"HEADER_SCAN_ROWS": HEADER_SCAN_ROWS, "names": names},
            field="file",
        )


def read_roster(path: str | Path, *, filename: str | None = None) -> RosterFile:
    return RosterFile(path, filename=filename)


# ---------------------------------------------------------------------------------------------------- cells

_SCIENTIFIC = re.compile(r"^\d(\.\d+)?[eE]\+?\d+$")
_ZEROED = re.compile(r"^\d{15}000$")


class PrecisionLost(ValueError):
    """A long number (ID) that Excel stored as a number: its last digits are gone."""


def cell_text(value: Any) -> str:
    """A cell as text: numbers without a trailing ".0", strings stripped, empty as ""."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    return str(value).strip()


def id_cell_text(value: Any) -> str:
    """The ID number cell as text; a numeric cell (or its scientific-notation text) has lost digits."""
    if isinstance(value, bool):
        return cell_text(value)
    if isinstance(value, int | float):
        # Excel keeps 15 significant digits: an old 15-digit number survives, an 18-digit one does not.
        if isinstance(value, float) and not value.is_integer():
            raise PrecisionLost
        if abs(value) >= 10**15:
            raise PrecisionLost
        return str(int(value))
    text = cell_text(value)
    compact = unicodedata.normalize("NFKC", text).replace(" ", "")
    if _SCIENTIFIC.match(compact):
        raise PrecisionLost
    if _ZEROED.match(compact):
        # A CSV saved "as shown" from a numeric cell: 15 significant digits and then 000. One real number in about
        # a thousand ends so too, and may pass the checksum; the file cannot tell them apart, so the row is refused.
        raise PrecisionLost
    return text
