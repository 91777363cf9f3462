"""The input of the renderers: an official document as plain, frozen data.

Nothing here knows about Django. The documents app builds an `OfficialDocument` from its models and hands it to
`render_pdf` / `render_docx`; tests build one by hand.

Conventions, so that callers need not guess:
- `addressees` is stored without the trailing full-width colon ("各党支部"); the renderers add "：". A trailing
  "：" or ":" given by a caller is stripped, so either spelling renders the same.
- Text is plain: no markup. A "\n" in a title (document or attachment) is a line break chosen by the author, which
  GB/T 9704 7.3.1 asks for ("回行时，要做到词意完整"); elsewhere "\n" is a forced line break inside a paragraph.
- Sequences are stored as tuples, whatever sequence the caller passed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import IntEnum, StrEnum


class Level(IntEnum):
    """Structure level of a paragraph (GB/T 9704-2012 7.3.3)."""

    BODY = 0  # body text, 仿宋
    H1 = 1  # "一、", 黑体
    H2 = 2  # "（一）", 楷体
    H3 = 3  # "1.", 仿宋


class Align(StrEnum):
    JUSTIFY = "justify"  # the default: first line indented two characters, both edges flush
    CENTER = "center"  # no indent, centred
    RIGHT = "right"  # flush right, two characters from the right edge (like a signature line)


@dataclass(frozen=True)
class Paragraph:
    text: str
    level: Level = Level.BODY
    align: Align = Align.JUSTIFY

    def __post_init__(self) -> None:
        object.__setattr__(self, "level", Level(self.level))
        object.__setattr__(self, "align", Align(self.align))


@dataclass(frozen=True)
class Attachment:
    """One attachment, printed after the main text, starting on a new page."""

    label: str  # "附件1", or "附件" when there is only one
    title: str
    body: Sequence[Paragraph] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "body", tuple(self.body))


def _strip_colon(text: str) -> str:
    return text.rstrip().rstrip("：:").rstrip()


@dataclass(frozen=True, kw_only=True)
class OfficialDocument:
    issuer_mark: str  # 发文机关标志, "…委员会文件"
    number: str = ""  # 发文字号, "西北能化党发〔2023〕36号"; empty for a draft
    title: str
    addressees: str = ""  # 主送机关, without the colon
    body: Sequence[Paragraph] = ()
    attachments_list: Sequence[str] = ()  # titles for the 附件说明 line(s)
    signature_unit: str = ""  # 发文机关署名; empty: no signature line
    signed_on: date | None = None  # 成文日期
    printer_unit: str = ""  # 印发机关
    printed_on: date | None = None  # 印发日期
    copy_to: str = ""  # 抄送机关, comma-separated as it should print, without the final "。"
    attachments: Sequence[Attachment] = ()
    draft: bool = False  # prints "草稿" across every page

    def __post_init__(self) -> None:
        object.__setattr__(self, "addressees", _strip_colon(self.addressees))
        object.__setattr__(self, "body", tuple(self.body))
        object.__setattr__(self, "attachments_list", tuple(self.attachments_list))
        object.__setattr__(self, "attachments", tuple(self.attachments))
        object.__setattr__(self, "copy_to", self.copy_to.strip().rstrip("。"))
        if not self.title.strip():
            raise ValueError("an official document needs a title")
        if not self.body:
            # GB/T 9704-2012 7.3.3: the first page must show body text.
            raise ValueError("an official document needs body text")

    @property
    def has_colophon(self) -> bool:
        """Whether there is a 版记 to print (GB/T 9704-2012 7.4)."""
        return bool(self.printer_unit or self.printed_on or self.copy_to)


def chinese_date(value: date) -> str:
    """ "2023年6月8日": Arabic numerals, full year, no leading zeros (GB/T 9704-2012 7.3.5.4, 7.4.3)."""
    return f"{value.year}年{value.month}月{value.day}日"
