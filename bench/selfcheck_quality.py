"""Precision, recall and F1 of the self-check detectors per kind, and their throughput, on a generated corpus.

    .venv/bin/python bench/selfcheck_quality.py                       # the held-out corpus (seed 20260, 5,000 docs)
    .venv/bin/python bench/selfcheck_quality.py --set dev --errors person   # what the detectors got wrong, by kind
    .venv/bin/python bench/selfcheck_quality.py --check               # exit 1 below the floors (issue 16)

Scores are exact: a finding counts only with the labelled kind and the labelled start and end. For person and
address, whose edges are a matter of judgement, an overlap score (same kind, spans intersect, one-to-one) is
printed beside the exact one. Throughput is UTF-8 megabytes per second of checked text with the 10,000-keyword
list and a 2,000-name roster loaded: text by text (`check`, as the page checks), all in one call (`check_many`, as
`--jsonl` and `api.check_texts` check) and as one long text;
the best of three runs each, in CPU seconds of this process (the machine is shared; `bench/selfcheck_presidio.py`
gives the ratio to Presidio, measured the same way).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter

from selfcheck_corpus import standard_corpus

from netconduct.selfcheck.engine import COMPILED, Engine
from netconduct.selfcheck.kinds import ADDRESS, KINDS, PERSON, STRUCTURED

FLOOR = 0.99  # every structured kind, exact spans (issue 16)
PERSON_FLOOR = 0.92  # person, exact spans, held-out


def prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def score(docs, findings_per_doc):
    exact: dict[str, Counter] = {k: Counter() for k in KINDS}
    overlap: dict[str, Counter] = {k: Counter() for k in (PERSON, ADDRESS)}
    errors: list[tuple[str, str, str, str]] = []  # (kind, "FP"/"FN", doc id, context)
    for doc, found in zip(docs, findings_per_doc, strict=True):
        gold = {(e["kind"], e["start"], e["end"]) for e in doc.entities}
        pred = {(f.kind, f.start, f.end) for f in found}
        for kind, start, end in gold | pred:
            if (kind, start, end) in gold and (kind, start, end) in pred:
                exact[kind]["tp"] += 1
                continue
            which = "FN" if (kind, start, end) in gold else "FP"
            exact[kind][which.lower()] += 1
            context = (
                doc.text[max(0, start - 12) : start]
                + "【"
                + doc.text[start:end]
                + "】"
                + doc.text[end : end + 12]
            )
            errors.append((kind, which, doc.id, context.replace("\n", "⏎")))
        for kind in (PERSON, ADDRESS):
            g = [(s, e) for k, s, e in gold if k == kind]
            p = [(s, e) for k, s, e in pred if k == kind]
            used: set[int] = set()
            for ps, pe in p:
                hit = next((i for i, (gs, ge) in enumerate(g) if i not in used and ps < ge and gs < pe), None)
                if hit is None:
                    overlap[kind]["fp"] += 1
                else:
                    used.add(hit)
                    overlap[kind]["tp"] += 1
            overlap[kind]["fn"] += len(g) - len(used)
    return exact, overlap, errors


def throughput(engine: Engine, texts: list[str], repeat: int = 3) -> tuple[float, float, float]:
    """MB/s text by text (`check`), all texts in one call (`check_many`) and as one long text."""
    size = sum(len(t.encode()) for t in texts) / 1e6
    best_each = best_many = best_whole = float("inf")
    whole = "\n".join(texts)
    for _ in range(repeat):
        t0 = time.process_time()
        for text in texts:
            engine.check(text)
        best_each = min(best_each, time.process_time() - t0)
        t0 = time.process_time()
        engine.check_many(texts)
        best_many = min(best_many, time.process_time() - t0)
        t0 = time.process_time()
        engine.check(whole)
        best_whole = min(best_whole, time.process_time() - t0)
    return size / best_each, size / best_many, size / best_whole


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--set", dest="template_set", choices=("dev", "heldout"), default="heldout")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--docs", type=int, default=5000)
    parser.add_argument(
        "--errors", metavar="KIND", help="print up to 40 false positives and negatives of KIND"
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help=f"exit 1 if a structured kind's F1 is below {FLOOR} or person's below {PERSON_FLOOR}",
    )
    parser.add_argument("--no-speed", action="store_true")
    args = parser.parse_args()

    docs, roster, keywords, codes = standard_corpus(args.template_set, seed=args.seed, docs=args.docs)
    t0 = time.perf_counter()
    engine = Engine(keywords=keywords, roster_names=roster, issuer_codes=codes)
    build = time.perf_counter() - t0
    found = [engine.check(doc.text) for doc in docs]
    exact, overlap, errors = score(docs, found)

    size = sum(len(d.text.encode()) for d in docs)
    print(
        f"corpus: {args.template_set}, {len(docs)} texts, {size / 1e6:.2f} MB, "
        f"{sum(len(d.entities) for d in docs)} labelled entities; "
        f"engine: {engine.keyword_count} keywords, {engine.roster_count} roster names, built in {build * 1000:.0f} ms, "
        f"{'compiled by Cython' if COMPILED else 'pure Python'}"
    )
    print(f"\n{'kind':<20}{'gold':>6}{'tp':>6}{'fp':>6}{'fn':>6}{'P':>8}{'R':>8}{'F1':>8}")
    below = []
    for kind in KINDS:
        c = exact[kind]
        p, r, f = prf(c["tp"], c["fp"], c["fn"])
        flag = ""
        if (kind in STRUCTURED and f < FLOOR) or (kind == PERSON and f < PERSON_FLOOR):
            below.append(kind)
            flag = "  < floor"
        print(
            f"{kind:<20}{c['tp'] + c['fn']:>6}{c['tp']:>6}{c['fp']:>6}{c['fn']:>6}{p:>8.3f}{r:>8.3f}{f:>8.3f}{flag}"
        )
    for kind in (PERSON, ADDRESS):
        c = overlap[kind]
        p, r, f = prf(c["tp"], c["fp"], c["fn"])
        print(
            f"{kind + ' (overlap)':<20}{'':>6}{c['tp']:>6}{c['fp']:>6}{c['fn']:>6}{p:>8.3f}{r:>8.3f}{f:>8.3f}"
        )
    total = Counter()
    for kind in STRUCTURED:
        total.update(exact[kind])
    p, r, f = prf(total["tp"], total["fp"], total["fn"])
    print(
        f"{'structured (micro)':<20}{'':>6}{total['tp']:>6}{total['fp']:>6}{total['fn']:>6}{p:>8.3f}{r:>8.3f}{f:>8.3f}"
    )

    if args.errors:
        shown = [e for e in errors if e[0] == args.errors][:40]
        print(f"\n{args.errors}: {len([e for e in errors if e[0] == args.errors])} errors")
        for _kind, which, doc_id, context in shown:
            print(f"  {which} {doc_id}: {context}")

    if not args.no_speed:
        each, many, whole = throughput(engine, [d.text for d in docs])
        print(f"\nthroughput (10,000 keywords, {engine.roster_count} roster names; CPU time):")
        print(f"  text by text   {each:7.1f} MB/s")
        print(f"  in one call    {many:7.1f} MB/s   (check_many)")
        print(f"  one long text  {whole:7.1f} MB/s")
    if args.check and below:
        print(f"\nbelow the floor ({FLOOR}, person {PERSON_FLOOR}): {', '.join(below)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
