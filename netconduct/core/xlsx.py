"""The one way the product writes spreadsheets (.xlsx and .csv): formulas defused, columns fitted, header frozen,
dates and times as real dates and times.

A cell that opens with = + - @ (or a tab or carriage return, which some programs strip before parsing) is read by
Excel, WPS and LibreOffice as a formula, and a formula can fetch URLs or run commands (CSV/formula injection).
In an .xlsx such text is stored as a string with Excel's quote prefix (shown as typed, and still text when the cell
is edited); in a .csv, which has no types, it gets a leading apostrophe, as the OWASP advice has it. Full-width
forms are included because WPS folds ＝ to = when it parses a cell.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
DATE_FORMAT = "yyyy-mm-dd"
MAX_WIDTH = 60  # a long purpose or reason wraps in Excel rather than making the sheet a mile wide
MIN_WIDTH = 6


@dataclass(frozen=True)
class Styled:
    """A value with a look: `indent` levels (a tree's depth) or bold (a total)."""

    value: Any
    indent: int = 0
    bold: bool = False


def is_formula_like(text: str) -> bool:
    return text.startswith(FORMULA_PREFIXES)


def neutralise(value: Any) -> str:
    """The text of `value` for a cell with no types (.csv): formula-like text gets a leading apostrophe."""
    text = "" if value is None else str(value)
    return "'" + text if is_formula_like(text) else text


def csv_row(values: Iterable[Any]) -> list[str]:
    """A row for csv.writer: dates and times as local ISO text, everything else through `neutralise`."""
    out = []
    for value in values:
        if isinstance(value, dt.datetime):
            value = f"{timezone.localtime(value) if timezone.is_aware(value) else value:%Y-%m-%d %H:%M}"
        elif isinstance(value, dt.date):
            value = value.isoformat()
        out.append(
            value if isinstance(value, int | float) and not isinstance(value, bool) else neutralise(value)
        )
    return out


@functools.lru_cache(maxsize=65_536)
def text_width(text: str) -> int:
    """Display width in Excel's character units: CJK and full-width characters take two.

    Cached: an export repeats its words (unit names, 是/否, dates) thousands of times."""
    if text.isascii():
        return len(text)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _width(value: Any) -> int:
    if isinstance(value, Styled):
        return _width(value.value) + 3 * value.indent  # an indent level is about three characters wide
    if value is None:
        return 0
    if isinstance(value, dt.datetime):
        return 16
    if isinstance(value, dt.date):
        return 10
    if isinstance(value, int | float):
        return len(str(value))
    return max(map(text_width, str(value).splitlines()), default=0)


class XlsxSheet:
    """Rows of one sheet, kept until the book is written: the column widths depend on every row."""

    def __init__(self, title: str, headers: Sequence[str], caption: str = "") -> None:
        self.title = title
        self.headers = list(headers)
        self.caption = caption
        self.rows: list[list[Any]] = []

    def append(self, row: Sequence[Any]) -> None:
        self.rows.append(list(row))

    def widths(self) -> list[int]:
        columns = max([len(self.headers), *(len(r) for r in self.rows)], default=0)
        widths = [0] * columns
        for row in [self.headers, *self.rows]:
            for i, value in enumerate(row):
                widths[i] = max(widths[i], _width(value))
        return [min(max(w + 2, MIN_WIDTH), MAX_WIDTH) for w in widths]


class XlsxBook:
    """A workbook of `XlsxSheet`s. Each sheet: an optional caption row, the header row (bold, frozen), the rows."""

    def __init__(self) -> None:
        self.sheets: list[XlsxSheet] = []

    def sheet(self, title: str, headers: Sequence[str], *, caption: str = "") -> XlsxSheet:
        sheet = XlsxSheet(title, headers, caption)
        self.sheets.append(sheet)
        return sheet

    def to_bytes(self) -> bytes:
        book = Workbook(write_only=True)
        for sheet in self.sheets:
            ws = book.create_sheet(sheet.title[:31])
            for i, width in enumerate(sheet.widths(), start=1):
                ws.column_dimensions[get_column_letter(i)].width = width
            header_row = 2 if sheet.caption else 1
            ws.freeze_panes = f"A{header_row + 1}"
            if sheet.caption:
                caption = _cell(ws, sheet.caption)
                caption.font = Font(bold=True)
                ws.append([caption])
            bold = Font(bold=True)
            header = []
            for value in sheet.headers:
                cell = _cell(ws, value)
                cell.font = bold
                cell.alignment = Alignment(vertical="center")
                header.append(cell)
            ws.append(header)
            for row in sheet.rows:
                ws.append([_value(ws, v) for v in row])
        out = io.BytesIO()
        book.save(out)
        return out.getvalue()


def _cell(ws, value: Any) -> Cell:
    cell = WriteOnlyCell(ws, value)
    if isinstance(value, str) and is_formula_like(value):
        cell.data_type = "s"  # openpyxl took it for a formula
        cell.quotePrefix = True
    return cell


def _value(ws, value: Any) -> Any:
    """Plain values as they are (fast); cells only where a type or format must be set."""
    if isinstance(value, Styled):
        cell = _value(ws, value.value)
        if not isinstance(cell, Cell):
            cell = _cell(ws, cell)
        if value.indent:
            cell.alignment = Alignment(indent=value.indent)
        if value.bold:
            cell.font = Font(bold=True)
        return cell
    if isinstance(value, dt.datetime):
        local = timezone.localtime(value) if timezone.is_aware(value) else value
        cell = WriteOnlyCell(
            ws, local.replace(tzinfo=None)
        )  # Excel has no time zones: Beijing time, as shown
        cell.number_format = DATETIME_FORMAT
        return cell
    if isinstance(value, dt.date):
        cell = WriteOnlyCell(ws, value)
        cell.number_format = DATE_FORMAT
        return cell
    if isinstance(value, str):
        if is_formula_like(value):
            return _cell(ws, value)
        return value
    return value
