"""Dimensions and text rules of GB/T 9704-2012 shared by the PDF and DOCX renderers. Lengths are in points."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

MM = 72 / 25.4

PAGE_WIDTH = 210 * MM  # A4 (5.1)
PAGE_HEIGHT = 297 * MM
TOP_MARGIN = 37 * MM  # 天头 (5.2.1)
LEFT_MARGIN = 28 * MM  # 订口
TEXT_WIDTH = 156 * MM  # 版心, page number excluded
TEXT_HEIGHT = 225 * MM
RIGHT_MARGIN = PAGE_WIDTH - LEFT_MARGIN - TEXT_WIDTH  # 26 mm
BOTTOM_MARGIN = PAGE_HEIGHT - TOP_MARGIN - TEXT_HEIGHT  # 35 mm

LINES_PER_PAGE = 22  # 5.2.3: 22 lines of 28 characters, filling the 版心
CHARS_PER_LINE = 28
LINE_PITCH = TEXT_HEIGHT / LINES_PER_PAGE  # 28.99 pt
CHAR_PITCH = TEXT_WIDTH / CHARS_PER_LINE  # 15.79 pt: 3号 characters set slightly tighter than their 16 pt

SIZE_2 = 22.0  # 2号: title
SIZE_3 = 16.0  # 3号: body
SIZE_4 = 14.0  # 4号: 版记, page numbers

ISSUER_MARK_TOP = 35 * MM  # 7.2.4: top edge of the issuer mark below the top of the 版心
ISSUER_MARK_MAX_SIZE = 42.0  # 初号; the standard leaves the size to the issuer
ISSUER_MARK_MIN_SCALE = 0.65  # long names are narrowed down to this width before the size is reduced
NUMBER_RULE_GAP = 4 * MM  # 7.2.7: red rule 4 mm below the document number
RED_RULE_WIDTH = 1.0 * MM / 2  # not specified by the standard; 0.5 mm is what printed documents show
PAGE_NUMBER_DROP = 7 * MM  # 7.5: the dashes 7 mm below the bottom of the 版心
COLOPHON_THICK = 0.35 * MM  # 7.4.1
COLOPHON_THIN = 0.25 * MM

RED = (0xE6, 0x00, 0x12)  # 大红, C0 M100 Y100 K0 in print

CANNOT_START = set("，。、；：？！）》」』】〕〉”’…·%‰,.;:?!)]}>~")
CANNOT_END = set("（《「『【〔〈“‘([{<")


SENTENCE_END = set("。！？；.!?;")


def stands_as_heading(text: str) -> bool:
    """Whether a numbered paragraph ("一、…", "（一）…") is a heading that must not end a page.

    One that ends like a sentence ("（一）《规范》全文。") is an item of text: a page may end after it, and a run of
    such items must not drag each other to the next page, leaving a third of a page empty.
    """
    return text.rstrip()[-1:] not in SENTENCE_END


def run_in_heading(text: str) -> int:
    """Length of the heading sentence that opens a numbered paragraph and runs into its text ("（一）加强组织领导。
    各单位要……"): it alone takes the heading's face, the rest the body's. The whole text when nothing follows."""
    for index, ch in enumerate(text):
        if ch == "。":
            return index + 1 if text[index + 1 :].strip() else len(text)
    return len(text)


def page_number_text(number: int) -> str:
    """7.5: half-width Arabic numerals with an em dash on each side."""
    return f"— {number} —"


def attachment_note(titles: Sequence[str]) -> list[tuple[str, str]]:
    """7.3.4: the lines of the 附件说明 as (prefix, title); item 2 onwards aligns under "1."."""
    if len(titles) == 1:
        return [("附件：", titles[0])]
    return [(("附件：" if i == 0 else "") + f"{i + 1}.", title) for i, title in enumerate(titles)]


def em_width(text: str) -> float:
    """Width of `text` in ems when CJK characters are full width and ASCII half width (Word's character grid)."""
    return sum(0.5 if ord(ch) < 0x2E80 else 1.0 for ch in text)


def issuer_mark_size(natural_em_width: float) -> tuple[float, float]:
    """Font size and horizontal scale for an issuer mark `natural_em_width` ems wide, to fit on one line.

    7.2.4 asks for a mark that is 醒目、美观、庄重 without fixing its size: use 初号 when it fits, narrow the
    characters (as 长宋-style red heads are) down to ISSUER_MARK_MIN_SCALE, and only then make them smaller.
    """
    if natural_em_width <= 0:
        return ISSUER_MARK_MAX_SIZE, 1.0
    size = min(ISSUER_MARK_MAX_SIZE, TEXT_WIDTH / (natural_em_width * ISSUER_MARK_MIN_SCALE))
    scale = min(1.0, TEXT_WIDTH / (natural_em_width * size))
    return size, scale


_TOKEN = re.compile(r"[A-Za-z0-9]+|.", re.S)
_FUZZ = 1e-6

BrokenLine = tuple[str, float, bool]  # text, natural width, last line of its segment


def _bad_break(tokens: Sequence[str], k: int) -> bool:
    """Whether a line break before tokens[k] leaves a closing mark first or an opening mark last."""
    return tokens[k] in CANNOT_START or tokens[k - 1] in CANNOT_END


def break_lines(text: str, measure: Callable[[str], float], first: float, rest: float) -> list[BrokenLine]:
    """Break `text` into lines `first` wide, then `rest` wide; "\n" forces a break.

    Breaks fall between characters, never inside a run of Latin letters or digits. A closing mark does not start a
    line and an opening mark does not end one: the break moves back a character (推出); when it cannot, the closing
    mark is squeezed onto the line.
    """
    result: list[BrokenLine] = []
    for segment in text.split("\n"):
        tokens = _TOKEN.findall(segment)
        widths = [measure(token) for token in tokens]
        i, n = 0, len(tokens)
        if n == 0:
            result.append(("", 0.0, True))
        while i < n:
            if result and tokens[i] == " ":  # a space does not start a continuation line
                i += 1
                continue
            avail = first if not result else rest
            j, used = i, 0.0
            while j < n and used + widths[j] <= avail + _FUZZ:
                used += widths[j]
                j += 1
            j = max(j, i + 1)  # a token wider than the line sticks out rather than loops
            if j < n:
                k = j
                while k > i + 1 and _bad_break(tokens, k):
                    k -= 1
                if not _bad_break(tokens, k):
                    j = k
                elif tokens[j] in CANNOT_START:
                    j += 1
            line = "".join(tokens[i:j]).rstrip(" ")
            result.append((line, measure(line), j >= n))
            i = j
    return result


def balanced_lines(text: str, measure: Callable[[str], float], width: float) -> list[BrokenLine]:
    """Lines of `text` as even in length as possible within `width` (titles: 排列对称).

    Binary search for the narrowest measure that needs no more lines than the greedy break at `width`. The
    standard also wants breaks that keep words whole (词意完整); without a dictionary we cannot know words, so
    authors put a "\n" where a title should break and we keep it.
    """
    greedy = break_lines(text, measure, width, width)
    if len(greedy) < 2 or "\n" in text:
        return greedy
    low, high = measure(text) / len(greedy), width
    for _ in range(24):
        middle = (low + high) / 2
        if len(break_lines(text, measure, middle, middle)) > len(greedy):
            low = middle
        else:
            high = middle
    return break_lines(text, measure, high, high)
