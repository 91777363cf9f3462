"""Cells for spreadsheets the platform hands out: text that a spreadsheet would run as a formula is defused.

A cell that opens with = + - @ (or a tab or carriage return, which some programs strip before parsing) is read by
Excel, WPS and LibreOffice as a formula, and a formula can fetch URLs or run commands (CSV/formula injection).
Every export writes its text cells through `neutralise`, which puts an apostrophe in front of such text, as the
OWASP advice has it. Full-width forms are included because WPS folds ＝ to = when it parses a cell.
"""

from __future__ import annotations

from typing import Any

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")


def neutralise(value: Any) -> str:
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text
