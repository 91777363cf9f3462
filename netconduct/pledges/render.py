"""Pledge PDFs: the pledge page (online-signed or a pre-filled paper form) and the evidence page.

The pledge text is laid out once per template (cached): everyone signs the same words, only the unit, the name, the
signature, the date and the code differ from page to page. Pages are drawn straight onto a ReportLab canvas with the
shared common CJK fonts, so a thousand forms print in seconds.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import segno
from django.urls import reverse
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from netconduct.core.links import absolute_url
from netconduct.documents.rendering.fonts import Face, common_fonts
from netconduct.documents.rendering.layout import MM, PAGE_HEIGHT, PAGE_WIDTH, break_lines

MARGIN_X = 22 * MM
MARGIN_TOP = 20 * MM
FOOTER_HEIGHT = 30 * MM  # code, QR and copy label at the foot of every pledge page
TEXT_WIDTH = PAGE_WIDTH - 2 * MARGIN_X
FIELDS_HEIGHT = 62 * MM  # 承诺人单位, 承诺人签名 (room for a drawn signature), date
SIZES = (12.0, 11.5, 11.0, 10.5, 10.0, 9.5, 9.0)  # the largest that fits on one page wins
TITLE_SIZE = 16.0
BLACK = (0, 0, 0)
GREY = (0.35, 0.35, 0.35)
RED = (0.80, 0.0, 0.07)

FIELD_UNIT = "承诺人单位"
FIELD_SIGNATURE = "承诺人签名"


def _public(path: str) -> str:
    # On the public address (SITE_URL) so that a phone's camera opens it; the bare path only where none is
    # configured (`check --deploy` warns of that), which still names the page and still matches scans.
    return absolute_url(path) or path


def verify_url(code: str) -> str:
    return _public(reverse("pledges:verify_code", args=[code]))


def verify_page_url() -> str:
    return _public(reverse("pledges:verify"))


def code_display(code: str) -> str:
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def chinese_date(value: dt.date) -> str:
    return f"{value.year}年{value.month}月{value.day}日"


def template_parts(title: str, body: str) -> tuple[str, tuple[str, ...]]:
    paragraphs = tuple(line.strip() for line in body.splitlines() if line.strip())
    return title.strip(), paragraphs


def signed_text(*, title: str, body: str, unit_label: str, signer_name: str, on: dt.date) -> str:
    """The exact text a person signs: the pledge with its fields filled. Its SHA-256 goes into the evidence."""
    heading, paragraphs = template_parts(title, body)
    lines = [
        heading,
        "",
        *paragraphs,
        "",
        f"{FIELD_UNIT}：{unit_label}",
        f"承诺人：{signer_name}",
        chinese_date(on),
    ]
    return "\n".join(lines)


def text_sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# ---------------------------------------------------------------------------------------------------- layout


@dataclass(frozen=True)
class Line:
    text: str
    indent: float
    justify: bool  # stretch to the full width (not a paragraph's last line)


@dataclass(frozen=True)
class Layout:
    title: str
    size: float
    leading: float
    lines: tuple[Line, ...]
    paragraph_gap: float


def _fonts_text(title: str, paragraphs: Sequence[str]) -> dict[Face, str]:
    return {Face.XIAOBIAOSONG: title, Face.FANGSONG: "".join(paragraphs)}


@lru_cache(maxsize=8)
def layout_for(title: str, paragraphs: tuple[str, ...], font_name: str) -> Layout:
    """Break the pledge text into lines at the largest size that leaves room for the fields and the footer."""
    available = PAGE_HEIGHT - MARGIN_TOP - FOOTER_HEIGHT - FIELDS_HEIGHT - 16 * MM  # title block
    for size in SIZES:
        leading = size * 1.55
        gap = size * 0.25

        def measure(text: str, size=size) -> float:
            return stringWidth(text, font_name, size)

        lines: list[Line] = []
        for paragraph in paragraphs:
            broken = break_lines(paragraph, measure, TEXT_WIDTH - 2 * size, TEXT_WIDTH)
            for k, (text, _width, last) in enumerate(broken):
                lines.append(Line(text, 2 * size if k == 0 else 0.0, not last))
        height = len(lines) * leading + len(paragraphs) * gap
        if height <= available or size == SIZES[-1]:
            return Layout(title, size, leading, tuple(lines), gap)
    raise AssertionError("unreachable")


# ---------------------------------------------------------------------------------------------------- drawing


@lru_cache(maxsize=8)
def qr_matrix(data: str) -> tuple[tuple[int, ...], ...]:
    """The modules of `data`'s QR code. A pledge draws the same code on both pages, and choosing its mask is most of
    the work (segno scores all eight in Python): made once."""
    return tuple(tuple(row) for row in segno.make(data, error="m", micro=False).matrix)


@lru_cache(maxsize=8)
def qr_runs(data: str) -> tuple[int, tuple[tuple[int, int, int], ...]]:
    """(modules a side, (row, first column, length) of each horizontal run of dark modules) of `data`'s QR code."""
    matrix = qr_matrix(data)
    runs = []
    for r, row in enumerate(matrix):
        c = 0
        for dark, modules in itertools.groupby(row):
            length = sum(1 for _ in modules)
            if dark:
                runs.append((r, c, length))
            c += length
    return len(matrix), tuple(runs)


def draw_qr(canvas: Canvas, data: str, x: float, y: float, size: float) -> None:
    """A QR code with its quiet zone inside the `size` square whose lower-left corner is (x, y). Each horizontal run
    of dark modules is one rectangle (about half as many as one per module: less to write and to deflate, and no
    hairlines between neighbours where a viewer anti-aliases their edges)."""
    n, runs = qr_runs(data)
    module = size / (n + 4)
    path = canvas.beginPath()
    for r, c, length in runs:
        path.rect(x + (c + 2) * module, y + size - (r + 3) * module, length * module, module)
    canvas.saveState()
    canvas.setFillColorRGB(0, 0, 0)
    canvas.drawPath(path, fill=1, stroke=0)
    canvas.restoreState()


def _draw_justified(canvas: Canvas, font: str, size: float, line: Line, x: float, y: float) -> None:
    text = line.text
    if line.justify and len(text) > 1:
        natural = stringWidth(text, font, size)
        spare = TEXT_WIDTH - line.indent - natural
        if 0 < spare < size * 2:
            canvas.drawString(x + line.indent, y, text, charSpace=spare / (len(text) - 1))
            return
    canvas.drawString(x + line.indent, y, text)


@dataclass
class PageFields:
    """What differs from one pledge page to the next."""

    code: str
    unit_label: str
    signer_name: str = ""  # printed beside the signature (online) or left for the pen (paper)
    signature_png: bytes | None = None
    typed_name: str = ""
    date_text: str = ""  # "2026年11月24日"; blank on paper forms ("年  月  日")
    copy_label: str = ""  # 本人留存 / 组织留存 on paper forms
    page_tag: str = ""  # what the QR carries besides the code (the copy), for matching scans


def draw_pledge_page(canvas: Canvas, fonts: dict[Face, str], layout: Layout, fields: PageFields) -> None:
    serif, title_font, sans = fonts[Face.FANGSONG], fonts[Face.XIAOBIAOSONG], fonts[Face.HEITI]
    kai = fonts.get(Face.KAITI, serif)
    top = PAGE_HEIGHT - MARGIN_TOP
    if fields.copy_label:
        canvas.setFont(sans, 10)
        canvas.setFillColorRGB(*RED)
        canvas.drawRightString(PAGE_WIDTH - MARGIN_X, top + 4 * MM, f"【{fields.copy_label}】")
        canvas.setFillColorRGB(*BLACK)
    # title, in two balanced lines when it is long
    canvas.setFont(title_font, TITLE_SIZE)
    title = layout.title
    if stringWidth(title, title_font, TITLE_SIZE) > TEXT_WIDTH:
        cut = len(title) // 2
        for k, part in enumerate((title[:cut], title[cut:])):
            canvas.drawCentredString(PAGE_WIDTH / 2, top - TITLE_SIZE - k * TITLE_SIZE * 1.4, part)
        y = top - TITLE_SIZE * 2.4 - 8 * MM
    else:
        canvas.drawCentredString(PAGE_WIDTH / 2, top - TITLE_SIZE, title)
        y = top - TITLE_SIZE - 10 * MM
    canvas.setFont(serif, layout.size)
    for line in layout.lines:
        if line.indent:
            y -= layout.paragraph_gap
        _draw_justified(canvas, serif, layout.size, line, MARGIN_X, y)
        y -= layout.leading

    # the fields, right of centre as on the printed form
    x_label = PAGE_WIDTH / 2 - 10 * MM
    label_size = layout.size + 1
    y -= 8 * MM
    canvas.setFont(serif, label_size)
    canvas.drawString(x_label, y, f"{FIELD_UNIT}：")
    label_w = stringWidth(f"{FIELD_UNIT}：", serif, label_size)
    canvas.drawString(x_label + label_w, y, fields.unit_label)
    y -= 18 * MM
    canvas.drawString(x_label, y, f"{FIELD_SIGNATURE}：")
    if fields.signature_png:
        image = ImageReader(io.BytesIO(fields.signature_png))
        box_w, box_h = 55 * MM, 20 * MM
        canvas.drawImage(
            image,
            x_label + label_w,
            y - 6 * MM,
            box_w,
            box_h,
            mask="auto",
            preserveAspectRatio=True,
            anchor="sw",
        )
    elif fields.typed_name:
        canvas.setFont(kai, label_size + 6)
        canvas.drawString(x_label + label_w, y - 1, fields.typed_name)
        canvas.setFont(serif, label_size)
    else:  # a line for the pen
        canvas.setLineWidth(0.5)
        canvas.line(x_label + label_w, y - 2, PAGE_WIDTH - MARGIN_X, y - 2)
    y -= 14 * MM
    canvas.setFont(serif, label_size)
    canvas.drawString(x_label + label_w, y, fields.date_text or "　　　　年　　月　　日")

    _draw_footer(canvas, fonts, fields)


def _draw_footer(canvas: Canvas, fonts: dict[Face, str], fields: PageFields) -> None:
    sans = fonts[Face.HEITI]
    qr_size = 24 * MM
    bottom = 10 * MM
    url = verify_url(fields.code)
    payload = f"{url}#{fields.page_tag}" if fields.page_tag else url
    draw_qr(canvas, payload, PAGE_WIDTH - MARGIN_X - qr_size, bottom, qr_size)
    canvas.setStrokeColorRGB(*GREY)
    canvas.setLineWidth(0.4)
    canvas.line(MARGIN_X, bottom + qr_size + 2 * MM, PAGE_WIDTH - MARGIN_X, bottom + qr_size + 2 * MM)
    canvas.setFillColorRGB(*GREY)
    canvas.setFont(sans, 9)
    canvas.drawString(MARGIN_X, bottom + 15 * MM, f"承诺书验证码：{code_display(fields.code)}")
    canvas.drawString(
        MARGIN_X, bottom + 10 * MM, f"验证：扫描右侧二维码，或访问 {verify_page_url()} 输入验证码"
    )
    if fields.signer_name:
        canvas.drawString(MARGIN_X, bottom + 5 * MM, f"承诺人：{fields.signer_name}")
    canvas.setFillColorRGB(*BLACK)


def draw_evidence_page(
    canvas: Canvas,
    fonts: dict[Face, str],
    *,
    heading: str,
    rows: Sequence[tuple[str, str]],
    code: str,
    note: str,
) -> None:
    sans, serif = fonts[Face.HEITI], fonts[Face.FANGSONG]
    top = PAGE_HEIGHT - MARGIN_TOP
    canvas.setFont(sans, 16)
    canvas.drawCentredString(PAGE_WIDTH / 2, top - 16, heading)
    y = top - 16 - 12 * MM
    label_w = 32 * MM
    value_w = TEXT_WIDTH - label_w
    size, leading = 10.5, 15.0
    canvas.setLineWidth(0.4)
    canvas.setStrokeColorRGB(*GREY)
    for label, value in rows:
        lines = break_lines(value or "—", lambda t: stringWidth(t, serif, size), value_w - 4, value_w - 4)
        height = max(1, len(lines)) * leading + 6
        canvas.rect(MARGIN_X, y - height, TEXT_WIDTH, height, stroke=1, fill=0)
        canvas.line(MARGIN_X + label_w, y, MARGIN_X + label_w, y - height)
        canvas.setFont(sans, size)
        canvas.drawString(MARGIN_X + 3, y - leading + 1, label)
        canvas.setFont(serif, size)
        for k, (text, _w, _last) in enumerate(lines):
            canvas.drawString(MARGIN_X + label_w + 3, y - leading + 1 - k * leading, text)
        y -= height
    y -= 8 * MM
    qr = 38 * MM
    draw_qr(canvas, verify_url(code), MARGIN_X, y - qr, qr)
    canvas.setFont(sans, 11)
    canvas.drawString(MARGIN_X + qr + 6 * MM, y - 10 * MM, f"验证码：{code_display(code)}")
    canvas.setFont(serif, 10)
    for k, (text, _w, _last) in enumerate(
        break_lines(
            note, lambda t: stringWidth(t, serif, 10), TEXT_WIDTH - qr - 6 * MM, TEXT_WIDTH - qr - 6 * MM
        )
    ):
        canvas.drawString(MARGIN_X + qr + 6 * MM, y - 18 * MM - k * 14, text)
    canvas.setFont(sans, 9)
    canvas.setFillColorRGB(*GREY)
    label, note = EVIDENCE_ADDRESS[:5], EVIDENCE_ADDRESS[5:]
    canvas.drawString(MARGIN_X, y - qr - 6 * MM, f"{label}{verify_page_url()}{note}")
    canvas.setFillColorRGB(*BLACK)


def new_canvas(buffer: io.BytesIO, *, title: str, author: str) -> Canvas:
    canvas = Canvas(buffer, pagesize=(PAGE_WIDTH, PAGE_HEIGHT), pageCompression=1, invariant=False)
    canvas.setTitle(title)
    canvas.setAuthor(author)
    canvas.setCreator("netconduct")
    return canvas


FOOTER_TEXT = "承诺书验证码：验证扫描右侧二维码或访问输入承诺人本人留存组织留存【】-0123456789"
EVIDENCE_ADDRESS = "验证页面：（输入验证码或上传本文件）"
EVIDENCE_LABELS = "电子签订证据页纸质录入承诺人单位身份证号登录账号认证方式签订时间地址浏览器标识签名方式文本摘要验证码有效年度依据规范版本扫描件录入人来源页"


def fonts_for(title: str, paragraphs: Sequence[str], extra: str):
    """The font context for pledge pages and evidence pages holding `extra` (names, units, evidence values)."""
    text = _fonts_text(title, paragraphs)
    return common_fonts(
        {
            Face.XIAOBIAOSONG: text[Face.XIAOBIAOSONG],
            Face.FANGSONG: text[Face.FANGSONG] + extra + FIELD_UNIT + FIELD_SIGNATURE + "年月日：",
            Face.HEITI: FOOTER_TEXT + EVIDENCE_LABELS + EVIDENCE_ADDRESS + verify_url("X") + extra,
            Face.KAITI: extra,
        }
    )


def warm_fonts() -> None:
    """Build (or load) the common fonts now, so the first pledge sealed does not pay for it (`seal-init`)."""
    with fonts_for("承诺书", ("承诺",), "承诺人"):
        pass


def sample_pdf() -> bytes:
    """A pledge page and an evidence page of made-up text, drawn as a pledge's are: what a worker renders (and seals)
    at start so that its first pledge does not pay for the fonts, ReportLab and segno (`sealing.warm_up`)."""
    title, paragraphs = "承诺书", ("本人承诺遵守网络行为规范。",)
    buffer = io.BytesIO()
    with fonts_for(title, paragraphs, "示例单位示例") as fonts:
        canvas = new_canvas(buffer, title=title, author="示例")
        layout = layout_for(title, paragraphs, fonts[Face.FANGSONG])
        draw_pledge_page(
            canvas, fonts, layout, PageFields(code="0" * 12, unit_label="示例单位", signer_name="示例")
        )
        canvas.showPage()
        draw_evidence_page(
            canvas, fonts, heading="电子签订证据页", rows=[("承诺人", "示例")], code="0" * 12, note="示例"
        )
        canvas.showPage()
        canvas.save()
    return buffer.getvalue()
