"""Validators, patterns and masks, one kind at a time. Plain Python: no Django here.

Every pattern starts with a character class and puts its left-boundary lookbehind *after* the first character
(`[0-9](?<![0-9A-Za-z][0-9])…`): Python's regex engine then scans for the first character in C, which a leading
lookbehind would defeat (5× slower on Chinese text). Digits are told from Chinese characters by explicit classes, never
by `\\b` (which sees no boundary between 电话 and 139…, both being word characters). Candidates are validated in
Python only where a pattern hits: checksums, birth dates, prefixes, Luhn, context words.
"""

from __future__ import annotations

import ipaddress
import re
import time

from stdnum.cn import ric

from netconduct.selfcheck import lexicon  # absolute: this module may run compiled, in _compiled

try:
    import cython
except ImportError:  # Cython is not installed: this is the pure Python module
    COMPILED = False
else:
    # True in the build of this source by Cython (netconduct.selfcheck._compiled, typed by _compiled/detectors.pxd),
    # where a few helpers take a typed path of their own; False here. Both paths find the same (tests/test_compiled.py).
    COMPILED = cython.compiled

# ---------------------------------------------------------------------------------------------------- normalising

# Full-width digits, letters and the few signs that occur inside numbers and addresses, one code point for one, so
# offsets found in the normalised text are offsets in the original.
FULLWIDTH = {
    **{0xFF10 + i: 0x30 + i for i in range(10)},
    **{0xFF21 + i: 0x41 + i for i in range(26)},
    **{0xFF41 + i: 0x61 + i for i in range(26)},
    ord("＋"): ord("+"),
    ord("－"): ord("-"),
    ord("＠"): ord("@"),
    ord("．"): ord("."),
    ord("＿"): ord("_"),
}
# "[…][…]*", not "[…]+": a pattern that starts with a repetition gives the regex engine no first character to look
# for, and it then tries a match at every position of the text (three times as slow over a long one).
_FULLWIDTH_RUN = re.compile("[０-９Ａ-Ｚａ-ｚ＋－＠．＿][０-９Ａ-Ｚａ-ｚ＋－＠．＿]*")


def _halfwidth(match: re.Match) -> str:
    return match.group().translate(FULLWIDTH)


def normalise(text: str) -> str:
    """The same text with full-width digits and letters made ASCII; always the same length."""
    if COMPILED and type(text) is str:
        return _fold_runs(text)
    return _FULLWIDTH_RUN.sub(_halfwidth, text)


# Compiled only: 1 for each code point U+FF00 + i that FULLWIDTH folds, i from 0 to 255
_FOLDED = bytes(1 if 0xFF00 + i in FULLWIDTH else 0 for i in range(256))
_FOLDED_PTR = _FOLDED  # compiled: a pointer to its bytes (detectors.pxd)


def _fold_runs(text: str) -> str:
    """Compiled only: `_FULLWIDTH_RUN.sub(_halfwidth, text)`, the runs found by one loop in C over the characters
    (the regex engine takes 7 ns a character), and `text` itself where there is none: "，", "：" and "？" are
    full-width forms too, in most texts, but not folded."""
    pieces = None
    done = 0  # where the text not yet in `pieces` starts
    run = -1  # where the current run of characters to fold started
    i = -1
    for ch in text:
        i += 1
        code = ord(ch)
        if 0xFF0B <= code <= 0xFF5A and _FOLDED_PTR[code - 0xFF00]:
            if run < 0:
                run = i
        elif run >= 0:
            if pieces is None:
                pieces = []
            pieces.append(text[done:run])
            pieces.append(text[run:i].translate(FULLWIDTH))
            done, run = i, -1
    if run >= 0:
        if pieces is None:
            pieces = []
        pieces.append(text[done:run])
        pieces.append(text[run:].translate(FULLWIDTH))
        done = len(text)
    if pieces is None:
        return text
    pieces.append(text[done:])
    return "".join(pieces)


CJK = "\u4e00-\u9fff"


def is_cjk(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff"


def is_ascii_alnum(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


def cjk_class_without(stop: str) -> str:
    """A character class of CJK ideographs minus `stop`, as ranges (the regex module has no class subtraction)."""
    points = sorted({ord(c) for c in stop if is_cjk(c)})
    ranges, lo = [], 0x4E00
    for p in points:
        if p > lo:
            ranges.append((lo, p - 1))
        lo = p + 1
    ranges.append((lo, 0x9FFF))
    return "[" + "".join(chr(a) if a == b else f"{chr(a)}-{chr(b)}" for a, b in ranges) + "]"


def words_pattern(words) -> str:
    """An alternation of literal words, longest first so that the longest wins."""
    return "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))


# ---------------------------------------------------------------------------------------------------- numbers

# A run of digits (seven characters at least), single spaces or dashes between digits allowed, an X only at the end.
# Each pattern the combined scan (`SCAN`, below) holds is written as its first character class and the rest.
_NUMBER_REST = r"(?<![0-9A-Za-z.][0-9])(?=[0-9 \-]{6})[0-9]*+(?:[ \-][0-9]++)*+(?:[Xx](?![0-9A-Za-z]))?"
NUMBER = re.compile("[0-9]" + _NUMBER_REST)
DIGIT_GROUP = re.compile(r"[0-9]+[Xx]?")
NEGATIVE_CONTEXT = re.compile(words_pattern(lexicon.NUMBER_NEGATIVE_CONTEXT))
CARD_CONTEXT = re.compile(words_pattern(lexicon.CARD_CONTEXT))
# "(0477)8561234", "（010） 62345678": an area code in brackets before a local number
AREA_IN_BRACKETS = re.compile(r"[(（](0[0-9]{2,3})[)）][ \-]?$")
# "+86", "+86 ", "(+86)", "（+86）", "0086-" before a mobile number
COUNTRY_CODE = re.compile(r"(?:\+86|[(（]\+?86[)）]|0086)[ \-]?$")
# After a number, these make it an amount, a count or a date part rather than a phone or an ID.
UNIT_AFTER = frozenset("元万亿块角吨斤克米次个件台人户份天年月日时分秒%％")
CURRENCY_BEFORE = frozenset("¥￥$＄")

_DAYS = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def valid_date(year: int, month: int, day: int) -> bool:
    if not (1 <= month <= 12 and 1 <= day <= _DAYS[month - 1]):
        return False
    if month == 2 and day == 29:
        return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    return True


# A year before the one in which the module was imported is past for good, and so is every date in it: asked first,
# as most birth years are, before the clock (time.localtime takes a microsecond, as long as the rest of an ID's check).
_PAST_YEARS_BEFORE = time.localtime().tm_year


def _not_future(year: int, month: int, day: int) -> bool:
    if year < _PAST_YEARS_BEFORE:
        return True
    now = time.localtime()
    return (year, month, day) <= (now.tm_year, now.tm_mon, now.tm_mday)


def id18_check_digit(body17: str) -> str:
    """The ISO 7064 MOD 11-2 check character, as python-stdnum computes it for the roster too."""
    return ric.calc_check_digit(body17 + "0")


def id18_valid(value: str) -> bool:
    """18 characters: a province, a real birth date from 1900 to today, and the ISO 7064 MOD 11-2 check digit."""
    if COMPILED and len(value) == 18 and _ascii_digits(value, 17):  # the same, the digits read in C
        if value[:2] not in lexicon.ID_PROVINCES:
            return False
        year = _digits_value(value, 6, 10)
        month = _digits_value(value, 10, 12)
        day = _digits_value(value, 12, 14)
        if year < 1900 or not valid_date(year, month, day) or not _not_future(year, month, day):
            return False
        # stdnum's calc_check_digit: (1 - 2 * int(body17, 13)) % 11, "X" for 10; here int(body17, 13) modulo 11
        remainder = 0
        for i in range(17):
            remainder = (remainder * 13 + ord(value[i]) - 48) % 11
        check = (1 - 2 * remainder) % 11
        if check < 0:  # C's remainder keeps the sign, Python's does not
            check += 11
        last = value[17]
        if check == 10:
            return last == "X" or last == "x"
        return ord(last) == 48 + check
    if len(value) != 18 or not value[:17].isdigit() or value[:2] not in lexicon.ID_PROVINCES:
        return False
    year, month, day = int(value[6:10]), int(value[10:12]), int(value[12:14])
    if year < 1900 or not valid_date(year, month, day) or not _not_future(year, month, day):
        return False
    return id18_check_digit(value[:17]) == value[17].upper()


def _ascii_digits(value: str, count: int) -> bool:
    """Compiled only: whether the first `count` characters are ASCII digits."""
    for i in range(count):
        code = ord(value[i])
        if code < 48 or code > 57:
            return False
    return True


def _digits_value(value: str, start: int, end: int) -> int:
    """Compiled only: `int(value[start:end])` of ASCII digits."""
    number = 0
    for i in range(start, end):
        number = number * 10 + ord(value[i]) - 48
    return number


def id15_valid(value: str) -> bool:
    """The old 15-digit number: a province and a real birth date 19yy-mm-dd; it had no check digit."""
    if len(value) != 15 or not value.isdigit() or value[:2] not in lexicon.ID_PROVINCES:
        return False
    return valid_date(1900 + int(value[6:8]), int(value[8:10]), int(value[10:12]))


# Luhn: every second digit from the right doubled, its digits summed (0→0, 5→1+0, 9→1+8): one table for them.
_LUHN_DOUBLED = str.maketrans("0123456789", "0246813579")


def luhn_valid(digits: str) -> bool:
    """The Luhn check (as python-stdnum's, which the tests compare it with), without a Python loop per digit."""
    if COMPILED and _ascii_digits(digits, len(digits)):  # the same, one loop in C
        total = 0
        n = len(digits)
        for i in range(n):
            digit = ord(digits[n - 1 - i]) - 48
            if i % 2:
                digit = digit * 2 - 9 if digit > 4 else digit * 2
            total += digit
        return total % 10 == 0
    return (sum(map(int, digits[-1::-2])) + sum(map(int, digits[-2::-2].translate(_LUHN_DOUBLED)))) % 10 == 0


def mobile_valid(digits: str) -> bool:
    return len(digits) == 11 and digits[:3] in lexicon.MOBILE_PREFIXES


def landline_valid(area: str, local: str) -> bool:
    """010 and 02x take 8-digit numbers, 0xxx (x from 3 to 9) 7 or 8; a local number starts with 2 to 9."""
    if not local.isdigit() or local[0] in "01":
        return False
    if len(area) == 3:
        return (area == "010" or area[1] == "2") and len(local) == 8
    if len(area) == 4:
        return area[0] == "0" and area[1] in lexicon.LANDLINE_AREA_PREFIXES and len(local) in (7, 8)
    return False


def landline_split(digits: str) -> tuple[str, str] | None:
    """A landline written without a separator (04778561234): where the area code ends, if it is one."""
    if digits[0] != "0" or len(digits) not in (11, 12):
        return None
    cut = 3 if digits[1] in "12" else 4
    area, local = digits[:cut], digits[cut:]
    return (area, local) if landline_valid(area, local) else None


def card_prefix_strong(digits: str) -> bool:
    """UnionPay's 62 prefix: a Luhn-valid 16–19 digit number starting so is a card without any context."""
    return digits.startswith("62")


def card_prefix_plausible(digits: str) -> bool:
    return digits[0] in "345692" or digits.startswith("60")


# ---------------------------------------------------------------------------------------------------- other patterns

_PASSPORT_HEAD = "[CDEGHKMPSW]"
_PASSPORT_REST = r"(?<![0-9A-Za-z][A-Z])(?:[A-HJ-NP-Z][0-9]{7}|[0-9]{8}(?:[0-9]{2})?)(?![0-9A-Za-z])"
PASSPORT = re.compile(_PASSPORT_HEAD + _PASSPORT_REST)
PASSPORT_CONTEXT = re.compile(words_pattern(lexicon.PASSPORT_CONTEXT))

EMAIL = re.compile(
    r"[A-Za-z0-9](?<![A-Za-z0-9._%+\-][A-Za-z0-9])[A-Za-z0-9._%+\-]{0,63}"
    r"@[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?)*"
    r"\.[A-Za-z]{2,24}(?![A-Za-z0-9])"
)

_IPV4_REST = r"(?<![0-9A-Za-z.][0-9])[0-9]{0,2}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}(?![0-9])"
IPV4 = re.compile("[0-9]" + _IPV4_REST)
_IPV6_HEAD = "[0-9A-Fa-f]"
_IPV6_REST = r"(?<![0-9A-Za-z:][0-9A-Fa-f])[0-9A-Fa-f]{0,3}(?::[0-9A-Fa-f]{0,4}){2,7}"
IPV6 = re.compile(_IPV6_HEAD + _IPV6_REST)
IP_CONTEXT = re.compile(words_pattern(lexicon.IP_CONTEXT))
SECTION_AFTER = frozenset("条节款章版项")


def ipv4_valid(value: str) -> bool:
    parts = value.split(".")
    return len(parts) == 4 and all(p.isdigit() and int(p) <= 255 and (p == "0" or p[0] != "0") for p in parts)


_HEX_AND_COLON = frozenset("0123456789abcdefABCDEF:")


def ipv6_valid(value: str) -> bool:
    if value.endswith(":") and not value.endswith("::"):
        return False
    if value and _HEX_AND_COLON.issuperset(value):
        return _ipv6_hextets_valid(value.split(":"))
    try:
        ipaddress.IPv6Address(value)
    except ValueError:
        return False
    return True


def _ipv6_hextets_valid(parts: list[str]) -> bool:
    """What ipaddress.IPv6Address accepts of hex digits and colons (what the scan finds), without its exceptions:
    its rules step by step (`_ip_int_from_string`: 3 to 9 parts, one "::" at most, edges, 1 to 4 digits a hextet).
    tests/test_scan.py compares the two."""
    count = len(parts)
    if count < 3 or count > 9:
        return False
    skip = -1
    for i in range(1, count - 1):
        if not parts[i]:
            if skip >= 0:
                return False  # a second "::"
            skip = i
    if skip >= 0:
        high, low = skip, count - skip - 1
        if not parts[0]:
            high -= 1
            if high:
                return False  # a leading ":" only as part of "::"
        if not parts[-1]:
            low -= 1
            if low:
                return False  # a trailing ":" only as part of "::"
        if 8 - (high + low) < 1:
            return False
    else:
        if count != 8 or not parts[0] or not parts[-1]:
            return False
        high, low = count, 0
    return all(1 <= len(part) <= 4 for part in parts[:high] + parts[count - low :])


PLATE_SEPARATORS = "·•・‧ -"
_PLATE_HEAD = f"[{lexicon.PLATE_PROVINCES}]"
_PLATE_REST = (
    f"[A-HJ-NP-Z][{PLATE_SEPARATORS}]?"
    r"[A-HJ-NP-Z0-9]{4}[A-HJ-NP-Z0-9挂学警港澳领][A-HJ-NP-Z0-9]?(?![0-9A-Za-z])"
)
PLATE = re.compile(_PLATE_HEAD + _PLATE_REST)


def plate_kind(body: str) -> str | None:
    """The plate's body after province and letter: "regular", "new_energy" or None."""
    if len(body) == 5:
        digits = sum(c.isdigit() for c in body)
        return "regular" if digits >= 3 else None
    if len(body) == 6:
        if body[0] in "DF" and body[2:].isdigit():
            return "new_energy"
        if body[:5].isdigit() and body[5] in "DF":
            return "new_energy"
    return None


# ---------------------------------------------------------------------------------------------------- marks

_PERIOD = r"(?:[0-9]{1,3}\s*(?:年|个月|月|天|日)|[一二三四五六七八九十]{1,3}\s*(?:年|个月)|长期)"
# The three classification levels; rare words, so each occurrence is then looked at in Python: a star (机密★1年), a
# label before it (密级：机密) or a line of its own (the mark at the head of a document).
CLASSIFICATION_LEVEL = re.compile("[绝机秘]密")
CLASSIFICATION_STAR = re.compile(r"[ \t\u3000]*[★☆✩✭*＊]" + f"(?:[ \t\u3000]*{_PERIOD})?")
CLASSIFICATION_LABEL = re.compile(r"密级[ \t\u3000]*[：:]?[ \t\u3000]*$")
LINE_SPACE = " \t\u3000\r"
CASUAL_BEFORE_SECRET = frozenset("小的个大些")

_DOC_HEAD = r"[〔\[［【(（]"
_DOC_REST = r"\s*(?:19|20)[0-9]{2}\s*[〕\]］】)）]\s*(?:第\s*)?[0-9]{1,5}\s*号(?!楼|院|房|室|单元|线|门|床|车|机|位|店|选手)"
DOC_NUMBER = re.compile(_DOC_HEAD + _DOC_REST)
DOC_ISSUER_ENDINGS = frozenset("发字函办文令通报电纪组宣综复批")
DOC_STOP_PREFIX = re.compile("(?:" + words_pattern(lexicon.DOC_NUMBER_STOP_PREFIXES) + ")")
DOC_STOP_CHARS = frozenset("了的在据照到收见即把是今昨请对被给按根依从号")

# ---------------------------------------------------------------------------------------------------- addresses

ADDRESS_CHAR = _A = cjk_class_without(lexicon.ADDRESS_STOP_CHARS)
_PROVINCE = (
    "(?:" + "|".join(sorted(lexicon.PROVINCES, key=len, reverse=True)) + ")"
    r"(?:省|市|壮族自治区|回族自治区|维吾尔自治区|自治区|特别行政区)?"
)
_ROAD_SUFFIX = r"(?:路|大街|街|大道|巷|胡同|弄)"
_ESTATE_SUFFIX = r"(?:小区|花园|家园|公寓|新村|苑|大厦|社区)"
_BUILDING = (
    r"(?:[0-9]{1,3}-[0-9]{1,2}-[0-9]{3,4}室?"
    r"|(?:[0-9]{1,3}(?:号楼|栋|幢|座|号院))(?:[0-9]{1,2}单元)?(?:[0-9]{1,2}(?:层|楼))?(?:[0-9]{1,5}(?:室|号|户)?)?"
    r"|[0-9]{1,2}单元(?:[0-9]{1,5}(?:室|号|户)?)?"
    r"|[0-9]{1,5}(?:室|户))"
)
_HOUSE_NUMBER = r"[0-9]{1,5}(?:-[0-9]{1,5})?号(?!线|文|令|机|车|位|台|店|码|牌|字|件|选手|楼)(?:院)?"
ADDRESS = re.compile(
    f"(?P<province>{_PROVINCE})?"
    f"(?P<city>{_A}{{2,7}}?(?:市|盟|自治州|地区))?"
    f"(?P<district>{_A}{{1,6}}?(?:区|县|旗|市))?"
    f"(?P<town>{_A}{{1,6}}?(?:镇|乡|街道|苏木))?"
    f"(?P<village>{_A}{{1,6}}?(?:村|嘎查)(?:[0-9]{{1,3}}组)?)?"
    "(?:"
    f"(?P<road>{_A}{{1,8}}?{_ROAD_SUFFIX}(?:[东西南北中]段)?){_HOUSE_NUMBER}"
    f"(?:(?P<estate_after_road>{_A}{{1,10}}?{_ESTATE_SUFFIX})?{_BUILDING})?"
    f"|(?P<estate>{_A}{{2,10}}?{_ESTATE_SUFFIX}){_BUILDING}"
    f"|(?(village){_HOUSE_NUMBER}|(?!))"  # 林原村3组15号: a village and a house number, no street
    ")"
)
# Where an address may end: a house number after a road, or a building after an estate. Cheap to scan for.
_ADDRESS_TRIGGER_HEAD = "[路街道巷弄同区园寓村组苑厦]"
_ADDRESS_TRIGGER_REST = r"(?:[东西南北中]段)?[0-9]{1,5}(?:-[0-9]{1,5})?(?:号|栋|幢|座|号楼)"
ADDRESS_TRIGGER = re.compile(_ADDRESS_TRIGGER_HEAD + _ADDRESS_TRIGGER_REST)
# The character before the trigger's first one that makes it a street or an estate (大道, 胡同, 小区, 花园 …).
_TRIGGER_NEEDS = {"道": "大", "同": "胡", "区": "小社", "园": "花家", "寓": "公", "厦": "大"}


def address_trigger_ok(text: str, start: int) -> bool:
    need = _TRIGGER_NEEDS.get(text[start])
    if need is None:
        return True  # 路 街 巷 弄 村 组 苑
    return start > 0 and text[start - 1] in need


CITY_NAMES = lexicon.CITIES | set(lexicon.PROVINCES)

# ---------------------------------------------------------------------------------------------------- people

NAME_LABEL = re.compile("(?:" + words_pattern(lexicon.NAME_LABELS) + r")[ \t]*[：:]?[ \t]*")
TITLE = re.compile("(?:" + words_pattern(lexicon.TITLES) + ")")
# Matched against the reversed text before a finding: what lies between a name and its phone number, read backwards.
NAME_BRIDGE_REVERSED = re.compile(
    r"(?:[\s：:，,、（(]|" + words_pattern(w[::-1] for w in lexicon.NAME_BRIDGE_WORDS) + r")+"
)
_WEAK_LEADING = frozenset("于向和时常成文明安高万全都单")


def name_before(text: str, end: int) -> tuple[int, int] | None:
    """A full name (surname + one or two characters) that ends at `end`, if one does."""
    if COMPILED and 0 <= end <= len(text):  # the same, with the characters' flags read in C (_CHAR_FLAGS)
        for length in (4, 3):
            start = end - length
            if start >= 0 and _compound_at(text, start) and _given_at(text, start + 2, end):
                return start, end
        three = end >= 3 and _flag(text[end - 3], _SURNAME) and _given_at(text, end - 2, end)
        two = end >= 2 and _flag(text[end - 2], _SURNAME) and _given_at(text, end - 1, end)
        if three and not (two and _flag(text[end - 3], _WEAK)):
            return end - 3, end
        if two:
            return end - 2, end
        return None
    for length in (4, 3):  # a compound surname and one or two characters
        start = end - length
        if (
            start >= 0
            and text[start : start + 2] in lexicon.COMPOUND_SURNAMES
            and _given_ok(text[start + 2 : end])
        ):
            return start, end
    three = end >= 3 and text[end - 3] in lexicon.SURNAMES and _given_ok(text[end - 2 : end])
    two = end >= 2 and text[end - 2] in lexicon.SURNAMES and _given_ok(text[end - 1 : end])
    # 王建国 rather than 建国; but 于王伟 → 王伟, where the first character is more often a word than a surname
    if three and not (two and text[end - 3] in _WEAK_LEADING):
        return end - 3, end
    if two:
        return end - 2, end
    return None


# The characters a given name may consist of: CJK ideographs but those that end a name (and 某, 王某某)
_GIVEN_NAME = re.compile(cjk_class_without("".join(lexicon.NOT_IN_GIVEN_NAME) + "某") + "+")


_NOT_GIVEN_CHARS = frozenset("".join(lexicon.NOT_IN_GIVEN_NAME) + "某")

# Compiled only: what the name helpers ask of a character, as bits of one byte per code point of the Basic
# Multilingual Plane, read in C where the pure Python looks a one-character string up in a set. Every character of
# these sets is in the plane (asserted), so a character outside it has no bit.
_SURNAME, _NOT_GIVEN, _WEAK, _NOT_IN_GIVEN, _COMPOUND = 1, 2, 4, 8, 16


def _char_flags() -> bytes:
    flags = bytearray(0x10000)
    for bit, chars in (
        (_SURNAME, lexicon.SURNAMES),
        (_NOT_GIVEN, _NOT_GIVEN_CHARS),
        (_WEAK, _WEAK_LEADING),
        (_NOT_IN_GIVEN, lexicon.NOT_IN_GIVEN_NAME),
        (_COMPOUND, {surname[0] for surname in lexicon.COMPOUND_SURNAMES}),
    ):
        for c in chars:
            assert len(c) == 1 and ord(c) < 0x10000, c
            flags[ord(c)] |= bit
    return bytes(flags)


_CHAR_FLAGS = _char_flags()
_CHAR_FLAGS_PTR = _CHAR_FLAGS  # compiled: a pointer to its bytes (detectors.pxd)


def _flag(ch: str, bit: int) -> bool:
    """Compiled only: whether the character has the bit in _CHAR_FLAGS."""
    code = ord(ch)
    return code < 0x10000 and (_CHAR_FLAGS_PTR[code] & bit) != 0


def _compound_at(text: str, start: int) -> bool:
    """Compiled only: `text[start : start + 2] in lexicon.COMPOUND_SURNAMES` for 0 <= start, the slice made only where
    a compound surname starts with the character."""
    return (
        start + 2 <= len(text)
        and _flag(text[start], _COMPOUND)
        and text[start : start + 2] in lexicon.COMPOUND_SURNAMES
    )


def _given_at(text: str, start: int, end: int) -> bool:
    """Compiled only: `_given_ok(text[start:end])` for 0 <= start and end <= len(text), without the slice and the
    regex."""
    if end <= start:
        return False
    for i in range(start, end):
        code = ord(text[i])
        if code < 0x4E00 or code > 0x9FFF or (_CHAR_FLAGS_PTR[code] & _NOT_GIVEN):
            return False
    return True


def name_may_end_before(text: str, end: int) -> bool:
    """Whether any full name can end at `end` (a cheap test before `name_exact` at each length): a character of a
    given name right before it, and a surname (or a compound one) where a name of two, three or four would start."""
    if end < 2:
        return False
    if COMPILED and end <= len(text):  # the same, with the characters' flags read in C
        code = ord(text[end - 1])
        if code < 0x4E00 or code > 0x9FFF or (_CHAR_FLAGS_PTR[code] & _NOT_GIVEN):
            return False
        if _flag(text[end - 2], _SURNAME):
            return True
        if end >= 3 and (_flag(text[end - 3], _SURNAME) or _compound_at(text, end - 3)):
            return True
        return end >= 4 and _compound_at(text, end - 4)
    last = text[end - 1]
    if not ("\u4e00" <= last <= "\u9fff") or last in _NOT_GIVEN_CHARS:
        return False
    surnames, compound = lexicon.SURNAMES, lexicon.COMPOUND_SURNAMES
    if text[end - 2] in surnames:
        return True
    if end >= 3 and (text[end - 3] in surnames or text[end - 3 : end - 1] in compound):
        return True
    return end >= 4 and text[end - 4 : end - 2] in compound


def _given_ok(given: str) -> bool:
    return _GIVEN_NAME.fullmatch(given) is not None


# One set lookup per name looked at, not two or three
_NOT_NAMES = lexicon.PUBLIC_NAMES | lexicon.WORDS_NOT_NAMES
_NOT_NAMES_WEAK = _NOT_NAMES | lexicon.COMMON_WORDS


def is_name(value: str) -> bool:
    """Not a public name and not a word that only looks like one."""
    return value not in _NOT_NAMES


def is_name_weak(value: str) -> bool:
    """`is_name`, and not a common word either: for names whose only cue is weak."""
    return value not in _NOT_NAMES_WEAK


# What may come before a name in working chatter ("和王建国一起", "上午李娜打电话来", "。王建国说"): a verb, the end of
# a time word, a stop or a space.
CHATTER_BEFORE = lexicon.NAME_BEFORE_VERB | lexicon.NAME_AFTER_TIME | frozenset("，。！？；、：: \t\n\u3000")
# A role label: a word ending in 人 or 员 and a colon ("报销人：", "值班员：")
ROLE_LABEL_END = re.compile("[人员][ \t]*[：:][ \t]*")
# Names alone in brackets, one or a few separated by 、 ("（王建国）", "（王建国、李娜）")
NAMES_IN_BRACKETS = re.compile(f"[（(]([{CJK}]{{2,4}}(?:、[{CJK}]{{2,4}})*)[）)]")
# What may stand between the names of a list, and around a name that a list gives
NAME_LIST_JOINERS = frozenset("、和与及")
NAME_LIST_EDGE = frozenset("、和与及，,。；;：:！？）)（( \t\n等一二两三四五六七八九十几")
NAME_LIST_START = NAME_LIST_EDGE | lexicon.NAME_LIST_BEFORE


def name_exact(text: str, start: int, end: int) -> bool:
    """Whether text[start:end] is a full name: a surname and one or two characters of a given name."""
    if COMPILED and start >= 0 and end <= len(text):  # the same, with the characters' flags read in C
        if 3 <= end - start <= 4 and _compound_at(text, start):
            return _given_at(text, start + 2, end)
        return 2 <= end - start <= 3 and _flag(text[start], _SURNAME) and _given_at(text, start + 1, end)
    if text[start : start + 2] in lexicon.COMPOUND_SURNAMES and 3 <= end - start <= 4:
        return _given_ok(text[start + 2 : end])
    return 2 <= end - start <= 3 and text[start] in lexicon.SURNAMES and _given_ok(text[start + 1 : end])


def name_after(text: str, start: int) -> tuple[int, int] | None:
    """A full name that starts at `start` ("联系人：王建国，…")."""
    if COMPILED and start >= 0:  # the same, with the characters' flags read in C
        limit = min(len(text), start + 4)
        end = start
        while end < limit and "\u4e00" <= text[end] <= "\u9fff":
            end += 1
        if end - start < 2:
            return None
        if _compound_at(text, start):
            given_from = start + 2
        elif _flag(text[start], _SURNAME):
            given_from = start + 1
        else:
            return None
        stop = given_from
        while stop < end and stop - given_from < 2 and not _flag(text[stop], _NOT_IN_GIVEN):
            stop += 1
        if stop == given_from:
            return None
        return start, stop
    limit = min(len(text), start + 4)
    end = start
    while end < limit and is_cjk(text[end]):
        end += 1
    if end - start < 2:
        return None
    if text[start : start + 2] in lexicon.COMPOUND_SURNAMES:
        given_from = start + 2
    elif text[start] in lexicon.SURNAMES:
        given_from = start + 1
    else:
        return None
    stop = given_from
    while stop < end and stop - given_from < 2 and text[stop] not in lexicon.NOT_IN_GIVEN_NAME:
        stop += 1
    if stop == given_from:
        return None
    return start, stop


# ---------------------------------------------------------------------------------------------------- one scan

# The patterns above that start at distinct characters, in one compiled pattern: one pass of the regex engine finds
# every number, IPv4/IPv6 address, passport, plate, classification level, document number and address trigger, and
# the capturing group that matched says which. (Name labels and titles, words whose first characters are common, are
# found by the keyword automaton instead: in this pattern they made the regex engine stop at every 工, 部 and 经.) The
# pattern is one character class of every kind's first characters (0, 1, …, 京, 〔, 路 …), which the regex engine
# skips to in C (a prefix character set), then an alternation with one branch per set of characters that start the
# same kinds (the digits, the plates' provinces …), each a one-character lookbehind at the character consumed: a
# handful of branches to try at a hit, not one per character (ninety literals, which made the scan twice as slow).
# Inside a branch, each kind captures its rest in a lookahead, so a match of one kind never hides one of another kind
# that starts inside it; `scan` skips, per kind, what starts inside the previous match of that kind, which is what
# `finditer` on the kind's own pattern does. No two kinds can match at the same position (checked by the tests
# against the separate patterns); e-mail addresses can (13912345678@…), so they keep their own pass, run only where
# there is an "@".


def _chars(spec: str) -> str:
    """The characters of a simple class body (a-z ranges and escaped characters), in order."""
    out, i = [], 0
    while i < len(spec):
        c = spec[i]
        if c == "\\":
            out.append(spec[i + 1])
            i += 2
        elif i + 2 < len(spec) and spec[i + 1] == "-":
            out.extend(chr(x) for x in range(ord(c), ord(spec[i + 2]) + 1))
            i += 3
        else:
            out.append(c)
            i += 1
    return "".join(out)


def _same_rest(head: str, rest: str) -> dict[str, str]:
    assert head[0] == "[" and head[-1] == "]", head
    return dict.fromkeys(_chars(head[1:-1]), rest)


# kind → {first character: pattern of the rest}: the same patterns as NUMBER, IPV4 … split after the first character.
SCAN_KINDS: dict[str, dict[str, str]] = {
    "number": _same_rest("[0-9]", _NUMBER_REST),
    "ipv4": _same_rest("[0-9]", _IPV4_REST),
    "ipv6": _same_rest(_IPV6_HEAD, _IPV6_REST),
    "passport": _same_rest(_PASSPORT_HEAD, _PASSPORT_REST),
    "plate": _same_rest(_PLATE_HEAD, _PLATE_REST),
    "level": _same_rest("[绝机秘]", "密"),
    "doc": _same_rest(_DOC_HEAD, _DOC_REST),
    "address": _same_rest(_ADDRESS_TRIGGER_HEAD, _ADDRESS_TRIGGER_REST),
}


def _build_scan() -> tuple[re.Pattern, tuple[str, ...]]:
    by_first: dict[str, list[tuple[str, str]]] = {}
    for kind, rests in SCAN_KINDS.items():
        for first, rest in rests.items():
            by_first.setdefault(first, []).append((kind, rest))
    # The characters that start the same kinds, in order of first appearance (the digits first: the most frequent)
    same_kinds: dict[tuple[tuple[str, str], ...], list[str]] = {}
    for first, entries in by_first.items():
        same_kinds.setdefault(tuple(entries), []).append(first)
    group_kinds: list[str] = [""]  # group 0 is the whole match
    branches = []
    for entries, firsts in same_kinds.items():
        inner = []
        for kind, rest in entries:
            inner.append(f"(?=({rest}))")
            group_kinds.append(kind)
        chars = _class(firsts)
        branch = f"(?<={chars})(?:" + "|".join(inner) + ")"
        if all(first.isascii() and first.isalnum() for first in firsts):
            # Every kind that starts with a digit or a letter refuses to start after one: said once, before the
            # kinds; and the rest of the run of digits and letters is consumed, where no kind can start, so that the
            # regex engine does not stop at each of its characters again. The empty alternative consumes it where no
            # kind matches too: a match without a group (`lastindex` None, which `scan` and the engine skip), which
            # costs less than failing again at each of the run's characters (dates, amounts, times).
            branch = f"(?<={chars})(?<![0-9A-Za-z].)(?:" + "|".join(inner) + "|)[0-9A-Za-z]*+"
        else:
            assert not any(first.isascii() and first.isalnum() for first in firsts), firsts
        branches.append(branch)
    return re.compile(_class(by_first) + "(?:" + "|".join(branches) + ")"), tuple(group_kinds)


def _class(chars) -> str:
    return "[" + "".join(re.escape(c) for c in chars) + "]"


SCAN, SCAN_GROUP_KINDS = _build_scan()
# The same kinds as separate patterns: what SCAN must agree with (the tests compare them).
SCAN_PATTERNS: dict[str, re.Pattern] = {
    "number": NUMBER,
    "ipv4": IPV4,
    "ipv6": IPV6,
    "passport": PASSPORT,
    "plate": PLATE,
    "level": CLASSIFICATION_LEVEL,
    "doc": DOC_NUMBER,
    "address": ADDRESS_TRIGGER,
}


def scan(text: str):
    """(kind, start, end) of every match of the SCAN_KINDS in `text`, in order of start; per kind the same spans
    as `SCAN_PATTERNS[kind].finditer(text)`."""
    ends: dict[str, int] = {}
    kinds = SCAN_GROUP_KINDS
    for m in SCAN.finditer(text):
        group = m.lastindex
        if group is None:
            continue  # a run of digits or letters that starts no kind
        kind = kinds[group]
        start = m.start()
        if start < ends.get(kind, 0):
            continue
        end = m.end(group)
        ends[kind] = end
        yield kind, start, end


# ---------------------------------------------------------------------------------------------------- masks

# Compiled, each mask is made by `_star_ranks` in C, in one string of the length of the value, where the pure Python
# joins slices and stars (or a list of characters where separators stay): it is made for every finding. (Lists, not
# generators, for join: a generator is a closure, which the compiled functions, cpdef in detectors.pxd, cannot hold.)


def mask_keep(value: str, head: int, tail: int) -> str:
    """Stars for the letters and digits (and CJK) of `value` except the first `head` and last `tail` of them;
    separators stay, so the mask has the original's length and shape."""
    if COMPILED and type(value) is str:  # the same, in C
        count = _count(value, _ALNUM)
        if count <= head + tail:
            return _star_ranks(value, 1, count, _ALNUM)  # all but the first, as below
        return _star_ranks(value, head, count - tail, _ALNUM)
    n = len(value)
    if value.isalnum():  # the common case, no separators: slices
        if n <= head + tail:
            return value[:1] + "*" * (n - 1)
        return value[:head] + "*" * (n - head - tail) + value[n - tail :]
    significant = [i for i, c in enumerate(value) if c.isalnum()]
    if len(significant) <= head + tail:
        keep = set(significant[:1])
    else:
        keep = set(significant[:head]) | set(significant[len(significant) - tail :] if tail else ())
    return "".join([c if (i in keep or not c.isalnum()) else "*" for i, c in enumerate(value)])


def mask_head(value: str, keep: int) -> str:
    """The first `keep` characters, and a star for each of the others (names)."""
    if COMPILED and type(value) is str:  # the same, in C
        return _star_ranks(value, keep, len(value), _ANY)
    return value[:keep] + "*" * (len(value) - keep)


# What str.isspace() calls whitespace (re's "\\s" on str patterns is the same Unicode property): found in C, not by a
# Python loop over the characters
_WHITESPACE = re.compile(r"\s")


def mask_all(value: str) -> str:
    """Stars for everything but whitespace (marks, document numbers: brackets and ★ included)."""
    if COMPILED and type(value) is str:  # the same, in C
        return _star_ranks(value, 0, len(value), _NOT_SPACE)
    if value.isalnum() or _WHITESPACE.search(value) is None:
        return "*" * len(value)
    return "".join([c if c.isspace() else "*" for c in value])


def mask_email(value: str) -> str:
    local, _, domain = value.partition("@")
    return mask_head(local, 1) + "@" + domain


def mask_ip(value: str) -> str:
    sep = "." if "." in value else ":"
    head, _, rest = value.partition(sep)
    if COMPILED:  # the same, in C
        return head + sep + _star_ranks(rest, 0, len(rest), _ALNUM)
    return head + sep + "".join(["*" if c.isalnum() else c for c in rest])


def mask_mobile(value: str) -> str:
    """139****5678; a country code or separators before it stay."""
    if COMPILED and type(value) is str:  # the same, in C: the eighth to the fifth digit from the end
        return _star_ranks(value, -8, -4, _DIGIT)
    if value.isdigit() and len(value) == 11:
        return value[:3] + "****" + value[7:]
    digits = [i for i, c in enumerate(value) if c.isdigit()]
    hidden = set(digits[-8:-4])
    return "".join(["*" if i in hidden else c for i, c in enumerate(value)])


# Compiled only: which characters `_star_ranks` counts: any, letters and digits (str.isalnum), all but whitespace
# (str.isspace), digits (str.isdigit); the same tests in C as the str methods make of each character.
_ANY, _ALNUM, _NOT_SPACE, _DIGIT = 0, 1, 2, 3


def _counts(ch: str, which: int) -> bool:
    if which == _ALNUM:
        return ch.isalnum()
    if which == _NOT_SPACE:
        return not ch.isspace()
    if which == _DIGIT:
        return ch.isdigit()
    return True


def _count(value: str, which: int) -> int:
    """Compiled only: how many of the characters of `value` `_star_ranks` counts."""
    count = 0
    for ch in value:
        if _counts(ch, which):
            count += 1
    return count


def _star_ranks(value: str, lo: int, hi: int, which: int) -> str:
    """Compiled only: `value` with a star for each character it counts (`which`) whose rank among those is from `lo`
    to `hi` (negative: from the end, as a slice of their list takes them); made in C, in one new string."""
    if lo < 0 or hi < 0:
        count = _count(value, which)
        if lo < 0:
            lo = max(0, count + lo)
        if hi < 0:
            hi = max(0, count + hi)
    if lo >= hi:
        return value
    # The largest character of the mask first: a string is stored in the narrowest width that holds its characters
    # (a mask of CJK may be all stars, of width 1), and strings of the same characters compare equal only so.
    largest = 0
    rank = 0
    for ch in value:
        if _counts(ch, which):
            if lo <= rank < hi:
                ch = "*"
            rank += 1
        if ch > largest:
            largest = ch
    masked = PyUnicode_New(len(value), largest)  # noqa: F821 (declared in _compiled/detectors.pxd)
    width = PyUnicode_KIND(masked)  # noqa: F821
    data = PyUnicode_DATA(masked)  # noqa: F821
    rank = 0
    for i, ch in enumerate(value):
        if _counts(ch, which):
            if lo <= rank < hi:
                ch = "*"
            rank += 1
        PyUnicode_WRITE(width, data, i, ch)  # noqa: F821
    return masked
