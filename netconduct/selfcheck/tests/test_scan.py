"""The combined scan (detectors.SCAN) against the separate patterns it replaces, the fast path that makes findings,
and the person cues of issue 16: no Django, no database."""

from __future__ import annotations

import dataclasses
import random

import pytest

from netconduct.selfcheck import detectors as d
from netconduct.selfcheck import lexicon
from netconduct.selfcheck.engine import Engine, Finding, _finding

from .files import card, id18

ENGINE = Engine(roster_names=["王建国", "李娜"])


def found(text: str) -> list[tuple[str, str]]:
    return [(f.kind, text[f.start : f.end]) for f in ENGINE.check(text)]


def separate(text: str) -> list[tuple[str, int, int]]:
    """What finditer on each kind's own pattern finds: what the combined scan replaces."""
    return sorted((kind, m.start(), m.end()) for kind, p in d.SCAN_PATTERNS.items() for m in p.finditer(text))


# Fragments that start kinds inside, next to and on top of each other.
FRAGMENTS = [
    "13912345678",
    "139 1234 5678",
    "139-1234-5678",
    "+86 139 1234 5678",
    "13912345678@qq.com",
    "12 345 6789 1.2.3.4",
    "192.168.1.10",
    "10.0.0.1:8080",
    "2001:db8::1",
    "fe80::1ff:fe23:4567:890a",
    "E12345678",
    "G1234567",
    "C12345678",
    "京A12345",
    "蒙A·D12345",
    "机密★1年",
    "绝密",
    "秘密",
    "〔2023〕12号",
    "（2024）3号",
    "[2022]7号",
    "联系人：",
    "紧急联系人:",
    "户主任",
    "副书记",
    "总经理",
    "工程师",
    "人民路12号",
    "阳光小区3号楼",
    "林原村3组15号",
    "0477-8561234",
    "(0477)8561234",
    "2024年3月5日",
    "v1.2.3.4",
    "ABCDEF",
    "X",
    "王",
    "，",
    " ",
    "\n",
    "的",
    "号",
    "路",
    "0",
    "9",
]


def test_scan_finds_what_the_separate_patterns_find():
    rng = random.Random(16)
    texts = ["".join(rng.choice(FRAGMENTS) for _ in range(rng.randint(1, 12))) for _ in range(3000)]
    texts.append(id18() + " " + card("622202", 19) + "，" + "".join(FRAGMENTS))
    for text in texts:
        assert sorted(d.scan(text)) == separate(text), text
    assert {kind for text in texts for kind, *_ in d.scan(text)} == set(d.SCAN_PATTERNS)


def test_scan_finds_nothing_where_nothing_starts():
    assert list(d.scan("各党支部要高度重视，认真组织学习。")) == []
    assert list(d.scan("")) == []
    # inside a run of digits and letters no kind starts: 123456X7890 is no number, ab13912345678 no mobile
    assert list(d.scan("ab13912345678")) == separate("ab13912345678") == []


def test_no_two_kinds_of_the_scan_match_at_one_position():
    """The combined pattern reports one kind per position: it is right only while no two kinds can start at one."""
    rng = random.Random(7)
    for _ in range(3000):
        text = "".join(rng.choice(FRAGMENTS) for _ in range(rng.randint(1, 8)))
        starts = [(start, kind) for kind, start, _end in separate(text)]
        by_start: dict[int, set[str]] = {}
        for start, kind in starts:
            by_start.setdefault(start, set()).add(kind)
        assert all(len(k) == 1 for k in by_start.values()), text


def test_findings_made_fast_are_the_frozen_dataclass():
    fast = _finding("mobile", 2, 13, "139****5678", "手机号码", "第六条第（一）项", "medium")
    assert fast == Finding("mobile", 2, 13, "139****5678", "手机号码", "第六条第（一）项", "medium")
    assert dataclasses.astuple(fast) == (
        "mobile",
        2,
        13,
        "139****5678",
        "手机号码",
        "第六条第（一）项",
        "medium",
    )
    with pytest.raises(dataclasses.FrozenInstanceError):
        fast.kind = "email"  # type: ignore[misc]


def test_overlapping_findings_still_give_way():
    # the mobile number inside the e-mail address wins (it comes first in PRIORITY); nothing else is reported
    assert found("13912345678@qq.com") == [("mobile", "13912345678")]


# ---------------------------------------------------------------------------------------------------- people


def test_names_in_working_chatter():
    assert found("昨天和叶兰国一起去医院") == [("person", "叶兰国")]
    assert found("这件事你直接找刘德华商量") == [("person", "刘德华")]
    assert found("周明说下午的会推迟") == [("person", "周明")]
    assert found("上午钱国打电话来") == [("person", "钱国")]
    assert found("周末和上官俊胜一起去看展览") == [("person", "上官俊胜")]


def test_names_after_role_labels_in_brackets_and_in_lists():
    assert found("报销人：孙晓峰，金额300元") == [("person", "孙晓峰")]
    assert found("值班员：赵丽") == [("person", "赵丽")]
    assert found("宣传由综合部负责（钱伟、孙丽）") == [("person", "钱伟"), ("person", "孙丽")]
    assert found("感谢王建国、吴刚和郑爽三位同志") == [
        ("person", "王建国"),
        ("person", "吴刚"),
        ("person", "郑爽"),
    ]
    assert found("感谢史强、叶磊和谢德德同志") == [
        ("person", "史强"),
        ("person", "叶磊"),
        ("person", "谢德德"),
    ]


def test_words_that_look_like_names_are_not_names():
    assert found("项目经理说了算，车间主任下午来，请司机师傅提前到") == []
    assert found("各单位（盖章）于月底前报送，金额（万元）保留两位小数") == []
    assert found("万一联系不上就找值班室，平时常常说，时常联系群众") == []
    assert found("请大家和工作人员一起布置会场，文件说得很清楚") == []
    assert found("工作人员：请各位按顺序入场。本人：同意") == []
    assert found("王经理说好的，和大家一起学习，向党组织汇报") == []
    assert found("周末我和同事一起去看了展览") == []


def test_common_words_come_from_the_shipped_list():
    assert len(lexicon.COMMON_WORDS) > 3000
    assert {"常常", "万一", "盖章", "江苏"} <= lexicon.COMMON_WORDS
    assert not d.is_name_weak("常常") and d.is_name_weak("叶兰国")
    # a label, a title or personal information still marks such a word as a name
    assert "高峰" in lexicon.COMMON_WORDS and d.is_name("高峰")


def test_labels_and_titles_from_the_automaton_are_those_of_the_patterns():
    words = [
        "副书记",
        "书记",
        "总经理",
        "经理",
        "紧急联系人：",
        "联系人 : ",
        "被举报人",
        "举报人:",
        "户主任",
        "车主",
    ]
    words += ["王建国", "，", " ", "同志们", "工程", "部长助理", "厂长厂长"]
    rng = random.Random(5)
    engine = Engine(keywords=["联系人", "书记处"])  # keywords that are labels or titles too
    for _ in range(2000):
        text = "".join(rng.choice(words) for _ in range(rng.randint(1, 8)))
        cues: list[int] = []
        labels: list[int] = []
        titles: list[int] = []
        engine._fixed_strings(text, engine._hits(text), [], cues, labels, titles)
        assert titles == [m.start() for m in d.TITLE.finditer(text)], text
        assert labels == [m.end() for m in d.NAME_LABEL.finditer(text)], text


def test_luhn_is_python_stdnum_s():
    from stdnum import luhn

    rng = random.Random(3)
    numbers = ["".join(rng.choice("0123456789") for _ in range(rng.randint(1, 19))) for _ in range(5000)]
    numbers += [card("622202", 19), card("436742", 16), "0", "18", "79927398713"]
    valid = [n for n in numbers if d.luhn_valid(n)]
    assert [n for n in numbers if luhn.checksum(n) == 0] == valid
    assert len(valid) > 400 and not d.luhn_valid("79927398710")


def test_a_name_may_end_only_where_name_exact_finds_one():
    """name_may_end_before is a cheap test before name_exact: never False where name_exact finds a name."""
    rng = random.Random(9)
    chars = "王李欧阳司马建国娜某的说人和 ，A1" + "".join(sorted(lexicon.SURNAMES))[:40]
    for _ in range(20000):
        text = "".join(rng.choice(chars) for _ in range(rng.randint(0, 7)))
        for end in range(len(text) + 1):
            exact = any(d.name_exact(text, end - size, end) for size in (2, 3, 4) if end - size >= 0)
            assert not exact or d.name_may_end_before(text, end), (text, end)
    assert d.name_may_end_before("和王建国", 4) and d.name_may_end_before("欧阳修", 3)
    assert not d.name_may_end_before("各单位", 3) and not d.name_may_end_before("王", 1)
    # the joiners _people looks for before it looks for lists of names
    assert frozenset("、和与及") == d.NAME_LIST_JOINERS


def test_ipv6_of_hex_digits_and_colons_as_ipaddress_takes_it():
    """ipv6_valid checks what the scan finds (hex digits and colons) by ipaddress's own rules, without building an
    IPv6Address: the same answer on random strings, valid ones included."""
    import ipaddress

    def reference(value: str) -> bool:
        if value.endswith(":") and not value.endswith("::"):
            return False
        try:
            ipaddress.IPv6Address(value)
        except ValueError:
            return False
        return True

    rng = random.Random(6)
    values = [
        "".join(rng.choice("0123456789abcdefABCDEF::::") for _ in range(rng.randint(0, 40)))
        for _ in range(20000)
    ]
    values += [
        ":".join(
            "".join(rng.choice("0123456789abcdef") for _ in range(rng.choice((0, 1, 2, 4, 4, 5))))
            for _ in range(k)
        )
        for k in (2, 3, 7, 8, 9, 10)
        for _ in range(3000)
    ]
    values += [
        "::",
        "::1",
        "1::",
        "1:2:3:4:5:6:7:8",
        "1:2:3:4:5:6:7::",
        "::2:3:4:5:6:7:8",
        ":1:2:3:4:5:6:7:8",
    ]
    answers = [d.ipv6_valid(v) for v in values]
    assert answers == [reference(v) for v in values]
    assert sum(answers) > 1000
