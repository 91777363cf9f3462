"""Engine.check_many against Engine.check, text by text: the same findings (kind, span, mask, reason and all) on both
corpora of the benchmark and on random texts whose kinds start and end at the texts' edges. No Django."""

from __future__ import annotations

import random
import sys
from pathlib import Path

import pytest

from netconduct.selfcheck.engine import _SEPARATOR_CHAR, Engine

from .test_scan import FRAGMENTS

BENCH = Path(__file__).resolve().parents[3] / "bench"


@pytest.fixture(scope="module")
def corpus_module():
    sys.path.insert(0, str(BENCH))
    try:
        import selfcheck_corpus
    finally:
        sys.path.remove(str(BENCH))
    return selfcheck_corpus


@pytest.mark.parametrize("template_set", ["dev", "heldout"])
def test_batch_equals_text_by_text_on_the_corpora(corpus_module, template_set):
    docs, roster, keywords, codes = corpus_module.standard_corpus(template_set, docs=3000)
    texts = [doc.text for doc in docs]
    engine = Engine(keywords=keywords, roster_names=roster, issuer_codes=codes)
    one_by_one = [engine.check(t) for t in texts]
    assert sum(map(len, one_by_one)) > 5000  # the corpus has findings to compare
    assert engine.check_many(texts) == one_by_one


# Edges: what a text may start or end with, so that a pattern's lookbehind/lookahead at a text's edge sees the
# separator where the text alone has nothing; letters and digits so that a kind could run on into the next text.
EDGES = [
    *FRAGMENTS,
    "A",
    "z",
    "7",
    "0",
    ".",
    ":",
    "-",
    "@",
    "★",
    "（",
    "）",
    "王",
    "建国",
    "同志",
    "说",
    "\n",
    " ",
]


def test_batch_equals_text_by_text_on_random_texts():
    engine = Engine(
        keywords=["ERP", "红星项目", "abc", "联系人"],
        roster_names=["王建国", "李娜", "欧阳修文"],
        issuer_codes=["西能党"],
    )
    rng = random.Random(16)
    texts = []
    for _ in range(4000):
        parts = [rng.choice(EDGES) for _ in range(rng.randint(0, 6))]
        texts.append("".join(parts))
    texts += ["", "13912345678", "ERP" + _SEPARATOR_CHAR + "13912345678", "abc\x00\x00\x00\x00abc"]
    expected = [engine.check(t) for t in texts]
    assert sum(map(len, expected)) > 1000
    assert engine.check_many(texts) == expected
    # one text at a time, and texts in the reverse order: no state carried from one text to the next
    assert engine.check_many(texts[::-1]) == expected[::-1]
    assert [engine.check_many([t])[0] for t in texts[:300]] == expected[:300]


def test_batch_takes_no_separator_from_a_text():
    """A text that holds the separator's character is checked on its own: its findings are its own."""
    engine = Engine(keywords=["红星项目"])
    text = "电话13912345678\x00\x00\x00\x00红星项目"
    result = engine.check_many(["红星项目", text, ""])
    assert result[0] == engine.check("红星项目")
    assert [(f.kind, f.start, f.end) for f in result[1]] == [("mobile", 2, 13), ("keyword", 17, 21)]
    assert result[2] == []


def test_batch_of_a_keyword_holding_the_separator_falls_back():
    engine = Engine(keywords=["a\x00b", "红星项目"])
    texts = ["a\x00b", "x红星项目", "13912345678"]
    assert engine.check_many(texts) == [engine.check(t) for t in texts]
    assert [f.kind for f in engine.check_many(texts)[0]] == ["keyword"]


def test_batch_with_a_keyword_whose_lower_case_is_longer():
    """ "İ".lower() is two characters: the automaton then scans the text as given, as check does."""
    engine = Engine(keywords=["İstanbul", "erp"])
    texts = ["去İstanbul出差，ERP系统", "ERP系统", "Erp"]
    assert engine.check_many(texts) == [engine.check(t) for t in texts]
    assert [f.kind for f in engine.check_many(texts)[1]] == ["keyword"]


def test_api_check_texts_is_check_text_for_each():
    from netconduct.selfcheck import api

    texts = ["联系人：王建国，电话13912345678", "", "红星项目在ERP上线", "没有问题"]
    assert api.check_texts(texts) == [api.check_text(t) for t in texts]
    given = {"keywords": ["红星项目"], "roster_names": ["王建国"]}
    assert api.check_texts(texts, **given) == [api.check_text(t, **given) for t in texts]
    assert [f.kind for f in api.check_texts(texts, **given)[2]] == ["keyword"]


def test_mask_all_finds_whitespace_as_isspace_does():
    """mask_all looks for whitespace with re's \\s: the same characters as str.isspace, all of Unicode."""
    from netconduct.selfcheck import detectors as d

    everything = "".join(map(chr, range(0x110000)))
    assert d._WHITESPACE.findall(everything) == [c for c in everything if c.isspace()]
    assert d.mask_all("机密★1年") == "*****"
    assert d.mask_all("内部\u3000资料") == "**\u3000**"
    assert d.mask_all("〔2023〕 12号") == "****** ***"
