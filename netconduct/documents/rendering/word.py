"""DOCX rendering of an official document in the layout of GB/T 9704-2012, for editing in Word.

The fonts are named as the standard's faces are installed on office machines (仿宋_GB2312, 方正小标宋简体, 黑体,
楷体_GB2312, 宋体), with their Windows names as alternatives in the font table. The 22 lines × 28 characters come from
explicit measures (exact line spacing, a character spacing, indents in grid characters) rather than a character
grid, so that Word, WPS and LibreOffice set the same lines as the PDF renderer (checked with LibreOffice in
`tests/test_libreoffice.py`). Line breaks are the word processor's; page breaks follow the PDF's where the word
processor's own rules would differ: the PDF's pagination (`pdf.pagination`) decides which paragraphs are kept with
the next and on which page the 版记 stands. Titles break where the author put "\n" or, failing that, at the middle.
"""

from __future__ import annotations

import io
import math

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.section import WD_SECTION
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_ROW_HEIGHT_RULE
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK, WD_LINE_SPACING
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import qn
from docx.shared import Pt, RGBColor
from docx.text.paragraph import Paragraph as DocxParagraph
from lxml import etree

from . import layout as L
from .fonts import Face
from .pdf import pagination
from .types import Align, Level, OfficialDocument, Paragraph, chinese_date

FONT_NAMES: dict[Face, str] = {
    Face.FANGSONG: "仿宋_GB2312",
    Face.XIAOBIAOSONG: "方正小标宋简体",
    Face.HEITI: "黑体",
    Face.KAITI: "楷体_GB2312",
    Face.SONG: "宋体",
}
# Other names under which the faces are installed (ECMA-376 17.8.3.1 w:altName: "alternative names which can be
# used to locate the font"): the GB2312-era 仿宋_GB2312 and 楷体_GB2312 that offices have, else the 仿宋 and 楷体 of
# Windows. All are Chinese (GB2312 character set, 86) and, as Windows classes them, of the "modern" family.
FONT_ALTERNATIVES: dict[Face, str] = {
    Face.FANGSONG: "仿宋,FangSong",
    Face.XIAOBIAOSONG: "方正小标宋_GBK,FZXiaoBiaoSong-B05S",
    Face.HEITI: "SimHei",
    Face.KAITI: "楷体,KaiTi",
    Face.SONG: "SimSun",
}
FACE_BY_LEVEL = {
    Level.BODY: Face.FANGSONG,
    Level.H1: Face.HEITI,
    Level.H2: Face.KAITI,
    Level.H3: Face.FANGSONG,
}
RED = RGBColor(*L.RED)

# The grid of 22 lines × 28 characters, built from explicit measures that Word, WPS and LibreOffice all apply the
# same way rather than from a character grid (w:docGrid type="linesAndChars"): a character pitch smaller than the
# font size makes LibreOffice give every character two cells (14 a line). So:
# - lines: exact line spacing of 28.95 pt (579 twentieths, rounded down so that 22 lines fit in 225 mm);
# - characters: 3号 (16 pt) with a character spacing of -0.25 pt (-5 twentieths, the whole twentieth below
#   156 mm / 28 - 16 pt = -0.21 pt), a pitch of 15.75 pt: 28 characters take 441 pt of the 442.2 pt line, 29 do
#   not fit. Indents are multiples of that pitch, in twentieths of a point, never in "characters" (Word would count
#   16 pt ones).
LINE_TWIPS = math.floor(L.LINE_PITCH * 20)
CHAR_SPACING_TWIPS = math.floor((L.CHAR_PITCH - L.SIZE_3) * 20)
CHAR_PITCH_TWIPS = round(L.SIZE_3 * 20) + CHAR_SPACING_TWIPS
LINE = LINE_TWIPS / 20  # points

# Border widths in eighths of a point.
RED_RULE_SZ = round(L.RED_RULE_WIDTH * 8)
THICK_SZ = round(L.COLOPHON_THICK * 8)
THIN_SZ = round(L.COLOPHON_THIN * 8)

# Child order of w:pPr, w:rPr and w:tblPr in the WordprocessingML schema; Word rejects files that break it.
PPR_ORDER = [
    "pStyle",
    "keepNext",
    "keepLines",
    "pageBreakBefore",
    "framePr",
    "widowControl",
    "numPr",
    "suppressLineNumbers",
    "pBdr",
    "shd",
    "tabs",
    "suppressAutoHyphens",
    "kinsoku",
    "wordWrap",
    "overflowPunct",
    "topLinePunct",
    "autoSpaceDE",
    "autoSpaceDN",
    "bidi",
    "adjustRightInd",
    "snapToGrid",
    "spacing",
    "ind",
    "contextualSpacing",
    "mirrorIndents",
    "suppressOverlap",
    "jc",
    "textDirection",
    "textAlignment",
    "textboxTightWrap",
    "outlineLvl",
    "divId",
    "cnfStyle",
    "rPr",
    "sectPr",
    "pPrChange",
]
RPR_ORDER = [
    "rStyle",
    "rFonts",
    "b",
    "bCs",
    "i",
    "iCs",
    "caps",
    "smallCaps",
    "strike",
    "dstrike",
    "outline",
    "shadow",
    "emboss",
    "imprint",
    "noProof",
    "snapToGrid",
    "vanish",
    "webHidden",
    "color",
    "spacing",
    "w",
    "kern",
    "position",
    "sz",
    "szCs",
    "highlight",
    "u",
    "effect",
    "bdr",
    "shd",
    "fitText",
    "vertAlign",
    "rtl",
    "cs",
    "em",
    "lang",
    "eastAsianLayout",
    "specVanish",
    "oMath",
]
TBLPR_ORDER = [
    "tblStyle",
    "tblpPr",
    "tblOverlap",
    "bidiVisual",
    "tblStyleRowBandSize",
    "tblStyleColBandSize",
    "tblW",
    "jc",
    "tblCellSpacing",
    "tblInd",
    "tblBorders",
    "shd",
    "tblLayout",
    "tblCellMar",
    "tblLook",
    "tblCaption",
    "tblDescription",
]

_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_V = "urn:schemas-microsoft-com:vml"
_O = "urn:schemas-microsoft-com:office:office"
_W10 = "urn:schemas-microsoft-com:office:word"
_MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
_W15 = "http://schemas.microsoft.com/office/word/2012/wordml"

# Punctuation never hangs into the margin: the character before it moves down, as in the PDF. Word reads
# w:overflowPunct="0" as that; LibreOffice reads the value the other way round (writerfilter maps it to "hanging
# punctuation" = value == 0, still so in 7.x) and needs "1". Markup compatibility tells them apart: Word 2013 and
# later take the Choice (it requires w15, which they know), LibreOffice knows only wps, wpg, w14 and wpc and takes the
# Fallback. Word 2010 takes the Fallback too and may hang punctuation, as Word does by default.
_NO_HANGING_PUNCTUATION = (
    f'<mc:AlternateContent xmlns:mc="{_MC}" xmlns:w="{_W}" xmlns:w15="{_W15}">'
    '<mc:Choice Requires="w15"><w:overflowPunct w:val="0"/></mc:Choice>'
    '<mc:Fallback><w:overflowPunct w:val="1"/></mc:Fallback></mc:AlternateContent>'
)


def _insert(parent, child, order: list[str]) -> None:
    """Insert `child` into `parent` at its schema position, replacing an existing element of the same kind."""
    tag = child.tag.split("}")[1]
    existing = parent.find(qn(f"w:{tag}"))
    if existing is not None:
        parent.remove(existing)
    parent.insert_element_before(child, *(f"w:{name}" for name in order[order.index(tag) + 1 :]))


def _element(tag: str, **attrs: str):
    element = OxmlElement(f"w:{tag}")
    for key, value in attrs.items():
        element.set(qn(f"w:{key}"), value)
    return element


def _set_fonts(rpr, face: Face) -> None:
    fonts = rpr.get_or_add_rFonts()
    for attr in ("asciiTheme", "hAnsiTheme", "eastAsiaTheme", "cstheme"):
        fonts.attrib.pop(qn(f"w:{attr}"), None)
    name = FONT_NAMES[face]
    for attr in ("ascii", "hAnsi", "eastAsia", "cs"):
        fonts.set(qn(f"w:{attr}"), name)


def _set_scale(rpr, percent: int) -> None:
    """Character width scaling (w:w)."""
    _insert(rpr, _element("w", val=str(percent)), RPR_ORDER)


def _set_spacing(rpr, twips: int) -> None:
    """Character spacing (w:spacing in a run), added after every character."""
    _insert(rpr, _element("spacing", val=str(twips)), RPR_ORDER)


def _run(paragraph: DocxParagraph, text: str, face: Face, size: float, *, color: RGBColor | None = None):
    run = paragraph.add_run(text)
    rpr = run._r.get_or_add_rPr()
    _set_fonts(rpr, face)
    if size != L.SIZE_3:
        _set_spacing(rpr, 0)  # only 3号 text sits on the 28-character grid
    run.font.size = Pt(size)
    if color is not None:
        run.font.color.rgb = color
    return run


def _indent_chars(paragraph: DocxParagraph, **chars: float) -> None:
    """Indents in grid characters (CHAR_PITCH_TWIPS each), written in twentieths of a point (w:firstLine etc.)."""
    ind = paragraph._p.get_or_add_pPr().get_or_add_ind()
    for name, value in chars.items():
        ind.set(qn(f"w:{name}"), str(round(value * CHAR_PITCH_TWIPS)))


def _no_grid(paragraph: DocxParagraph) -> None:
    """Large type does not snap to the character grid."""
    _insert(paragraph._p.get_or_add_pPr(), _element("snapToGrid", val="0"), PPR_ORDER)


def _paragraph(
    document: DocxDocument,
    text: str = "",
    face: Face = Face.FANGSONG,
    size: float = L.SIZE_3,
    *,
    align: WD_ALIGN_PARAGRAPH = WD_ALIGN_PARAGRAPH.JUSTIFY,
    blank_before: float = 0,
    keep_with_next: bool = False,
    color: RGBColor | None = None,
) -> DocxParagraph:
    paragraph = document.add_paragraph()
    paragraph.alignment = align
    fmt = paragraph.paragraph_format
    if blank_before:
        fmt.space_before = Pt(blank_before * LINE)
    fmt.keep_with_next = keep_with_next or None
    for index, line in enumerate(text.split("\n") if text else []):
        run = _run(paragraph, line, face, size, color=color)
        if index:
            run._r.insert(0, OxmlElement("w:br"))
    return paragraph


def _declare_fonts(document: DocxDocument) -> None:
    """Entries in the font table for the faces used, with their other names, for Word and WPS to find them."""
    part = next(rel.target_part for rel in document.part.rels.values() if rel.reltype.endswith("/fontTable"))
    table = parse_xml(part.blob)
    for face, name in FONT_NAMES.items():
        for existing in table.findall(qn("w:font")):
            if existing.get(qn("w:name")) == name:
                table.remove(existing)
        font = _element("font", name=name)
        font.append(_element("altName", val=FONT_ALTERNATIVES[face]))
        font.append(_element("charset", val="86"))
        font.append(_element("family", val="modern"))
        font.append(_element("pitch", val="variable"))
        table.append(font)
    part._blob = etree.tostring(table, xml_declaration=True, encoding="UTF-8", standalone=True)


def _setup_styles(document: DocxDocument) -> None:
    styles = document.styles.element
    rpr_default = styles.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    _set_fonts(rpr_default, Face.FANGSONG)
    normal = document.styles["Normal"]
    normal.font.size = Pt(L.SIZE_3)
    _set_fonts(normal.element.get_or_add_rPr(), Face.FANGSONG)
    _insert(normal.element.get_or_add_rPr(), _element("lang", eastAsia="zh-CN"), RPR_ORDER)
    fmt = normal.paragraph_format
    fmt.space_before = fmt.space_after = Pt(0)
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = Pt(LINE)
    fmt.widow_control = False  # the grid wins over widow control, as in printed documents
    _set_spacing(normal.element.get_or_add_rPr(), CHAR_SPACING_TWIPS)
    ppr = normal.element.get_or_add_pPr()
    # No extra space between Chinese and Latin text or digits, which would push characters off the grid.
    for tag in ("autoSpaceDE", "autoSpaceDN"):
        _insert(ppr, _element(tag, val="0"), PPR_ORDER)
    ppr.insert_element_before(parse_xml(_NO_HANGING_PUNCTUATION), "w:autoSpaceDE")


def _setup_page(document: DocxDocument, draft: bool) -> None:
    section = document.sections[0]
    section.page_width, section.page_height = Pt(L.PAGE_WIDTH), Pt(L.PAGE_HEIGHT)
    section.top_margin, section.bottom_margin = Pt(L.TOP_MARGIN), Pt(L.BOTTOM_MARGIN)
    section.left_margin, section.right_margin = Pt(L.LEFT_MARGIN), Pt(L.RIGHT_MARGIN)
    section.header_distance = Pt(15 * L.MM)
    # 7.5: the dashes 7 mm below the 版心; the footer distance is to the bottom of the page-number line.
    section.footer_distance = Pt(L.BOTTOM_MARGIN - L.PAGE_NUMBER_DROP - 0.47 * L.SIZE_4)
    grid = section._sectPr.find(qn("w:docGrid"))
    if grid is None:
        grid = OxmlElement("w:docGrid")
        section._sectPr.append(grid)
    grid.set(qn("w:type"), "default")  # no grid to snap to: the measures above are explicit
    grid.set(qn("w:linePitch"), str(LINE_TWIPS))
    grid.attrib.pop(qn("w:charSpace"), None)

    # 7.5: odd pages right, even pages left, one character in.
    document.settings.odd_and_even_pages_header_footer = True
    section.different_first_page_header_footer = False
    for footer, odd in ((section.footer, True), (section.even_page_footer, False)):
        footer.is_linked_to_previous = False
        paragraph = footer.paragraphs[0]
        paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT if odd else WD_ALIGN_PARAGRAPH.LEFT
        fmt = paragraph.paragraph_format
        fmt.line_spacing_rule = WD_LINE_SPACING.SINGLE
        if odd:
            fmt.right_indent = Pt(L.SIZE_4)
        else:
            fmt.left_indent = Pt(L.SIZE_4)
        _run(paragraph, "— ", Face.SONG, L.SIZE_4)
        _page_field(paragraph)
        _run(paragraph, " —", Face.SONG, L.SIZE_4)
    for header in (section.header, section.even_page_header):
        header.is_linked_to_previous = False
        if draft:
            header.paragraphs[0]._p.append(parse_xml(_watermark_xml()))


def _page_field(paragraph: DocxParagraph) -> None:
    """A PAGE field, as Word writes it: begin, instruction, separate, cached result, end."""

    def char(kind: str):
        run = _run(paragraph, "", Face.SONG, L.SIZE_4)
        element = OxmlElement("w:fldChar")
        element.set(qn("w:fldCharType"), kind)
        run._r.append(element)

    char("begin")
    run = _run(paragraph, "", Face.SONG, L.SIZE_4)
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = " PAGE "
    run._r.append(instr)
    char("separate")
    _run(paragraph, "1", Face.SONG, L.SIZE_4)
    char("end")


def _watermark_xml() -> str:
    """The VML text box Word itself uses for a "草稿" watermark, in the header so that it prints on every page."""
    return (
        f'<w:r xmlns:w="{_W}" xmlns:v="{_V}" xmlns:o="{_O}" xmlns:w10="{_W10}"><w:pict>'
        '<v:shapetype id="_x0000_t136" coordsize="21600,21600" o:spt="136" adj="10800" '
        'path="m@7,l@8,m@5,21600l@6,21600e"><v:path textpathok="t" o:connecttype="custom"/>'
        '<v:textpath on="t" fitshape="t"/><o:lock v:ext="edit" text="t" shapetype="t"/></v:shapetype>'
        '<v:shape id="NetconductDraftWatermark" o:spid="_x0000_s1025" type="#_x0000_t136" '
        'style="position:absolute;margin-left:0;margin-top:0;width:420pt;height:210pt;rotation:315;'
        "z-index:-251657216;mso-position-horizontal:center;mso-position-horizontal-relative:margin;"
        'mso-position-vertical:center;mso-position-vertical-relative:margin" o:allowincell="f" '
        'fillcolor="#c0c0c0" stroked="f"><v:fill opacity=".5"/>'
        f'<v:textpath style="font-family:&quot;{FONT_NAMES[Face.HEITI]}&quot;;font-size:1pt" string="草稿"/>'
        '<w10:wrap anchorx="margin" anchory="margin"/></v:shape></w:pict></w:r>'
    )


def _masthead(document: DocxDocument, doc: OfficialDocument) -> None:
    # 7.2.4: issuer mark, red, centred, its top 35 mm below the top of the 版心; one line, narrowed if long.
    size, scale = L.issuer_mark_size(L.em_width(doc.issuer_mark))
    mark = _paragraph(document, align=WD_ALIGN_PARAGRAPH.CENTER)
    _no_grid(mark)
    fmt = mark.paragraph_format
    fmt.line_spacing = Pt(size * 1.2)
    fmt.space_before = Pt(L.ISSUER_MARK_TOP - 0.2 * size)
    run = _run(mark, doc.issuer_mark, Face.XIAOBIAOSONG, size, color=RED)
    if scale < 1:
        _set_scale(run._r.get_or_add_rPr(), round(scale * 100))

    # 7.2.5: the number 发文机关标志下空二行, centred; 7.2.7: a red rule as wide as the 版心 4 mm below it.
    number = _paragraph(document, doc.number, align=WD_ALIGN_PARAGRAPH.CENTER, blank_before=2)
    borders = _element("pBdr")
    borders.append(_element("bottom", val="single", sz=str(RED_RULE_SZ), space="8", color=str(RED)))
    _insert(number._p.get_or_add_pPr(), borders, PPR_ORDER)


def _title(document: DocxDocument, title: str, *, blank_before: float) -> None:
    # 7.3.1: 2号小标宋, centred, lines of even length.
    lines = L.balanced_lines(title, lambda text: L.em_width(text) * L.SIZE_2, L.TEXT_WIDTH)
    text = "\n".join(line for line, _, _ in lines)
    paragraph = _paragraph(
        document,
        text,
        Face.XIAOBIAOSONG,
        L.SIZE_2,
        align=WD_ALIGN_PARAGRAPH.CENTER,
        blank_before=blank_before,
        keep_with_next=True,
    )
    _no_grid(paragraph)


def _body(document: DocxDocument, paragraph: Paragraph, *, blank_before: float = 0) -> DocxParagraph:
    heading = paragraph.level in (Level.H1, Level.H2) and L.stands_as_heading(paragraph.text)
    face = FACE_BY_LEVEL[paragraph.level]
    if paragraph.align is Align.CENTER:
        return _paragraph(
            document, paragraph.text, face, align=WD_ALIGN_PARAGRAPH.CENTER, blank_before=blank_before
        )
    if paragraph.align is Align.RIGHT:
        result = _paragraph(
            document, paragraph.text, face, align=WD_ALIGN_PARAGRAPH.RIGHT, blank_before=blank_before
        )
        _indent_chars(result, right=2)
        return result
    # 7.3.3: 每个自然段左空二字，回行顶格. A run-in heading ("（一）加强组织领导。各单位要……") takes the heading's
    # face for its first sentence only.
    text = paragraph.text
    head = L.run_in_heading(text)
    result = _paragraph(document, text[:head], face, blank_before=blank_before, keep_with_next=heading)
    for index, line in enumerate(text[head:].split("\n") if head < len(text) else []):
        run = _run(result, line, Face.FANGSONG, L.SIZE_3)
        if index:
            run._r.insert(0, OxmlElement("w:br"))
    _indent_chars(result, firstLine=2)
    return result


def _closing(document: DocxDocument, doc: OfficialDocument) -> None:
    # 7.3.4: 正文下空一行左空二字; item 2 onwards under "1.", wrapped lines under the title's first character.
    for index, (prefix, title) in enumerate(L.attachment_note(doc.attachments_list)):
        lead = L.em_width("附件：") if index else 0
        paragraph = _paragraph(
            document,
            prefix + title,
            align=WD_ALIGN_PARAGRAPH.LEFT,
            blank_before=0 if index else 1,
            keep_with_next=True,
        )
        hang = L.em_width(prefix)
        _indent_chars(paragraph, left=2 + lead + hang, hanging=hang)
    if not (doc.signature_unit or doc.signed_on):
        return
    # 7.3.5.2: 正文（或附件说明）下空一行右空二字编排发文机关署名, the date two characters right of its start.
    signed_on = chinese_date(doc.signed_on) if doc.signed_on else ""
    unit_w, date_w = L.em_width(doc.signature_unit), L.em_width(signed_on)
    if date_w > unit_w:
        unit_right, date_right = 2 + date_w + 2 - unit_w, 2.0
    else:
        unit_right, date_right = 2.0, unit_w - date_w
    lines = [(doc.signature_unit, unit_right), (signed_on, date_right)]
    lines = [(text, right) for text, right in lines if text]
    for index, (text, right) in enumerate(lines):
        paragraph = _paragraph(
            document,
            text,
            align=WD_ALIGN_PARAGRAPH.RIGHT,
            blank_before=0 if index else 1,
            keep_with_next=index < len(lines) - 1,
        )
        _indent_chars(paragraph, right=right)


def _section_break(document: DocxDocument) -> None:
    """End the current section on its last paragraph (no empty paragraph that could spill onto a page)."""
    body = document.element.body
    sentinel = body.get_or_add_sectPr()
    last = body.xpath("./w:p")[-1]
    last.set_sectPr(sentinel.clone())
    for reference in sentinel.xpath("w:headerReference|w:footerReference"):
        sentinel.remove(reference)  # the new section inherits them, so page numbers carry on
    document.sections[-1].start_type = WD_SECTION.NEW_PAGE


def _colophon(document: DocxDocument, doc: OfficialDocument, *, pages_after_text: int) -> None:
    """版记 (7.4) as a table at the foot of the 版心 on an even page, thick rules first and last, thin ones between.

    `pages_after_text` is where the PDF renderer put it (see `pdf.pagination`): below the text, or
    after one or two page breaks. The table floats at a fixed distance from the top of the 版心 (tblpY), its last
    rule on the bottom edge. A position "at the bottom" (tblpYSpec) or a table as wide as the 版心 anchored to the
    margin makes LibreOffice 7.4 set it as an ordinary table below the text; anchored to the page edge it floats.
    """
    rows = 2 if doc.copy_to else 1
    breaks_needed = pages_after_text
    if pages_after_text == 2:
        # 7.5: 版记页前有空白页的，空白页和版记页均不编排页码. The section break makes the blank page; the new section's
        # footers are empty.
        _section_break(document)
        section = document.sections[-1]
        for footer in (section.footer, section.even_page_footer):
            footer.is_linked_to_previous = False
        breaks_needed = 1
    for _ in range(breaks_needed):
        breaks = _paragraph(document)
        breaks.paragraph_format.line_spacing = Pt(0.5)  # fits below a full page of text
        breaks.add_run().add_break(WD_BREAK.PAGE)
        # LibreOffice drops a page break with nothing after it (the next page's own paragraph, or the table that
        # becomes a frame), and two in one paragraph make one: one paragraph for each, the break then a character.
        breaks.add_run("\u200b")
    table = document.add_table(rows=rows, cols=2)
    tbl_pr = table._tbl.tblPr
    _insert(
        tbl_pr,
        _element(
            "tblpPr",
            vertAnchor="margin",
            horzAnchor="page",
            tblpX=str(round(L.LEFT_MARGIN * 20)),
            tblpY=str(round(L.TEXT_HEIGHT * 20) - rows * LINE_TWIPS),
        ),
        TBLPR_ORDER,
    )
    _insert(tbl_pr, _element("tblW", w=str(round(L.TEXT_WIDTH * 20)), type="dxa"), TBLPR_ORDER)
    borders = _element("tblBorders")
    for edge, size in (
        ("top", THICK_SZ),
        ("left", 0),
        ("bottom", THICK_SZ),
        ("right", 0),
        ("insideH", THIN_SZ),
    ):
        if size:
            borders.append(_element(edge, val="single", sz=str(size), space="0", color="000000"))
        else:
            borders.append(_element(edge, val="nil"))
    borders.append(_element("insideV", val="nil"))
    _insert(tbl_pr, borders, TBLPR_ORDER)
    _insert(tbl_pr, _element("tblLayout", type="fixed"), TBLPR_ORDER)
    margins = _element("tblCellMar")
    margins.append(_element("left", w="0", type="dxa"))
    margins.append(_element("right", w="0", type="dxa"))
    _insert(tbl_pr, margins, TBLPR_ORDER)

    for row in table.rows:
        row.height = Pt(LINE)
        row.height_rule = WD_ROW_HEIGHT_RULE.AT_LEAST
    one = L.SIZE_4  # 7.4.2, 7.4.3: 左右各空一字

    def cell_text(cell, text: str, align: WD_ALIGN_PARAGRAPH):
        cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
        paragraph = cell.paragraphs[0]
        paragraph.alignment = align
        paragraph.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
        _no_grid(paragraph)
        _run(paragraph, text, Face.FANGSONG, L.SIZE_4)
        return paragraph

    if doc.copy_to:
        merged = table.cell(0, 0).merge(table.cell(0, 1))
        paragraph = cell_text(merged, f"抄送：{doc.copy_to}。", WD_ALIGN_PARAGRAPH.LEFT)
        fmt = paragraph.paragraph_format
        fmt.left_indent, fmt.first_line_indent, fmt.right_indent = Pt(4 * one), Pt(-3 * one), Pt(one)
    last = table.rows[-1].cells
    printer = cell_text(last[0], doc.printer_unit, WD_ALIGN_PARAGRAPH.LEFT)
    printer.paragraph_format.left_indent = Pt(one)
    printed = f"{chinese_date(doc.printed_on)}印发" if doc.printed_on else ""
    cell_text(last[1], printed, WD_ALIGN_PARAGRAPH.RIGHT).paragraph_format.right_indent = Pt(one)

    # The document must end with a paragraph; make it one that cannot push a page over.
    tail = document.add_paragraph()
    tail.paragraph_format.line_spacing = Pt(0.5)
    _run(tail, "", Face.FANGSONG, 1)


def render_docx(doc: OfficialDocument) -> bytes:
    """The document as a DOCX laid out per GB/T 9704-2012."""
    document = Document()
    _setup_styles(document)
    _declare_fonts(document)
    _setup_page(document, doc.draft)
    props = document.core_properties
    props.title = doc.title.replace("\n", "")
    props.subject = doc.number
    props.author = doc.signature_unit or doc.issuer_mark
    props.comments = "草稿" if doc.draft else ""

    _masthead(document, doc)
    _title(document, doc.title, blank_before=2)  # 7.3.1: 红色分隔线下空二行
    if doc.addressees:
        # 7.3.2: 标题下空一行，居左顶格; the body follows on the next line.
        _paragraph(document, f"{doc.addressees}：", align=WD_ALIGN_PARAGRAPH.LEFT, blank_before=1)
    # The DOCX follows the PDF's page breaks where a word processor's own rules would differ (one PDF render).
    closing = bool(doc.attachments_list or doc.signature_unit or doc.signed_on)
    paged = pagination(doc) if closing or doc.has_colophon else None
    last = None
    for index, paragraph in enumerate(doc.body):
        last = _body(document, paragraph, blank_before=1 if index == 0 and not doc.addressees else 0)
        if paged is not None and index in paged.pulled_over:
            # The PDF carried this paragraph's end over with what follows (the signature keeps two lines of text
            # with it): "keep with next" does that here. Word carries the last lines; LibreOffice the paragraph.
            last.paragraph_format.keep_with_next = True
    if last is not None and closing:
        # When the last paragraph runs over the page anyway, widow control carries two of its lines over with the
        # signature, as the PDF does; a "keep with next" there would make LibreOffice move the whole paragraph.
        last.paragraph_format.widow_control = True
    _closing(document, doc)

    for attachment in doc.attachments:
        # 7.3.7: a new page; "附件" and its number in 3号黑体 on the first line, the title on the third.
        _section_break(document)
        _paragraph(document, attachment.label, Face.HEITI, align=WD_ALIGN_PARAGRAPH.LEFT, keep_with_next=True)
        _title(document, attachment.title, blank_before=1)
        for index, paragraph in enumerate(attachment.body):
            _body(document, paragraph, blank_before=1 if index == 0 else 0)
    if paged is not None and doc.has_colophon:
        _colophon(document, doc, pages_after_text=paged.colophon_pages_after_text)

    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
