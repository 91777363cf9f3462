"""PDF rendering of an official document in the layout of GB/T 9704-2012 (党政机关公文格式).

Text is set on the standard's grid: 22 lines of 28 characters in a 156 × 225 mm 版心. 3号 (16 pt) characters are
slightly wider than 156 mm / 28, so they are drawn 0.21 pt tighter (the DOCX: 0.25 pt, in whole twentieths). Lines are
broken between characters, never inside a run of Latin letters or digits; a closing mark never starts a line and an
opening mark never ends one — the character before it moves down instead (推出), and lines are justified.

Placement follows the clauses cited in the code. Where the standard leaves a choice:
- the issuer mark is 初号 if it fits one line, else narrowed (down to 65 %) and then reduced;
- the 版记 follows the attachments (7.3.7: attachments come 在版记之前) at the foot of the last page, and that page is
  even (封四); when the text ends on an even page with no room left, a blank page is inserted and neither it nor the
  版记 page is numbered (7.5);
- the signature is set as for documents without a seal (7.3.5.2), since seals are applied on paper.
See `fonts` for the typefaces.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field

from reportlab.lib.colors import Color
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import BaseDocTemplate, Flowable, Frame, PageBreak, PageTemplate

from . import layout as L
from .fonts import FAKE_BOLD, Face, FontSet
from .types import Align, Level, OfficialDocument, Paragraph, chinese_date

BLACK = Color(0, 0, 0)
RED = Color(*(c / 255 for c in L.RED))
WATERMARK_GREY = Color(0.55, 0.55, 0.55, alpha=0.25)

GRID_SPACE = L.CHAR_PITCH - L.SIZE_3  # character spacing that puts 28 3号 characters on a line

FACE_BY_LEVEL = {
    Level.BODY: Face.FANGSONG,
    Level.H1: Face.HEITI,
    Level.H2: Face.KAITI,
    Level.H3: Face.FANGSONG,
}

# Where the ink of CJK characters sits in the em box: Noto CJK's ideographic box spans 0.12 em below the baseline
# to 0.88 em above it.
EM_TOP = 0.88
EM_BOTTOM = 0.12
EM_MIDDLE = (EM_TOP - EM_BOTTOM) / 2
DASH_MIDDLE = 0.272  # height of the middle of "—" in Noto Serif CJK, in ems

_FUZZ = 1e-6


@dataclass
class _Render:
    """State of one render: the text each face prints, then the fonts registered for it, and unnumbered pages."""

    fonts: FontSet = field(default_factory=FontSet)
    names: dict[Face, str] = field(default_factory=dict)
    unnumbered_pages: set[int] = field(default_factory=set)
    colophon_moved: bool = False  # the 版记 went to a page of its own
    pulled_over: set[int] = field(default_factory=set)  # body paragraphs whose end went over to the next page


@dataclass
class _Style:
    face: Face
    size: float
    char_space: float = 0.0
    scale: float = 1.0  # horizontal scale
    color: Color = BLACK

    @property
    def stroke(self) -> float:
        return FAKE_BOLD.get(self.face, 0.0) * self.size


@dataclass
class _Line:
    text: str
    x: float  # left end of the line box, from the left of the 版心
    avail: float  # width of the line box
    width: float  # natural width of the text
    justify: bool
    head: int = 0  # the first `head` characters are in the row's head style (a run-in heading)


def _measure(render: _Render, style: _Style, text: str) -> float:
    if not text:
        return 0.0
    font = render.names[style.face]
    return (stringWidth(text, font, style.size) + style.char_space * len(text)) * style.scale


def _draw_lines(
    canv,
    style: _Style,
    font: str,
    lines: Sequence[_Line],
    top: float,
    leading: float,
    head_font: str | None = None,
) -> None:
    """Draw `lines` downwards from `top`, each centred on its `leading`-high line box; a line's first `head`
    characters in `head_font` (same size and spacing)."""
    canv.saveState()
    canv.setFillColor(style.color)
    stroke = style.stroke
    if stroke:
        canv.setStrokeColor(style.color)
        canv.setLineWidth(stroke)
    text = canv.beginText()
    text.setFont(font, style.size)
    if style.scale != 1.0:
        text.setHorizScale(style.scale * 100)
    if stroke:
        text.setTextRenderMode(2)  # fill, then stroke: a heavier face
    for index, line in enumerate(lines):
        if not line.text:
            continue
        baseline = top - (index + 0.5) * leading - EM_MIDDLE * style.size
        space = style.char_space
        gaps = len(line.text) - 1
        if line.justify and gaps > 0:
            # Spread the slack over the gaps; it is negative when a closing mark was squeezed in. A line that would
            # need more than half a character per gap (a long Latin word pushed down) stays ragged instead.
            extra = (line.avail - line.width) / gaps / style.scale
            if extra < style.size / 2:
                space += extra
        text.setCharSpace(space)
        text.setTextOrigin(line.x, baseline)
        if head_font and line.head:
            text.setFont(head_font, style.size)
            text.textOut(line.text[: line.head])
            text.setFont(font, style.size)
            text.textOut(line.text[line.head :])
        else:
            text.textOut(line.text)
    canv.drawText(text)
    canv.restoreState()


@dataclass
class _Row:
    """One line of the grid; a blank line has no text."""

    line: _Line | None = None
    style: _Style | None = None
    head_face: Face | None = None  # face of a run-in heading at the start of the paragraph


@dataclass
class _Item:
    """Something set as whole lines of a `_Block`, with the page-break rules that apply around it."""

    blank_before: int = field(default=0, kw_only=True)  # 空一行, 空二行
    keep_together: bool = field(default=False, kw_only=True)
    keep_with_next: int = field(default=0, kw_only=True)  # lines of what follows that stay on this page
    keep_with_previous: int = field(default=0, kw_only=True)  # lines of what precedes that stay with this
    source: int | None = field(default=None, kw_only=True)  # index of the paragraph in the document's body

    def rows(self, render: _Render, width: float) -> list[_Row]:
        raise NotImplementedError


@dataclass
class _Para(_Item):
    text: str
    style: _Style
    align: str = "justify"  # justify | left | center | right
    first_indent: float = 0.0
    rest_indent: float = 0.0
    lead: str = ""  # text whose width is added to every line's indent (aligning under a previous line's text)
    hang: str = ""  # text whose width is added to continuation lines' indent (hanging indent)
    right_indent: float = 0.0
    balance: bool = False  # titles: lines of even length rather than a full line and a stub
    head: int = 0  # characters of a run-in heading, set in `head_face`
    head_face: Face | None = None

    def rows(self, render: _Render, width: float) -> list[_Row]:
        lead = _measure(render, self.style, self.lead)
        first_x = self.first_indent + lead
        rest_x = self.rest_indent + lead + _measure(render, self.style, self.hang)
        first_avail = width - first_x - self.right_indent
        rest_avail = width - rest_x - self.right_indent

        def measure(text: str) -> float:
            return _measure(render, self.style, text)

        if self.balance:
            broken = L.balanced_lines(self.text, measure, first_avail)
        else:
            broken = L.break_lines(self.text, measure, first_avail, rest_avail)
        rows = []
        position = 0
        for index, (text, natural, last) in enumerate(broken):
            x, avail = (first_x, first_avail) if index == 0 else (rest_x, rest_avail)
            if self.align == "center":
                x += (avail - natural) / 2
            elif self.align == "right":
                x += avail - natural
            position = max(position, self.text.find(text, position)) if text else position
            head = min(max(self.head - position, 0), len(text))
            position += len(text)
            line = _Line(text, x, avail, natural, self.align == "justify" and not last, head)
            rows.append(_Row(line, self.style, self.head_face if head else None))
        return rows


@dataclass
class _Signature(_Item):
    """发文机关署名 and 成文日期 for a document without a seal (7.3.5.2)."""

    unit: str
    signed_on: str
    style: _Style

    def rows(self, render: _Render, width: float) -> list[_Row]:
        two = 2 * L.CHAR_PITCH
        unit_w = _measure(render, self.style, self.unit)
        date_w = _measure(render, self.style, self.signed_on)
        if date_w > unit_w:  # the date keeps two characters from the edge, the unit moves left
            date_x = width - two - date_w
            unit_x = date_x - two
        else:  # the unit keeps two characters from the edge, the date starts two characters right of it
            unit_x = width - two - unit_w
            date_x = unit_x + two
        return [
            _Row(_Line(text, x, w, w, False), self.style)
            for text, x, w in ((self.unit, unit_x, unit_w), (self.signed_on, date_x, date_w))
            if text
        ]


class _Block(Flowable):
    """Items set line by line on the grid, split between pages only where their keep rules allow."""

    def __init__(self, render: _Render, items: Sequence[_Item]) -> None:
        super().__init__()
        self.render, self.items = render, list(items)
        self.rows: list[_Row] | None = None
        self.glue: list[bool] = []  # glue[i]: no page break between rows i and i + 1
        self.ends: list[int | None] = []  # ends[i]: the body paragraph (index) whose last row is row i

    def _layout(self, width: float) -> None:
        rows: list[_Row] = []
        spans = []
        for item in self.items:
            rows.extend(_Row() for _ in range(item.blank_before))
            start = len(rows)
            rows.extend(item.rows(self.render, width))
            spans.append((item, start, len(rows)))
        glue = [False] * len(rows)
        ends: list[int | None] = [None] * len(rows)
        for item, start, end in spans:
            if item.source is not None and end > start:
                ends[end - 1] = item.source
        content = [i for i, row in enumerate(rows) if row.line is not None]
        for item, start, end in spans:
            if item.keep_together:
                glue[start : end - 1] = [True] * max(0, end - 1 - start)
            if item.keep_with_next:
                after = [i for i in content if i >= end][: item.keep_with_next]
                if after:
                    glue[end - 1 : after[-1]] = [True] * (after[-1] - end + 1)
            if item.keep_with_previous:
                before = [i for i in content if i < start][-item.keep_with_previous :]
                if before:
                    glue[before[0] : start] = [True] * (start - before[0])
        self.rows, self.glue, self.ends = rows, glue, ends

    def wrap(self, availWidth, availHeight):  # noqa: N803 - ReportLab's signature
        if self.rows is None:
            self._layout(availWidth)
        assert self.rows is not None
        self.width, self.height = availWidth, len(self.rows) * L.LINE_PITCH
        return self.width, self.height

    def _part(self, start: int, end: int | None = None) -> _Block:
        part = _Block(self.render, [])
        part.rows, part.glue, part.ends = self.rows[start:end], self.glue[start:end], self.ends[start:end]
        return part

    def split(self, availWidth, availHeight):  # noqa: N803
        self.wrap(availWidth, availHeight)
        assert self.rows is not None
        fits = int((availHeight + _FUZZ) // L.LINE_PITCH)
        if fits >= len(self.rows):
            return [self]
        cut = fits
        while cut > 0 and self.glue[cut - 1]:
            cut -= 1
        if cut == 0:
            if not getattr(self._frame, "_atTop", False) or fits == 0:
                return []  # all of it to the next page
            cut = fits  # more glued lines than a page holds: break anyway
        # Paragraphs that would have ended on this page went over with what is kept with them (a heading's lines,
        # the signature): a word processor does that with "keep with next" on them.
        self.render.pulled_over.update(source for source in self.ends[cut:fits] if source is not None)
        rest = cut
        while rest < len(self.rows) and self.rows[rest].line is None:  # blank lines vanish at a page break
            rest += 1
        return [self._part(0, cut), self._part(rest)]

    def draw(self):
        assert self.rows is not None
        for index, row in enumerate(self.rows):
            if row.line is not None and row.line.text and row.style is not None:
                font = self.render.names[row.style.face]
                head = self.render.names[row.head_face] if row.head_face else None
                top = self.height - index * L.LINE_PITCH
                _draw_lines(self.canv, row.style, font, [row.line], top, L.LINE_PITCH, head)


class _Masthead(Flowable):
    """版头: issuer mark (7.2.4), document number (7.2.5) and the red rule (7.2.7), at the top of page 1."""

    def __init__(self, render: _Render, doc: OfficialDocument) -> None:
        super().__init__()
        self.render, self.mark, self.number = render, doc.issuer_mark, doc.number
        render.fonts.add(Face.XIAOBIAOSONG, self.mark)
        render.fonts.add(Face.FANGSONG, self.number)

    def wrap(self, availWidth, availHeight):  # noqa: N803
        em_width = stringWidth(self.mark, self.render.names[Face.XIAOBIAOSONG], 1.0)
        size, scale = L.issuer_mark_size(em_width)
        self.mark_style = _Style(Face.XIAOBIAOSONG, size, scale=scale, color=RED)
        self.number_style = _Style(Face.FANGSONG, L.SIZE_3, char_space=GRID_SPACE)
        mark_bottom = L.ISSUER_MARK_TOP + (EM_TOP + EM_BOTTOM) * size
        self.number_top = mark_bottom + 2 * L.LINE_PITCH  # 7.2.5: 发文机关标志下空二行
        number_bottom = self.number_top + L.LINE_PITCH / 2 + EM_MIDDLE * L.SIZE_3 + EM_BOTTOM * L.SIZE_3
        self.rule = number_bottom + L.NUMBER_RULE_GAP
        self.width, self.height = availWidth, self.rule + L.RED_RULE_WIDTH / 2
        return self.width, self.height

    def draw(self):
        canv, width = self.canv, self.width
        size = self.mark_style.size
        mark_width = _measure(self.render, self.mark_style, self.mark)
        mark_line = _Line(self.mark, (width - mark_width) / 2, width, mark_width, False)
        _draw_lines(
            canv,
            self.mark_style,
            self.render.names[Face.XIAOBIAOSONG],
            [mark_line],
            self.height - L.ISSUER_MARK_TOP,
            size,  # a line box as high as the em box puts the top of the characters at ISSUER_MARK_TOP
        )
        if self.number:
            number_width = _measure(self.render, self.number_style, self.number)
            number_line = _Line(self.number, (width - number_width) / 2, width, number_width, False)
            _draw_lines(
                canv,
                self.number_style,
                self.render.names[Face.FANGSONG],
                [number_line],
                self.height - self.number_top,
                L.LINE_PITCH,
            )
        canv.saveState()
        canv.setStrokeColor(RED)
        canv.setLineWidth(L.RED_RULE_WIDTH)
        y = self.height - self.rule
        canv.line(0, y, width, y)
        canv.restoreState()


class _Colophon(Flowable):
    """版记 (7.4): 抄送机关, 印发机关 and 印发日期 between rules, its last rule on the bottom of the 版心.

    It takes the rest of the frame and draws at its foot, on an even page (封四): on an odd page, or when it does
    not fit, it splits into a page break and itself. ReportLab does not ask it to split when the page is full to the
    last line, so a blank page is recognised by the colophon arriving at the top of an odd page.
    """

    def __init__(self, render: _Render, doc: OfficialDocument) -> None:
        super().__init__()
        self.render = render
        self.copy_to = f"抄送：{doc.copy_to}。" if doc.copy_to else ""
        self.printer = doc.printer_unit
        self.printed = f"{chinese_date(doc.printed_on)}印发" if doc.printed_on else ""
        self.style = _Style(Face.FANGSONG, L.SIZE_4)
        self.row = L.LINE_PITCH
        self.attempts = 0
        render.fonts.add(Face.FANGSONG, self.copy_to + self.printer + self.printed)

    def _rows(self, width: float) -> list[_Line]:
        one = L.SIZE_4  # 7.4.2, 7.4.3: 左右各空一字
        lines: list[_Line] = []
        if self.copy_to:
            hang = _measure(self.render, self.style, "抄送：")
            avail = width - 2 * one
            broken = L.break_lines(
                self.copy_to, lambda text: _measure(self.render, self.style, text), avail, avail - hang
            )
            for index, (text, natural, last) in enumerate(broken):
                x = one if index == 0 else one + hang
                lines.append(_Line(text, x, avail if index == 0 else avail - hang, natural, not last))
        printer_w = _measure(self.render, self.style, self.printer)
        printed_w = _measure(self.render, self.style, self.printed)
        lines.append(_Line(self.printer, one, printer_w, printer_w, False))
        lines.append(_Line(self.printed, width - one - printed_w, printed_w, printed_w, False))
        return lines

    def wrap(self, availWidth, availHeight):  # noqa: N803
        self.lines = self._rows(availWidth)
        self.copy_rows = len(self.lines) - 2
        needed = (self.copy_rows + 1) * self.row
        page = self.canv.getPageNumber()
        self.fits = page % 2 == 0 and needed <= availHeight + _FUZZ
        self.width = availWidth
        self.height = availHeight if self.fits else availHeight + 1
        return self.width, self.height

    def split(self, availWidth, availHeight):  # noqa: N803
        page = self.canv.getPageNumber()
        if page % 2 == 1 and getattr(self._frame, "_atTop", False):
            # Nothing else will go on this odd page: it stays blank, and 7.5 numbers neither it nor the 版记 page.
            self.render.unnumbered_pages.update({page, page + 1})
        self.attempts += 1
        self.render.colophon_moved = True
        if self.attempts > 3:
            raise ValueError("the 版记 does not fit on a page")
        return [PageBreak(), self]

    def draw(self):
        canv, width, row = self.canv, self.width, self.row
        font = self.render.names[Face.FANGSONG]
        printer_row, printed_row = self.lines[-2:]
        _draw_lines(canv, self.style, font, [printer_row], row, row)
        _draw_lines(canv, self.style, font, [printed_row], row, row)
        if self.copy_rows:
            _draw_lines(canv, self.style, font, self.lines[:-2], row * (1 + self.copy_rows), row)
        canv.saveState()
        canv.setStrokeColor(BLACK)
        rules = [(0.0, L.COLOPHON_THICK), ((1 + self.copy_rows) * row, L.COLOPHON_THICK)]
        if self.copy_rows:
            rules.append((row, L.COLOPHON_THIN))
        for y, thickness in rules:
            canv.setLineWidth(thickness)
            canv.line(0, y, width, y)
        canv.restoreState()


def _body_style(face: Face = Face.FANGSONG) -> _Style:
    return _Style(face, L.SIZE_3, char_space=GRID_SPACE)


def _paragraph(render: _Render, paragraph: Paragraph, *, blank_before: int = 0) -> _Para:
    text, face = paragraph.text, FACE_BY_LEVEL[paragraph.level]
    head = L.run_in_heading(text)
    if head < len(text) and face != Face.FANGSONG:
        # A run-in heading: the heading sentence in its face, the text after it in the body's.
        style = _body_style()
        render.fonts.add(face, text[:head])
        render.fonts.add(style.face, text[head:])
        run_in = {"head": head, "head_face": face}
    else:
        style = _body_style(face)
        render.fonts.add(style.face, text)
        run_in = {}
    heading = paragraph.level in (Level.H1, Level.H2) and L.stands_as_heading(text)
    keep = {
        "blank_before": blank_before,
        "keep_together": heading,
        "keep_with_next": 2 if heading else 0,
        **run_in,
    }
    if paragraph.align is Align.CENTER:
        return _Para(paragraph.text, style, align="center", **keep)
    if paragraph.align is Align.RIGHT:
        return _Para(paragraph.text, style, align="right", right_indent=2 * L.CHAR_PITCH, **keep)
    # 7.3.3: 每个自然段左空二字，回行顶格.
    return _Para(paragraph.text, style, first_indent=2 * L.CHAR_PITCH, **keep)


def _title(render: _Render, title: str, *, blank_before: int) -> _Para:
    # 7.3.1: 2号小标宋体字，分一行或多行居中排布; lines of even length, unless the author broke them.
    style = _Style(Face.XIAOBIAOSONG, L.SIZE_2)
    render.fonts.add(style.face, title)
    return _Para(
        title,
        style,
        align="center",
        balance=True,
        blank_before=blank_before,
        keep_together=True,
        keep_with_next=2,
    )


def _closing(render: _Render, doc: OfficialDocument) -> list[_Item]:
    """附件说明 (7.3.4) and signature (7.3.5), kept together and with the last two lines of the body."""
    style = _body_style()
    items: list[_Item] = []
    # 正文下空一行左空二字; item 2 onwards under "1.", wrapped lines under the first character of the title.
    for index, (prefix, title) in enumerate(L.attachment_note(doc.attachments_list)):
        render.fonts.add(style.face, "附件：" + prefix + title)
        items.append(
            _Para(
                prefix + title,
                style,
                align="left",
                first_indent=2 * L.CHAR_PITCH,
                rest_indent=2 * L.CHAR_PITCH,
                lead="附件：" if index > 0 else "",
                hang=prefix,
                blank_before=1 if index == 0 else 0,
            )
        )
    if doc.signature_unit or doc.signed_on:
        signed_on = chinese_date(doc.signed_on) if doc.signed_on else ""
        render.fonts.add(style.face, doc.signature_unit + signed_on)
        items.append(_Signature(doc.signature_unit, signed_on, style, blank_before=1))
    for item in items:
        item.keep_together = True
        item.keep_with_previous = 2  # the signature never stands alone on a page
    return items


def _story(render: _Render, doc: OfficialDocument) -> list[Flowable]:
    items: list[_Item] = [_title(render, doc.title, blank_before=2)]  # 7.3.1: 红色分隔线下空二行
    if doc.addressees:
        # 7.3.2: 标题下空一行，居左顶格，最后一个机关名称后标全角冒号. The body follows on the next line.
        addressees = f"{doc.addressees}："
        render.fonts.add(Face.FANGSONG, addressees)
        items.append(_Para(addressees, _body_style(), align="left", blank_before=1, keep_with_next=2))
    for index, paragraph in enumerate(doc.body):
        item = _paragraph(render, paragraph, blank_before=1 if index == 0 and not doc.addressees else 0)
        item.source = index
        items.append(item)
    items.extend(_closing(render, doc))
    story: list[Flowable] = [_Masthead(render, doc), _Block(render, items)]

    for attachment in doc.attachments:
        # 7.3.7: 另面编排; "附件" and its number in 3号黑体 顶格 on the first line, the title centred on the third.
        render.fonts.add(Face.HEITI, attachment.label)
        items = [
            _Para(attachment.label, _body_style(Face.HEITI), align="left", keep_with_next=1),
            _title(render, attachment.title, blank_before=1),
        ]
        for index, paragraph in enumerate(attachment.body):
            items.append(_paragraph(render, paragraph, blank_before=1 if index == 0 else 0))
        story += [PageBreak(), _Block(render, items)]
    if doc.has_colophon:
        story.append(_Colophon(render, doc))
    return story


class _Template(BaseDocTemplate):
    def __init__(self, out: io.BytesIO, render: _Render, doc: OfficialDocument) -> None:
        super().__init__(
            out,
            pagesize=(L.PAGE_WIDTH, L.PAGE_HEIGHT),
            leftMargin=L.LEFT_MARGIN,
            rightMargin=L.RIGHT_MARGIN,
            topMargin=L.TOP_MARGIN,
            bottomMargin=L.BOTTOM_MARGIN,
            title=doc.title.replace("\n", ""),
            author=doc.signature_unit or doc.issuer_mark,
            subject=doc.number,
            creator="netconduct",
            invariant=False,  # the real creation date (and a document ID of its own)
            initialFontName=render.names[Face.FANGSONG],
            initialFontSize=L.SIZE_3,
            initialLeading=L.LINE_PITCH,
        )
        self.render, self.draft = render, doc.draft
        frame = Frame(
            L.LEFT_MARGIN,
            L.BOTTOM_MARGIN,
            L.TEXT_WIDTH,
            L.TEXT_HEIGHT,
            leftPadding=0,
            rightPadding=0,
            topPadding=0,
            bottomPadding=0,
            id="text",
        )
        self.addPageTemplates(
            [PageTemplate(id="page", frames=[frame], onPage=self._page_begins, onPageEnd=self._page_ends)]
        )

    def _page_begins(self, canv, _doc) -> None:
        if self.draft:  # under the text
            canv.saveState()
            canv.setFillColor(WATERMARK_GREY)
            canv.setFont(self.render.names[Face.HEITI], 120)
            canv.translate(L.PAGE_WIDTH / 2, L.PAGE_HEIGHT / 2)
            canv.rotate(45)
            canv.drawCentredString(0, -120 * EM_MIDDLE, "草稿")
            canv.restoreState()

    def _page_ends(self, canv, _doc) -> None:
        page = canv.getPageNumber()
        if page in self.render.unnumbered_pages:
            return
        # 7.5: 4号半角宋体, 一字线 7 mm below the 版心; odd pages right, even pages left, one character in.
        text = L.page_number_text(page)
        font = self.render.names[Face.SONG]
        canv.saveState()
        canv.setFillColor(BLACK)
        canv.setFont(font, L.SIZE_4)
        baseline = L.BOTTOM_MARGIN - L.PAGE_NUMBER_DROP - DASH_MIDDLE * L.SIZE_4
        if page % 2:
            canv.drawRightString(L.LEFT_MARGIN + L.TEXT_WIDTH - L.SIZE_4, baseline, text)
        else:
            canv.drawString(L.LEFT_MARGIN + L.SIZE_4, baseline, text)
        canv.restoreState()


def render_pdf(doc: OfficialDocument) -> bytes:
    """The document as an A4 PDF laid out per GB/T 9704-2012, with its fonts embedded."""
    return _render(doc)[0]


@dataclass(frozen=True)
class Pagination:
    """What the PDF's pagination decided, for the DOCX to follow."""

    colophon_pages_after_text: int  # the 版记: 0 below the text, 1 on the page after it, 2 after a blank page
    pulled_over: frozenset[int]  # body paragraphs (indexes) that would have ended on a page but went over


def pagination(doc: OfficialDocument) -> Pagination:
    render = _render(doc)[1]
    pages = 0
    if doc.has_colophon and render.colophon_moved:
        pages = 2 if render.unnumbered_pages else 1
    return Pagination(pages, frozenset(render.pulled_over))


def colophon_pages_after_text(doc: OfficialDocument) -> int:
    """Where the PDF puts the 版记: 0 below the text, 1 on the page after it, 2 after a blank page."""
    return pagination(doc).colophon_pages_after_text


def _render(doc: OfficialDocument) -> tuple[bytes, _Render]:
    render = _Render()
    story = _story(render, doc)
    render.fonts.add(Face.SONG, "".join(L.page_number_text(n) for n in range(10)))
    if doc.draft:
        render.fonts.add(Face.HEITI, "草稿")
    with render.fonts.registered() as names:
        render.names = names
        out = io.BytesIO()
        _Template(out, render, doc).build(story)
        return out.getvalue(), render
