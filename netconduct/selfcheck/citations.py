"""Which article and item of the norms each kind of finding concerns, written as the norms write them.

Kept here rather than read from the structured norms in `documents`: the detectors run without Django (CLI, bench,
other processes), and the two articles they cite are fixed by the text the committee adopted (the seed's 附件1):

  第五条 严禁以下违反保密规定的行为
    （一）泄露党和国家秘密、工作秘密；
    （二）泄露单位内部文件、数据、资料以及不宜公开的内部敏感信息；
  第六条 严禁以下侵犯公民权利的行为
    （一）侵犯他人隐私和泄露个人信息；
"""

from __future__ import annotations

from .kinds import (
    ADDRESS,
    BANK_CARD,
    CLASSIFICATION_MARK,
    DOC_NUMBER,
    EMAIL,
    ID_CARD,
    INTERNAL_MARK,
    IP,
    KEYWORD,
    LANDLINE,
    MOBILE,
    PASSPORT,
    PERSON,
    PLATE,
)

_DIGITS = "零一二三四五六七八九"

# (article, item) -> the item's words as the norms have them
ITEMS: dict[tuple[int, int], str] = {
    (5, 1): "泄露党和国家秘密、工作秘密",
    (5, 2): "泄露单位内部文件、数据、资料以及不宜公开的内部敏感信息",
    (6, 1): "侵犯他人隐私和泄露个人信息",
}

ARTICLE_TITLES: dict[int, str] = {
    5: "严禁以下违反保密规定的行为",
    6: "严禁以下侵犯公民权利的行为",
}

_PERSONAL = (6, 1)
KIND_ITEMS: dict[str, tuple[int, int]] = {
    ID_CARD: _PERSONAL,
    MOBILE: _PERSONAL,
    LANDLINE: _PERSONAL,
    BANK_CARD: _PERSONAL,
    EMAIL: _PERSONAL,
    IP: _PERSONAL,
    PLATE: _PERSONAL,
    PASSPORT: _PERSONAL,
    ADDRESS: _PERSONAL,
    PERSON: _PERSONAL,
    CLASSIFICATION_MARK: (5, 1),
    INTERNAL_MARK: (5, 2),
    DOC_NUMBER: (5, 2),
    KEYWORD: (5, 2),
}


def chinese_number(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 20 → 二十, 99 → 九十九 (articles and items stay below a hundred)."""
    if not 0 < n < 100:
        raise ValueError(f"article and item numbers run from 1 to 99, not {n}")
    tens, ones = divmod(n, 10)
    if tens == 0:
        return _DIGITS[ones]
    return ("" if tens == 1 else _DIGITS[tens]) + "十" + (_DIGITS[ones] if ones else "")


def cite(article: int, item: int | None = None) -> str:
    """cite(6, 1) → "第六条第（一）项"; cite(5) → "第五条"."""
    text = f"第{chinese_number(article)}条"
    if item is not None:
        text += f"第（{chinese_number(item)}）项"
    return text


CITATIONS: dict[str, str] = {kind: cite(*item) for kind, item in KIND_ITEMS.items()}


def item_text(kind: str) -> str:
    """The words of the item a kind concerns, for a tooltip next to the citation."""
    return ITEMS[KIND_ITEMS[kind]]
