"""Benchmark of people synced through the API against the roster import of the same people.

    .venv/bin/python bench/api_sync.py [--people N] [--batch B]

Generates N people (100,000 by default; the generator of bench/roster_import.py: unique valid ID numbers, names,
employee numbers, phones, 100 branches), writes them as a roster CSV and as API items, and on two fresh embedded
installations (SQLite, the organisation 集团/公司/党委 + 10 党总支 × 10 党支部) measures, in child processes:

  (a) the roster import of the CSV, in-process (`roster_import`, Django start-up excluded), then again (unchanged);
  (b) the same people through `POST /api/v1/people/batch` in batches of B (1,000), with Django's test Client
      (in-process WSGI: the whole request path, middleware, key check, JSON and the response, no network), the
      time and the number of queries of every batch; then the same batches again (all unchanged).

Goal (issue 17): (b) within 1.5× of (a).
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

import roster_import as roster  # noqa: E402  (a sibling script: its generator and fresh installations)

OUT = BENCH / "out"
PYTHON = sys.executable
HEADER = ["姓名", "工号", "身份证号码", "手机号码", "所在党组织", "政治面貌", "人员类别", "职务"]
POLITICAL = {
    "中共党员": "party_member",
    "中共预备党员": "probationary",
    "共青团员": "league",
    "群众": "masses",
}


def people(count: int) -> list[dict]:
    rng = random.Random(20261205)
    political = ["中共党员"] * 5 + ["中共预备党员", "共青团员"] + ["群众"] * 3
    positions = ["", "操作工", "班长", "技术员", "工程师", "车间主任", "会计", "化验员", "安全员", "司机"]
    rows = []
    for n, id_number in enumerate(roster.id_numbers(count, rng), start=1):
        i, j = rng.randrange(1, roster.PLANTS + 1), rng.randrange(1, roster.BRANCHES_PER_PLANT + 1)
        name = rng.choice(roster.SURNAMES) + "".join(
            rng.choice(roster.GIVEN) for _ in range(rng.choice((1, 2)))
        )
        rows.append(
            {
                "name": name,
                "employee_no": f"XB{n:06d}",
                "id_number": id_number,
                "mobile": f"13{n:09d}",  # unique: two people with one mobile are refused (it is a login name)
                "unit": f"{roster.COMMITTEE}/{roster.plant_name(i)}/{roster.branch_name(i, j)}",
                "political": rng.choice(political),
                "cadre": rng.random() < 0.1,
                "position": rng.choice(positions),
            }
        )
    return rows


def write_csv(path: Path, rows: list[dict]) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(HEADER)
        for r in rows:
            category = "干部、职工" if r["cadre"] else "职工"
            writer.writerow(
                [
                    r["name"],
                    r["employee_no"],
                    r["id_number"],
                    r["mobile"],
                    r["unit"],
                    r["political"],
                    category,
                    r["position"],
                ]
            )


# ---------------------------------------------------------------------------------------------------- children


def child_import(path: str) -> None:
    import django

    django.setup()
    from django.contrib.auth import get_user_model

    from netconduct.org.roster.importer import roster_import

    actor = get_user_model().objects.get(username="bench")
    figures = {}
    for label in ("first", "again"):
        start = time.perf_counter()
        result = roster_import(actor=actor, path=path, filename="people.csv", dry_run=False)
        figures[label] = {
            "seconds": time.perf_counter() - start,
            "created": result.created,
            "unchanged": result.unchanged,
            "errors": len(result.errors),
        }
    print(json.dumps(figures))


def child_api(path: str, batch: int) -> None:
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from netconduct.api import services
    from netconduct.org.models import OrgUnit

    settings.ALLOWED_HOSTS = ["testserver"]
    settings.NETCONDUCT_API_RATE_PER_MINUTE = 10**9
    actor = get_user_model().objects.get(username="bench")
    committee = OrgUnit.objects.get(name=roster.COMMITTEE)
    _key, clear = services.api_key_create(
        actor=actor, name="bench", unit=committee, scopes=["people:write", "people:read"]
    )
    branch_ids = {}
    for unit in OrgUnit.objects.filter(kind="branch").select_related():
        plant = OrgUnit.objects.get(path=unit.parent_path)
        branch_ids[f"{roster.COMMITTEE}/{plant.name}/{unit.name}"] = unit.pk
    rows = json.loads(Path(path).read_text(encoding="utf-8"))
    items = [
        {
            "external_id": r["employee_no"],
            "id_number": r["id_number"],
            "name": r["name"],
            "employee_no": r["employee_no"],
            "mobile": r["mobile"],
            "unit_id": branch_ids[r["unit"]],
            "political_status": POLITICAL[r["political"]],
            "is_cadre": r["cadre"],
            "position": r["position"],
        }
        for r in rows
    ]
    client = Client(headers={"Authorization": f"Bearer {clear}"})
    client.get(
        "/api/v1/people", {"limit": 1}
    )  # warm-up: the URLconf and the API are loaded on the first request
    figures = {}
    for label in ("first", "again"):
        batches = []
        for start in range(0, len(items), batch):
            reset_queries()  # Django keeps the last 9,000 queries only: count each batch from an empty log
            began = time.perf_counter()
            with CaptureQueriesContext(connection) as queries:
                response = client.post(
                    "/api/v1/people/batch",
                    {"items": items[start : start + batch]},
                    content_type="application/json",
                )
            if response.status_code != 200:
                raise SystemExit(f"batch at {start}: {response.status_code} {response.content[:500]!r}")
            body = response.json()
            batches.append(
                {
                    "seconds": time.perf_counter() - began,
                    "queries": len(queries.captured_queries),
                    "reads": sum(1 for q in queries.captured_queries if not q["sql"].startswith("INSERT")),
                    "created": body["created"],
                    "unchanged": body["unchanged"],
                }
            )
        figures[label] = batches
    print(json.dumps(figures))


# ---------------------------------------------------------------------------------------------------- main


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        if args.child[0] == "import":
            child_import(args.child[1])
        else:
            child_api(args.child[1], int(args.child[2]))
        return

    OUT.mkdir(parents=True, exist_ok=True)
    rows = people(args.people)
    csv_path = OUT / f"api_sync_{args.people}.csv"
    json_path = OUT / f"api_sync_{args.people}.json"
    write_csv(csv_path, rows)
    json_path.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")

    with tempfile.TemporaryDirectory(prefix="netconduct-bench-") as data_dir:
        env = roster.fresh_installation(data_dir)
        _wall, _rss, out = roster.measure([PYTHON, __file__, "--child", "import", str(csv_path)], env)
        imported = json.loads(out)
    with tempfile.TemporaryDirectory(prefix="netconduct-bench-") as data_dir:
        env = roster.fresh_installation(data_dir)
        _wall, rss, out = roster.measure(
            [PYTHON, __file__, "--child", "api", str(json_path), str(args.batch)], env
        )
        synced = json.loads(out)

    print(
        f"\nAPI sync benchmark: {args.people:,} people, batches of {args.batch:,} (SQLite, embedded settings)"
    )
    print(
        f"roster import (in-process): {imported['first']['seconds']:.1f} s "
        f"(created {imported['first']['created']:,}, errors {imported['first']['errors']}); "
        f"again {imported['again']['seconds']:.1f} s (unchanged {imported['again']['unchanged']:,})"
    )
    for label, key in (("first", "created"), ("again", "unchanged")):
        batches = synced[label]
        total = sum(b["seconds"] for b in batches)
        seconds = [b["seconds"] for b in batches]
        queries = [b["queries"] for b in batches]
        reads = [b["reads"] for b in batches]
        base = imported[label]["seconds"]
        print(
            f"API {label:<5}: {total:.1f} s for {len(batches)} batches ({sum(b[key] for b in batches):,} {key}), "
            f"{total / base:.2f}× the import; per batch s min/median/max "
            f"{min(seconds):.2f}/{statistics.median(seconds):.2f}/{max(seconds):.2f}, "
            f"queries {min(queries)}–{max(queries)} (non-INSERT {min(reads)}–{max(reads)})"
        )
    print(f"API child peak memory: {rss:.0f} MB")


if __name__ == "__main__":
    main()
