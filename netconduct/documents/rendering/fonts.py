"""Chinese fonts for the PDF renderer: free substitutes for the faces GB/T 9704 names, embedded as subsets.

GB/T 9704-2012 sets official documents in 仿宋 (body), 小标宋 (title, issuer mark), 黑体 (first-level headings,
attachment labels), 楷体 (second-level headings) and 宋体 (page numbers). Those fonts (仿宋_GB2312, 方正小标宋简体, …)
are commercial or of unclear licence, so the PDF uses the SIL OFL fonts shipped by the `mplfonts` dependency, which
is all a fresh `pip install` has:

    仿宋, 小标宋, 楷体, 宋体  ->  Noto Serif CJK SC Regular  (小标宋 drawn with a thin stroke to approximate its weight)
    黑体                       ->  Noto Sans CJK SC Regular

So 楷体 headings look like the body text: there is no free Kai face we can rely on. `mplfonts` also ships SimHei.ttf;
its licence is unclear and we do not use it. The DOCX renderer names the real faces instead, because the Word
installations in these offices have them.

ReportLab embeds only TrueType (glyf) outlines, and the Noto CJK fonts are CFF-flavoured OpenType. For every render we
therefore build a small TrueType font holding just the characters the document uses: each glyph's cubic CFF outline
is approximated by quadratic splines (cu2qu, error at most 1 unit of 1000) and drawn into a TrueType glyph. We build
that font directly from the parsed source font instead of running `fontTools.subset` on it, because the subsetter
rewrites the font it is given: it cannot work on the cached parse, and re-parsing the 23 MB source to subset it costs
about 0.5 s per face for every new character set, where building from the cache costs about 0.3 ms per glyph.

Caching: the parsed source fonts live for the process (they are read-only once loaded); built subsets are kept by
(source, hash of the character set), registered with ReportLab under a unique name, and the least recently used ones
beyond `SUBSET_CACHE_SIZE` are unregistered again. A subset in use by a render is pinned and never evicted.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import threading
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from copy import deepcopy
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache

from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTFont, newTable
from fontTools.ttLib.tables._c_m_a_p import CmapSubtable
from fontTools.ttLib.tables._n_a_m_e import NameRecord
from reportlab.pdfbase import pdfdoc, pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont as ReportLabTTFont
from reportlab.pdfbase.ttfonts import TTFontFace

logger = logging.getLogger(__name__)

SERIF = "NotoSerifCJKsc-Regular.otf"
SANS = "NotoSansCJKsc-Regular.otf"

# Built subsets kept (and registered with ReportLab) beyond the ones in use.
SUBSET_CACHE_SIZE = 16

# How far the quadratic approximation may stray from the cubic outline, in font units (1000 per em).
_CU2QU_MAX_ERR = 1.0

# Name records carried into the subset: copyright, family, style, unique id, full name, version, PostScript name,
# licence and licence URL. The OFL asks that the copyright and licence travel with the font.
_KEPT_NAME_IDS = (0, 1, 2, 3, 4, 5, 6, 13, 14)


class Face(StrEnum):
    """The typefaces GB/T 9704-2012 asks for, by their Chinese names."""

    FANGSONG = "仿宋"
    XIAOBIAOSONG = "小标宋"
    HEITI = "黑体"
    KAITI = "楷体"
    SONG = "宋体"


FACE_SOURCES: dict[Face, str] = {
    Face.FANGSONG: SERIF,
    Face.XIAOBIAOSONG: SERIF,
    Face.HEITI: SANS,
    Face.KAITI: SERIF,
    Face.SONG: SERIF,
}

# Stroke width, as a fraction of the font size, drawn around the glyphs to thicken faces the substitute is too
# light for (text render mode 2: fill, then stroke).
FAKE_BOLD: dict[Face, float] = {Face.XIAOBIAOSONG: 0.03}


def font_dir() -> str:
    import mplfonts

    return os.path.join(os.path.dirname(mplfonts.__file__), "fonts")


@cache
def _source_font(filename: str) -> TTFont:
    # lazy=True: tables (and CFF charstrings) are decompiled on first use, so only what we draw gets parsed.
    return TTFont(os.path.join(font_dir(), filename), lazy=True)


@cache
def _source_cmap(filename: str) -> dict[int, str]:
    return _source_font(filename).getBestCmap()


def missing_characters(filename: str, text: Iterable[str]) -> set[str]:
    """Characters of `text` the source font has no glyph for (they print as the empty box)."""
    cmap = _source_cmap(filename)
    return {ch for ch in set(text) if ord(ch) not in cmap and not ch.isspace()}


def _convert_glyph(glyph_set, name: str):
    pen = TTGlyphPen(None)
    # CFF outlines run counter-clockwise, TrueType ones clockwise: reverse while converting.
    glyph_set[name].draw(Cu2QuPen(pen, _CU2QU_MAX_ERR, reverse_direction=True))
    return pen.glyph()


def _name_table(source: TTFont, ps_name: str):
    table = newTable("name")
    table.names = []
    for record in source["name"].names:
        if record.nameID not in _KEPT_NAME_IDS or (record.platformID, record.langID) not in (
            (3, 0x409),
            (1, 0),
        ):
            continue
        copy = NameRecord()
        copy.nameID, copy.platformID, copy.platEncID, copy.langID = (
            record.nameID,
            record.platformID,
            record.platEncID,
            record.langID,
        )
        copy.string = ps_name if record.nameID == 6 else record.toUnicode()
        table.names.append(copy)
    return table


def build_truetype_subset(filename: str, chars: Iterable[str], ps_name: str) -> bytes:
    """A TrueType font with the glyphs of `chars` from the CFF font `filename`, named `ps_name`."""
    source = _source_font(filename)
    cmap = _source_cmap(filename)
    wanted = {ord(ch): cmap[ord(ch)] for ch in set(chars) if ord(ch) in cmap}
    glyph_order = [".notdef", *sorted(set(wanted.values()) - {".notdef"}, key=source.getGlyphID)]

    glyph_set = source.getGlyphSet()
    source_hmtx = source["hmtx"]
    glyf = newTable("glyf")
    glyf.glyphOrder = glyph_order
    glyf.glyphs = {}
    metrics = {}
    for name in glyph_order:
        glyph = _convert_glyph(glyph_set, name)
        glyph.recalcBounds(glyf)
        glyf.glyphs[name] = glyph
        metrics[name] = (source_hmtx[name][0], getattr(glyph, "xMin", 0))

    font = TTFont(recalcTimestamp=False)  # keeps the source's timestamp, so output is reproducible
    font.setGlyphOrder(glyph_order)
    font["head"] = deepcopy(source["head"])
    font["head"].glyphDataFormat = 0
    font["hhea"] = deepcopy(source["hhea"])
    font["OS/2"] = deepcopy(source["OS/2"])
    font["post"] = deepcopy(source["post"])
    font["post"].formatType = 3.0  # no glyph names
    font["name"] = _name_table(source, ps_name)

    bmp = {code: name for code, name in wanted.items() if code <= 0xFFFF}
    subtables = []
    fmt4 = CmapSubtable.newSubtable(4)
    fmt4.platformID, fmt4.platEncID, fmt4.language, fmt4.cmap = 3, 1, 0, bmp
    subtables.append(fmt4)
    if len(bmp) < len(wanted):
        fmt12 = CmapSubtable.newSubtable(12)
        fmt12.platformID, fmt12.platEncID, fmt12.language, fmt12.cmap = 3, 10, 0, dict(wanted)
        subtables.append(fmt12)
    font["cmap"] = newTable("cmap")
    font["cmap"].tableVersion = 0
    font["cmap"].tables = subtables

    font["hmtx"] = newTable("hmtx")
    font["hmtx"].metrics = metrics
    font["glyf"] = glyf
    font["loca"] = newTable("loca")
    maxp = font["maxp"] = newTable("maxp")
    maxp.tableVersion = 0x00010000
    for attr in [
        "numGlyphs",
        "maxPoints",
        "maxContours",
        "maxCompositePoints",
        "maxCompositeContours",
        "maxTwilightPoints",
        "maxStorage",
        "maxFunctionDefs",
        "maxInstructionDefs",
        "maxStackElements",
        "maxSizeOfInstructions",
        "maxComponentElements",
        "maxComponentDepth",
    ]:
        setattr(maxp, attr, 0)
    maxp.maxZones = 1  # the rest is recalculated from the glyphs when the font is compiled

    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


@dataclass
class _Subset:
    font: ReportLabTTFont
    pins: int = 0


_lock = threading.RLock()
_subsets: OrderedDict[tuple[str, str], _Subset] = OrderedDict()


def _charset_key(chars: Iterable[str]) -> str:
    return hashlib.sha256("".join(sorted(set(chars))).encode("utf-8", "surrogatepass")).hexdigest()


def _unregister(font: ReportLabTTFont) -> None:
    if hasattr(font, "unregister"):  # ReportLab 5
        font.unregister()
    else:  # what it does, for the ReportLab 4 releases pyproject allows
        pdfmetrics._fonts.pop(font.fontName, None)
        pdfmetrics._dynFaceNames.pop(font.face.name, None)


def _evict() -> None:
    unpinned = [key for key, entry in _subsets.items() if entry.pins == 0]
    for key in unpinned[: max(0, len(unpinned) - SUBSET_CACHE_SIZE)]:
        _unregister(_subsets.pop(key).font)


def _acquire(filename: str, chars: frozenset[str]) -> str:
    key = (filename, _charset_key(chars))
    with _lock:
        entry = _subsets.get(key)
        if entry is None:
            stem = os.path.splitext(filename)[0].replace("-", "")
            # A unique PostScript name: ReportLab maps fonts with the same face name onto the first one registered.
            ps_name = f"{stem}-NC{key[1][:12]}"
            data = build_truetype_subset(filename, chars, ps_name)
            font = ReportLabTTFont(ps_name, io.BytesIO(data))
            pdfmetrics.registerFont(font)
            entry = _subsets[key] = _Subset(font)
        entry.pins += 1
        _subsets.move_to_end(key)
        return entry.font.fontName


def _release(names: Iterable[str]) -> None:
    with _lock:
        for entry in _subsets.values():
            if entry.font.fontName in names:
                entry.pins -= 1
        _evict()


@dataclass
class FontSet:
    """Collects the text each face will print, then provides registered ReportLab fonts for exactly that text."""

    text: dict[str, set[str]] = field(default_factory=dict)  # source file -> characters

    def add(self, face: Face, text: str) -> None:
        self.text.setdefault(FACE_SOURCES[face], set()).update(text)

    @contextmanager
    def registered(self) -> Iterator[dict[Face, str]]:
        """Yield the ReportLab font name for every face, pinned until the block ends."""
        acquired: list[str] = []
        try:
            by_source: dict[str, str] = {}
            for filename, chars in sorted(self.text.items()):
                missing = missing_characters(filename, chars)
                if missing:
                    logger.warning("%s has no glyphs for %s", filename, "".join(sorted(missing)))
                by_source[filename] = _acquire(filename, frozenset(chars))
                acquired.append(by_source[filename])
            yield {face: by_source[source] for face, source in FACE_SOURCES.items() if source in by_source}
        finally:
            _release(acquired)


# ---------------------------------------------------------------------------------------------------- common fonts
#
# Forms printed per person (pledges: the same text, a different name and unit on each) would build a new subset for
# every name. Instead one TrueType font per source holds every GB2312 character plus ASCII and the punctuation in
# use, built once (a few seconds), cached on disk under the data folder and registered once per process. ReportLab
# embeds only the glyphs a PDF uses, so the files stay small. Text with a character outside the set (a rare name)
# falls back to a subset built for exactly that text.


@cache
def common_charset() -> frozenset[str]:
    chars = {chr(c) for c in range(0x20, 0x7F)}
    for hi in range(0xA1, 0xF8):  # GB2312: symbols (A1–A9) and both levels of hanzi (B0–F7)
        for lo in range(0xA1, 0xFF):
            with suppress(UnicodeDecodeError):
                chars.add(bytes([hi, lo]).decode("gb2312"))
    chars.update("，。、；：？！“”‘’（）《》〔〕【】—…·－～　０１２３４５６７８９")
    return frozenset(chars)


def _common_cache_dir() -> str:
    try:
        from django.conf import settings

        path = str(settings.NETCONDUCT_FONT_CACHE)
    except Exception:  # outside Django (a script): the temp folder
        import tempfile

        path = os.path.join(tempfile.gettempdir(), "netconduct-fonts")
    os.makedirs(path, exist_ok=True)
    return path


_common_names: dict[str, str] = {}

# The subsets ReportLab embeds of a common font, kept with their compressed bytes. ReportLab cuts a document's
# characters into subsets of 256 in the order they are first drawn, and builds and deflates each one for every
# document: 5–8 ms a pledge. Pledges of one template share their first subset (ASCII, the title and most of the text)
# and differ from one person to the next only in the last one, so the first is built and deflated once. The bytes are
# the same as ReportLab's own (the same subset, the same zlib call).
KEPT_SUBSETS = 8
_kept_lock = threading.Lock()


class _KeptSubsetsFace(TTFontFace):
    """A common font's face whose subsets (and their deflated streams) are kept, the most recently used first."""

    _kept: OrderedDict

    def makeSubset(self, subset):  # noqa: N802 (ReportLab's name)
        key = tuple(subset)
        with _kept_lock:
            data = self._kept.get(key)
            if data is not None:
                self._kept.move_to_end(key)
                return data
        data = super().makeSubset(subset)
        with _kept_lock:
            self._kept[key] = data
            while len(self._kept) > KEPT_SUBSETS:
                self._kept.popitem(last=False)
        return data

    def addSubsetObjects(self, doc, fontname, subset):  # noqa: N802 (ReportLab's name)
        reference = super().addSubsetObjects(doc, fontname, subset)
        stream = doc.idToObject.get(f"fontFile:{self.filename}({fontname})")
        if stream is not None and stream.filters == [pdfdoc.PDFZCompress]:
            stream.filters = [_KEPT_DEFLATE]
        return reference


class _KeptDeflate(pdfdoc.PDFStreamFilterZCompress):
    """ReportLab's FlateDecode filter, remembering its output for the kept subsets (the same bytes object each time:
    found by identity, without hashing or comparing 60 KB)."""

    def __init__(self) -> None:
        self._done: OrderedDict[int, tuple[bytes, bytes]] = OrderedDict()

    def encode(self, text):
        with _kept_lock:
            hit = self._done.get(id(text))
            if hit is not None and hit[0] is text:
                self._done.move_to_end(id(text))
                return hit[1]
        encoded = super().encode(text)
        with _kept_lock:
            self._done[id(text)] = (text, encoded)  # holds `text`, so its id is not reused while kept
            while len(self._done) > KEPT_SUBSETS * 2:
                self._done.popitem(last=False)
        return encoded


_KEPT_DEFLATE = _KeptDeflate()


def _common_reportlab_font(ps_name: str, path: str) -> ReportLabTTFont:
    font = ReportLabTTFont(ps_name, path)
    font.face.__class__ = _KeptSubsetsFace  # the face ReportLab parsed, with its subsets kept from now on
    font.face._kept = OrderedDict()
    return font


def _common_font(filename: str) -> str:
    with _lock:
        name = _common_names.get(filename)
        if name:
            return name
        stem = os.path.splitext(filename)[0].replace("-", "")
        ps_name = f"{stem}-NCcommon"
        source = os.path.join(font_dir(), filename)
        stamp = hashlib.sha256(
            f"{os.path.getsize(source)}:{_charset_key(common_charset())}".encode()
        ).hexdigest()
        path = os.path.join(
            _common_cache_dir(), f"{ps_name}-{stamp[:12]}.ttf"
        )  # a new source means a new file
        if not os.path.exists(path):
            data = build_truetype_subset(filename, common_charset(), ps_name)
            tmp = f"{path}.{os.getpid()}.tmp"
            with open(tmp, "wb") as out:
                out.write(data)
            os.replace(tmp, path)  # atomic: another process sees the whole file or none
        pdfmetrics.registerFont(_common_reportlab_font(ps_name, path))
        _common_names[filename] = ps_name
        return ps_name


@contextmanager
def common_fonts(text_by_face: dict[Face, str]) -> Iterator[dict[Face, str]]:
    """Registered font names for the faces, covering the text given for each: the shared common font when it covers
    the text, else a subset built for it (as `FontSet` does)."""
    fallback = FontSet()
    names: dict[Face, str] = {}
    common = common_charset()
    for face, text in text_by_face.items():
        if set(text) <= common:
            names[face] = _common_font(FACE_SOURCES[face])
        else:
            fallback.add(face, text)
    if not fallback.text:
        yield names
        return
    with fallback.registered() as built:
        yield {**{face: built[face] for face in text_by_face if face not in names}, **names}
