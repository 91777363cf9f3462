"""Text out of .txt, .docx, .pdf and .xlsx; refusals in Chinese; a .docx redacted in place."""

from __future__ import annotations

import io

import docx
import pytest

from netconduct.selfcheck.engine import Engine
from netconduct.selfcheck.extract import DocxText, ExtractError, extract_text, redact_docx, text_to_docx

from .files import docx_bytes, id18, pdf_bytes, xlsx_bytes

ENGINE = Engine(roster_names=["王建国"])


def test_txt_in_utf8_gb18030_and_utf16():
    text = "联系人：王建国，电话13912345678"
    assert extract_text("a.txt", text.encode("utf-8")) == text
    assert extract_text("a.txt", b"\xef\xbb\xbf" + text.encode("utf-8")) == text
    assert extract_text("a.txt", text.encode("gb18030")) == text
    assert extract_text("a.txt", text.encode("utf-16")) == text


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("a.exe", b"MZ\x90\x00", "不支持“.exe”文件"),
        ("说明", b"abc", "不支持没有扩展名的文件"),
        ("a.doc", b"\xd0\xcf\x11\xe0", "不支持“.doc”文件"),
        ("a.txt", b"", "文件是空的"),
        ("a.txt", b"\x00\x01\x02binary", "不是文本文件"),
        ("a.txt", b"\x81", "无法识别文件的文字编码"),
        ("a.txt", b"   \n ", "没有可检查的文字"),
        ("a.docx", b"PK\x03\x04 not really", "不是有效的Word 文档"),
        ("a.docx", b"plain text renamed", "不是有效的Word 文档"),
        ("a.xlsx", b"plain text renamed", "不是有效的Excel 工作簿"),
        ("a.pdf", b"%PDF-1.4 broken", "不是有效的 PDF"),
    ],
)
def test_refusals_name_the_reason(name, data, message):
    with pytest.raises(ExtractError) as exc:
        extract_text(name, data)
    assert message in exc.value.message


def test_pdf_without_a_text_layer_is_refused():
    with pytest.raises(ExtractError, match="没有文字层"):
        extract_text("扫描件.pdf", pdf_bytes(None))


def test_pdf_text_layer():
    text = extract_text("通知.pdf", pdf_bytes(["机密★1年", "联系人：王建国，电话13912345678"]))
    assert [f.kind for f in ENGINE.check(text)] == ["classification_mark", "person", "mobile"]


def test_xlsx_cells_numbers_and_sheet_title():
    data = xlsx_bytes([["姓名", "手机", "身份证"], ["王建国", 13912345678, id18()]])
    text = extract_text("通讯录.xlsx", data)
    assert text.splitlines() == ["【工作表：通讯录】", "姓名\t手机\t身份证", f"王建国\t13912345678\t{id18()}"]
    assert [f.kind for f in ENGINE.check(text)] == ["person", "mobile", "id_card"]


def test_docx_header_body_table_in_order():
    data = docx_bytes(
        header="机密★1年",
        body=[[("联系人：", False), ("王建国", True)], [("电话139", False), ("1234", True), ("5678", False)]],
        table=[["身份证", id18()]],
    )
    text = extract_text("通知.docx", data)
    assert text.startswith("机密★1年\n")
    assert "联系人：王建国\n电话13912345678\n" in text
    assert [f.kind for f in ENGINE.check(text)] == ["classification_mark", "person", "mobile", "id_card"]


def test_redact_docx_in_place_across_runs_keeps_formatting_and_clears_the_author():
    data = docx_bytes(
        header="机密★1年",
        body=[[("联系人：", False), ("王建国", True)], [("电话139", False), ("1234", True), ("5678", False)]],
    )
    out = redact_docx(data, engine=ENGINE)
    document = docx.Document(io.BytesIO(out))
    first, second = document.paragraphs[0], document.paragraphs[1]
    assert first.text == "联系人：王**" and first.runs[1].bold and first.runs[1].text == "王**"
    assert second.text == "电话139****5678" and second.runs[1].bold and second.runs[1].text == "****"
    assert document.sections[0].header.paragraphs[0].text == "*****"
    assert document.core_properties.author == ""


def test_docx_text_maps_offsets_to_runs():
    data = docx_bytes(body=[[("甲", False), ("乙丙", True)]])
    doc = DocxText.read(data)
    assert doc.text.endswith("甲乙丙\n")
    assert [start for start, _node in doc.segments][-2:] == [len(doc.text) - 4, len(doc.text) - 3]


def test_text_to_docx_one_paragraph_per_line():
    document = docx.Document(io.BytesIO(text_to_docx("第一行\n第二行 139****5678")))
    assert [p.text for p in document.paragraphs] == ["第一行", "第二行 139****5678"]
