"""Issuing a campaign to the 100,000-person demo, its completion rollup and its .xlsx export.

    .venv/bin/python bench/campaigns.py                 # 100,000 people (2,000 branches)
    .venv/bin/python bench/campaigns.py --people 20000  # a quicker look
    .venv/bin/python bench/campaigns.py --check         # exit 1 if a floor is missed

Uses the demo data folder that bench/people_pages.py builds and caches in bench/out/ (the same fingerprint), and
measures in a child process on a throwaway copy:
- launch: a new campaign to everyone under the committee — wall time and number of queries (batch writes);
- rollup: `completion_rollup` for the committee (the dashboard's figures, one row per general branch) and the
  campaign page itself through Django's test Client — median server time and queries, at two sizes;
- export: the .xlsx of the rollup with every unfinished person — wall time.

Floors: rollup under 200 ms at 100,000 people, the same number of queries at both sizes; export under 10 s.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from people_pages import built_data, embedded_env  # noqa: E402

ROLLUP_FLOOR_MS = 200.0
EXPORT_FLOOR_S = 10.0


def measure(data: Path, repeat: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="bench-campaign-") as tmp:
        copy = Path(tmp) / "data"
        shutil.copytree(data, copy)
        done = subprocess.run(
            [sys.executable, __file__, "--child", str(repeat)],
            env=embedded_env(copy),
            check=True,
            capture_output=True,
            text=True,
            cwd=ROOT,
        )
    return json.loads(done.stdout.strip().splitlines()[-1])


def child(repeat: int) -> None:
    sys.path.insert(0, str(ROOT))
    import datetime as dt

    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse
    from django.utils import timezone

    from netconduct.campaigns import exports, selectors, services
    from netconduct.campaigns.models import Target
    from netconduct.documents.models import Document
    from netconduct.org import demo
    from netconduct.org.models import OrgUnit, Person
    from netconduct.org.scoping import subtree_q

    group = demo.demo_group()
    committee = OrgUnit.objects.get(subtree_q("path", group.path), name=demo.COMMITTEE_NAME)
    actor = demo.system_actor()
    norms = Document.objects.get(number="皖北煤电党发〔2022〕89号")
    people = Person.objects.filter(subtree_q("unit__path", committee.path)).count()
    branches = OrgUnit.objects.filter(subtree_q("path", committee.path), kind="branch").count()

    campaign = services.campaign_create(
        actor=actor,
        unit=committee,
        title="基准测试宣贯活动",
        deadline=timezone.localdate() + dt.timedelta(days=30),
        documents=[norms],
        requires_study=True,
    )
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        result = services.campaign_launch(actor=actor, campaign=campaign)
        launch_s = time.perf_counter() - started
    launch_queries = len(queries)
    # Some progress, so the rollup counts something: every third person has read (one UPDATE, not a service call
    # per person — the bench measures reads, not 30,000 confirmations).
    ids = list(Target.objects.filter(campaign=campaign).values_list("pk", flat=True)[::3])
    for start in range(0, len(ids), 5000):
        Target.objects.filter(pk__in=ids[start : start + 5000]).update(
            read_at=timezone.now(), done_at=timezone.now()
        )

    def timed(fn):
        fn()
        times = []
        for _ in range(repeat):
            started = time.perf_counter()
            fn()
            times.append((time.perf_counter() - started) * 1000)
        return statistics.median(times)

    with CaptureQueriesContext(connection) as queries:
        rollup = selectors.completion_rollup(campaign=campaign, focus=committee)
    rollup_queries = len(queries)
    rollup_ms = timed(lambda: selectors.completion_rollup(campaign=campaign, focus=committee))

    client = Client()
    client.force_login(get_user_model().objects.get(username="zhb_admin"))
    url = reverse("campaigns:detail", args=[campaign.pk])
    with CaptureQueriesContext(connection) as queries:
        status = client.get(url).status_code
    page_queries = len(queries)
    page_ms = timed(lambda: client.get(url))

    viewer = get_user_model().objects.get(username="zhb_admin")
    started = time.perf_counter()
    data = exports.rollup_xlsx(viewer=viewer, campaign=campaign, focus=committee)
    export_s = time.perf_counter() - started
    started = time.perf_counter()
    pdf = exports.rollup_pdf(campaign=campaign, focus=committee)
    pdf_s = time.perf_counter() - started
    print(
        json.dumps(
            {
                "people_in_scope": people,
                "branches": branches,
                "targets": result.added,
                "launch_s": launch_s,
                "launch_queries": launch_queries,
                "rollup_rows": len(rollup.rows),
                "rollup_done": rollup.total.done,
                "rollup_queries": rollup_queries,
                "rollup_ms": rollup_ms,
                "page_status": status,
                "page_queries": page_queries,
                "page_ms": page_ms,
                "export_s": export_s,
                "export_bytes": len(data),
                "summary_pdf_s": pdf_s,
                "summary_pdf_bytes": len(pdf),
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--small", type=int, default=500)
    parser.add_argument("--seed", type=int, default=2023)
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--check", action="store_true")
    parser.add_argument("--child", nargs=1, type=int)
    args = parser.parse_args()
    if args.child:
        child(args.child[0])
        return
    small = measure(built_data(args.small, args.seed, rebuild=args.rebuild), args.repeat)
    large = measure(built_data(args.people, args.seed, rebuild=args.rebuild), args.repeat)
    print(f"{'':<22}{args.small:>12}{args.people:>12}")
    for key in large:
        a, b = small.get(key), large[key]
        fmt = (lambda v: f"{v:>12.3f}") if isinstance(b, float) else (lambda v: f"{v!s:>12}")
        print(f"{key:<22}{fmt(a)}{fmt(b)}")
    misses = []
    if large["rollup_ms"] > ROLLUP_FLOOR_MS:
        misses.append(f"rollup {large['rollup_ms']:.1f} ms > {ROLLUP_FLOOR_MS} ms")
    if large["rollup_queries"] != small["rollup_queries"] or large["page_queries"] != small["page_queries"]:
        misses.append("query counts grow with the organisation")
    if large["export_s"] > EXPORT_FLOOR_S:
        misses.append(f"export {large['export_s']:.1f} s > {EXPORT_FLOOR_S} s")
    out = ROOT / "bench" / "out" / f"campaigns-{args.people}.json"
    out.write_text(json.dumps({"small": small, "large": large}, ensure_ascii=False, indent=2))
    print("未达标：" + "；".join(misses) if misses else "全部达标。")
    if args.check and misses:
        sys.exit(1)


if __name__ == "__main__":
    main()
