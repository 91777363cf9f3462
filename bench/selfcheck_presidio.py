"""The same corpus through Presidio and through netconduct, in one run: both throughputs and their ratio.

    .venv/bin/pip install presidio-analyzer       # or: pip install -e '.[bench]'; never a dependency of the product
    .venv/bin/python bench/selfcheck_presidio.py  # held-out corpus, 1,000 texts (Presidio is slow), 10,000 keywords

Presidio runs offline with its NoOpNlpEngine (no spaCy model), its built-in recognizers (e-mail, phone, credit
card, IP, URL, IBAN, …) and the pattern recognizers a Presidio user would add for Chinese text: resident ID,
mobile, landline, plate, passport/permit, classification marks, handling marks, document numbers and the
10,000-keyword list as a deny list. Its patterns are written the way Presidio's own are, with `\\b`, which is
exactly where they fail on Chinese: `\\b` sees no boundary between 电话 and 139…, both being word characters. Its
recall per kind is printed too, to show that the comparison is not between a fast detector and a thorough one.

Presidio checks the texts one by one (`analyze(text)`); netconduct twice: one by one (`Engine.check(text)`, as
the self-check page does) and all in one call (`Engine.check_many(texts)`, as `netconduct selfcheck --jsonl` and
`api.check_texts` do; the same findings, which the script checks). The figures are UTF-8 MB/s, the median of `--repeat`
rounds (3), and a second ratio without the keyword list (a deny list of 10,000 words is one large alternation in
Presidio). The rounds alternate (check, check_many, Presidio, check, …) and are timed in CPU seconds of this process, so that on a machine shared with other work both meet the same load; `--wall` times wall-clock
seconds instead. Where the engine is compiled (`netconduct.selfcheck._compiled`), `check_many` of the pure Python
engine is timed too, in the same rounds (`pure many`); NETCONDUCT_SELFCHECK_PURE=1 times the pure Python only.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import time

from selfcheck_corpus import standard_corpus
from selfcheck_quality import prf, score

from netconduct.selfcheck.engine import COMPILED, Engine, PureEngine

# Presidio entity → our kind, for the recall table.
ENTITY_KIND = {
    "CN_ID": "id_card",
    "CN_MOBILE": "mobile",
    "PHONE_NUMBER": "mobile",
    "CN_LANDLINE": "landline",
    "CREDIT_CARD": "bank_card",
    "EMAIL_ADDRESS": "email",
    "IP_ADDRESS": "ip",
    "CN_PLATE": "plate",
    "CN_PASSPORT": "passport",
    "CN_CLASSIFICATION": "classification_mark",
    "CN_INTERNAL_MARK": "internal_mark",
    "CN_DOC_NUMBER": "doc_number",
    "CN_KEYWORD": "keyword",
}


def build_presidio(keywords: list[str] | None):
    import tldextract

    # Presidio's e-mail recognizer asks tldextract, whose default fetches the public suffix list over the network;
    # offline, use the snapshot tldextract ships.
    tldextract.extract = tldextract.TLDExtract(suffix_list_urls=())
    from presidio_analyzer import AnalyzerEngine, Pattern, PatternRecognizer, RecognizerRegistry
    from presidio_analyzer.nlp_engine import NoOpNlpEngine

    nlp_engine = NoOpNlpEngine(models=[{"lang_code": "en", "model_name": "none"}])
    registry = RecognizerRegistry(supported_languages=["en"])
    registry.load_predefined_recognizers(languages=["en"])
    registry.remove_recognizer("SpacyRecognizer")  # needs a spaCy model; NoOpNlpEngine has none

    def add(entity: str, *patterns: str, deny_list: list[str] | None = None) -> None:
        registry.add_recognizer(
            PatternRecognizer(
                supported_entity=entity,
                supported_language="en",
                patterns=[Pattern(f"{entity.lower()}_{i}", p, 0.6) for i, p in enumerate(patterns)] or None,
                deny_list=deny_list,
            )
        )

    add(
        "CN_ID",
        r"\b[1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx]\b",
        r"\b[1-9]\d{7}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}\b",
    )
    add("CN_MOBILE", r"(?:\+?86[- ]?)?\b1[3-9]\d{9}\b", r"\b1[3-9]\d[- ]\d{4}[- ]\d{4}\b")
    add("CN_LANDLINE", r"\(?\b0\d{2,3}\)?[- ]?\d{7,8}\b")
    add(
        "CN_PLATE",
        r"[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼][A-Z][·\s]?[A-Z0-9]{5,6}\b",
    )
    add("CN_PASSPORT", r"\b[EGDSPCHMW][A-Z]?\d{7,8}\b")
    add(
        "CN_CLASSIFICATION",
        r"(?:绝密|机密|秘密)\s*★\s*(?:\d+\s*(?:年|个月)|长期)?",
        r"密级[：:]\s*(?:绝密|机密|秘密)",
    )
    add(
        "CN_INTERNAL_MARK",
        deny_list=["内部资料", "内部文件", "注意保存", "不得外传", "严禁外传", "仅供内部", "内部传阅"],
    )
    add("CN_DOC_NUMBER", r"[\u4e00-\u9fa5]{2,10}[〔\[【（(]\d{4}[〕\]】）)]\d{1,4}号")
    if keywords:
        add("CN_KEYWORD", deny_list=keywords)
    return AnalyzerEngine(registry=registry, nlp_engine=nlp_engine, supported_languages=["en"])


class _Found:
    __slots__ = ("kind", "start", "end")

    def __init__(self, kind: str, start: int, end: int) -> None:
        self.kind, self.start, self.end = kind, start, end


def run_presidio(analyzer, texts: list[str]) -> list[list[_Found]]:
    out = []
    for text in texts:
        results = analyzer.analyze(text=text, language="en")
        out.append([_Found(ENTITY_KIND.get(r.entity_type, "other"), r.start, r.end) for r in results])
    return out


def timed_rounds(runs, repeat: int, clock) -> tuple[list[float], list[object]]:
    """The median of `repeat` rounds of each of `runs`, run in turn (a, b, c, a, b, c, …), and each one's last
    result. The median, as issue 16 measures its table; every ratio compares medians of the same rounds."""
    times: list[list[float]] = [[] for _ in runs]
    results: list[object] = [None] * len(runs)
    for _ in range(repeat):
        for i, run in enumerate(runs):
            t0 = clock()
            results[i] = run()
            times[i].append(clock() - t0)
    return [statistics.median(t) for t in times], results


FLOOR = 50.0  # issue 16: the self-check at least this many times Presidio's MB/s on the same held-out texts


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--docs", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--wall", action="store_true", help="time wall-clock seconds, not CPU seconds")
    parser.add_argument(
        "--check",
        action="store_true",
        help="exit 1 when check_many is under 50× Presidio on all texts (issue 16)",
    )
    args = parser.parse_args()
    try:
        import presidio_analyzer  # noqa: F401
    except ImportError:
        print("presidio-analyzer is not installed: .venv/bin/pip install presidio-analyzer", file=sys.stderr)
        return 2
    logging.getLogger("presidio-analyzer").setLevel(logging.ERROR)

    docs, roster, keywords, codes = standard_corpus("heldout", docs=args.docs)
    texts = [d.text for d in docs]
    size = sum(len(t.encode()) for t in texts) / 1e6
    print(f"corpus: held-out, {len(texts)} texts, {size:.2f} MB")
    print(f"engine: {'compiled by Cython (netconduct.selfcheck._compiled)' if COMPILED else 'pure Python'}")

    clock = time.perf_counter if args.wall else time.process_time
    rows = []
    analyzer = engine = None
    for label, kw in (("with 10,000 keywords", keywords), ("without keywords", None)):
        analyzer = build_presidio(kw)
        analyzer.analyze(text=texts[0], language="en")  # warm-up: compiles the patterns
        engine = Engine(keywords=kw or (), roster_names=roster, issuer_codes=codes)
        runs = [
            lambda e=engine: [e.check(t) for t in texts],
            lambda e=engine: e.check_many(texts),
            lambda a=analyzer: run_presidio(a, texts),
        ]
        pure = PureEngine(keywords=kw or (), roster_names=roster, issuer_codes=codes) if COMPILED else None
        if pure is not None:
            runs.append(lambda e=pure: e.check_many(texts))
        times, results = timed_rounds(runs, args.repeat, clock)
        t_each, t_batch, t_presidio = times[:3]
        ours, batched, theirs = results[:3]
        if batched != ours or (pure is not None and results[3] != ours):
            print(
                "check_many and check (or the pure Python and the compiled engine) disagree", file=sys.stderr
            )
            return 1
        t_pure = times[3] if pure is not None else None
        rows.append((label, size / t_presidio, size / t_each, size / t_batch, ours, theirs, t_pure))
        if kw:
            kept = (analyzer, engine)
    analyzer, engine = kept
    by_type = []  # the same texts by kind of text, with the keywords
    for label, low, high in (
        ("posts (< 150 characters)", 0, 150),
        ("paragraphs", 150, 1000),
        ("long documents (≥ 1,000)", 1000, 10**9),
    ):
        part = [t for t in texts if low <= len(t) < high]
        part_size = sum(len(t.encode()) for t in part) / 1e6
        (t_each, t_batch, t_presidio), _results = timed_rounds(
            [
                lambda e=engine, p=part: [e.check(t) for t in p],
                lambda e=engine, p=part: e.check_many(p),
                lambda a=analyzer, p=part: run_presidio(a, p),
            ],
            args.repeat,
            clock,
        )
        by_type.append(
            (f"{label}, {len(part)}", part_size / t_presidio, part_size / t_each, part_size / t_batch)
        )

    clock_name = "wall" if args.wall else "CPU"
    print(
        f"\n{'':<24}{'Presidio':>9}{'check':>8}{'check_many':>12}"
        f"{'ratio, check':>14}{'check_many':>12}   (MB/s, {clock_name} time)"
    )
    for label, presidio_speed, each_speed, batch_speed, _ours, _theirs, t_pure in rows:
        pure = ""
        if t_pure is not None:
            pure_speed = size / t_pure
            pure = f"   pure many {pure_speed:5.1f} MB/s {pure_speed / presidio_speed:5.1f}×"
        print(
            f"{label:<24}{presidio_speed:>9.2f}{each_speed:>8.1f}{batch_speed:>12.1f}"
            f"{each_speed / presidio_speed:>13.1f}×{batch_speed / presidio_speed:>11.1f}×{pure}"
        )
    print("with 10,000 keywords, by kind of text:")
    for label, presidio_speed, each_speed, batch_speed in by_type:
        print(
            f"  {label:<34}{presidio_speed:>6.2f}{each_speed:>8.1f}{batch_speed:>12.1f}"
            f"{each_speed / presidio_speed:>13.1f}×{batch_speed / presidio_speed:>11.1f}×"
        )

    _label, _p, _e, _b, ours, theirs, _t = rows[0]
    other = sum(1 for found in theirs for f in found if f.kind == "other")
    theirs = [[f for f in found if f.kind != "other"] for found in theirs]
    exact_ours, _, _ = score(docs, ours)
    exact_theirs, _, _ = score(docs, theirs)
    print(f"\n{'kind':<20}{'Presidio R':>11}{'P':>7}{'F1':>7}{'netconduct R':>14}{'P':>7}{'F1':>7}")
    for kind in sorted(set(ENTITY_KIND.values()), key=list(ENTITY_KIND.values()).index):
        tp, fp, fn = (exact_theirs[kind][k] for k in ("tp", "fp", "fn"))
        p1, r1, f1 = prf(tp, fp, fn)
        tp, fp, fn = (exact_ours[kind][k] for k in ("tp", "fp", "fn"))
        p2, r2, f2 = prf(tp, fp, fn)
        print(f"{kind:<20}{r1:>11.3f}{p1:>7.3f}{f1:>7.3f}{r2:>14.3f}{p2:>7.3f}{f2:>7.3f}")
    print(f"(Presidio also reported {other} findings of its other entity types, e.g. US driver's licences.)")
    ratio = rows[0][3] / rows[0][1]
    if args.check and ratio < FLOOR:
        print(f"floor missed: check_many {ratio:.1f}× Presidio on all texts (floor {FLOOR:.0f}×)")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
