"""Server time and query counts of the org pages with a large organisation, against a small one.

    .venv/bin/python bench/people_pages.py                 # 100,000 people against 500
    .venv/bin/python bench/people_pages.py --people 20000 --repeat 10
    .venv/bin/python bench/people_pages.py --check         # exit 1 if a floor is missed

For each size it builds the demo organisation once on the embedded settings (SQLite: `migrate`, then
`demo --people N --with-accounts`) and keeps the data folder in bench/out/, keyed by N, the seed and a fingerprint
of the generator and the migrations, so reruns skip the build. Each measurement runs in a child process on a
temporary copy of that folder, with Django's test Client logged in as the demo's unit administrator over the
committee (zhb_admin) and as the secretary of 综采队党支部 (zc_secretary): median server time over --repeat requests
after --warmup, and the queries of one request (CaptureQueriesContext).

Floors: the people list and the unit page within 150 ms with 100,000 people, and every page the same number of
queries whatever the size.
"""

from __future__ import annotations

import argparse
import hashlib
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
OUT = ROOT / "bench" / "out"
FLOOR_MS = 150.0
FLOOR_PAGES = ("people", "unit:committee", "unit:branch")
VIEWERS = ("zhb_admin", "zc_secretary")


def fingerprint() -> str:
    """What the built database depends on: the generator, the services it calls and every migration."""
    digest = hashlib.sha256()
    files = [ROOT / "netconduct/org/demo.py", ROOT / "netconduct/org/services.py"]
    files += sorted(ROOT.glob("netconduct/*/migrations/0*.py"))
    for path in files:
        digest.update(path.relative_to(ROOT).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:10]


def embedded_env(data_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("DATABASE_URL", None)
    env.update(
        DJANGO_SETTINGS_MODULE="netconduct.settings.embedded",
        NETCONDUCT_DATA_DIR=str(data_dir),
        ALLOWED_HOSTS="testserver,127.0.0.1,localhost",
        PYTHONUNBUFFERED="1",
    )
    return env


def built_data(people: int, seed: int, *, rebuild: bool) -> Path:
    """The cached data folder for this size, built first if needed."""
    target = OUT / f"demo-{people}-s{seed}-{fingerprint()}"
    if target.exists() and not rebuild:
        print(f"· {people} 人：使用缓存 {target.relative_to(ROOT)}")
        return target
    shutil.rmtree(target, ignore_errors=True)
    OUT.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f"build-{people}-", dir=OUT))
    env = embedded_env(work)
    cli = [sys.executable, "-m", "netconduct.cli"]
    print(f"· {people} 人：建库中……", flush=True)
    subprocess.run([*cli, "migrate", "-v0"], env=env, check=True)
    started = time.monotonic()
    done = subprocess.run(
        [*cli, "demo", "--people", str(people), "--seed", str(seed), "--with-accounts"],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    elapsed = time.monotonic() - started
    summary = next((line for line in done.stdout.splitlines() if line.startswith("已加载演示组织")), "")
    print(f"  {summary}（demo 命令实测 {elapsed:.1f} 秒）")
    (work / "build.json").write_text(json.dumps({"people": people, "seed": seed, "demo_seconds": elapsed}))
    work.rename(target)
    return target


def measure(data: Path, repeat: int, warmup: int) -> dict:
    """Run the measurement in a child process on a throwaway copy (logins write sessions)."""
    with tempfile.TemporaryDirectory(prefix="bench-run-") as tmp:
        copy = Path(tmp) / "data"
        shutil.copytree(data, copy)
        done = subprocess.run(
            [sys.executable, __file__, "--child", str(repeat), str(warmup)],
            env=embedded_env(copy),
            check=True,
            capture_output=True,
            text=True,
            cwd=ROOT,
        )
    return json.loads(done.stdout.strip().splitlines()[-1])


def child(repeat: int, warmup: int) -> None:
    """Inside the child: Django on the copied data folder; print one JSON line of results."""
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import NoReverseMatch, reverse

    from netconduct.org import demo
    from netconduct.org.models import OrgUnit

    group = demo.demo_group()
    committee = OrgUnit.objects.get(path__startswith=group.path, depth=3, name=demo.COMMITTEE_NAME)
    branch = OrgUnit.objects.get(path__startswith=committee.path, name="综采队党支部", depth=5)

    def url(name: str, *args) -> str | None:
        try:
            return reverse(name, args=args)
        except NoReverseMatch:
            return None

    pages = {
        "people": (url("org:people"), {}),
        "people?q=张": (url("org:people"), {"q": "张"}),
        "people?q=zs": (url("org:people"), {"q": "zs"}),
        "unit:committee": (url("org:unit", committee.pk), {}),
        "unit:branch": (url("org:unit", branch.pk), {}),
        "tree": (url("org:tree"), {}),
    }
    results: dict[str, dict] = {}
    for username in VIEWERS:
        client = Client()
        client.force_login(get_user_model().objects.get(username=username))
        for page, (path, params) in pages.items():
            key = f"{page} · {username}"
            if path is None:
                results[key] = {"status": "no url"}
                continue
            try:
                for _ in range(warmup):
                    client.get(path, params)
                with CaptureQueriesContext(connection) as queries:
                    response = client.get(path, params)
                # Count now: the next request's request_started signal empties the log the context reads.
                n_queries = len(queries)
                times = []
                for _ in range(repeat):
                    started = time.perf_counter()
                    client.get(path, params)
                    times.append((time.perf_counter() - started) * 1000)
            except Exception as exc:  # a page still being built must not stop the others
                results[key] = {"status": f"error: {type(exc).__name__}: {str(exc)[:80]}"}
                continue
            results[key] = {
                "status": response.status_code,
                "queries": n_queries,
                "ms": statistics.median(times),
                "ms_max": max(times),
            }
    print(json.dumps(results, ensure_ascii=False))


def table(small: int, large: int, a: dict, b: dict) -> list[str]:
    """Print the comparison; return the floors that were missed."""
    misses: list[str] = []
    head = f"{'页面 · 账号':<34}{'状态':>6}{f'查询@{small}':>11}{f'查询@{large}':>12}{f'ms@{small}':>10}{f'ms@{large}':>11}"
    print(head)
    print("-" * len(head.encode("gbk", "replace")))
    for key in a:
        x, y = a[key], b.get(key, {})
        if "queries" not in x or "queries" not in y:
            print(f"{key:<34}{str(y.get('status', x.get('status'))):>6}")
            continue
        same = x["queries"] == y["queries"]
        line = (
            f"{key:<34}{y['status']!s:>6}{x['queries']:>11}{y['queries']:>12}{x['ms']:>10.1f}{y['ms']:>11.1f}"
        )
        notes = []
        if not same:
            notes.append("查询数随规模变化")
            misses.append(f"{key}: queries {x['queries']} → {y['queries']}")
        page = key.split(" · ")[0]
        if page in FLOOR_PAGES and y["status"] == 200 and y["ms"] > FLOOR_MS:
            notes.append(f"超过 {FLOOR_MS:.0f} ms")
            misses.append(f"{key}: {y['ms']:.1f} ms")
        print(line + ("  ← " + "；".join(notes) if notes else ""))
    return misses


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--compare", type=int, default=500, help="the small organisation (default 500)")
    parser.add_argument("--seed", type=int, default=2023)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--rebuild", action="store_true", help="ignore the cached databases")
    parser.add_argument("--check", action="store_true", help="exit 1 when a floor is missed")
    parser.add_argument("--child", nargs=2, type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return

    results = {}
    for size in (args.compare, args.people):
        data = built_data(size, args.seed, rebuild=args.rebuild)
        results[size] = measure(data, args.repeat, args.warmup)
    print()
    print(
        f"服务端耗时为 {args.repeat} 次请求的中位数（预热 {args.warmup} 次），查询数为单次请求；SQLite，内嵌配置。"
    )
    misses = table(args.compare, args.people, results[args.compare], results[args.people])
    OUT.mkdir(parents=True, exist_ok=True)
    report = OUT / f"people_pages-{args.people}.json"
    report.write_text(json.dumps(results, ensure_ascii=False, indent=1))
    print(f"\n结果已写入 {report.relative_to(ROOT)}")
    if misses:
        print("未达标：\n  " + "\n  ".join(misses))
        if args.check:
            sys.exit(1)


if __name__ == "__main__":
    main()
