"""Small files of each supported type, built in memory for the tests."""

from __future__ import annotations

import io
import os
from functools import cache

from stdnum import luhn
from stdnum.cn import ric


def id18(body17: str = "15060219850314123") -> str:
    return body17 + ric.calc_check_digit(body17 + "0")


def card(prefix: str = "622202", length: int = 19) -> str:
    body = prefix + "1234567890123456789"[: length - len(prefix) - 1]
    return body + luhn.calc_check_digit(body)


def docx_bytes(
    *, body: list[list[tuple[str, bool]]], header: str = "", table: list[list[str]] | None = None
) -> bytes:
    """A .docx whose paragraphs are lists of (text, bold) runs, with an optional header line and table."""
    import docx

    document = docx.Document()
    if header:
        document.sections[0].header.paragraphs[0].text = header
    for runs in body:
        paragraph = document.add_paragraph()
        for text, bold in runs:
            paragraph.add_run(text).bold = bold
    if table:
        grid = document.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, value in enumerate(row):
                grid.cell(r, c).text = value
    document.core_properties.author = "王建国"
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


@cache
def _cjk_font() -> str:
    import mplfonts
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    pdfmetrics.registerFont(
        TTFont("SimHei", os.path.join(os.path.dirname(mplfonts.__file__), "fonts", "SimHei.ttf"))
    )
    return "SimHei"


def pdf_bytes(lines: list[str] | None) -> bytes:
    """A PDF with `lines` as its text layer; with None, a page with only a drawing (as a scan has no text)."""
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    pdf = canvas.Canvas(out)
    if lines is None:
        pdf.rect(50, 50, 200, 200, fill=1)
    else:
        pdf.setFont(_cjk_font(), 12)
        for i, line in enumerate(lines):
            pdf.drawString(50, 800 - 20 * i, line)
    pdf.showPage()
    pdf.save()
    return out.getvalue()


def xlsx_bytes(rows: list[list]) -> bytes:
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "通讯录"
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
