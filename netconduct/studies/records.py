"""The printable record of a study session (会议记录), as branches keep it in their files: unit, time, place, host,
recorder, topic, who attended and who did not (with the reason), the minutes, and the session's photos.

PDF and DOCX from the same `SessionRecord`, with the documents app's fonts (the common CJK fonts the pledge forms
use) and face names (仿宋, 黑体, 小标宋 in the DOCX). The evidence pack builds thousands of these: it passes sessions
whose attendance, evidence and documents are prefetched, and `record_for` then runs no query of its own.
"""

from __future__ import annotations

import io
import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from netconduct.core.files import safe_name_part
from netconduct.documents.rendering.fonts import Face, FontSet, common_charset, common_fonts
from netconduct.documents.rendering.layout import MM, PAGE_HEIGHT, PAGE_WIDTH

from .choices import AttendanceStatus
from .models import Attendance, SessionEvidence, StudySession

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PHOTO_TYPES = ("image/jpeg", "image/png", "image/webp")
PHOTO_MAX_PIXELS = 1600  # the longer side of a photo as printed: sharp at 80 mm, a fraction of a phone's file
MARGIN = 22 * MM
TEXT_WIDTH = PAGE_WIDTH - 2 * MARGIN
BODY_SIZE = 11.0
LABEL_WIDTH = 26 * MM


@dataclass(frozen=True)
class Photo:
    name: str
    jpeg: bytes  # re-encoded, at most PHOTO_MAX_PIXELS on the longer side
    width: int
    height: int


@dataclass
class SessionRecord:
    title: str
    unit: str
    form: str
    special: bool
    when: str
    place: str
    host: str
    recorder: str
    topic: str
    documents: list[str]
    present: list[str]
    away: list[str]  # "张三（请假：出差）"
    expected: int
    minutes: str
    status: str
    review: str
    photos: list[Photo] = field(default_factory=list)
    other_evidence: list[str] = field(default_factory=list)  # scans (PDF) and the like: named, not printed
    number: str = ""

    @property
    def subtitle(self) -> str:
        sub = _("记录编号：%(number)s　状态：%(status)s") % {"number": self.number, "status": self.status}
        return (_("网络行为规范专题学习") + "　" + sub) if self.special else sub

    def rows(self) -> list[tuple[str, str, str, str] | tuple[str, str]]:
        """The form's rows: pairs of (label, value) side by side, or one label with a value across the line."""
        absent = len(self.away)
        return [
            (_("单位"), self.unit),
            (_("会议形式"), self.form, _("时间"), self.when),
            (_("地点"), self.place or "—", _("主持人"), self.host or "—"),
            (
                _("记录人"),
                self.recorder or "—",
                _("出席情况"),
                _("应到%(expected)d人，实到%(present)d人，缺席%(absent)d人")
                % {"expected": self.expected, "present": len(self.present), "absent": absent},
            ),
            (_("会议主题"), self.topic),
            (_("学习文件"), "；".join(self.documents) or "—"),
            (_("出席人员"), "、".join(self.present) or "—"),
            (_("缺席人员及原因"), "；".join(self.away) or _("无")),
        ]


def _prefetched(session: StudySession, name: str, queryset):
    cache = getattr(session, "_prefetched_objects_cache", {})
    return list(cache[name]) if name in cache else list(queryset)


def _photo(evidence: SessionEvidence) -> Photo | None:
    from PIL import Image, ImageOps

    try:
        with evidence.file.open("rb") as handle:
            image = Image.open(handle)
            image.load()
    except (OSError, ValueError):  # the file is gone or does not decode: named in the record instead
        return None
    image = ImageOps.exif_transpose(image)
    if image.mode not in ("RGB", "L"):
        background = Image.new("RGB", image.size, (255, 255, 255))
        background.paste(image.convert("RGBA"), mask=image.convert("RGBA").getchannel("A"))
        image = background
    image.thumbnail((PHOTO_MAX_PIXELS, PHOTO_MAX_PIXELS))
    out = io.BytesIO()
    image.convert("RGB").save(out, format="JPEG", quality=85)
    return Photo(evidence.name, out.getvalue(), image.width, image.height)


def _person(person) -> str:
    return person.name if person is not None else ""


def record_for(session: StudySession, *, with_photos: bool = True) -> SessionRecord:
    """What the record prints. Uses the session's prefetched attendance (with people), evidence and documents when
    there are (the evidence pack); otherwise three queries."""
    order = {AttendanceStatus.PRESENT: 0, AttendanceStatus.LEAVE: 1, AttendanceStatus.ABSENT: 2}
    marks = _prefetched(
        session, "attendance", Attendance.objects.filter(session=session).select_related("person")
    )
    marks.sort(key=lambda a: (order.get(a.status, 3), a.person.name_pinyin, a.person.name, a.person_id))
    evidence = _prefetched(session, "evidence", SessionEvidence.objects.filter(session=session))
    evidence.sort(key=lambda e: e.pk)
    documents = _prefetched(session, "documents", session.documents.all())
    documents.sort(key=lambda d: d.pk)
    present = [a.person.name for a in marks if a.status == AttendanceStatus.PRESENT]
    away = [
        f"{a.person.name}（{a.get_status_display()}：{a.reason}）"
        for a in marks
        if a.status != AttendanceStatus.PRESENT
    ]
    start = timezone.localtime(session.starts_at)
    review = ""
    if session.reviewed_at:
        reviewer = session.reviewed_by
        who = (getattr(reviewer, "display_name", "") or str(reviewer)) if reviewer else ""
        review = f"{session.get_status_display()}（{timezone.localtime(session.reviewed_at):%Y-%m-%d %H:%M}"
        review += f"，{who}）" if who else "）"
        if session.review_opinion:
            review += f"：{session.review_opinion}"
    photos: list[Photo] = []
    others: list[str] = []
    for item in evidence:
        photo = _photo(item) if with_photos and item.content_type in PHOTO_TYPES else None
        if photo is not None:
            photos.append(photo)
        else:
            others.append(item.name)
    return SessionRecord(
        title=_("%(unit)s学习会议记录") % {"unit": session.unit.name},
        unit=session.unit.name,
        form=session.get_form_display(),
        special=session.is_special_study,
        when=f"{start.year}年{start.month}月{start.day}日 {start:%H:%M}",
        place=session.place,
        host=_person(session.host),
        recorder=_person(session.recorder),
        topic=session.topic,
        documents=[d.title for d in documents],
        present=present,
        away=away,
        expected=len(marks),
        minutes=session.minutes.strip(),
        status=session.get_status_display(),
        review=review,
        photos=photos,
        other_evidence=others,
        number=f"{start:%Y}-{session.pk:05d}",
    )


@dataclass
class MixedFonts:
    """The shared common fonts (every GB2312 character), and for the few characters outside it (a rare name) a
    subset holding just those, set inline. Building a subset of a whole record's text costs about a second; of
    two rare characters, a few milliseconds; a thousand records stay fast."""

    names: dict[Face, str]
    rare: dict[
        str, str
    ]  # common font name -> the subset with this text's rare characters in that face's source
    rare_chars: frozenset[str]

    def markup(self, text: str, font: str) -> str:
        """`text` escaped for a ReportLab Paragraph in `font`, its rare characters in the subset."""
        fallback = self.rare.get(font)
        if fallback is None:
            return _escape(text)
        out = []
        for rare, run in itertools.groupby(text or "", key=lambda ch: ch in self.rare_chars):
            chunk = _escape("".join(run))
            out.append(f'<font name="{fallback}">{chunk}</font>' if rare else chunk)
        return "".join(out)


@contextmanager
def mixed_fonts(text_by_face: dict[Face, str]) -> Iterator[MixedFonts]:
    common = common_charset()
    rare_by_face = {
        face: "".join(sorted({ch for ch in text if ch not in common and not ch.isspace()}))
        for face, text in text_by_face.items()
    }
    with common_fonts(dict.fromkeys(text_by_face, "")) as names:
        if not any(rare_by_face.values()):
            yield MixedFonts(names, {}, frozenset())
            return
        fallback = FontSet()
        for face, chars in rare_by_face.items():
            if chars:
                fallback.add(face, chars)
        with fallback.registered() as built:
            rare = {names[face]: built[face] for face, chars in rare_by_face.items() if chars}
            yield MixedFonts(names, rare, frozenset("".join(rare_by_face.values())))


def _all_text(record: SessionRecord) -> str:
    parts = [record.title, record.subtitle, record.minutes, record.review]
    for row in record.rows():
        parts.extend(row)
    parts.extend(p.name for p in record.photos)
    parts.extend(record.other_evidence)
    parts.append(
        _("会议内容会议照片审核情况其他佐证材料网络行为规范专题学习记录编号第页共—0123456789：（），；、")
    )
    return "".join(parts)


# ---------------------------------------------------------------------------------------------------- PDF


def render_record_pdf(record: SessionRecord) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_CENTER
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import (
        Image,
        KeepTogether,
        Paragraph,
        SimpleDocTemplate,
        Spacer,
        Table,
        TableStyle,
    )

    text = _all_text(record)
    out = io.BytesIO()
    with mixed_fonts({Face.XIAOBIAOSONG: record.title, Face.FANGSONG: text, Face.HEITI: text}) as mixed:
        fonts = mixed.names
        serif, sans = fonts[Face.FANGSONG], fonts[Face.HEITI]
        title_style = ParagraphStyle(
            "title", fontName=fonts[Face.XIAOBIAOSONG], fontSize=18, leading=26, alignment=TA_CENTER
        )
        sub_style = ParagraphStyle(
            "sub", fontName=serif, fontSize=10, leading=14, alignment=TA_CENTER, textColor=colors.grey
        )
        cell = ParagraphStyle(
            "cell", fontName=serif, fontSize=BODY_SIZE, leading=BODY_SIZE * 1.55, wordWrap="CJK"
        )
        label = ParagraphStyle("label", parent=cell, fontName=sans, alignment=TA_CENTER)
        minutes_style = ParagraphStyle("minutes", parent=cell, firstLineIndent=2 * BODY_SIZE)
        caption = ParagraphStyle("caption", parent=cell, fontSize=9, leading=12, alignment=TA_CENTER)

        def p(value: str, style=cell) -> Paragraph:
            return Paragraph(mixed.markup(value, style.fontName), style)

        value_width = (TEXT_WIDTH - 2 * LABEL_WIDTH) / 2
        widths = [LABEL_WIDTH, value_width, LABEL_WIDTH, value_width]
        data: list[list] = []
        spans: list[tuple] = []
        for row in record.rows():
            if len(row) == 4:
                data.append([p(row[0], label), p(row[1]), p(row[2], label), p(row[3])])
            else:
                spans.append(("SPAN", (1, len(data)), (3, len(data))))
                data.append([p(row[0], label), p(row[1]), "", ""])
        minutes = [p(line.strip(), minutes_style) for line in record.minutes.splitlines() if line.strip()]
        spans.append(("SPAN", (1, len(data)), (3, len(data))))
        data.append([p(_("会议内容"), label), minutes or [p("—")], "", ""])
        if record.review:
            spans.append(("SPAN", (1, len(data)), (3, len(data))))
            data.append([p(_("审核情况"), label), p(record.review), "", ""])
        if record.other_evidence:
            spans.append(("SPAN", (1, len(data)), (3, len(data))))
            data.append([p(_("其他佐证材料"), label), p("；".join(record.other_evidence)), "", ""])
        table = Table(data, colWidths=widths, splitByRow=1, splitInRow=1, repeatRows=0)
        table.setStyle(
            TableStyle(
                [
                    ("GRID", (0, 0), (-1, -1), 0.6, colors.black),
                    ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                    ("VALIGN", (1, len(data) - 1), (1, len(data) - 1), "TOP"),
                    ("TOPPADDING", (0, 0), (-1, -1), 5),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
                    *spans,
                ]
            )
        )
        story = [p(record.title, title_style)]
        story += [Spacer(1, 2 * MM), p(record.subtitle, sub_style), Spacer(1, 5 * MM), table]
        if record.photos:
            heading = [Spacer(1, 6 * MM), p(_("会议照片"), ParagraphStyle("h", parent=label, alignment=0))]
            heading.append(Spacer(1, 2 * MM))
            box_w, box_h = (TEXT_WIDTH - 6 * MM) / 2, 62 * MM
            cells = []
            for photo in record.photos:
                scale = min(box_w / photo.width, box_h / photo.height)
                image = Image(io.BytesIO(photo.jpeg), width=photo.width * scale, height=photo.height * scale)
                cells.append([image, p(photo.name, caption)])
            rows = [cells[i : i + 2] for i in range(0, len(cells), 2)]
            for index, pair in enumerate(rows):
                line = Table([pair + [[]] * (2 - len(pair))], colWidths=[box_w + 3 * MM] * 2)
                line.setStyle(
                    TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("ALIGN", (0, 0), (-1, -1), "CENTER")])
                )
                # the heading goes over with the first row of photos rather than stay alone at a page's foot
                story += [KeepTogether([*(heading if index == 0 else []), line]), Spacer(1, 3 * MM)]

        def footer(canvas, doc):
            canvas.saveState()
            canvas.setFont(serif, 9)
            canvas.setFillColor(colors.grey)
            canvas.drawCentredString(PAGE_WIDTH / 2, 12 * MM, f"— {doc.page} —")
            canvas.drawRightString(PAGE_WIDTH - MARGIN, 12 * MM, record.number)
            canvas.restoreState()

        document = SimpleDocTemplate(
            out,
            pagesize=(PAGE_WIDTH, PAGE_HEIGHT),
            leftMargin=MARGIN,
            rightMargin=MARGIN,
            topMargin=20 * MM,
            bottomMargin=22 * MM,
            title=record.title,
            author=record.unit,
            creator="netconduct",
        )
        document.build(story, onFirstPage=footer, onLaterPages=footer)
    return out.getvalue()


def _escape(text: str) -> str:
    return (text or "").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def session_record_pdf(session: StudySession) -> bytes:
    return render_record_pdf(record_for(session))


# ---------------------------------------------------------------------------------------------------- DOCX


def render_record_docx(record: SessionRecord) -> bytes:
    from docx import Document
    from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt, RGBColor

    from netconduct.documents.rendering.word import FONT_NAMES

    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.left_margin = section.right_margin = Mm(22)
    section.top_margin, section.bottom_margin = Mm(20), Mm(22)

    def run(paragraph, text: str, face: Face, size: float, *, grey: bool = False):
        r = paragraph.add_run(text)
        fonts = r._r.get_or_add_rPr().get_or_add_rFonts()
        for attr in ("ascii", "hAnsi", "eastAsia", "cs"):
            fonts.set(qn(f"w:{attr}"), FONT_NAMES[face])
        r.font.size = Pt(size)
        if grey:
            r.font.color.rgb = RGBColor(0x66, 0x66, 0x66)
        return r

    def para(container, text: str = "", face: Face = Face.FANGSONG, size: float = BODY_SIZE, **kw):
        paragraph = container.add_paragraph()
        if kw.get("center"):
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        if kw.get("indent"):
            paragraph.paragraph_format.first_line_indent = Pt(2 * size)
        paragraph.paragraph_format.space_after = Pt(kw.get("after", 0))
        if text:
            run(paragraph, text, face, size, grey=kw.get("grey", False))
        return paragraph

    def fill(cell, text: str, *, is_label: bool = False):
        cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
        first = cell.paragraphs[0]
        if is_label:
            first.alignment = WD_ALIGN_PARAGRAPH.CENTER
        run(first, text, Face.HEITI if is_label else Face.FANGSONG, BODY_SIZE)

    para(document, record.title, Face.XIAOBIAOSONG, 18, center=True, after=4)
    para(document, record.subtitle, size=10, center=True, grey=True, after=8)

    rows = record.rows()
    extra = [(_("审核情况"), record.review)] if record.review else []
    extra += [(_("其他佐证材料"), "；".join(record.other_evidence))] if record.other_evidence else []
    table = document.add_table(rows=0, cols=4)
    table.style = "Table Grid"
    table.autofit = False
    widths = [Mm(24), Mm(59), Mm(24), Mm(59)]
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width  # the grid LibreOffice and WPS lay out by
    for row in [*rows, (_("会议内容"), None), *extra]:
        cells = table.add_row().cells
        for cell, width in zip(cells, widths, strict=True):
            cell.width = width
        fill(cells[0], row[0], is_label=True)
        if len(row) == 4:
            fill(cells[1], row[1])
            fill(cells[2], row[2], is_label=True)
            fill(cells[3], row[3])
            continue
        merged = cells[1].merge(cells[3])
        if row[1] is None:  # the minutes: a paragraph per line, indented
            merged.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.TOP
            lines = [line.strip() for line in record.minutes.splitlines() if line.strip()] or ["—"]
            first = merged.paragraphs[0]
            first.paragraph_format.first_line_indent = Pt(2 * BODY_SIZE)
            run(first, lines[0], Face.FANGSONG, BODY_SIZE)
            for line in lines[1:]:
                para(merged, line, indent=True)
        else:
            fill(merged, row[1])

    if record.photos:
        para(document, "", after=6)
        para(document, _("会议照片"), Face.HEITI, BODY_SIZE, after=4)
        grid = document.add_table(rows=0, cols=2)
        for i in range(0, len(record.photos), 2):
            cells = grid.add_row().cells
            for cell, photo in zip(cells, record.photos[i : i + 2], strict=False):
                picture = cell.paragraphs[0]
                picture.alignment = WD_ALIGN_PARAGRAPH.CENTER
                scale = min(80 / photo.width, 60 / photo.height)
                picture.add_run().add_picture(
                    io.BytesIO(photo.jpeg), width=Mm(photo.width * scale), height=Mm(photo.height * scale)
                )
                para(cell, photo.name, size=9, center=True, after=4)

    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    run(footer, record.number, Face.FANGSONG, 9, grey=True)
    out = io.BytesIO()
    document.core_properties.title = record.title
    document.core_properties.author = record.unit
    document.save(out)
    return out.getvalue()


def session_record_docx(session: StudySession) -> bytes:
    return render_record_docx(record_for(session))


# ---------------------------------------------------------------------------------------------------- download


def record_file_name(session: StudySession, extension: str) -> str:
    start = timezone.localtime(session.starts_at)
    return safe_name_part(f"{start:%Y%m%d}-{session.unit.name}-{session.topic}", limit=100) + f".{extension}"


@login_required
def session_record(request: HttpRequest, pk: int) -> HttpResponse:
    """The record as PDF (default) or DOCX (`?format=docx`), for those who may see the session."""
    from . import selectors

    session = selectors.session_get_for(viewer=request.user, pk=pk)
    if request.GET.get("format") == "docx":
        data, content_type, extension = session_record_docx(session), DOCX_TYPE, "docx"
    else:
        data, content_type, extension = session_record_pdf(session), "application/pdf", "pdf"
    response = HttpResponse(data, content_type=content_type)
    inline = extension == "pdf" and request.GET.get("download") is None
    response["Content-Disposition"] = content_disposition_header(
        not inline, record_file_name(session, extension)
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
