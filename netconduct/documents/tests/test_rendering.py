"""Rendering of official documents to PDF and DOCX in the layout of GB/T 9704-2012 (no database)."""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime

import docx
import docx.document
import docx.enum.section
import docx.enum.text
import docx.shared
import pypdf
import pytest
from lxml import etree
from reportlab.pdfbase import pdfmetrics

from netconduct.documents.rendering import (
    Attachment,
    Level,
    OfficialDocument,
    Paragraph,
    fonts,
    layout,
    render_docx,
    render_pdf,
)

P = Paragraph

NORMS = "皖北煤电集团公司党员干部网络行为规范"
PLEDGE = "皖北煤电集团党员干部职工网络行为规范承诺书"


def seed_notice(**changes) -> OfficialDocument:
    """西北能化党发〔2023〕36号, as the seed document prints it (abridged attachments)."""
    fields = {
        "issuer_mark": "中共鄂尔多斯市西北能源化工有限责任公司委员会文件",
        "number": "西北能化党发〔2023〕36号",
        "title": "关于进一步规范党员干部职工网络行为的通知",
        "addressees": "各党支部",
        "body": [
            P(
                f"根据《{NORMS}》（皖北煤电党发〔2022〕89号）、《关于进一步规范集团公司党员干部职工网络行为的通知》"
                "（皖北煤电党宣字〔2023〕3号）等文件精神，按照省委巡视相关要求，现就进一步规范公司党员干部职工"
                "网络行为通知如下："
            ),
            P("一、提高政治站位，深化思想认识", Level.H1),
            P(
                f"《{NORMS}》对全体党员干部职工在网络上要严守的政治纪律和政治规矩、不准参与的网络传播行为、网络活动"
                "以及应当履行的举报监督义务等方面都提出了明确的行为规范和要求，是规范全体党员干部职工网络行为的重要"
                f"指导文件。各党支部要高度重视此项工作，切实负起政治责任和领导责任，认真落实《{NORMS}》要求，把严格"
                "规范党员干部网络行为工作纳入网络意识形态工作的重要内容，统筹网上网下两条战线，坚持管用防并举，牢牢"
                "掌握网络意识形态工作领导权、管理权、话语权。"
            ),
            P("二、突出工作重点，狠抓任务落实", Level.H1),
            P(
                "各单位要结合实际，充分利用部门例会、班前班后会等形式和微信群、QQ群等网络媒体平台，深入开展"
                f"《{NORMS}》文件宣贯，教育引导全体党员干部职工在网络行为中坚持正确政治方向，自觉宣传党的理论和路线"
                "方针政策，积极践行社会主义核心价值观，传播正能量、弘扬主旋律。各党支部要充分利用“三会一课”、主题"
                f"党日等形式，每年至少组织一次专题学习，将《{NORMS}》内容传达到每位党员干部职工，并组织全体党员干部"
                f"职工签订《{PLEDGE}》。本年度该项工作应于6月9日前完成。"
            ),
            P("三、做好监督管理，强化执纪问责", Level.H1),
            P(
                f"各单位要认真组织好、开展好《{NORMS}》的学习宣传贯彻工作。对在网络活动中以身作则、表现突出的党员"
                "干部，要充分肯定、热情鼓励；对坚持正确立场、传播正能量而遭到围攻的党员干部，要旗帜鲜明地给予保护和"
                "支持。对党员干部违反网络行为规范的，依据党纪和国家法规进行严肃查处。"
            ),
        ],
        "attachments_list": [NORMS, PLEDGE],
        "signature_unit": "中共鄂尔多斯市西北能源化工有限责任公司委员会",
        "signed_on": date(2023, 6, 8),
        "printer_unit": "西北能化公司综合部",
        "printed_on": date(2023, 6, 8),
        "attachments": [
            Attachment(
                "附件1",
                NORMS,
                [
                    P(
                        "第一条 网络行为是党员干部言行的重要组成部分。为规范集团公司党员干部网络行为，巩固壮大网上主流"
                        "舆论，营造良好网络环境，根据上级相关文件精神，制定本规范。"
                    ),
                    P(
                        "第二条 严守政治纪律和政治规矩集团公司党员干部必须增强政治意识、大局意识、核心意识、看齐意识，"
                        "坚定中国特色社会主义道路自信、理论自信、制度自信、文化自信，坚决维护习近平总书记党中央的核心、"
                        "全党的核心地位，坚决维护党中央权威和集中统一领导。"
                    ),
                    P("第三条 严禁参与以下网络传播行为"),
                    P(
                        "（一）发表违背党的基本路线，否定四项基本原则，歪曲党的政策，或者其他有政治问题的文章、演说、"
                        "宣言、声明等；"
                    ),
                    P("（二）妄议中央大政方针，破坏党的集中统一；"),
                    P(
                        "（四）制造、散布、传播各类谣言特别是政治类谣言，散布所谓“内部”消息和小道消息；",
                    ),
                ],
            ),
            Attachment(
                "附件2",
                "皖北煤电集团党员干部职工\n网络行为规范承诺书",  # the author's break keeps 职工 whole
                [
                    P(
                        f"按照《{NORMS}》(皖北煤电党发〔2022〕89号)以及有关国家法律法规、党的政治纪律、宣传纪律要求，"
                        "作为皖北煤电集团党员干部职工，本人就自己的网络行为作出以下承诺："
                    ),
                    P(
                        "1. 严守政治纪律和政治规矩。增强政治意识、大局意识、核心意识、看齐意识，坚定中国特色社会主义"
                        "道路自信、理论自信、制度自信、文化自信。",
                        Level.H3,
                    ),
                    P(
                        "2. 严格规范网络传播行为。不发表违背党的基本路线，否定四项基本原则，歪曲党的政策，或者其他有"
                        "政治问题的文章、演说、宣言、声明等；不妄议中央大政方针，破坏党的集中统一。",
                        Level.H3,
                    ),
                    P("如违反上述承诺，造成不良影响，自愿接受组织处理。"),
                    P("本承诺书一式二份，自执一份，本单位党组织留存一份。"),
                    P("承诺人单位：", align="right"),
                    P("承诺人签名：", align="right"),
                    P("年　　月　　日", align="right"),
                ],
            ),
        ],
    }
    fields.update(changes)
    return OfficialDocument(**fields)


# --- helpers -------------------------------------------------------------------------------------------------------


A4 = (595.28, 841.89)
W_NS = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


@pytest.fixture(scope="module")
def notice() -> OfficialDocument:
    return seed_notice()


@pytest.fixture(scope="module")
def notice_pdf(notice) -> pypdf.PdfReader:
    return pypdf.PdfReader(io.BytesIO(render_pdf(notice)))


@pytest.fixture(scope="module")
def notice_docx(notice) -> docx.document.Document:
    return docx.Document(io.BytesIO(render_docx(notice)))


def page_texts(reader: pypdf.PdfReader) -> list[str]:
    return [page.extract_text() for page in reader.pages]


def page_lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


PAGE_NUMBER = re.compile(r"^— (\d+) —$")


def page_number(text: str) -> int | None:
    numbers = [int(m.group(1)) for line in page_lines(text) if (m := PAGE_NUMBER.match(line))]
    assert len(numbers) <= 1
    return numbers[0] if numbers else None


def fill_colour_of(reader: pypdf.PdfReader, page: int, needle: str) -> tuple[float, ...] | None:
    """The fill colour in force when the text `needle` is drawn on `page`."""
    state = {"colour": None, "found": None}

    def before(operator, operands, cm, tm):
        if operator == b"rg":
            state["colour"] = tuple(float(x) for x in operands)
        elif operator == b"g":
            state["colour"] = (float(operands[0]),) * 3

    def text(value, cm, tm, font, size):
        if needle in value and state["found"] is None:
            state["found"] = state["colour"]

    reader.pages[page].extract_text(visitor_operand_before=before, visitor_text=text)
    return state["found"]


def one_line_paragraphs(count: int) -> list[Paragraph]:
    return [P(f"第{i + 1}段，一行正文。") for i in range(count)]


# --- the input type ------------------------------------------------------------------------------------------------


def test_addressees_are_stored_without_the_colon_and_sequences_as_tuples():
    doc = seed_notice(addressees="各党支部：", attachments_list=[NORMS])
    assert doc.addressees == "各党支部"
    assert doc.attachments_list == (NORMS,)
    assert isinstance(doc.body, tuple)


def test_a_document_without_body_text_is_refused():
    with pytest.raises(ValueError, match="body"):
        seed_notice(body=[])


# --- PDF -----------------------------------------------------------------------------------------------------------


def test_pdf_pages_are_a4(notice_pdf):
    for page in notice_pdf.pages:
        assert float(page.mediabox.width) == pytest.approx(A4[0], abs=0.1)
        assert float(page.mediabox.height) == pytest.approx(A4[1], abs=0.1)


def test_pdf_first_page_has_masthead_title_addressees_and_body(notice_pdf):
    lines = page_lines(page_texts(notice_pdf)[0])
    assert lines[:4] == [
        "中共鄂尔多斯市西北能源化工有限责任公司委员会文件",
        "西北能化党发〔2023〕36号",
        "关于进一步规范党员干部职工网络行为的通知",
        "各党支部：",
    ]
    assert lines[4].startswith("根据《皖北煤电集团公司")  # 7.3.3: the first page shows body text


def text_positions(page) -> dict[str, tuple[float, float, float]]:
    """First chunk of text drawn at each height: {text: (x, baseline y, font size)}, in page coordinates."""
    found: dict[str, tuple[float, float, float]] = {}

    def text(value, cm, tm, font, size):
        if value.strip():
            found.setdefault(value.strip(), (tm[4] * cm[0] + cm[4], tm[5] * cm[3] + cm[5], size))

    page.extract_text(visitor_text=text)
    return found


def test_pdf_masthead_geometry(notice_pdf):
    """7.2.4: the mark's top 35 mm below the 版心; 7.2.5: the number two blank lines under it, centred."""
    positions = text_positions(notice_pdf.pages[0])
    mark = next(v for k, v in positions.items() if k.startswith("中共鄂尔多斯市"))
    number = next(v for k, v in positions.items() if k.startswith("西北能化党发"))
    version_top = layout.PAGE_HEIGHT - layout.TOP_MARGIN
    mark_top = mark[1] + 0.88 * mark[2]
    assert version_top - mark_top == pytest.approx(35 * layout.MM, abs=0.5 * layout.MM)
    mark_bottom = mark[1] - 0.12 * mark[2]
    assert mark_bottom - number[1] == pytest.approx(2.5 * layout.LINE_PITCH + 0.38 * 16, abs=1)
    assert mark[0] == pytest.approx(layout.LEFT_MARGIN, abs=1)  # the mark fills the 版心 width


def test_pdf_pages_are_numbered_with_dashes(notice_pdf):
    numbers = [page_number(text) for text in page_texts(notice_pdf)]
    assert numbers == list(range(1, len(notice_pdf.pages) + 1))
    assert "— 1 —" in page_texts(notice_pdf)[0]
    assert "— 2 —" in page_texts(notice_pdf)[1]


def test_pdf_page_numbers_alternate_sides(notice_pdf):
    """7.5: odd page numbers one character in from the right, even ones one character in from the left."""
    positions = {}
    for index, page in enumerate(notice_pdf.pages):

        def text(value, cm, tm, font, size, index=index):
            if PAGE_NUMBER.match(value.strip()):
                positions[index + 1] = tm[4]

        page.extract_text(visitor_text=text)
    left, right = layout.LEFT_MARGIN, layout.LEFT_MARGIN + layout.TEXT_WIDTH
    assert positions[1] > (left + right) / 2 and positions[3] > (left + right) / 2
    assert positions[2] == pytest.approx(left + layout.SIZE_4, abs=0.5)


def test_pdf_attachments_start_on_new_pages(notice_pdf):
    texts = page_texts(notice_pdf)
    starts = {lines[0]: index for index, text in enumerate(texts) if (lines := page_lines(text))}
    assert "附件1" in starts and "附件2" in starts
    first, second = starts["附件1"], starts["附件2"]
    assert 0 < first < second
    assert page_lines(texts[first])[1] == NORMS  # the title on its own line under the label
    assert page_lines(texts[second])[1:3] == [
        "皖北煤电集团党员干部职工",
        "网络行为规范承诺书",
    ]  # the author's break
    # the main text, with its attachment note and signature, ends on the page before
    before = texts[first - 1]
    assert "附件：1.皖北煤电集团公司党员干部网络行为规范" in before
    assert "2023年6月8日" in before


def test_pdf_signature_follows_attachment_note_and_date_is_arabic(notice_pdf):
    lines = page_lines("\n".join(page_texts(notice_pdf)))
    note = lines.index("附件：1.皖北煤电集团公司党员干部网络行为规范")
    assert lines[note + 1 : note + 4] == [
        "2.皖北煤电集团党员干部职工网络行为规范承诺书",
        "中共鄂尔多斯市西北能源化工有限责任公司委员会",
        "2023年6月8日",
    ]


def test_pdf_colophon_is_at_the_foot_of_the_last_even_page(notice_pdf):
    last = notice_pdf.pages[-1]
    assert len(notice_pdf.pages) % 2 == 0
    assert "西北能化公司综合部" in last.extract_text()
    assert "2023年6月8日印发" in last.extract_text()
    heights = []

    def text(value, cm, tm, font, size):
        if "西北能化公司" in value:
            heights.append(tm[5] * cm[3] + cm[5])

    last.extract_text(visitor_text=text)
    # on the last line of the 版心, whose bottom is 35 mm from the foot of the page
    assert layout.BOTTOM_MARGIN < heights[0] < layout.BOTTOM_MARGIN + layout.LINE_PITCH


def test_pdf_fonts_are_embedded(notice_pdf):
    seen = 0
    for page in notice_pdf.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            if font["/Subtype"] == "/Type0":
                font = font["/DescendantFonts"][0].get_object()
            descriptor = font["/FontDescriptor"].get_object()
            assert "/FontFile2" in descriptor or "/FontFile3" in descriptor, font["/BaseFont"]
            seen += 1
    assert seen


def test_pdf_uses_the_serif_and_the_sans_substitutes(notice_pdf):
    names = {
        str(font.get_object()["/BaseFont"]).split("+")[1].split("-")[0]
        for page in notice_pdf.pages
        for font in page["/Resources"]["/Font"].values()
    }
    assert names == {"NotoSerifCJKscRegular", "NotoSansCJKscRegular"}


def test_pdf_issuer_mark_and_rule_are_red_and_the_body_black(notice_pdf):
    red = fill_colour_of(notice_pdf, 0, "委员会文件")
    assert red is not None
    assert red[0] > 0.85 and red[1] < 0.1 and red[2] < 0.15
    assert fill_colour_of(notice_pdf, 0, "各党支部") == (0.0, 0.0, 0.0)
    content = notice_pdf.pages[0].get_contents().get_data()
    assert re.search(rb"\.9\d* 0 \.0\d* RG", content), "no red stroke colour for the rule"


def test_pdf_lines_hold_28_characters_and_never_start_with_a_closing_mark(notice_pdf):
    lines = [line for text in page_texts(notice_pdf) for line in page_lines(text)]
    cjk_lines = [line for line in lines if all(ord(ch) > 0x2E80 for ch in line)]
    assert max(len(line) for line in cjk_lines) == 28
    assert sum(len(line) == 28 for line in cjk_lines) > 20
    for line in lines:
        assert line[0] not in layout.CANNOT_START, line


def test_pdf_metadata(notice_pdf):
    assert notice_pdf.metadata.title == "关于进一步规范党员干部职工网络行为的通知"
    assert notice_pdf.metadata.subject == "西北能化党发〔2023〕36号"
    created = notice_pdf.metadata.creation_date  # the real one, not ReportLab's invariant 2000-01-01
    assert created is not None
    assert abs(created.timestamp() - datetime.now(UTC).timestamp()) < 3600


def short_notice(**changes) -> OfficialDocument:
    """A short notice whose numbered items end like sentences (the case of a page left a third empty)."""
    fields = {
        "issuer_mark": "中共鄂尔多斯市西北能源化工有限责任公司委员会文件",
        "number": "西北能化党发〔2026〕5号",
        "title": "关于开展2026年度网络行为规范专题学习的通知",
        "addressees": "各党支部",
        "body": [
            P(
                f"为深入贯彻落实《{NORMS}》，进一步增强党员干部职工网络意识，经研究，决定在全公司开展2026年度网络"
                "行为规范专题学习。现将有关事项通知如下："
            ),
            P("一、学习内容", Level.H1),
            P(f"（一）《{NORMS}》全文。", Level.H2),
            P("（二）《关于进一步规范党员干部职工网络行为的通知》。", Level.H2),
            P("二、时间安排", Level.H1),
            P("各党支部于2026年6月30日前完成专题学习，每名党员干部职工参加学习不少于1次。"),
            P("三、工作要求", Level.H1),
            P("1.各党支部要高度重视，精心组织，确保学习覆盖全体党员干部职工。", Level.H3),
            P("2.学习结束后，各党支部要及时在平台上登记学习记录，上传签到表和学习照片。", Level.H3),
        ],
        "signature_unit": "西北能化公司党委",
        "signed_on": date(2026, 3, 2),
        "printer_unit": "西北能化公司综合部",
        "printed_on": date(2026, 3, 2),
    }
    fields.update(changes)
    return OfficialDocument(**fields)


def test_pdf_page_is_not_left_a_third_empty_when_the_next_lines_fit():
    texts = page_texts(pypdf.PdfReader(io.BytesIO(render_pdf(short_notice()))))
    first = page_lines(texts[0])
    # Items that end like sentences are text, not headings: they fill page 1 after "一、学习内容".
    assert "一、学习内容" in first and any(line.startswith("（二）") for line in first)
    # A real heading still never ends a page: "二、时间安排" goes over with the lines it introduces.
    assert "二、时间安排" in page_lines(texts[1])[0]


def test_layout_headings_that_end_like_sentences_are_text():
    assert layout.stands_as_heading("一、学习内容")
    assert layout.stands_as_heading("三、工作要求：")
    assert not layout.stands_as_heading("（一）《规范》全文。")
    assert not layout.stands_as_heading("（二）妄议中央大政方针；")


def test_pdf_draft_is_marked_on_every_page():
    reader = pypdf.PdfReader(io.BytesIO(render_pdf(seed_notice(draft=True, number=""))))
    for text in page_texts(reader):
        assert "草稿" in text
    assert not any(
        "草稿" in text for text in page_texts(pypdf.PdfReader(io.BytesIO(render_pdf(seed_notice()))))
    )


def test_pdf_draft_without_number_keeps_the_layout():
    reader = pypdf.PdfReader(io.BytesIO(render_pdf(seed_notice(number="", draft=True))))
    lines = page_lines(reader.pages[0].extract_text())
    assert "西北能化党发" not in reader.pages[0].extract_text()
    assert "关于进一步规范党员干部职工网络行为的通知" in lines


@pytest.mark.parametrize("paragraphs", range(14, 40))
def test_pdf_pagination_rules_hold_whatever_the_length(paragraphs):
    """However the text falls: the signature keeps body text on its page, the 版记 is on an even page, and a blank
    page before it leaves both unnumbered (7.3.5, 7.4, 7.5)."""
    doc = seed_notice(body=one_line_paragraphs(paragraphs), attachments=[], attachments_list=[])
    texts = page_texts(pypdf.PdfReader(io.BytesIO(render_pdf(doc))))
    signature_page = next(i for i, text in enumerate(texts) if "2023年6月8日\n" in text)
    assert any(line.startswith("第") for line in page_lines(texts[signature_page]))
    assert len(texts) % 2 == 0 and "2023年6月8日印发" in texts[-1]
    numbers = [page_number(text) for text in texts]
    if not [line for line in page_lines(texts[-2]) if not PAGE_NUMBER.match(line)]:  # a blank page
        assert numbers[-2:] == [None, None]
    else:
        assert numbers == list(range(1, len(texts) + 1))


def test_pdf_long_copy_to_wraps_under_the_first_name():
    units = "，".join(f"集团公司第{n}党委办公室" for n in range(1, 8))
    doc = seed_notice(copy_to=units)
    lines = page_lines(page_texts(pypdf.PdfReader(io.BytesIO(render_pdf(doc))))[-1])
    first = next(i for i, line in enumerate(lines) if line.startswith("抄送："))
    copy_lines = lines[first : next(i for i, line in enumerate(lines) if PAGE_NUMBER.match(line))]
    assert copy_lines[0].startswith("抄送：集团公司第1党委办公室")
    assert copy_lines[-1].endswith("。")
    assert len(copy_lines) >= 2
    assert "".join(copy_lines) == f"抄送：{units}。"


def test_pdf_repeat_render_reuses_the_font_subsets(notice):
    render_pdf(notice)
    cached = dict(fonts._subsets)
    again = render_pdf(notice)
    assert fonts._subsets.keys() == cached.keys()
    # The same pages (the creation date and document ID are the render's own).
    pages = [page.get_contents().get_data() for page in pypdf.PdfReader(io.BytesIO(again)).pages]
    assert pages == [
        page.get_contents().get_data() for page in pypdf.PdfReader(io.BytesIO(render_pdf(notice))).pages
    ]


# --- fonts and line breaking -----------------------------------------------------------------------------------------


def test_subset_font_is_truetype_with_just_the_characters():
    from fontTools.ttLib import TTFont

    data = fonts.build_truetype_subset(fonts.SERIF, "公文格式〔〕1", "Test-Subset")
    font = TTFont(io.BytesIO(data))
    assert "glyf" in font and "CFF " not in font
    assert set(font.getBestCmap()) == {ord(ch) for ch in "公文格式〔〕1"}
    assert len(font.getGlyphOrder()) == 8  # .notdef and seven glyphs
    assert font["name"].getDebugName(6) == "Test-Subset"
    assert font["name"].getDebugName(13)  # the OFL licence travels with the font


def test_font_cache_is_bounded_and_never_evicts_a_font_in_use(monkeypatch):
    monkeypatch.setattr(fonts, "SUBSET_CACHE_SIZE", 1)
    outer = fonts.FontSet()
    outer.add(fonts.Face.FANGSONG, "缓存测试甲")
    with outer.registered() as pinned:
        names = []
        for ch in "乙丙丁":
            inner = fonts.FontSet()
            inner.add(fonts.Face.FANGSONG, f"缓存测试{ch}")
            with inner.registered() as registered:
                names.append(registered[fonts.Face.FANGSONG])
        assert pdfmetrics.getFont(pinned[fonts.Face.FANGSONG])  # still registered while in use
        assert sum(1 for entry in fonts._subsets.values() if entry.pins == 0) <= 1
    with pytest.raises(KeyError):
        pdfmetrics.getFont(names[0])  # evicted and unregistered


def em(text: str) -> float:
    return layout.em_width(text)


def test_break_lines_moves_a_closing_mark_off_the_line_start():
    text = "一二三四五，六七"
    lines = layout.break_lines(text, em, 5, 5)
    assert [line for line, _, _ in lines] == ["一二三四", "五，六七"]


def test_break_lines_keeps_latin_and_digit_runs_whole():
    lines = layout.break_lines("一二三2023年", em, 4, 4)
    assert [line for line, _, _ in lines] == ["一二三", "2023年"]


def test_titles_break_evenly_unless_the_author_broke_them():
    lines = [line for line, _, _ in layout.balanced_lines(PLEDGE, em, 20)]
    assert len(lines) == 2 and abs(len(lines[0]) - len(lines[1])) <= 1
    manual = layout.balanced_lines("皖北煤电集团党员干部职工\n网络行为规范承诺书", em, 20)
    assert [line for line, _, _ in manual] == ["皖北煤电集团党员干部职工", "网络行为规范承诺书"]


def test_attachment_note_numbers_only_when_there_are_several():
    assert layout.attachment_note(["甲"]) == [("附件：", "甲")]
    assert layout.attachment_note(["甲", "乙"]) == [("附件：1.", "甲"), ("2.", "乙")]


# --- DOCX ----------------------------------------------------------------------------------------------------------


def east_asia_font(run) -> str:
    return run._r.rPr.rFonts.get(f"{W_NS}eastAsia")


def paragraph_starting(document, text: str):
    return next(p for p in document.paragraphs if p.text.startswith(text))


def test_docx_has_the_paragraphs_in_order(notice_docx):
    texts = [p.text for p in notice_docx.paragraphs if p.text]
    assert texts[:5] == [
        "中共鄂尔多斯市西北能源化工有限责任公司委员会文件",
        "西北能化党发〔2023〕36号",
        "关于进一步规范党员干部职工网络行为的通知",
        "各党支部：",
        texts[4],
    ]
    assert texts[4].startswith("根据《皖北煤电集团公司")
    for expected in (
        "一、提高政治站位，深化思想认识",
        "附件：1.皖北煤电集团公司党员干部网络行为规范",
        "2.皖北煤电集团党员干部职工网络行为规范承诺书",
        "中共鄂尔多斯市西北能源化工有限责任公司委员会",
        "2023年6月8日",
        "附件1",
        "附件2",
    ):
        assert expected in texts
    assert texts.index("2023年6月8日") < texts.index("附件1") < texts.index("附件2")


def test_docx_issuer_mark_is_red_in_xiaobiaosong(notice_docx):
    mark = notice_docx.paragraphs[0]
    run = mark.runs[0]
    assert run.font.color.rgb == docx.shared.RGBColor(0xE6, 0x00, 0x12)
    assert east_asia_font(run) == "方正小标宋简体"
    assert mark.alignment == docx.enum.text.WD_ALIGN_PARAGRAPH.CENTER


def test_docx_red_rule_under_the_number(notice_docx):
    number = paragraph_starting(notice_docx, "西北能化党发")
    bottom = number._p.pPr.find(f"{W_NS}pBdr").find(f"{W_NS}bottom")
    assert bottom.get(f"{W_NS}color") == "E60012"
    assert bottom.get(f"{W_NS}val") == "single"


def test_docx_faces_follow_the_levels():
    doc = seed_notice(
        body=[P("正文。"), P("一、一级", Level.H1), P("（一）二级", Level.H2), P("1.三级", Level.H3)]
    )
    document = docx.Document(io.BytesIO(render_docx(doc)))
    faces = {p.text: east_asia_font(p.runs[0]) for p in document.paragraphs if p.runs}
    assert faces["正文。"] == "仿宋_GB2312"
    assert faces["一、一级"] == "黑体"
    assert faces["（一）二级"] == "楷体_GB2312"
    assert faces["1.三级"] == "仿宋_GB2312"
    assert faces["关于进一步规范党员干部职工网络行为的通知"] == "方正小标宋简体"
    assert faces["附件1"] == "黑体"
    body = paragraph_starting(document, "正文。")
    # Two characters of the 28-character grid (15.75 pt each), in twentieths of a point, not in 16 pt "characters".
    assert body._p.pPr.ind.get(f"{W_NS}firstLine") == "630"
    assert body._p.pPr.ind.get(f"{W_NS}firstLineChars") is None


def test_docx_font_table_names_the_faces_and_their_other_names(notice_docx):
    part = next(
        rel.target_part for rel in notice_docx.part.rels.values() if rel.reltype.endswith("/fontTable")
    )
    fonts = {
        font.get(f"{W_NS}name"): font.find(f"{W_NS}altName").get(f"{W_NS}val")
        for font in etree.fromstring(part.blob).iter(f"{W_NS}font")
        if font.find(f"{W_NS}altName") is not None
    }
    assert fonts["仿宋_GB2312"] == "仿宋,FangSong"
    assert fonts["楷体_GB2312"] == "楷体,KaiTi"
    assert fonts["黑体"] == "SimHei"
    assert "方正小标宋简体" in fonts


def test_docx_pages_are_a4_with_the_standard_margins_and_grid(notice_docx):
    assert len(notice_docx.sections) == 1 + 2  # the main text and one section per attachment
    for section in notice_docx.sections:
        assert section.page_width.mm == pytest.approx(210, abs=0.1)
        assert section.page_height.mm == pytest.approx(297, abs=0.1)
        assert section.top_margin.mm == pytest.approx(37, abs=0.1)
        assert section.left_margin.mm == pytest.approx(28, abs=0.1)
        assert section.right_margin.mm == pytest.approx(26, abs=0.1)
        assert section.bottom_margin.mm == pytest.approx(35, abs=0.1)
        grid = section._sectPr.find(f"{W_NS}docGrid")
        # No character grid: a pitch below the font size makes LibreOffice give each character two cells.
        assert grid.get(f"{W_NS}type") == "default" and grid.get(f"{W_NS}charSpace") is None
        assert section.start_type == docx.enum.section.WD_SECTION.NEW_PAGE


def test_docx_normal_style_sets_the_grid_by_exact_measures(notice_docx):
    normal = notice_docx.styles["Normal"].element
    spacing = normal.pPr.find(f"{W_NS}spacing")
    assert spacing.get(f"{W_NS}lineRule") == "exact"
    assert (
        int(spacing.get(f"{W_NS}line")) * 22
        <= 225 / 25.4 * 72 * 20
        < (int(spacing.get(f"{W_NS}line")) + 1) * 22
    )
    pitch = 16 + int(normal.rPr.find(f"{W_NS}spacing").get(f"{W_NS}val")) / 20
    assert 28 * pitch <= 156 / 25.4 * 72 < 29 * pitch  # 28 characters a line, not 29
    # Word (2013+) takes the Choice, LibreOffice (which reads overflowPunct inverted) the Fallback: no hanging.
    mc = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
    alternate = normal.pPr.find(f"{mc}AlternateContent")
    choice = alternate.find(f"{mc}Choice").find(f"{W_NS}overflowPunct")
    fallback = alternate.find(f"{mc}Fallback").find(f"{W_NS}overflowPunct")
    assert (choice.get(f"{W_NS}val"), fallback.get(f"{W_NS}val")) == ("0", "1")


def test_docx_odd_and_even_footers_carry_the_page_field(notice_docx):
    assert notice_docx.settings.odd_and_even_pages_header_footer
    section = notice_docx.sections[0]
    for footer, alignment in (
        (section.footer, docx.enum.text.WD_ALIGN_PARAGRAPH.RIGHT),
        (section.even_page_footer, docx.enum.text.WD_ALIGN_PARAGRAPH.LEFT),
    ):
        paragraph = footer.paragraphs[0]
        assert paragraph.alignment == alignment
        instructions = [t.text for t in paragraph._p.iter(f"{W_NS}instrText")]
        assert [i.strip() for i in instructions] == ["PAGE"]
        assert paragraph.text.startswith("— ") and paragraph.text.endswith(" —")
    for later in notice_docx.sections[1:]:  # attachments inherit them, so the numbers run on
        assert later.footer.is_linked_to_previous


def colophon_position(document) -> tuple[int, int, int]:
    """(page breaks just before the 版记 table, its distance from the top of the 版心 in twentieths, its rows)."""
    table = document.tables[-1]
    body = list(document.element.body)
    breaks = []
    for previous in reversed(
        body[: body.index(table._tbl)]
    ):  # the paragraphs just before it that break pages
        found = [br for br in previous.iter(f"{W_NS}br") if br.get(f"{W_NS}type") == "page"]
        if not found:
            break
        breaks += found
    position = table._tbl.tblPr.find(f"{W_NS}tblpPr")
    assert position.get(f"{W_NS}vertAnchor") == "margin" and position.get(f"{W_NS}tblpYSpec") is None
    return len(breaks), int(position.get(f"{W_NS}tblpY")), len(table.rows)


def test_docx_colophon_is_a_table_floated_to_the_foot_of_the_page_after_the_text(notice_docx):
    """The seed notice's text ends on an odd page (5): the PDF and the DOCX put the 版记 on page 6."""
    cells = [cell.text for row in notice_docx.tables[-1].rows for cell in row.cells]
    assert cells == ["西北能化公司综合部", "2023年6月8日印发"]
    breaks, top, rows = colophon_position(notice_docx)
    assert breaks == 1
    assert abs((top + rows * 579) / 20 - 225 / 25.4 * 72) < 1  # its last rule on the bottom of the 版心


@pytest.mark.parametrize(("paragraphs", "breaks"), [(20, 0), (35, 1), (28, 2)])
def test_docx_colophon_goes_where_the_pdf_puts_it(paragraphs, breaks):
    """Below text that ends on an even page with room; after the text that ends on an odd page; after a blank page
    when the text fills an even page."""
    from netconduct.documents.rendering import pdf

    doc = seed_notice(body=one_line_paragraphs(paragraphs), attachments=[], attachments_list=[])
    assert pdf.colophon_pages_after_text(doc) == breaks
    document = docx.Document(io.BytesIO(render_docx(doc)))
    if breaks < 2:
        assert colophon_position(document)[0] == breaks and len(document.sections) == 1
    else:
        # A section of its own starts on the blank page, a page break leads to the 版记's: neither is numbered (7.5).
        assert colophon_position(document)[0] == 1 and len(document.sections) == 2
        last = document.sections[-1]
        for footer in (last.footer, last.even_page_footer):
            assert not footer.is_linked_to_previous and "PAGE" not in footer._element.xml


def test_docx_copy_to_row():
    document = docx.Document(io.BytesIO(render_docx(seed_notice(copy_to="集团公司党委宣传部"))))
    assert document.tables[-1].rows[0].cells[0].text == "抄送：集团公司党委宣传部。"


def test_docx_draft_watermark_in_the_headers():
    document = docx.Document(io.BytesIO(render_docx(seed_notice(draft=True))))
    section = document.sections[0]
    for header in (section.header, section.even_page_header):
        assert 'string="草稿"' in header._element.xml
    plain = docx.Document(io.BytesIO(render_docx(seed_notice())))
    assert "草稿" not in plain.sections[0].header._element.xml


def test_docx_properties_keep_schema_order(notice_docx):
    """Word refuses files whose w:pPr, w:rPr or w:tblPr children are out of the schema's order."""
    from netconduct.documents.rendering import word

    orders = {"pPr": word.PPR_ORDER, "rPr": word.RPR_ORDER, "tblPr": word.TBLPR_ORDER}
    parts = [notice_docx.element, notice_docx.styles.element]
    parts += [s.footer._element for s in notice_docx.sections[:1]]
    checked = 0
    for part in parts:
        for name, order in orders.items():
            for element in part.iter(f"{W_NS}{name}"):
                # Markup compatibility is resolved before the schema applies: an mc:AlternateContent stands for
                # the w:overflowPunct it chooses between.
                tags = [
                    "overflowPunct"
                    if child.tag.endswith("}AlternateContent")
                    else child.tag.removeprefix(W_NS)
                    for child in element
                ]
                assert tags == sorted(tags, key=order.index), (name, tags)
                checked += 1
    assert checked > 50


@pytest.mark.parametrize(("paragraphs", "pulled"), [(29, {27, 28}), (35, set())])
def test_docx_keeps_with_the_signature_the_lines_the_pdf_carried_over(paragraphs, pulled):
    """The PDF keeps two lines of text with the signature; where that moved paragraphs that would have ended on the
    page, the DOCX keeps them with the next paragraph, and no other body paragraph."""
    from netconduct.documents.rendering import pdf

    doc = seed_notice(body=one_line_paragraphs(paragraphs), attachments=[], attachments_list=[])
    assert pdf.pagination(doc).pulled_over == pulled
    document = docx.Document(io.BytesIO(render_docx(doc)))
    body = [p for p in document.paragraphs if re.match(r"^第\d+段", p.text)]
    assert {i for i, p in enumerate(body) if p.paragraph_format.keep_with_next} == pulled
    assert body[-1].paragraph_format.widow_control


def test_run_in_headings_take_the_heading_face_for_their_first_sentence_only():
    assert layout.run_in_heading("（一）加强组织领导。各单位要认真组织。") == len("（一）加强组织领导。")
    assert layout.run_in_heading("（一）《规范》全文。") == len("（一）《规范》全文。")
    assert layout.run_in_heading("一、学习内容") == len("一、学习内容")
    text = "（二）加强组织领导。各单位要认真组织学习，主要负责同志要亲自抓，确保学习覆盖全体党员干部职工，不留死角。"
    doc = seed_notice(
        body=[P("正文。"), P("一、总体要求。全面贯彻网络行为规范。", Level.H1), P(text, Level.H2)]
    )
    document = docx.Document(io.BytesIO(render_docx(doc)))
    runs = [(r.text, east_asia_font(r)) for r in paragraph_starting(document, "（二）").runs]
    assert runs == [
        ("（二）加强组织领导。", "楷体_GB2312"),
        (text[len("（二）加强组织领导。") :], "仿宋_GB2312"),
    ]
    runs = [(r.text, east_asia_font(r)) for r in paragraph_starting(document, "一、总体要求").runs]
    assert runs == [("一、总体要求。", "黑体"), ("全面贯彻网络行为规范。", "仿宋_GB2312")]
    # The PDF draws "一、总体要求。" in the sans face (黑体) and the rest of the line in the serif face.
    fonts_used = []

    def visit(value, cm, tm, font, size):
        if value.strip():
            fonts_used.append((value, font.get("/BaseFont") if font else None))

    reader = pypdf.PdfReader(io.BytesIO(render_pdf(doc)))
    reader.pages[0].extract_text(visitor_text=visit)
    head = next(font for value, font in fonts_used if "总体要求" in value)
    rest = next(font for value, font in fonts_used if "全面贯彻" in value)
    assert "Sans" in head and "Serif" in rest


def test_a_common_font_keeps_its_subsets_and_their_deflated_bytes_as_reportlab_makes_them():
    """Pledges share their first font subset: it is built and deflated once, with the bytes ReportLab would make."""
    import zlib

    from reportlab.pdfbase.ttfonts import TTFontFace

    from netconduct.documents.rendering import fonts

    with fonts.common_fonts({fonts.Face.FANGSONG: "承诺书"}) as names:
        face = pdfmetrics.getFont(names[fonts.Face.FANGSONG]).face
    subset = [*range(32, 128), *map(ord, "本人郑重承诺遵守网络行为规范")]
    made = face.makeSubset(subset)
    assert made == TTFontFace.makeSubset(face, subset)
    assert face.makeSubset(list(subset)) is made  # kept
    deflate = fonts._KEPT_DEFLATE
    assert deflate.encode(made) == zlib.compress(made)
    assert deflate.encode(made) is deflate.encode(made)
