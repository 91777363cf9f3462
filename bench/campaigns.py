"""Launching a campaign to the 100,000-person demo, its completion rollup and its .xlsx export, on SQLite and on
PostgreSQL, each figure beside a baseline measured in the same run.

    .venv/bin/python bench/campaigns.py                    # 100,000 people (2,000 branches) against 500, SQLite
    .venv/bin/python bench/campaigns.py --db postgres      # the same on PostgreSQL (h_campaignperf, see --pg)
    .venv/bin/python bench/campaigns.py --people 20000     # a quicker look
    .venv/bin/python bench/campaigns.py --check            # exit 1 if a floor is missed

SQLite: the demo data folder that bench/people_pages.py builds and caches in bench/out/ (the same fingerprint), copied
to a throwaway folder. PostgreSQL: the demo is built once into a template database named after the size and the
fingerprint, and each run measures on a fresh copy of it (the database of --pg). Either way every person is given an
account with an e-mail address first (one INSERT … SELECT and one UPDATE, not measured), so the launch tells
everyone of their task. Measured in a child process:
- launch: a new campaign to everyone under the committee, then the announce task it queues (one notification and
  one e-mail delivery per person) — wall time, statements, and statements ÷ batches (NETCONDUCT_BULK_ROWS rows);
- rollup: `completion_rollup` for the committee and the campaign page through Django's test Client — median server
  time, as a ratio to the bare GROUP BY of the campaign's targets by unit (the least any rollup must read);
- export: the .xlsx of the rollup with every unfinished person, and the printable summary — wall time;
- the child's peak memory (max RSS).

Floors: launch statements ≤ 60 at 100,000 people and no more per batch than at the small size; the rollup ≤ 1.5 ×
its GROUP BY and under 60 ms; equal rollup and page query counts at both sizes; export under 10 s. The page's time
(template and all) is printed beside it, with its own ratio, for information.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from people_pages import built_data, embedded_env, fingerprint  # noqa: E402

PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
PG_DB = os.environ.get("BENCH_PG_DB", "h_campaignperf")  # the throwaway copy each run measures on
PG_TEMPLATE = "h_campaignperf"  # the prefix of the built templates, whatever the copy is called
LAUNCH_STATEMENTS_FLOOR = 60
ROLLUP_RATIO_FLOOR = 1.5
ROLLUP_FLOOR_MS = 60.0
EXPORT_FLOOR_S = 10.0
# Bench-only keys: the PostgreSQL template's ID numbers are sealed with them, so every run must use the same.
BENCH_FIELD_KEYS = "k1:" + "5a" * 32
BENCH_HASH_KEY = "6b" * 32


# ---------------------------------------------------------------------------------------------------- databases


def pg_env(database: str, data_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="netconduct.settings.production",
        SECRET_KEY="bench-only-" + "x9" * 30,
        FIELD_ENCRYPTION_KEYS=BENCH_FIELD_KEYS,
        ID_HASH_KEY=BENCH_HASH_KEY,
        DATABASE_URL=f"{PG}/{database}",
        ALLOWED_HOSTS="testserver,127.0.0.1,localhost",
        SECURE_SSL_REDIRECT="0",
        SECURE_HSTS_SECONDS="0",
        NETCONDUCT_DATA_DIR=str(data_dir),
        PYTHONPATH=str(ROOT),
        PYTHONUNBUFFERED="1",
    )
    env.pop("REDIS_URL", None)
    return env


def _pg_admin(*statements: str) -> None:
    import psycopg

    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)


def _pg_exists(name: str) -> bool:
    import psycopg

    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None


def pg_built(people: int, seed: int, *, rebuild: bool) -> str:
    """The PostgreSQL template database of the demo at this size (built first if needed)."""
    template = f"{PG_TEMPLATE}_t{people}_s{seed}_{fingerprint()}".lower()
    if _pg_exists(template) and not rebuild:
        print(f"· {people} 人（PostgreSQL）：使用模板库 {template}", flush=True)
        return template
    print(f"· {people} 人（PostgreSQL）：建库中……", flush=True)
    _pg_admin(f'DROP DATABASE IF EXISTS "{template}" WITH (FORCE)', f'CREATE DATABASE "{template}"')
    with tempfile.TemporaryDirectory(prefix="bench-campaign-pg-") as tmp:
        env = pg_env(template, Path(tmp))
        cli = [sys.executable, "-m", "netconduct.cli"]
        subprocess.run([*cli, "migrate", "-v0"], env=env, check=True, cwd=ROOT)
        started = time.monotonic()
        subprocess.run(
            [*cli, "demo", "--people", str(people), "--seed", str(seed), "--with-accounts"],
            env=env,
            check=True,
            cwd=ROOT,
        )
        subprocess.run([sys.executable, __file__, "--child-prepare"], env=env, check=True, cwd=ROOT)
        print(f"  建库 {time.monotonic() - started:.0f} 秒", flush=True)
    return template


def run_child(args: list[str], *, db: str, people: int, seed: int, rebuild: bool) -> dict:
    """Run `this file --child …` on a throwaway copy of the demo database; its last line of output is JSON."""
    with tempfile.TemporaryDirectory(prefix="bench-campaign-") as tmp:
        if db == "postgres":
            template = pg_built(people, seed, rebuild=rebuild)
            _pg_admin(
                f'DROP DATABASE IF EXISTS "{PG_DB}" WITH (FORCE)',
                f'CREATE DATABASE "{PG_DB}" TEMPLATE "{template}"',
            )
            env = pg_env(PG_DB, Path(tmp))
        else:
            copy = Path(tmp) / "data"
            shutil.copytree(built_data(people, seed, rebuild=rebuild), copy)
            env = embedded_env(copy)
            env["PYTHONPATH"] = str(ROOT)
        done = subprocess.run(
            [sys.executable, sys.argv[0], *args],
            env=env,
            check=False,
            capture_output=True,
            text=True,
            cwd=ROOT,
        )
        if done.returncode:
            sys.stderr.write(done.stderr[-5000:])
            raise SystemExit(f"child failed ({done.returncode})")
    return json.loads(done.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------------------------------------------- in the child


def setup_child() -> None:
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def accounts_for_everyone() -> int:
    """Give every person without an account one, with an e-mail address: one INSERT … SELECT and one UPDATE (the
    bench's setup, not a path of the application)."""
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction

    from netconduct.core.db import refresh_planner_statistics
    from netconduct.org.models import Person

    User = get_user_model()
    qn = connection.ops.quote_name
    users, people = qn(User._meta.db_table), qn(Person._meta.db_table)
    now = "CURRENT_TIMESTAMP"
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {users} (username, password, email, first_name, last_name, is_superuser, is_staff,"  # noqa: S608
            f" is_active, date_joined, email_notifications, language) SELECT 'bench' || id, '!',"
            f" 'p' || id || '@example.com', '', '', FALSE, FALSE, TRUE, {now}, TRUE, '' FROM {people}"
            " WHERE user_id IS NULL"
        )
        added = cursor.rowcount
        cursor.execute(
            f"UPDATE {people} SET user_id = (SELECT u.id FROM {users} u WHERE u.username = 'bench' || {people}.id)"  # noqa: S608
            " WHERE user_id IS NULL"
        )
    refresh_planner_statistics()
    return added


def cpu_probe_s() -> float:
    """Seconds for `sum(range(10**7))`: how much CPU this process gets on a shared machine (≈0.15 s on an idle
    core of the dev machine's class), printed with the figures so runs under different load can be compared."""
    started = time.perf_counter()
    sum(range(10**7))
    return time.perf_counter() - started


def peak_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(repeat: int) -> None:
    setup_child()
    import datetime as dt
    import math

    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.db.models import Count, Q
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse
    from django.utils import timezone

    from netconduct.campaigns import announce, exports, selectors, services
    from netconduct.campaigns.models import Target
    from netconduct.core.db import bulk_rows, query_params_limit, refresh_planner_statistics
    from netconduct.documents.models import Document
    from netconduct.org import demo
    from netconduct.org.models import OrgUnit, Person
    from netconduct.org.scoping import subtree_q

    accounts_for_everyone()
    probe = cpu_probe_s()
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
    reverse("campaigns:detail", args=[campaign.pk])  # the URLconf's first import is not the launch's time
    memory_before = peak_mb()
    with CaptureQueriesContext(connection) as launch_queries:
        started = time.perf_counter()
        result = services.campaign_launch(actor=actor, campaign=campaign)
        launch_s = time.perf_counter() - started
    # The task the launch queued when it committed, run here (the worker's part of a launch).
    with CaptureQueriesContext(connection) as announce_queries:
        started = time.perf_counter()
        told = announce.campaign_announce(campaign_id=campaign.pk)
        announce_s = time.perf_counter() - started
    # Counted now: a request through the test Client empties the connection's query log (request_started).
    launch_statements, announce_statements = len(launch_queries), len(announce_queries)
    launch_peak = peak_mb()
    batches = math.ceil(result.added / bulk_rows())
    refresh_planner_statistics()  # as the nightly maintenance would; the rollup figures are of a settled table
    # Some progress, so the rollup counts something: every third person has read (one UPDATE per chunk, not a
    # service call per person — the bench measures reads, not 30,000 confirmations).
    ids = list(Target.objects.filter(campaign=campaign).order_by("pk").values_list("pk", flat=True)[::3])
    for start in range(0, len(ids), 5000):
        Target.objects.filter(pk__in=ids[start : start + 5000]).update(
            read_at=timezone.now(), done_at=timezone.now()
        )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE campaigns_target")  # autovacuum's part, done now

    def timed(fn):
        fn()
        times = []
        for _ in range(repeat):
            started = time.perf_counter()
            fn()
            times.append((time.perf_counter() - started) * 1000)
        return statistics.median(times)

    def group_by():
        return list(
            Target.objects.filter(campaign=campaign, in_scope=True)
            .values("unit_id")
            .annotate(
                total=Count("pk"),
                read=Count("read_at"),
                studied=Count("studied_at"),
                pledged=Count("pledged_at"),
                done=Count("done_at"),
                proxy=Count("pk", filter=Q(read_by_proxy=True)),
            )
            .order_by()
        )

    group_by_ms = timed(group_by)
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
                "database": connection.vendor,
                "params_limit": query_params_limit(),
                "bulk_rows": bulk_rows(),
                "people_in_scope": people,
                "branches": branches,
                "targets": result.added,
                "batches": batches,
                "launch_s": launch_s,
                "launch_statements": launch_statements,
                "announce_s": announce_s,
                "announce_statements": announce_statements,
                "told": told,
                "launch_total_s": launch_s + announce_s,
                "launch_total_statements": launch_statements + announce_statements,
                "statements_per_batch": (launch_statements + announce_statements) / max(1, batches),
                "launch_peak_mb": launch_peak,
                "launch_peak_growth_mb": launch_peak - memory_before,
                "group_by_ms": group_by_ms,
                "rollup_rows": len(rollup.rows),
                "rollup_done": rollup.total.done,
                "rollup_queries": rollup_queries,
                "rollup_ms": rollup_ms,
                "rollup_ratio": rollup_ms / group_by_ms,
                "page_status": status,
                "page_queries": page_queries,
                "page_ms": page_ms,
                "page_ratio": page_ms / group_by_ms,
                "export_s": export_s,
                "export_bytes": len(data),
                "summary_pdf_s": pdf_s,
                "summary_pdf_bytes": len(pdf),
                "peak_mb": peak_mb(),
                "cpu_probe_s": (probe + cpu_probe_s()) / 2,
            }
        )
    )


def _cell(value) -> str:
    return f"{value:>12.3f}" if isinstance(value, float) else f"{value!s:>12}"


def table(small: dict, large: dict, sizes: tuple[int, int]) -> None:
    print(f"{'':<26}{sizes[0]:>12}{sizes[1]:>12}")
    for key in large:
        a, b = small.get(key, "-"), large[key]
        print(f"{key:<26}{_cell(a)}{_cell(b)}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--small", type=int, default=500)
    parser.add_argument("--seed", type=int, default=2023)
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--check", action="store_true")
    parser.add_argument("--child", nargs=1, type=int)
    parser.add_argument("--child-prepare", action="store_true")
    args = parser.parse_args()
    if args.child_prepare:
        setup_child()
        print(f"accounts added: {accounts_for_everyone()}")
        return
    if args.child:
        child(args.child[0])
        return
    options = {"db": args.db, "seed": args.seed, "rebuild": args.rebuild}
    small = run_child(["--child", str(args.repeat)], people=args.small, **options)
    large = run_child(["--child", str(args.repeat)], people=args.people, **options)
    table(small, large, (args.small, args.people))
    misses = []
    if large["launch_statements"] > LAUNCH_STATEMENTS_FLOOR:
        misses.append(f"launch {large['launch_statements']} statements > {LAUNCH_STATEMENTS_FLOOR}")
    if large["announce_statements"] / max(1, large["batches"]) > small["announce_statements"] / max(
        1, small["batches"]
    ):
        misses.append("announce statements grow faster than its batches")
    if large["rollup_ratio"] > ROLLUP_RATIO_FLOOR:
        misses.append(f"rollup {large['rollup_ratio']:.2f} × its GROUP BY > {ROLLUP_RATIO_FLOOR}")
    if large["rollup_ms"] > ROLLUP_FLOOR_MS:
        misses.append(f"rollup {large['rollup_ms']:.1f} ms > {ROLLUP_FLOOR_MS} ms")
    if large["rollup_queries"] != small["rollup_queries"] or large["page_queries"] != small["page_queries"]:
        misses.append("query counts grow with the organisation")
    if large["export_s"] > EXPORT_FLOOR_S:
        misses.append(f"export {large['export_s']:.1f} s > {EXPORT_FLOOR_S} s")
    out = ROOT / "bench" / "out" / f"campaigns-{args.db}-{args.people}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"small": small, "large": large}, ensure_ascii=False, indent=2))
    print("未达标：" + "；".join(misses) if misses else "全部达标。")
    if args.check and misses:
        sys.exit(1)


if __name__ == "__main__":
    main()
