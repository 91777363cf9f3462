"""Norms text (规范条文) into articles and items, from pasted text, a .txt file or a .docx file.

The input is what people actually have: text copied out of a PDF or a Word file, with page breaks and line breaks
in the middle of sentences, items written "(一)", "（一）" or "一、" behind list dashes, and article headings that
run straight into the first sentence. The rules below are deterministic; each is written where it is applied.

Lines into paragraphs
    A line continues the paragraph before it when that paragraph does not end a sentence (its last character,
    past closing quotes and brackets, is not one of 。；：！？…) and the line does not start an article, an item,
    a chapter or an attachment. Blank lines do not matter: page breaks leave them in the middle of sentences.
    Before the first article nothing is joined: that part only supplies the title, and its lines (marks, titles,
    dates) rarely end in punctuation.

Article headings
    1. An article line that is short (at most HEADING_MAX characters), has no sentence punctuation (，。；：！？)
       and does not open with a subject word (集团公司…, 本规范…, 各级…: a sentence broken at the end of the
       line) is a heading on a line of its own: 第三条 严禁参与以下网络传播行为. The lines after it are the
       article's text or items, never part of the heading.
    2. Otherwise a heading separated from the text by a full-width space, two spaces or a tab is split there.
    3. Otherwise a heading run into the first sentence (第二条 严守政治纪律和政治规矩集团公司党员干部必须…) is
       split before the first subject word (集团公司, 各级, 党员干部, 本规范…, see SUBJECT_WORDS) that comes
       at least 4 and at most HEADING_MAX characters in, with no sentence punctuation before it, and not right
       after a word that needs an object (是, 的, 对, 在, 由…): "网络行为是党员干部言行的…" has no heading.
    4. Otherwise the article has no heading: all of it is text (第一条 of the seed).

Everything of an article that is neither its heading nor an item is its text: the text before the items and any
text after them, paragraphs joined by newlines. Chapters (第一章 总则) end the paragraph before them and are not
kept. A standalone attachment mark (附件2) after the articles ends the norms: what follows is another document.
"""

from __future__ import annotations

import codecs
import io
import re
import zipfile
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

from django.utils.translation import gettext as _

from netconduct.core.ooxml import bomb_part, bomb_refusal, declared_dtd_part, dtd_refusal

__all__ = [
    "HEADING_MAX",
    "MAX_FILE_BYTES",
    "NormArticle",
    "NormItem",
    "NormsParseError",
    "NormsStructure",
    "Paragraph",
    "cite",
    "ends_sentence",
    "format_outline",
    "from_chinese_numeral",
    "join_broken_lines",
    "parse_citation",
    "parse_norms",
    "read_text_file",
    "to_chinese_numeral",
]

HEADING_MAX = 30
MAX_FILE_BYTES = 10 * 1024 * 1024

# Heading rules 1 and 3: words that open the first sentence of an article; a heading never starts with one.
# Longer words first, so that 党员干部 is matched as one word and 干部 inside it is never a second candidate.
SUBJECT_WORDS = (
    "集团公司",
    "各党支部",
    "各党组织",
    "党员干部",
    "领导干部",
    "本规范",
    "本规定",
    "本办法",
    "本制度",
    "本细则",
    "各单位",
    "各部门",
    "各级",
    "公司",
    "党员",
    "干部",
    "职工",
    "员工",
    "全体",
    "任何",
)
# A heading does not end in a word that wants an object or a complement ("网络行为是|党员干部…").
_NOT_HEADING_END = frozenset("是的了在对和与及或为由将把被向从按以于其之等各该本所")
_SENTENCE_PUNCT = frozenset("，。；：！？,;:!?")
_FINAL = frozenset("。；：！？!?;:…．.")
_CLOSERS = "”’」』）)》〉】〕］]\"' \t\u3000"

_NUM = r"[零〇一二两三四五六七八九十百]+|[0-9０-９]+"
_CN_NUM = r"[零〇一二两三四五六七八九十百]+"
_BULLET_RE = re.compile(r"^(?:[•·●○▪■◆◇►▶]|[-*－–](?=\s|[（(]|第))\s*")
_ARTICLE_RE = re.compile(rf"^第\s*(?P<num>{_NUM})\s*条(?P<rest>.*)$")
# "第三条规定的…" at the start of a line is a reference carried over from the line before, not a new article.
_REFERENCE_AFTER_ARTICLE = re.compile(r"^(?:第|之|的|规定|所|中|款|项|至|、|，|,|和|或|及|以外|以上|以下)")
_ITEM_RE = re.compile(rf"^(?:[(（]\s*(?P<num>{_NUM})\s*[)）]|(?P<cnum>{_CN_NUM})、)\s*(?P<rest>.*)$")
_CHAPTER_RE = re.compile(rf"^第\s*(?:{_NUM})\s*[章节编]")
_ATTACHMENT_MARK_RE = re.compile(r"^附\s*件\s*[0-9０-９一二三四五六七八九十]*$")
_FULLWIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")
_LINE_BREAKS = re.compile(r"\r\n|[\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")
_INVISIBLE = re.compile(r"[\u200b-\u200d\u2060\ufeff]")
_SPACES = " \t\u3000\xa0"


class NormsParseError(ValueError):
    """Text that cannot be read as norms. `message` is Chinese and names the line and the reason."""

    def __init__(self, message: str, *, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line

    def __str__(self) -> str:
        return self.message


# ---------------------------------------------------------------------------------------------- numerals

_DIGITS = "零一二三四五六七八九"


def to_chinese_numeral(n: int) -> str:
    """1..999 in Chinese numerals as legal texts write them: 十, 十一, 二十, 一百, 一百零五, 一百一十."""
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= 999:
        raise ValueError(f"只能写出 1 到 999 的整数，不能写出 {n!r}")
    hundreds, rest = divmod(n, 100)
    tens, ones = divmod(rest, 10)
    parts = []
    if hundreds:
        parts.append(_DIGITS[hundreds] + "百")
    if tens:
        if hundreds or tens > 1:
            parts.append(_DIGITS[tens])
        parts.append("十")
    elif hundreds and ones:
        parts.append("零")
    if ones:
        parts.append(_DIGITS[ones])
    return "".join(parts)


_FROM_CHINESE = {to_chinese_numeral(n): n for n in range(1, 1000)}


def from_chinese_numeral(s: str) -> int:
    """The inverse of to_chinese_numeral, also accepting 〇 for 零, 两百 and 一十五."""
    key = s.strip().replace("〇", "零")
    if key.startswith("两百"):
        key = "二" + key[1:]
    if key.startswith("一十"):
        key = key[1:]
    try:
        return _FROM_CHINESE[key]
    except KeyError:
        raise ValueError(f"不是 1 到 999 的中文数字：{s!r}") from None


def _number(s: str) -> int:
    s = s.strip().translate(_FULLWIDTH_DIGITS)
    if s.isascii() and s.isdigit():
        return int(s)
    return from_chinese_numeral(s)


def _article_label(n: int) -> str:
    return f"第{to_chinese_numeral(n)}条"


def _item_label(n: int) -> str:
    return f"第（{to_chinese_numeral(n)}）项"


# --------------------------------------------------------------------------------------------- citations


def cite(article: int, item: int | None = None) -> str:
    """cite(4, 6) == "第四条第（六）项"; cite(7) == "第七条"."""
    if item is None:
        return _article_label(article)
    return _article_label(article) + _item_label(item)


_CITATION_RE = re.compile(
    rf"^第\s*(?P<article>{_NUM})\s*条"
    rf"(?:第\s*(?P<item_a>{_NUM})\s*项"
    rf"|第?\s*\(\s*(?P<item_b>{_NUM})\s*\)\s*项?"
    rf"|第?\s*（\s*(?P<item_c>{_NUM})\s*）\s*项?)?$"
)


def parse_citation(s: str) -> tuple[int, int | None]:
    """Read a citation: "第四条第（六）项", "第4条第6项", "第四条（六）" → (4, 6); "第七条" → (7, None).

    Raises ValueError for anything else."""
    if not isinstance(s, str):
        raise ValueError(f"不是条款引用：{s!r}")
    m = _CITATION_RE.match(s.strip())
    if not m:
        raise ValueError(f"不是条款引用（应形如“第四条”或“第四条第（六）项”）：{s!r}")
    article = _number(m["article"])
    item_text = m["item_a"] or m["item_b"] or m["item_c"]
    item = _number(item_text) if item_text else None
    if article < 1 or (item is not None and item < 1):
        raise ValueError(f"条、项序号从一开始：{s!r}")
    return article, item


# -------------------------------------------------------------------------------------------- structure


@dataclass(frozen=True)
class NormItem:
    number: int
    text: str
    line: int = 0  # where the item starts in the source text; not part of to_dict()

    def to_dict(self) -> dict[str, Any]:
        return {"number": self.number, "text": self.text}


@dataclass(frozen=True)
class NormArticle:
    number: int
    heading: str
    text: str
    items: tuple[NormItem, ...] = ()
    line: int = 0

    @property
    def label(self) -> str:
        return _article_label(self.number)

    def item(self, number: int) -> NormItem:
        for item in self.items:
            if item.number == number:
                return item
        raise KeyError(cite(self.number, number))

    def to_dict(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "heading": self.heading,
            "text": self.text,
            "items": [item.to_dict() for item in self.items],
        }


@dataclass(frozen=True)
class NormsStructure:
    title: str
    articles: tuple[NormArticle, ...] = field(default_factory=tuple)

    def article(self, number: int) -> NormArticle:
        for article in self.articles:
            if article.number == number:
                return article
        raise KeyError(cite(number))

    def resolve(self, citation: str) -> NormArticle | NormItem:
        """The article or item that a citation such as "第四条第（六）项" names; KeyError when there is none."""
        article_no, item_no = parse_citation(citation)
        article = self.article(article_no)
        return article if item_no is None else article.item(item_no)

    @property
    def item_count(self) -> int:
        return sum(len(article.items) for article in self.articles)

    def to_dict(self) -> dict[str, Any]:
        return {"title": self.title, "articles": [article.to_dict() for article in self.articles]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> NormsStructure:
        return cls(
            title=data.get("title", ""),
            articles=tuple(
                NormArticle(
                    number=int(a["number"]),
                    heading=a.get("heading", ""),
                    text=a.get("text", ""),
                    items=tuple(
                        NormItem(number=int(i["number"]), text=i["text"]) for i in a.get("items", ())
                    ),
                )
                for a in data.get("articles", ())
            ),
        )


# ----------------------------------------------------------------------------------------------- lines


def _split_lines(text: str) -> list[str]:
    return _LINE_BREAKS.sub("\n", text).split("\n")


def _clean(line: str) -> str:
    return _INVISIBLE.sub("", line).strip(_SPACES)


def _strip_bullet(line: str) -> str:
    return _BULLET_RE.sub("", line, count=1)


def ends_sentence(text: str) -> bool:
    """Whether a paragraph ends a sentence: its last character past closing quotes and brackets is one of
    。；：！？… A line ending in “内部” or 《…》 does not, a line ending in 。” does."""
    stripped = text.rstrip(_CLOSERS)
    return bool(stripped) and stripped[-1] in _FINAL


def _join(before: str, after: str) -> str:
    if before and after and before[-1].isascii() and before[-1].isalnum() and after[0].isascii():
        return f"{before} {after}"
    return before + after


@dataclass(frozen=True)
class Paragraph:
    line: int  # the source line the paragraph starts on, counted from first_line
    text: str


def join_broken_lines(
    text: str,
    *,
    starts_paragraph: Callable[[str], bool] = lambda line: False,
    stands_alone: Callable[[str], bool] = lambda line: False,
    first_line: int = 1,
) -> list[Paragraph]:
    """Lines into paragraphs, joining a line to the paragraph before it when that paragraph does not end a
    sentence. `starts_paragraph(line)` marks lines that always start a paragraph (numbered points);
    `stands_alone(line)` marks lines that are a paragraph by themselves (headings, form fields). Blank lines
    are ignored, because page breaks leave them inside sentences."""
    paragraphs: list[Paragraph] = []
    closed = True
    for number, raw in enumerate(_split_lines(text), start=first_line):
        line = _clean(raw)
        if not line:
            continue
        alone = stands_alone(line)
        if paragraphs and not closed and not alone and not starts_paragraph(line):
            last = paragraphs[-1]
            if not ends_sentence(last.text):
                paragraphs[-1] = Paragraph(last.line, _join(last.text, line))
                continue
        paragraphs.append(Paragraph(number, line))
        closed = alone
    return paragraphs


# ----------------------------------------------------------------------------------------------- blocks


@dataclass
class _Block:
    kind: str  # "article", "item", "chapter", "mark" or "text"
    line: int
    number: int
    text: str
    closed: bool = False  # takes no continuation lines


def _classify(line: str) -> tuple[str, int, str]:
    body = _strip_bullet(line)
    m = _ARTICLE_RE.match(body)
    if m:
        rest = m["rest"]
        joined_reference = not rest[:1].isspace() and _REFERENCE_AFTER_ARTICLE.match(rest)
        if not joined_reference:
            try:
                return "article", _number(m["num"]), rest.lstrip(_SPACES + ":：、.．")
            except ValueError:
                pass
    m = _ITEM_RE.match(body)
    if m:
        try:
            return "item", _number(m["num"] or m["cnum"]), m["rest"].strip(_SPACES)
        except ValueError:
            pass
    if _CHAPTER_RE.match(body) and len(body) <= HEADING_MAX and not any(ch in _SENTENCE_PUNCT for ch in body):
        return "chapter", 0, body
    if _ATTACHMENT_MARK_RE.match(body):
        return "mark", 0, body
    return "text", 0, body


def _is_heading_only(rest: str) -> bool:
    return (
        0 < len(rest) <= HEADING_MAX
        and not any(ch in _SENTENCE_PUNCT for ch in rest)
        and not rest.startswith(SUBJECT_WORDS)
    )


_GAP_RE = re.compile(
    rf"^(?P<head>\S{{2,{HEADING_MAX}}}?)(?:\u3000+|\t+|[ \t]{{2,}})\s*(?P<tail>\S.*)$", re.DOTALL
)
_SUBJECT_RE = re.compile("|".join(SUBJECT_WORDS))


def _split_heading(rest: str) -> tuple[str, str]:
    """Heading rules 2-4 of the module docstring, for an article line that is not a heading by itself."""
    m = _GAP_RE.match(rest)
    if m and not any(ch in _SENTENCE_PUNCT for ch in m["head"]):
        return m["head"], m["tail"]
    if rest.startswith(SUBJECT_WORDS):
        return "", rest
    for m in _SUBJECT_RE.finditer(rest):
        i = m.start()
        if i > HEADING_MAX or any(ch in _SENTENCE_PUNCT for ch in rest[:i]):
            break
        if i >= 4 and rest[i - 1] not in _NOT_HEADING_END:
            return rest[:i], rest[i:]
    return "", rest


def _blocks(text: str, first_line: int) -> list[_Block]:
    blocks: list[_Block] = []
    seen_article = False
    for number, raw in enumerate(_split_lines(text), start=first_line):
        line = _clean(raw)
        if not line:
            continue
        kind, value, rest = _classify(line)
        if kind == "text":
            prev = blocks[-1] if blocks else None
            if (
                seen_article
                and prev is not None
                and prev.kind in ("article", "item", "text")
                and not prev.closed
                and not ends_sentence(prev.text)
            ):
                was_bare_article = prev.kind == "article" and not prev.text
                prev.text = _join(prev.text, rest)
                if was_bare_article:  # "第五条" alone on its line, its heading on the next
                    prev.closed = _is_heading_only(prev.text)
                continue
            blocks.append(_Block("text", number, 0, rest, closed=not seen_article))
            continue
        if kind == "article":
            seen_article = True
        closed = kind in ("chapter", "mark") or (kind == "article" and _is_heading_only(rest))
        blocks.append(_Block(kind, number, value, rest, closed=closed))
    return blocks


# ----------------------------------------------------------------------------------------------- parsing


def _fail(line: int, message: str) -> NormsParseError:
    return NormsParseError(_("第%(line)s行：%(message)s") % {"line": line, "message": message}, line=line)


@dataclass
class _ArticleDraft:
    number: int
    line: int
    heading: str
    texts: list[str]
    items: list[NormItem] = field(default_factory=list)
    item_lines: dict[int, int] = field(default_factory=dict)

    def freeze(self) -> NormArticle:
        return NormArticle(
            number=self.number,
            heading=self.heading,
            text="\n".join(t for t in self.texts if t),
            items=tuple(self.items),
            line=self.line,
        )


def parse_norms(text: str, *, first_line: int = 1) -> NormsStructure:
    """Parse norms text into title, articles and items (see the module docstring for the rules).

    `first_line` is the number of the text's first line in the file it came from, so that error messages
    name the right line when the norms are a part of a larger file. Raises NormsParseError when the text has
    no articles, or its articles or an article's items are not numbered 一, 二, 三… in order."""
    if not text or not text.strip():
        raise NormsParseError(_("文本为空，未找到任何条文。"))
    blocks = _blocks(text, first_line)
    title_lines: list[str] = []
    drafts: list[_ArticleDraft] = []
    article_lines: dict[int, int] = {}
    for block in blocks:
        if block.kind == "mark":
            if drafts:
                break  # the next attachment begins
            title_lines = []  # the title is the first line after the attachment mark
            continue
        if block.kind == "chapter":
            continue
        if block.kind == "article":
            expected = drafts[-1].number + 1 if drafts else 1
            n = block.number
            if n in article_lines:
                raise _fail(
                    block.line,
                    _("%(article_label)s重复（第%(article_lines)s行已有%(article_label)s）")
                    % {"article_label": _article_label(n), "article_lines": article_lines[n]},
                )
            if n != expected:
                reason = (
                    _("%(article_label)s之后应为%(article_label2)s")
                    % {
                        "article_label": _article_label(drafts[-1].number),
                        "article_label2": _article_label(expected),
                    }
                    if drafts
                    else _("条文应从第一条开始")
                )
                raise _fail(
                    block.line,
                    _("%(article_label)s出现在%(article_label2)s之前（%(reason)s）")
                    % {
                        "article_label": _article_label(n),
                        "article_label2": _article_label(expected),
                        "reason": reason,
                    },
                )
            article_lines[n] = block.line
            if block.closed:
                heading, intro = block.text, ""
            else:
                heading, intro = _split_heading(block.text)
            drafts.append(_ArticleDraft(n, block.line, heading.strip(_SPACES), [intro.strip(_SPACES)]))
            continue
        if not drafts:  # the part before the first article only supplies the title
            if block.kind == "text":
                title_lines.append(block.text)
            continue
        current = drafts[-1]
        if block.kind == "item":
            n = block.number
            expected = current.items[-1].number + 1 if current.items else 1
            where = current.number
            if n in current.item_lines:
                raise _fail(
                    block.line,
                    _("%(cite)s重复（第%(item_lines)s行已有%(cite)s）")
                    % {"cite": cite(where, n), "item_lines": current.item_lines[n]},
                )
            if n != expected:
                reason = (
                    _("%(item_label)s之后应为%(item_label2)s")
                    % {"item_label": _item_label(expected - 1), "item_label2": _item_label(expected)}
                    if current.items
                    else _("各项应从第（一）项开始")
                )
                raise _fail(
                    block.line,
                    _("%(article_label)s的%(item_label)s出现在%(item_label2)s之前（%(reason)s）")
                    % {
                        "article_label": _article_label(where),
                        "item_label": _item_label(n),
                        "item_label2": _item_label(expected),
                        "reason": reason,
                    },
                )
            current.item_lines[n] = block.line
            current.items.append(NormItem(n, block.text, block.line))
        else:
            current.texts.append(block.text)
    if not drafts:
        count = len(_split_lines(text))
        raise NormsParseError(
            _("未找到任何条文：全文%(count)s行中没有一行以“第一条”“第1条”这样的条文序号开头。")
            % {"count": count}
        )
    title = next((t for t in title_lines if t), "")
    title = re.sub(r"^#+\s*", "", title)
    return NormsStructure(title=title, articles=tuple(d.freeze() for d in drafts))


# ----------------------------------------------------------------------------------------------- files


def read_text_file(name: str, data: bytes) -> str:
    """The text of an uploaded norms file: .docx paragraphs in order (tables included, automatic numbering
    such as “第%1条” written out), or a text file in UTF-8 (with or without BOM), UTF-16 with BOM or GB18030.
    Raises NormsParseError for anything else."""
    if len(data) > MAX_FILE_BYTES:
        raise NormsParseError(
            _("文件过大（%(len)s KB），规范文件不应超过 %(mb)s MB。")
            % {"len": len(data) // 1024, "mb": MAX_FILE_BYTES // 1024 // 1024}
        )
    suffix = PurePath(name or "").suffix.lower()
    if data.startswith(b"PK\x03\x04"):
        if suffix not in ("", ".docx", ".txt"):
            raise NormsParseError(
                _("不支持的文件类型“%(suffix)s”：请上传 .docx 或 .txt 文件。") % {"suffix": suffix}
            )
        return _docx_text(data)
    if data.startswith(b"\xd0\xcf\x11\xe0") or suffix in (".doc", ".wps"):
        raise NormsParseError(_("不支持旧版 Word（.doc）或 WPS 格式：请另存为 .docx 或 .txt 后再上传。"))
    if suffix == ".docx":
        raise NormsParseError(_("文件扩展名是 .docx，但内容不是 Word 文档：文件可能已损坏。"))
    if suffix not in ("", ".txt", ".text", ".md"):
        raise NormsParseError(
            _("不支持的文件类型“%(suffix)s”：请上传 .docx 或 .txt 文件。") % {"suffix": suffix}
        )
    return _decode(data)


def _decode(data: bytes) -> str:
    if data.startswith(codecs.BOM_UTF8):
        candidates = [("utf-8-sig", data)]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        candidates = [("utf-16", data)]
    else:
        candidates = [("utf-8", data), ("gb18030", data)]
    for encoding, raw in candidates:
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" in text:
            break
        return text
    raise NormsParseError(
        _("无法识别文件编码：文本文件应为 UTF-8 或 GB18030（GBK）编码，且不能是二进制文件。")
    )


MAX_DOCX_UNPACKED = 50 * 1024 * 1024


def _docx_text(data: bytes) -> str:
    import docx
    from docx.oxml.ns import qn
    from docx.table import Table
    from docx.text.paragraph import Paragraph as DocxParagraph

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if sum(info.file_size for info in archive.infolist()) > MAX_DOCX_UNPACKED:
                raise NormsParseError(_("Word 文件解压后过大（超过 50 MB），疑似压缩炸弹，已拒绝读取。"))
            if (bomb := bomb_part(archive)) is not None:
                raise NormsParseError(bomb_refusal("Word 文件", *bomb))
            part = declared_dtd_part(archive)
    except (zipfile.BadZipFile, EOFError, zlib.error):
        raise NormsParseError(_("无法读取 .docx 文件：文件已损坏，或只是改了扩展名。")) from None
    if part is not None:
        raise NormsParseError(dtd_refusal("Word 文件", part))
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises several unrelated types for a damaged package
        raise NormsParseError(_("无法读取 .docx 文件：%(exc)s") % {"exc": exc}) from None
    numbering = _DocxNumbering(document)
    lines: list[str] = []

    def add(paragraphs: Iterable[DocxParagraph]) -> None:
        for paragraph in paragraphs:
            label = numbering.label(paragraph._p)
            text = paragraph.text
            lines.extend(f"{label} {text}".split("\n") if label else text.split("\n"))

    for child in document.element.body.iterchildren():
        if child.tag == qn("w:p"):
            add([DocxParagraph(child, document)])
        elif child.tag == qn("w:tbl"):
            seen: set[int] = set()
            for row in Table(child, document).rows:
                for cell in row.cells:
                    if id(cell._tc) not in seen:  # a merged cell appears once per spanned column
                        seen.add(id(cell._tc))
                        add(cell.paragraphs)
    return "\n".join(lines)


class _DocxNumbering:
    """The labels Word draws for automatically numbered paragraphs ("第%1条", "（%1）"), which are not in the
    paragraph text. Counters run per abstract numbering, as Word's do, and restart where a list overrides its
    start; a level restarts whenever a higher level advances."""

    def __init__(self, document: Any) -> None:
        from docx.oxml.ns import qn

        self._qn = qn
        self.levels: dict[tuple[str, int], tuple[str, str, int]] = {}
        self.abstract_of: dict[str, str] = {}
        self.start_overrides: dict[str, dict[int, int]] = {}
        self.counters: dict[str, dict[int, int]] = {}
        self.restarted: set[str] = set()
        self.style_numbering: dict[str, tuple[str, int]] = {}
        try:
            root = document.part.numbering_part.element
        except (KeyError, NotImplementedError, AttributeError):
            root = None
        if root is not None:
            self._read_numbering(root)
        self._read_styles(document)

    def _val(self, element: Any, tag: str, default: str | None = None) -> str | None:
        child = element.find(self._qn(tag)) if element is not None else None
        return child.get(self._qn("w:val"), default) if child is not None else default

    def _read_numbering(self, root: Any) -> None:
        qn = self._qn
        for abstract in root.findall(qn("w:abstractNum")):
            abstract_id = abstract.get(qn("w:abstractNumId"))
            for lvl in abstract.findall(qn("w:lvl")):
                level = int(lvl.get(qn("w:ilvl"), "0"))
                self.levels[(abstract_id, level)] = (
                    self._val(lvl, "w:numFmt", "decimal") or "decimal",
                    self._val(lvl, "w:lvlText", "") or "",
                    int(self._val(lvl, "w:start", "1") or 1),
                )
        for num in root.findall(qn("w:num")):
            num_id = num.get(qn("w:numId"))
            self.abstract_of[num_id] = self._val(num, "w:abstractNumId") or ""
            for override in num.findall(qn("w:lvlOverride")):
                start = self._val(override, "w:startOverride")
                if start is not None:
                    level = int(override.get(qn("w:ilvl"), "0"))
                    self.start_overrides.setdefault(num_id, {})[level] = int(start)

    def _read_styles(self, document: Any) -> None:
        qn = self._qn
        try:
            styles = document.styles.element
        except (KeyError, AttributeError):
            return
        own: dict[str, tuple[str, int] | None] = {}
        based_on: dict[str, str] = {}
        for style in styles.findall(qn("w:style")):
            style_id = style.get(qn("w:styleId"))
            num_pr = style.find(f"{qn('w:pPr')}/{qn('w:numPr')}")
            own[style_id] = self._num_pr(num_pr)
            parent = self._val(style, "w:basedOn")
            if parent:
                based_on[style_id] = parent
        for style_id in own:
            current: str | None = style_id
            for _hop in range(20):  # basedOn chains are short; a cycle must not hang the upload
                if current is None:
                    break
                if own.get(current):
                    self.style_numbering[style_id] = own[current]  # type: ignore[assignment]
                    break
                current = based_on.get(current)

    def _num_pr(self, num_pr: Any) -> tuple[str, int] | None:
        if num_pr is None:
            return None
        num_id = self._val(num_pr, "w:numId")
        if num_id is None:
            return None
        return num_id, int(self._val(num_pr, "w:ilvl", "0") or 0)

    def label(self, p: Any) -> str:
        qn = self._qn
        p_pr = p.find(qn("w:pPr"))
        numbered = self._num_pr(p_pr.find(qn("w:numPr"))) if p_pr is not None else None
        if numbered is None and p_pr is not None:
            numbered = self.style_numbering.get(self._val(p_pr, "w:pStyle") or "")
        if numbered is None or numbered[0] == "0" or numbered[0] not in self.abstract_of:
            return ""
        num_id, level = numbered
        abstract_id = self.abstract_of[num_id]
        if (abstract_id, level) not in self.levels:
            return ""
        counters = self.counters.setdefault(abstract_id, {})
        if num_id not in self.restarted:
            self.restarted.add(num_id)
            for lvl, start in self.start_overrides.get(num_id, {}).items():
                counters[lvl] = start - 1
        fmt, text, start = self.levels[(abstract_id, level)]
        counters[level] = counters.get(level, start - 1) + 1
        for deeper in [lvl for lvl in counters if lvl > level]:
            del counters[deeper]
        if fmt == "bullet":
            return ""

        def render(m: re.Match[str]) -> str:
            lvl = int(m.group(1)) - 1
            lvl_fmt, _text, lvl_start = self.levels.get((abstract_id, lvl), ("decimal", "", 1))
            return _format_number(counters.get(lvl, lvl_start), lvl_fmt)

        return re.sub(r"%([1-9])", render, text)


def _format_number(n: int, fmt: str) -> str:
    if ("chinese" in fmt.lower() or fmt in ("japaneseCounting", "taiwaneseCounting")) and 1 <= n <= 999:
        return to_chinese_numeral(n)
    if fmt == "decimalFullWidth":
        return str(n).translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    return str(n)


# ----------------------------------------------------------------------------------------------- output


def format_outline(structure: NormsStructure) -> str:
    """A readable outline: the title, one line per article with its heading, its text and its items indented."""
    lines = [
        f"标题：{structure.title or '（无）'}",
        f"共{len(structure.articles)}条，{structure.item_count}项",
        "",
    ]
    for article in structure.articles:
        lines.append(f"{article.label} {article.heading}".rstrip())
        lines.extend(f"    {part}" for part in article.text.split("\n") if part)
        lines.extend(f"    （{to_chinese_numeral(item.number)}）{item.text}" for item in article.items)
    return "\n".join(lines)
