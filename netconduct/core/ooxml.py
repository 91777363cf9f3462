"""Office files (.docx, .xlsx, .ods) are zip archives of XML parts. Before any parser sees one, refuse the two ways
such a file attacks the parser rather than the reader: a part declaring a DTD (an XML bomb of nested entities, or an
external entity reaching for a local file or URL — no Word, WPS, Excel or LibreOffice file carries a DOCTYPE), and a
part that unpacks to a size out of all proportion (a zip bomb). The callers add their own size limits."""

from __future__ import annotations

import zipfile

from django.utils.translation import gettext

HEAD_BYTES = 64 * 1024  # a DOCTYPE must come before the root element, so near the top of a part
_MARKERS = tuple(
    marker.encode(encoding)
    for marker in ("<!DOCTYPE", "<!doctype", "<!ENTITY")
    for encoding in ("utf-8", "utf-16-le", "utf-16-be")
)
XML_SUFFIXES = (".xml", ".rels", ".vml")


def declared_dtd_part(archive: zipfile.ZipFile) -> str | None:
    """The name of the first XML part that declares a DTD or an entity, or None."""
    for info in archive.infolist():
        if info.is_dir() or not info.filename.lower().endswith(XML_SUFFIXES):
            continue
        with archive.open(info) as part:
            head = part.read(HEAD_BYTES)
        if any(marker in head for marker in _MARKERS):
            return info.filename
    return None


MAX_RATIO = 200  # unpacked ÷ packed: real sheets and documents stay far below
RATIO_FLOOR = 1 << 20  # small members (styles, themes) may compress very well and harm nobody


def bomb_part(archive: zipfile.ZipFile) -> tuple[str, float] | None:
    """(name, ratio) of the first member that unpacks to over MAX_RATIO times its packed size, or None."""
    for info in archive.infolist():
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > RATIO_FLOOR and ratio > MAX_RATIO:
            return info.filename, ratio
    return None


def bomb_refusal(what: str, part: str, ratio: float) -> str:
    return gettext("%(what)s中的“%(part)s”解压后是压缩前的%(ratio)s倍，疑似压缩炸弹，已拒绝读取。") % {
        "what": what,
        "part": part,
        "ratio": f"{ratio:,.0f}",
    }


def dtd_refusal(what: str, part: str) -> str:
    return gettext(
        "%(what)s的“%(part)s”部分含有文档类型声明（DOCTYPE/ENTITY）。正常的 Word、WPS、Excel 文件不会有这种内容，"
        "它可用于攻击解析程序，已拒绝读取。请用 Word、WPS 或 Excel 重新“另存为”后再上传。"
    ) % {"what": what, "part": part}
