"""The norms parser: the seed's attachment 1, the ways people write items and article numbers, broken lines,
files (.txt in three encodings, .docx), errors that name the line, citations and the parse-norms command."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import docx
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn

from netconduct.documents import norms_parser
from netconduct.documents.norms_parser import (
    NormsParseError,
    NormsStructure,
    cite,
    format_outline,
    from_chinese_numeral,
    join_broken_lines,
    parse_citation,
    parse_norms,
    read_text_file,
    to_chinese_numeral,
)

SEED = Path(norms_parser.__file__).parent / "data" / "seed_notice.txt"

SEED_HEADINGS = [
    "",
    "严守政治纪律和政治规矩",
    "严禁参与以下网络传播行为",
    "严禁参加以下网络活动",
    "严禁以下违反保密规定的行为",
    "严禁以下侵犯公民权利的行为",
    "严格规范以职务身份注册网络平台账号行为",
    "自觉抵制监督举报网络不良言行",
    "切实加强教育、引导和管理",
]


def attachment_1() -> tuple[str, int]:
    """The text of the seed's attachment 1 and the file line it starts on."""
    lines = SEED.read_text(encoding="utf-8").split("\n")
    start, end = lines.index("附件1"), lines.index("附件 2")
    return "\n".join(lines[start:end]), start + 1


@pytest.fixture(scope="module")
def seed_norms() -> NormsStructure:
    text, first_line = attachment_1()
    return parse_norms(text, first_line=first_line)


# ------------------------------------------------------------------------------------------ the seed


def test_seed_attachment_has_nine_articles_with_their_headings_and_items(seed_norms):
    assert seed_norms.title == "皖北煤电集团公司党员干部网络行为规范"
    assert [a.number for a in seed_norms.articles] == list(range(1, 10))
    assert [a.heading for a in seed_norms.articles] == SEED_HEADINGS
    assert [len(a.items) for a in seed_norms.articles] == [0, 0, 7, 7, 3, 4, 0, 0, 0]
    for article in seed_norms.articles:
        assert [item.number for item in article.items] == list(range(1, len(article.items) + 1))
        for item in article.items:
            assert not item.text.startswith(("-", "(", "（", " ")), item.text
            assert item.text.endswith(("；", "。")), item.text


def test_seed_article_texts_are_joined_across_page_breaks(seed_norms):
    first, second, third, fourth = seed_norms.articles[:4]
    assert first.text == (
        "网络行为是党员干部言行的重要组成部分。为规范集团公司党员干部网络行为，巩固壮大网上主流舆论，"
        "营造良好网络环境，根据上级相关文件精神，制定本规范。"
    )
    assert second.text.startswith("集团公司党员干部必须增强政治意识、大局意识")
    assert second.text.endswith("弘扬主旋律，共筑网上网下同心圆。")
    assert third.text == ""
    assert third.items[6].text == "制作、传播其他有严重问题的文章、言论、音视频等信息内容。"
    assert third.items[3].text == "制造、散布、传播各类谣言特别是政治类谣言，散布所谓“内部”消息和小道消息；"
    assert fourth.items[6].text == "利用职务便利，索取或者接受可能影响公正开展工作的微信红包等电子红包。"
    assert seed_norms.article(6).item(4).text == "其他侵犯公民权利的行为。"
    seventh = seed_norms.article(7)
    assert seventh.heading == "严格规范以职务身份注册网络平台账号行为"
    assert seventh.text == (
        "集团公司党员干部以职务身份在微博、微信、网络直播、论坛社区等境内外网络平台注册账号、建立群组的，"
        "要向所在单位党组织申请报告，审批开通后要登记备案。党员干部要严格规范使用微信工作群、腾讯视频会议等平台，"
        "不得出现违反本规定的网络行为。"
    )
    assert seed_norms.article(9).text.startswith("各级党组织要加强对党员干部网络行为的教育、引导和管理")
    assert "\n" not in "".join(a.text for a in seed_norms.articles)


def test_seed_lines_are_numbered_as_in_the_file(seed_norms):
    assert seed_norms.article(1).line == 42
    assert seed_norms.article(3).item(7).line == 60
    assert seed_norms.article(9).line == 97


def test_whole_seed_file_gives_the_same_norms(seed_norms):
    """The notice before attachment 1 only contributes nothing; the pledge after 附件 2 is another document."""
    whole = parse_norms(SEED.read_text(encoding="utf-8"))
    assert whole == seed_norms


def test_to_dict_has_the_documented_shape_and_round_trips(seed_norms):
    data = seed_norms.to_dict()
    assert set(data) == {"title", "articles"}
    assert data["articles"][2] == {
        "number": 3,
        "heading": "严禁参与以下网络传播行为",
        "text": "",
        "items": [{"number": n, "text": item.text} for n, item in enumerate(seed_norms.article(3).items, 1)],
    }
    assert json.loads(json.dumps(data, ensure_ascii=False)) == data
    assert NormsStructure.from_dict(data).to_dict() == data


def test_resolve_finds_articles_and_items_by_citation(seed_norms):
    assert seed_norms.resolve("第四条第（六）项").text == "利用微信红包等电子红包进行拉票贿选、拉票助选活动；"
    assert seed_norms.resolve("第7条").heading == "严格规范以职务身份注册网络平台账号行为"
    with pytest.raises(KeyError):
        seed_norms.resolve("第三条第（八）项")
    with pytest.raises(KeyError):
        seed_norms.resolve("第十条")


# ------------------------------------------------------------------------------------------ variants


ITEMS = ["泄露党和国家秘密、工作秘密；", "泄露单位内部文件；", "其他违反保密法规的网络行为。"]


@pytest.mark.parametrize(
    "marker",
    [
        lambda n: f"({n})",
        lambda n: f"（{n}）",
        lambda n: f"{n}、",
        lambda n: f"- （{n}）",
        lambda n: f"- ({n})",
        lambda n: f"• ({n})",
        lambda n: f"·（{n}）",
        lambda n: f"  （ {n} ） ",
    ],
    ids=[
        "ascii-parens",
        "fullwidth-parens",
        "dun-comma",
        "dash-fullwidth",
        "dash-ascii",
        "bullet",
        "middot",
        "spaced",
    ],
)
def test_item_markers_are_all_read_the_same(marker):
    lines = ["规范", "第一条 严禁以下违反保密规定的行为"]
    lines += [marker(to_chinese_numeral(n)) + text for n, text in enumerate(ITEMS, 1)]
    structure = parse_norms("\n".join(lines))
    article = structure.article(1)
    assert article.heading == "严禁以下违反保密规定的行为"
    assert [(i.number, i.text) for i in article.items] == list(enumerate(ITEMS, 1))


def test_arabic_and_chinese_article_numbers_up_to_the_twenties():
    chinese = "\n".join(f"第{to_chinese_numeral(n)}条 第{n}条的内容。" for n in range(1, 24))
    arabic = "\n".join(f"第{n}条 第{n}条的内容。" for n in range(1, 24))
    fullwidth = "第１条 甲。\n第２条 乙。\n- 第 3 条　丙。"
    for text in (chinese, arabic):
        structure = parse_norms(text)
        assert [a.number for a in structure.articles] == list(range(1, 24))
        assert structure.article(21).text == "第21条的内容。"
        assert structure.article(10).heading == ""
    assert [a.text for a in parse_norms(fullwidth).articles] == ["甲。", "乙。", "丙。"]


def test_arabic_item_numbers_in_parentheses():
    structure = parse_norms("第1条 严禁以下行为\n(1)甲；\n（2）乙。")
    assert [(i.number, i.text) for i in structure.article(1).items] == [(1, "甲；"), (2, "乙。")]


def test_sentences_broken_by_page_breaks_and_blank_lines_are_joined():
    text = (
        "第一条 严禁以下行为\n\n"
        "（一）制作、传播其他有严重问题的文章、言论、音视频等信\n\n\n"
        "息内容；\r\n"
        "（二）散布所谓“内部”\f"
        "消息。\n"
        "第二条 集团公司党员干部以职务身份在微博、论\n"
        "\n"
        "坛社区等平台注册账号的，要申请报告。\n"
        "第三条 党员干部使用 WeChat\n"
        "group 时应当文明。\n"
    )
    structure = parse_norms(text)
    assert structure.article(1).item(1).text == "制作、传播其他有严重问题的文章、言论、音视频等信息内容；"
    assert structure.article(1).item(2).text == "散布所谓“内部”消息。"
    assert (
        structure.article(2).text
        == "集团公司党员干部以职务身份在微博、论坛社区等平台注册账号的，要申请报告。"
    )
    assert structure.article(3).text == "党员干部使用 WeChat group 时应当文明。"


def test_a_finished_sentence_starts_a_new_paragraph_of_the_article_text():
    structure = parse_norms(
        "第一条 严禁以下行为\n各单位要做到以下几点：\n（一）甲；\n（二）乙。\n有前款行为之一的，依规处理。\n第二条 附则。"
    )
    article = structure.article(1)
    assert article.text == "各单位要做到以下几点：\n有前款行为之一的，依规处理。"
    assert [i.text for i in article.items] == ["甲；", "乙。"]


@pytest.mark.parametrize(
    ("line", "heading", "text"),
    [
        # a heading on a line of its own is handled by the next test; these are headings in the first line
        (
            "第一条 严守政治纪律和政治规矩集团公司党员干部必须增强政治意识。",
            "严守政治纪律和政治规矩",
            "集团公司党员干部必须增强政治意识。",
        ),
        (
            "第一条 网络行为是党员干部言行的重要组成部分。为规范网络行为，制定本规范。",
            "",
            "网络行为是党员干部言行的重要组成部分。为规范网络行为，制定本规范。",
        ),
        ("第一条　总则　为规范网络行为，制定本规范。", "总则", "为规范网络行为，制定本规范。"),
        ("第一条\t总则\t为规范网络行为，制定本规范。", "总则", "为规范网络行为，制定本规范。"),
        ("第一条 总则  为规范网络行为，制定本规范。", "总则", "为规范网络行为，制定本规范。"),
        (
            "第一条 切实加强教育、引导和管理各级党组织要加强教育。",
            "切实加强教育、引导和管理",
            "各级党组织要加强教育。",
        ),
        ("第一条 本规范自印发之日起施行。", "", "本规范自印发之日起施行。"),
        ("第一条 本规范由集团公司党委宣传部负责解释", "", "本规范由集团公司党委宣传部负责解释"),
        ("第一条 党员干部严禁参与以下网络传播行为：", "", "党员干部严禁参与以下网络传播行为："),
        ("第一条：各级党组织负责落实。", "", "各级党组织负责落实。"),
    ],
)
def test_heading_run_into_the_first_sentence(line, heading, text):
    article = parse_norms(line).article(1)
    assert (article.heading, article.text) == (heading, text)


def test_heading_on_its_own_line_never_takes_the_next_line():
    structure = parse_norms(
        "第一条 严格规范以职务身份注册网络平台账号行为\n"
        "集团公司党员干部注册账号的，要申请报告。\n"
        "第二条\n"
        "自觉抵制不良言行\n"
        "党员干部要自觉规范网络行为。\n"
        "第三条 规范员工网络行为\n"
        "（一）甲。"
    )
    assert [(a.heading, a.text) for a in structure.articles] == [
        ("严格规范以职务身份注册网络平台账号行为", "集团公司党员干部注册账号的，要申请报告。"),
        ("自觉抵制不良言行", "党员干部要自觉规范网络行为。"),
        ("规范员工网络行为", ""),
    ]


def test_a_reference_to_an_article_at_the_start_of_a_line_is_not_a_new_article():
    structure = parse_norms("第一条 甲。\n第二条 本规范未尽事宜，按照本规范\n第一条规定的原则处理。")
    assert len(structure.articles) == 2
    assert structure.article(2).text == "本规范未尽事宜，按照本规范第一条规定的原则处理。"


def test_title_skips_the_attachment_mark_and_chapters_do_not_join():
    structure = parse_norms(
        "附件 1\n\n某公司网络行为规范\n（2023年修订）\n第一章 总则\n第一条 为规范网络行为，根据上级精神\n第二章行为规范\n第二条 甲。"
    )
    assert structure.title == "某公司网络行为规范"
    assert structure.article(1).text == "为规范网络行为，根据上级精神"
    assert structure.article(2).text == "甲。"
    assert parse_norms("第一条 甲。").title == ""


def test_an_attachment_mark_after_the_articles_ends_the_norms():
    structure = parse_norms("第一条 甲。\n附件2\n承诺书\n1. 严守纪律。\n第二条 这是承诺书中的文字。")
    assert len(structure.articles) == 1
    assert structure.article(1).text == "甲。"


def test_join_broken_lines_keeps_standalone_lines_apart():
    paragraphs = join_broken_lines(
        "一、提高政治站位\n\n对全体党员干\n\n部职工提出要求。\n二、突出重点\n内容。",
        stands_alone=lambda line: line[:2] in ("一、", "二、"),
        first_line=10,
    )
    assert [(p.line, p.text) for p in paragraphs] == [
        (10, "一、提高政治站位"),
        (12, "对全体党员干部职工提出要求。"),
        (15, "二、突出重点"),
        (16, "内容。"),
    ]


# -------------------------------------------------------------------------------------------- errors


def test_text_without_articles_is_refused_with_a_chinese_reason():
    with pytest.raises(NormsParseError) as exc:
        parse_norms("关于网络行为的说明\n党员干部要遵守规范。")
    assert exc.value.message == "未找到任何条文：全文2行中没有一行以“第一条”“第1条”这样的条文序号开头。"
    with pytest.raises(NormsParseError, match="文本为空"):
        parse_norms(" \n\n")


def test_an_article_out_of_order_names_its_line():
    with pytest.raises(NormsParseError) as exc:
        parse_norms("第一条 甲。\n第二条 乙。\n第五条 丙。\n第三条 丁。")
    assert str(exc.value) == "第3行：第五条出现在第三条之前（第二条之后应为第三条）"
    assert exc.value.line == 3


def test_norms_must_start_at_article_one():
    with pytest.raises(NormsParseError) as exc:
        parse_norms("规范\n\n第三条 甲。")
    assert exc.value.message == "第3行：第三条出现在第一条之前（条文应从第一条开始）"


def test_a_duplicate_article_names_both_lines():
    with pytest.raises(NormsParseError) as exc:
        parse_norms("第一条 甲。\n第二条 乙。\n第二条 丙。")
    assert exc.value.message == "第3行：第二条重复（第2行已有第二条）"


def test_error_lines_are_counted_in_the_whole_file():
    text, first_line = attachment_1()
    with pytest.raises(NormsParseError) as exc:
        parse_norms(text.replace("第六条", "第五条"), first_line=first_line)
    assert exc.value.message == "第80行：第五条重复（第74行已有第五条）"


def test_items_out_of_order_or_duplicated_are_refused():
    with pytest.raises(NormsParseError) as exc:
        parse_norms("第一条 严禁\n（一）甲；\n（三）乙。")
    assert (
        exc.value.message == "第3行：第一条的第（三）项出现在第（二）项之前（第（一）项之后应为第（二）项）"
    )
    with pytest.raises(NormsParseError) as exc:
        parse_norms("第一条 严禁\n（一）甲；\n（一）乙。")
    assert exc.value.message == "第3行：第一条第（一）项重复（第2行已有第一条第（一）项）"
    with pytest.raises(NormsParseError) as exc:
        parse_norms("第一条 严禁\n（二）甲。")
    assert exc.value.message == "第2行：第一条的第（二）项出现在第（一）项之前（各项应从第（一）项开始）"


# --------------------------------------------------------------------------------------------- files


NORMS_TEXT = "网络行为规范\n第一条 严守纪律\n（一）不妄议中央大政方针；\n（二）不传播谣言。\n第二条 本规范自印发之日起施行。\n"


def test_text_files_in_utf8_utf8_bom_and_gb18030_read_the_same():
    expected = parse_norms(NORMS_TEXT)
    for data in (
        NORMS_TEXT.encode("utf-8"),
        b"\xef\xbb\xbf" + NORMS_TEXT.encode("utf-8"),
        NORMS_TEXT.encode("gb18030"),
        NORMS_TEXT.replace("\n", "\r\n").encode("gb18030"),
        NORMS_TEXT.encode("utf-16"),
    ):
        text = read_text_file("规范.txt", data)
        assert not text.startswith("\ufeff")
        assert parse_norms(text) == expected
    assert NORMS_TEXT.encode("gb18030") != NORMS_TEXT.encode("utf-8")


def test_unreadable_files_are_refused_with_a_chinese_reason():
    with pytest.raises(NormsParseError, match="旧版 Word"):
        read_text_file("规范.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100)
    with pytest.raises(NormsParseError, match="不是 Word 文档"):
        read_text_file("规范.docx", "第一条 甲。".encode())
    with pytest.raises(NormsParseError, match="无法读取 .docx"):
        read_text_file("规范.docx", b"PK\x03\x04 not really a zip")
    with pytest.raises(NormsParseError, match="不支持的文件类型“.pdf”"):
        read_text_file("规范.pdf", b"%PDF-1.7")
    with pytest.raises(NormsParseError, match="无法识别文件编码"):
        read_text_file("规范.txt", b"\x00\x01\x02\xff\xfe\x00")


def _docx_bytes(document) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_docx_paragraphs_are_read_in_order_and_a_split_sentence_is_joined():
    document = docx.Document()
    document.add_paragraph("皖北煤电集团公司党员干部网络行为规范")
    document.add_paragraph("第一条 网络行为是党员干部言行的重要组成部分。")
    document.add_paragraph("第二条 严禁参与以下网络传播行为")
    document.add_paragraph("(一)制作、传播其他有严重问题的文章、言论、音视频等信")
    document.add_paragraph("")
    document.add_paragraph("息内容。")
    table = document.add_table(rows=1, cols=1)
    table.cell(0, 0).text = "第三条 表格中的条文。"
    text = read_text_file("规范.docx", _docx_bytes(document))
    structure = parse_norms(text)
    assert structure.title == "皖北煤电集团公司党员干部网络行为规范"
    assert structure.article(2).item(1).text == "制作、传播其他有严重问题的文章、言论、音视频等信息内容。"
    assert structure.article(3).text == "表格中的条文。"


def test_docx_automatic_numbering_is_written_out():
    document = docx.Document()
    numbering = document.part.numbering_part.element
    abstract = parse_xml(
        f'<w:abstractNum {nsdecls("w")} w:abstractNumId="90">'
        '<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:lvlText w:val="第%1条"/></w:lvl>'
        '<w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:lvlText w:val="（%2）"/></w:lvl>'
        "</w:abstractNum>"
    )
    existing = numbering.find(qn("w:num"))
    if existing is not None:
        existing.addprevious(abstract)
    else:
        numbering.append(abstract)
    numbering.append(parse_xml(f'<w:num {nsdecls("w")} w:numId="90"><w:abstractNumId w:val="90"/></w:num>'))

    def numbered(text: str, level: int) -> None:
        paragraph = document.add_paragraph(text)
        paragraph._p.get_or_add_pPr().append(
            parse_xml(f'<w:numPr {nsdecls("w")}><w:ilvl w:val="{level}"/><w:numId w:val="90"/></w:numPr>')
        )

    document.add_paragraph("规范")
    numbered("为规范网络行为，制定本规范。", 0)
    numbered("严禁以下行为", 0)
    numbered("甲；", 1)
    numbered("乙。", 1)
    numbered("严禁以下活动", 0)
    numbered("丙。", 1)
    text = read_text_file("规范.docx", _docx_bytes(document))
    assert text.split("\n")[1:4] == [
        "第一条 为规范网络行为，制定本规范。",
        "第二条 严禁以下行为",
        "（一） 甲；",
    ]
    structure = parse_norms(text)
    assert [(a.number, a.heading, len(a.items)) for a in structure.articles] == [
        (1, "", 0),
        (2, "严禁以下行为", 2),
        (3, "严禁以下活动", 1),
    ]
    assert structure.article(3).item(1).text == "丙。"


# ------------------------------------------------------------------------------------ numerals, cite


@pytest.mark.parametrize(
    ("n", "s"),
    [
        (1, "一"),
        (10, "十"),
        (11, "十一"),
        (20, "二十"),
        (21, "二十一"),
        (99, "九十九"),
        (100, "一百"),
        (105, "一百零五"),
        (110, "一百一十"),
        (999, "九百九十九"),
    ],
)
def test_chinese_numerals(n, s):
    assert to_chinese_numeral(n) == s
    assert from_chinese_numeral(s) == n


def test_chinese_numerals_round_trip_and_refuse_the_rest():
    assert all(from_chinese_numeral(to_chinese_numeral(n)) == n for n in range(1, 1000))
    assert from_chinese_numeral("一十五") == 15
    assert from_chinese_numeral("两百〇三") == 203
    for bad in (0, 1000, -1, True, 2.0):
        with pytest.raises(ValueError):
            to_chinese_numeral(bad)
    for bad in ("", "零", "十十", "一千", "二十零", "5", "百"):
        with pytest.raises(ValueError):
            from_chinese_numeral(bad)


def test_cite_writes_articles_and_items():
    assert cite(4, 6) == "第四条第（六）项"
    assert cite(7) == "第七条"
    assert cite(21, 10) == "第二十一条第（十）项"
    with pytest.raises(ValueError):
        cite(0)


@pytest.mark.parametrize(
    ("s", "expected"),
    [
        ("第四条第（六）项", (4, 6)),
        ("第4条第6项", (4, 6)),
        ("第四条（六）", (4, 6)),
        ("第四条(六)", (4, 6)),
        ("第四条第(6)项", (4, 6)),
        ("第四条第六项", (4, 6)),
        (" 第七条 ", (7, None)),
        ("第7条", (7, None)),
        ("第二十一条第（十）项", (21, 10)),
    ],
)
def test_parse_citation_accepts_the_usual_forms(s, expected):
    assert parse_citation(s) == expected


@pytest.mark.parametrize(
    "s",
    [
        "",
        "第四条六",
        "四条",
        "第四项",
        "第四条第（六",
        "第零条",
        "第4条第0项",
        "第四条（六）项目",
        "Article 4",
    ],
)
def test_parse_citation_refuses_anything_else(s):
    with pytest.raises(ValueError):
        parse_citation(s)


def test_cite_and_parse_citation_round_trip():
    for article in (1, 9, 10, 21, 99, 105):
        for item in (None, 1, 6, 12):
            assert parse_citation(cite(article, item)) == (article, item)


# ------------------------------------------------------------------------------------------- command


def test_command_prints_json_and_saves_nothing(tmp_path, seed_norms):
    path = tmp_path / "norms.txt"
    path.write_text(attachment_1()[0], encoding="gb18030")
    out = io.StringIO()
    call_command("parse-norms", str(path), "--json", stdout=out)
    assert json.loads(out.getvalue()) == seed_norms.to_dict()
    assert "皖北煤电集团公司党员干部网络行为规范" in out.getvalue()  # ensure_ascii=False


def test_command_prints_an_outline_and_reads_standard_input(seed_norms):
    out = io.StringIO()
    call_command("parse-norms", "-", stdin=io.BytesIO(SEED.read_bytes()), stdout=out)
    assert out.getvalue().strip() == format_outline(seed_norms)
    assert "第三条 严禁参与以下网络传播行为\n    （一）发表违背党的基本路线" in out.getvalue()
    assert "共9条，21项" in out.getvalue()


def test_command_reads_docx(tmp_path):
    document = docx.Document()
    document.add_paragraph("第一条 甲。")
    path = tmp_path / "norms.docx"
    path.write_bytes(_docx_bytes(document))
    out = io.StringIO()
    call_command("parse-norms", str(path), "--json", stdout=out)
    assert json.loads(out.getvalue())["articles"][0]["text"] == "甲。"


def test_command_reports_parse_errors_and_missing_files(tmp_path):
    path = tmp_path / "bad.txt"
    path.write_text("第一条 甲。\n第三条 乙。", encoding="utf-8")
    with pytest.raises(CommandError, match=r"^第2行：第三条出现在第二条之前"):
        call_command("parse-norms", str(path))
    with pytest.raises(CommandError, match="找不到文件"):
        call_command("parse-norms", str(tmp_path / "missing.txt"))


def test_console_script_parse_norms(tmp_path, seed_norms):
    script = Path(sys.executable).with_name("netconduct")
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE", "DATABASE_URL"}}
    env["NETCONDUCT_DATA_DIR"] = str(tmp_path / "data")
    good = tmp_path / "norms.txt"
    good.write_text(attachment_1()[0], encoding="utf-8")
    result = subprocess.run(
        [str(script), "parse-norms", str(good), "--json"], env=env, capture_output=True, timeout=120
    )
    assert result.returncode == 0, result.stderr.decode()
    assert json.loads(result.stdout.decode("utf-8")) == seed_norms.to_dict()

    bad = tmp_path / "bad.txt"
    bad.write_text("没有条文的文字", encoding="utf-8")
    result = subprocess.run([str(script), "parse-norms", str(bad)], env=env, capture_output=True, timeout=120)
    assert result.returncode == 1
    assert result.stdout == b""
    assert "未找到任何条文" in result.stderr.decode("utf-8")
