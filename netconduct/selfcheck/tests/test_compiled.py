"""The compiled engine (netconduct.selfcheck._compiled, built by Cython from engine.py and detectors.py) against the
pure Python one: the same findings on both corpora of the benchmark and on random texts, text by text and in
batches; and the engine's tests pass on the pure Python too, where the compiled one is what the suite runs. Skipped
where nothing was compiled (the suite then runs the pure Python). No Django."""

from __future__ import annotations

import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

from netconduct.selfcheck import engine

from .test_batch import EDGES

ROOT = Path(__file__).resolve().parents[3]
needs_build = pytest.mark.skipif(not engine.COMPILED, reason="the engine is not compiled (pure Python only)")


def test_the_engine_is_the_compiled_one_only_when_built_from_these_sources():
    from netconduct.selfcheck import _compiled

    if engine.COMPILED:
        assert _compiled.is_current()
        assert engine.Engine.__module__ == "netconduct.selfcheck._compiled.engine"
    else:
        assert engine.Engine is engine.PureEngine
    assert engine.PureEngine.__module__ == "netconduct.selfcheck.engine"


@needs_build
@pytest.mark.parametrize("template_set", ["dev", "heldout"])
def test_compiled_finds_what_pure_python_finds_on_the_corpora(template_set):
    from .test_batch import BENCH

    sys.path.insert(0, str(BENCH))
    try:
        import selfcheck_corpus
    finally:
        sys.path.remove(str(BENCH))
    docs, roster, keywords, codes = selfcheck_corpus.standard_corpus(template_set, docs=3000)
    texts = [doc.text for doc in docs]
    given = {"keywords": keywords, "roster_names": roster, "issuer_codes": codes}
    pure, compiled = engine.PureEngine(**given), engine.Engine(**given)
    expected = [pure.check(t) for t in texts]
    assert sum(map(len, expected)) > 5000
    assert [compiled.check(t) for t in texts] == expected
    assert compiled.check_many(texts) == pure.check_many(texts) == expected


@needs_build
def test_compiled_finds_what_pure_python_finds_on_random_texts():
    given = {
        "keywords": ["ERP", "红星项目", "abc", "联系人", "İstanbul"],
        "roster_names": ["王建国", "李娜", "欧阳修文"],
        "issuer_codes": ["西能党"],
    }
    pure, compiled = engine.PureEngine(**given), engine.Engine(**given)
    rng = random.Random(17)
    texts = ["".join(rng.choice(EDGES) for _ in range(rng.randint(0, 8))) for _ in range(4000)]
    texts += ["", "电话１３９１２３４５６７８", "a\x00b13912345678", "İstanbul ERP"]
    expected = [pure.check(t) for t in texts]
    assert sum(map(len, expected)) > 1000
    assert [compiled.check(t) for t in texts] == expected
    assert compiled.check_many(texts) == expected


@needs_build
def test_compiled_takes_str_subclasses_as_pure_python_does():
    from django.utils.safestring import mark_safe

    text = mark_safe("联系人：王建国，电话13912345678")
    pure, compiled = engine.PureEngine(roster_names=["王建国"]), engine.Engine(roster_names=["王建国"])
    assert compiled.check(text) == pure.check(text) == pure.check(str(text))
    assert compiled.check_many([text]) == [pure.check(text)]


@needs_build
def test_the_engine_tests_pass_on_pure_python_too():
    """The suite runs the engine's tests on the compiled engine; here they run again on the pure Python."""
    tests = ["test_detectors.py", "test_scan.py", "test_batch.py", "test_extract.py"]
    here = Path(__file__).resolve().parent
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-n",
            "0",
            "-q",
            "-p",
            "no:cacheprovider",
            *(str(here / t) for t in tests),
        ],
        cwd=ROOT,
        env={**os.environ, "NETCONDUCT_SELFCHECK_PURE": "1"},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert " passed" in result.stdout


@needs_build
def test_compiled_helpers_answer_as_the_pure_ones():
    """The detectors' helpers that take a typed path of their own when compiled (names, ID numbers, Luhn,
    full-width folding) against the pure Python module, on random input."""
    import importlib

    from netconduct.selfcheck import detectors as pure
    from netconduct.selfcheck import lexicon

    compiled = importlib.import_module("netconduct.selfcheck._compiled.detectors")
    assert compiled.COMPILED and not pure.COMPILED
    rng = random.Random(23)
    chars = (
        "".join(sorted(lexicon.SURNAMES))[:60]
        + "建国娜伟某的了和说一二三欧阳司马：，（）ａ１ＡＺ９＋－＠．＿A1x 𠀀"
    )
    for _ in range(3000):
        text = "".join(rng.choice(chars) for _ in range(rng.randint(0, 9)))
        assert compiled.normalise(text) == pure.normalise(text)
        for end in range(len(text) + 1):
            assert compiled.name_before(text, end) == pure.name_before(text, end), (text, end)
            assert compiled.name_may_end_before(text, end) == pure.name_may_end_before(text, end), (text, end)
            assert compiled.name_after(text, end) == pure.name_after(text, end), (text, end)
            for start in range(end + 1):
                assert compiled.name_exact(text, start, end) == pure.name_exact(text, start, end), (
                    text,
                    start,
                )
    digits = "0123456789"
    for _ in range(20000):
        body = "".join(rng.choice(digits) for _ in range(rng.randint(14, 20)))
        value = rng.choice(["11", "44", "99"]) + "0101" + rng.choice(["1990", "2099", "1899"]) + body[:8]
        value = value[:17] + rng.choice("0123456789Xx") + value[18:]
        for v in (value, body, value[:17] + "¹", value.upper()):
            assert compiled.id18_valid(v) == pure.id18_valid(v), v
        assert compiled.luhn_valid(body) == pure.luhn_valid(body), body


@needs_build
def test_compiled_masks_answer_as_the_pure_ones():
    """The masks, made in C when compiled, against the pure Python's, kind by kind, on random values of letters,
    digits, CJK, separators and whitespace (the mask of CJK may be all stars, a narrower string: equal only if made
    so)."""
    import importlib

    from netconduct.selfcheck import detectors as pure
    from netconduct.selfcheck import kinds

    compiled = importlib.import_module("netconduct.selfcheck._compiled.detectors")
    compiled_engine = importlib.import_module("netconduct.selfcheck._compiled.engine")
    rng = random.Random(29)
    chars = "0123456789aZ欧阳王建国·•-. :@\t\u3000★〔〕１ａé²𠀀"
    for _ in range(20000):
        value = "".join(rng.choice(chars) for _ in range(rng.randint(0, 14)))
        for head, tail in ((4, 4), (1, 0), (0, 1), (0, 0), (1, 2), (0, 2)):
            assert compiled.mask_keep(value, head, tail) == pure.mask_keep(value, head, tail), value
        for keep in (0, 1, 2):
            assert compiled.mask_head(value, keep) == pure.mask_head(value, keep), (value, keep)
        for name in ("mask_all", "mask_email", "mask_ip", "mask_mobile"):
            assert getattr(compiled, name)(value) == getattr(pure, name)(value), (name, value)
        for kind in kinds.KINDS:
            extra = rng.randint(0, 3)
            assert compiled_engine.mask(kind, value, extra) == engine.mask(kind, value, extra), (kind, value)
