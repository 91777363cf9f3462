"""Text out of the files a person checks (.txt, .docx, .pdf with a text layer, .xlsx), and redacted copies back.

No Django here. Offsets of findings are offsets into the text `extract_text` returns; for a .docx that text keeps
a map back to the document's runs, so `redact_docx` masks exactly the characters the page highlighted, inside the
original document, formatting and all.
"""

from __future__ import annotations

import bisect
import datetime as dt
import io
import zipfile
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import PurePath

from django.utils.translation import gettext as _

from netconduct.core.exceptions import ApplicationError
from netconduct.core.ooxml import bomb_part, bomb_refusal, declared_dtd_part, dtd_refusal

from .engine import Finding

MAX_BYTES = 10 * 1024 * 1024
# A .docx or .xlsx is a zip: refuse one that would unpack to more than this (a zip bomb, or simply too much).
MAX_UNPACKED = 200 * 1024 * 1024
MAX_PDF_PAGES = 500

SUPPORTED = {".txt": "纯文本", ".docx": "Word 文档", ".pdf": "PDF（含文字层）", ".xlsx": "Excel 工作簿"}
SUPPORTED_LIST = "、".join(SUPPORTED)


class ExtractError(ApplicationError):
    """The file cannot be checked; the message says why, in Chinese, for the person who sent it."""


def extension(filename: str) -> str:
    return PurePath(filename or "").suffix.lower()


def extract_text(filename: str, data: bytes) -> str:
    """The text of a file, by its extension. Raises ExtractError for what cannot be read."""
    ext = extension(filename)
    if ext not in SUPPORTED:
        shown = f"“{ext}”" if ext else _("没有扩展名的")
        raise ExtractError(
            _("不支持%(shown)s文件：请上传 %(SUPPORTED_LIST)s 文件，或直接粘贴文字。")
            % {"shown": shown, "SUPPORTED_LIST": SUPPORTED_LIST},
            field="file",
        )
    if not data:
        raise ExtractError(_("文件是空的（0 字节）。"), field="file")
    if len(data) > MAX_BYTES:
        raise ExtractError(
            _("文件过大：不能超过 %(n)s MB。") % {"n": MAX_BYTES // (1024 * 1024)}, field="file"
        )
    if ext == ".txt":
        text = decode_text(data)
    elif ext == ".docx":
        text = DocxText.read(data).text
    elif ext == ".pdf":
        text = _pdf_text(data)
    else:
        text = _xlsx_text(data)
    if not text.strip():
        raise ExtractError(_("文件里没有可检查的文字。"), field="file")
    return text


def decode_text(data: bytes) -> str:
    """UTF-8 (with or without a BOM), UTF-16 with a BOM, or GB18030 (which covers GBK and GB2312)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return _decode(data[3:], "utf-8")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return _decode(data, "utf-16")
    if b"\x00" in data:
        raise ExtractError(
            _("这不是文本文件（含有二进制内容）：请上传纯文本、Word、PDF 或 Excel 文件。"), field="file"
        )
    for encoding in ("utf-8", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ExtractError(
        _("无法识别文件的文字编码（既不是 UTF-8 也不是 GBK/GB18030），请另存为 UTF-8 后再试。"), field="file"
    )


def _decode(data: bytes, encoding: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        raise ExtractError(
            _("文件声明为 %(upper)s 编码，但内容无法按此解码。") % {"upper": encoding.upper()}, field="file"
        ) from None


def _open_zip(data: bytes, what: str) -> None:
    """Refuse what is not a zip, is encrypted, or would unpack too large, before a parser sees it."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
            if any(info.flag_bits & 0x1 for info in archive.infolist()):
                raise ExtractError(
                    _("%(what)s已加密，无法检查：请去掉密码后再上传。") % {"what": what}, field="file"
                )
            if unpacked <= MAX_UNPACKED and (bomb := bomb_part(archive)) is not None:
                raise ExtractError(bomb_refusal(what, *bomb), field="file")
            if unpacked <= MAX_UNPACKED and (part := declared_dtd_part(archive)) is not None:
                raise ExtractError(dtd_refusal(what, part), field="file")
    except (zipfile.BadZipFile, EOFError, zlib.error):
        raise ExtractError(
            _("不是有效的%(what)s：文件已损坏、设有打开密码，或只是改了扩展名。") % {"what": what},
            field="file",
        ) from None
    if unpacked > MAX_UNPACKED:
        raise ExtractError(
            _("%(what)s解压后过大（超过 %(n)s MB），无法检查。")
            % {"what": what, "n": MAX_UNPACKED // (1024 * 1024)},
            field="file",
        )


# ---------------------------------------------------------------------------------------------------- .docx

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_T, _TAB, _BR, _CR, _P = (f"{{{W_NS}}}{tag}" for tag in ("t", "tab", "br", "cr", "p"))


@dataclass
class DocxText:
    """A .docx's text (headers, body, footers, in that order) and where each piece of it lives in the XML.

    `segments` holds (offset in `text`, the w:t element) for every text run; tabs, line breaks and paragraph ends
    appear in `text` as "\\t" and "\\n" but belong to no element, so nothing is ever written into them.
    """

    document: object
    text: str
    segments: list[tuple[int, object]] = field(default_factory=list)

    @classmethod
    def read(cls, data: bytes) -> DocxText:
        _open_zip(data, _("Word 文档"))
        import docx  # python-docx: imported here so that the detectors' import stays light
        from docx.opc.exceptions import PackageNotFoundError

        try:
            document = docx.Document(io.BytesIO(data))
        except (PackageNotFoundError, KeyError, ValueError):
            raise ExtractError(
                _("不是有效的 Word（.docx）文件：请用 Word 或 WPS 另存为 .docx 后再试。"), field="file"
            ) from None
        parts: list[str] = []
        segments: list[tuple[int, object]] = []
        length = 0
        for root in _docx_roots(document):
            for paragraph in root.iter(_P):
                for node in paragraph.iter(_T, _TAB, _BR, _CR):
                    if next(node.iterancestors(_P), None) is not paragraph:
                        continue  # a text box's paragraph inside this one: it comes in its own turn
                    if node.tag == _T:
                        piece = node.text or ""
                        if piece:
                            segments.append((length, node))
                    else:
                        piece = "\t" if node.tag == _TAB else "\n"
                    parts.append(piece)
                    length += len(piece)
                parts.append("\n")
                length += 1
        return cls(document, "".join(parts), segments)

    def redact(self, findings: Iterable[Finding]) -> bytes:
        """The document with every finding's characters replaced by its mask, in place; author fields cleared."""
        starts = [start for start, _node in self.segments]
        for finding in findings:
            i = max(bisect.bisect_right(starts, finding.start) - 1, 0)
            while i < len(self.segments):
                seg_start, node = self.segments[i]
                value = node.text or ""
                seg_end = seg_start + len(value)
                if seg_start >= finding.end:
                    break
                lo, hi = max(finding.start, seg_start), min(finding.end, seg_end)
                if lo < hi:
                    replacement = finding.masked[lo - finding.start : hi - finding.start]
                    node.text = value[: lo - seg_start] + replacement + value[hi - seg_start :]
                i += 1
        props = self.document.core_properties
        props.author = ""
        props.last_modified_by = ""
        props.comments = ""
        out = io.BytesIO()
        self.document.save(out)
        return out.getvalue()


def _docx_roots(document) -> list:
    """Header parts, the body, footer parts: the XML roots whose text is checked."""
    headers, footers = [], []
    for rel in document.part.rels.values():
        if rel.is_external:
            continue
        reltype = rel.reltype.rsplit("/", 1)[-1]
        if reltype in ("header", "footer"):
            (headers if reltype == "header" else footers).append(rel.target_part)
    by_name = lambda part: str(part.partname)  # noqa: E731
    return (
        [p.element for p in sorted(headers, key=by_name)]
        + [document.element.body]
        + [p.element for p in sorted(footers, key=by_name)]
    )


def redact_docx(data: bytes, findings: Iterable[Finding] | None = None, *, engine=None) -> bytes:
    """A redacted copy of a .docx. `findings` are offsets into `extract_text(…, data)`; without them the engine
    (or the default one) checks the document's text first."""
    doc = DocxText.read(data)
    if findings is None:
        from .api import default_engine

        findings = (engine or default_engine()).check(doc.text)
    return doc.redact(findings)


def text_to_docx(text: str, *, title: str = "") -> bytes:
    """A plain .docx of a (redacted) text: one paragraph per line, a Chinese font for East Asian characters."""
    import docx
    from docx.oxml.ns import qn

    document = docx.Document()
    style = document.styles["Normal"]
    style.font.name = "宋体"
    style.element.rPr.rFonts.set(qn("w:eastAsia"), "宋体")
    if title:
        document.core_properties.title = title
    for line in text.split("\n"):
        document.add_paragraph(line.rstrip("\r"))
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


# ---------------------------------------------------------------------------------------------------- .pdf, .xlsx


def _pdf_text(data: bytes) -> str:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise ExtractError(_("PDF 设有打开密码，无法检查：请去掉密码后再上传。"), field="file")
        if len(reader.pages) > MAX_PDF_PAGES:
            raise ExtractError(
                _("PDF 超过 %(MAX_PDF_PAGES)s 页，请拆分后再检查。") % {"MAX_PDF_PAGES": MAX_PDF_PAGES},
                field="file",
            )
        pages = [page.extract_text() or "" for page in reader.pages]
    except ExtractError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError):
        raise ExtractError(_("不是有效的 PDF 文件，或文件已损坏。"), field="file") from None
    text = "\n".join(pages)
    if not text.strip():
        raise ExtractError(
            _("这个 PDF 没有文字层（可能是扫描件或图片），无法检查：请上传原始文档，或把文字粘贴进来。"),
            field="file",
        )
    return text


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))  # a phone number stored as a number: 13912345678.0 → 13912345678
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    return str(value)


def _xlsx_text(data: bytes) -> str:
    _open_zip(data, _("Excel 工作簿"))
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (KeyError, ValueError, OSError, zipfile.BadZipFile):
        raise ExtractError(
            _("不是有效的 Excel（.xlsx）工作簿：请用 Excel 或 WPS 另存为 .xlsx 后再试。"), field="file"
        ) from None
    lines: list[str] = []
    try:
        for sheet in workbook.worksheets:
            lines.append(f"【工作表：{sheet.title}】")
            for row in sheet.iter_rows(values_only=True):
                cells = [_cell_text(v) for v in row]
                while cells and not cells[-1]:
                    cells.pop()
                if cells:
                    lines.append("\t".join(cells))
    finally:
        workbook.close()
    return "\n".join(lines)
