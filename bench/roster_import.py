"""Benchmark of the HR roster import on a generated roster (100,000 rows by default), as ratios to a bare read.

    .venv/bin/python bench/roster_import.py [--rows N] [--repeat K] [--database-url postgres://…/DBNAME]
                                            [--profile dry|real] [--regenerate]

Writes bench/out/roster_<N>.xlsx once (realistic columns, a title row, a 填报单位 line, signatures under the table),
then, per round and per database, measures each step in a child process of its own (wall time from the parent;
peak memory is the child's ru_maxrss from wait4):

  (a) the bare read: openpyxl, read-only, values only, every row iterated and nothing else — the baseline; it is
      measured at the start and at the end of every round, the faster of the two counts for the round, and the
      median of the rounds is the denominator of every ratio;
  (a') the same with python-calamine (what the importer reads .xlsx with), for reference;
  (b) `netconduct import-roster FILE --dry-run --json` against a fresh installation that holds the organisation
      (3 levels + 10 党总支 × 10 党支部) and a superuser;
  (c) the real import into that database;
  (d) the same file again (every row unchanged).

SQLite (the embedded default, a fresh data folder per round) always; PostgreSQL too with --database-url (that
database is dropped and created again for every round: give it a name of its own). Each step reports the median
of its rounds (issue 16 measures the median of 3: `--repeat 3`), with its fastest round's ratio beside it. `--profile dry|real` runs that step under cProfile instead and prints where the time goes.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
PYTHON = sys.executable
NETCONDUCT = str(Path(PYTHON).with_name("netconduct"))

PLANTS = 10
BRANCHES_PER_PLANT = 10
COMMITTEE = "西北能化公司党委"

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国志红玉文斌海燕鹏辉亮成林东雪飞宇浩凯俊"
MINORITY = ["阿不都·热合曼", "买买提·艾力", "古丽·努尔", "艾尔肯·吐尔逊", "迪丽拜尔·阿布都"]
REGIONS = ["150602", "610102", "340102", "610402", "152701", "640104", "620102", "341302"]


def plant_name(i: int) -> str:
    return f"第{i}分厂党总支"


def branch_name(i: int, j: int) -> str:
    return f"第{i}分厂第{j}党支部"


# ---------------------------------------------------------------------------------------------------- the file


def id_numbers(count: int, rng: random.Random):
    """Unique valid ID numbers: every (region, birth date, sequence) once."""
    from stdnum.cn import ric

    seen: set[str] = set()
    start = dt.date(1965, 1, 1)
    while len(seen) < count:
        birth = start + dt.timedelta(days=rng.randrange(0, 365 * 38))
        body = f"{rng.choice(REGIONS)}{birth:%Y%m%d}{rng.randrange(0, 1000):03d}"
        number = body + ric.calc_check_digit(body + "0")
        if number.endswith("000"):
            continue  # refused by the importer as a number Excel cut to 15 digits (about one in a thousand)
        if number not in seen:
            seen.add(number)
            yield number


def generate(path: Path, rows: int) -> None:
    import openpyxl

    rng = random.Random(20240506)
    # A normal (not write-only) workbook, so that the file is laid out as Excel saves one: a <dimension> before
    # the data, strings in the shared-strings table, the title merged. (openpyxl's write-only files carry no
    # <dimension>, and openpyxl's reader then parses the whole sheet once more just to look for it.)
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "花名册"
    sheet.append(["西北能化公司党员职工花名册"])
    sheet.append(["填报单位：西北能化公司党委", None, None, None, None, None, "填报日期：2024年5月6日"])
    sheet.append(
        ["序号", "姓名", "工号", "身份证号码", "手机号码", "所在党组织", "政治面貌", "人员类别", "职务"]
    )
    political = ["中共党员"] * 5 + ["中共预备党员", "共青团员"] + ["群众"] * 3
    categories = ["职工"] * 6 + ["干部、职工", "干部", ""]
    positions = ["", "操作工", "班长", "技术员", "工程师", "车间主任", "会计", "化验员", "安全员", "司机"]
    for n, id_number in enumerate(id_numbers(rows, rng), start=1):
        i, j = rng.randrange(1, PLANTS + 1), rng.randrange(1, BRANCHES_PER_PLANT + 1)
        unit = branch_name(i, j) if rng.random() < 0.7 else f"{COMMITTEE}/{plant_name(i)}/{branch_name(i, j)}"
        name = (
            rng.choice(MINORITY)
            if rng.random() < 0.01
            else rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
        )
        mobile = f"1{rng.choice('3578')}{rng.randrange(10**9):09d}"
        if rng.random() < 0.1:
            mobile = f"{mobile[:3]}-{mobile[3:7]}-{mobile[7:]}"
        sheet.append(
            [
                n,
                name,
                f"XB{n:06d}",
                id_number,
                mobile,
                unit,
                rng.choice(political),
                rng.choice(categories),
                rng.choice(positions),
            ]
        )
    sheet.append([])
    sheet.append(["填表人：孙三", None, None, "审核人：李四", None, "日期：2024年5月6日"])
    sheet.merge_cells("A1:I1")
    for column, width in zip("ABCDEFGHI", (6, 10, 10, 21, 14, 40, 12, 12, 10), strict=True):
        sheet.column_dimensions[column].width = width
        sheet.column_dimensions[column].number_format = "@"
    book.save(path)


# ---------------------------------------------------------------------------------------------------- children


def child_read(path: str) -> None:
    import openpyxl

    start = time.perf_counter()
    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    count = 0
    for _row in book.worksheets[0].iter_rows(values_only=True):
        count += 1
    book.close()
    print(json.dumps({"rows": count, "seconds": time.perf_counter() - start}))


def child_read_calamine(path: str) -> None:
    from python_calamine import CalamineWorkbook

    start = time.perf_counter()
    with open(path, "rb") as handle:
        book = CalamineWorkbook.from_filelike(handle)
        count = sum(1 for _row in book.get_sheet_by_index(0).iter_rows())
        book.close()
    print(json.dumps({"rows": count, "seconds": time.perf_counter() - start}))


def child_setup() -> None:
    import django

    django.setup()
    from django.contrib.auth import get_user_model

    from netconduct.org import services
    from netconduct.org.choices import UnitKind as K

    root = get_user_model().objects.create_superuser("bench", password=os.urandom(16).hex())
    group = services.unit_create(actor=root, parent=None, name="皖北煤电集团", kind=K.GROUP)
    company = services.unit_create(actor=root, parent=group, name="西北能化公司", kind=K.COMPANY)
    committee = services.unit_create(actor=root, parent=company, name=COMMITTEE, kind=K.COMMITTEE)
    for i in range(1, PLANTS + 1):
        plant = services.unit_create(actor=root, parent=committee, name=plant_name(i), kind=K.GENERAL_BRANCH)
        for j in range(1, BRANCHES_PER_PLANT + 1):
            services.unit_create(actor=root, parent=plant, name=branch_name(i, j), kind=K.BRANCH)


def measure(argv: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """(wall seconds, peak RSS in MB, stdout) of one child process."""
    start = time.perf_counter()
    process = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    # Read the pipes before reaping, so a talkative child cannot block; then wait4 gives its own rusage.
    stdout, stderr = process.stdout.read(), process.stderr.read()  # type: ignore[union-attr]
    _pid, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({process.returncode}):\n{stderr}")
    return wall, usage.ru_maxrss / 1024, stdout


# ---------------------------------------------------------------------------------------------------- main

TARGETS = {"b": 1.2, "c": 1.5, "d": 1.2}  # issue 16: at most this many times the bare read
STEPS = [
    ("a", "(a) bare read: openpyxl read-only, values only"),
    ("a'", "(a') bare read: python-calamine"),
    ("b", "(b) import-roster --dry-run"),
    ("c", "(c) import-roster (real, first import)"),
    ("d", "(d) import-roster again (all unchanged)"),
]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--profile", choices=["dry", "real"], help="profile that step with cProfile instead")
    parser.add_argument("--regenerate", action="store_true", help="write the roster file again")
    parser.add_argument(
        "--repeat", type=int, default=1, help="rounds to run (issue 16: 3); each step reports its median"
    )
    parser.add_argument(
        "--database-url", help="also run on this PostgreSQL database (dropped and re-created)"
    )
    parser.add_argument("--check", action="store_true", help="exit 1 when a step is over its target")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        children = {
            "read": lambda: child_read(args.child[1]),
            "read-calamine": lambda: child_read_calamine(args.child[1]),
            "setup": child_setup,
            "generate": lambda: generate(Path(args.child[1]), int(args.child[2])),
        }
        children[args.child[0]]()
        return

    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"roster_{args.rows}.xlsx"
    if args.regenerate or not path.exists():
        print(f"writing {path} …", flush=True)
        started = time.perf_counter()
        # In a child: the parent stays small, since a child's peak RSS counts what it inherited before exec.
        subprocess.run([PYTHON, __file__, "--child", "generate", str(path), str(args.rows)], check=True)
        print(
            f"  {path.stat().st_size / (1 << 20):.1f} MB in {time.perf_counter() - started:.1f} s", flush=True
        )

    backends = ["sqlite"] + ([args.database_url] if args.database_url else [])
    if args.profile:
        with tempfile.TemporaryDirectory(prefix="netconduct-bench-") as data_dir:
            env = fresh_installation(data_dir, backends[-1])
            extra = ["--dry-run"] if args.profile == "dry" else []
            profile_step([NETCONDUCT, "import-roster", str(path), "--json", *extra], env, data_dir)
        return

    # Rounds alternate the databases; a step's figure is the median of its rounds (as issue 16 measures), its fastest
    # beside it, and every ratio is to the median bare read of this run (each round's the faster of its two reads).
    runs: dict[str, list[dict[str, tuple[float, float, str]]]] = {b: [] for b in backends}
    for _ in range(args.repeat):
        for backend in backends:
            runs[backend].append(run_round(path, backend))
    size = path.stat().st_size / (1 << 20)
    print(
        f"\nroster import benchmark: {args.rows:,} rows, {path.name} ({size:.1f} MB), median of {args.repeat}, "
        f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}"
    )
    base = statistics.median(r["a"][0] for rounds in runs.values() for r in rounds)
    missed = []
    for backend, rounds in runs.items():
        name = "SQLite" if backend == "sqlite" else "PostgreSQL"
        print(f"\n{name}")
        print(f"{'step':<44} {'wall s':>8} {'x read':>7} {'target':>7} {'fastest':>8} {'peak MB':>8}  result")
        for key, label in STEPS:
            walls = [r[key][0] for r in rounds]
            wall = statistics.median(walls)
            rss = max(r[key][1] for r in rounds)
            note = rounds[0][key][2]
            target = f"≤{TARGETS[key]:.1f}" if key in TARGETS else ""
            print(
                f"{label:<44} {wall:>8.2f} {wall / base:>7.2f} {target:>7} {min(walls) / base:>7.2f}× {rss:>8.0f}  {note}"
            )
            if key in TARGETS and wall / base > TARGETS[key]:
                missed.append(f"{name} {label}: {wall / base:.2f}× (target ≤ {TARGETS[key]:.1f}×)")
    print("\nwall time includes starting Python (and Django for b-d); peak MB is the child's max RSS.")
    if args.check and missed:
        print("targets missed:\n  " + "\n  ".join(missed))
        sys.exit(1)


def fresh_installation(data_dir: str, backend: str = "sqlite") -> dict[str, str]:
    env = {**os.environ, "NETCONDUCT_DATA_DIR": data_dir}
    if backend == "sqlite":
        env["DJANGO_SETTINGS_MODULE"] = "netconduct.settings.embedded"
        env.pop("DATABASE_URL", None)
    else:
        recreate_database(backend)
        env.update(
            DJANGO_SETTINGS_MODULE="netconduct.settings.production",
            DATABASE_URL=backend,
            SECRET_KEY=secrets.token_urlsafe(64),
            FIELD_ENCRYPTION_KEYS=f"k1:{secrets.token_hex(32)}",
            ID_HASH_KEY=secrets.token_hex(32),
            ALLOWED_HOSTS="127.0.0.1",
        )
        env.pop("REDIS_URL", None)
    subprocess.run([NETCONDUCT, "migrate", "-v0"], env=env, check=True)
    subprocess.run([PYTHON, __file__, "--child", "setup"], env=env, check=True)
    return env


def recreate_database(url: str) -> None:
    import psycopg

    parts = urllib.parse.urlsplit(url)
    name = parts.path.lstrip("/")
    if not name or name in {"postgres", "test", "template0", "template1"}:
        raise SystemExit(f"--database-url must name a database of the benchmark's own, not {name!r}")
    admin = urllib.parse.urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def run_round(path: Path, backend: str) -> dict[str, tuple[float, float, str]]:
    with tempfile.TemporaryDirectory(prefix="netconduct-bench-") as data_dir:
        env = fresh_installation(data_dir, backend)
        results: dict[str, tuple[float, float, str]] = {}

        def read(kind: str) -> tuple[float, float, str]:
            wall, rss, out = measure([PYTHON, __file__, "--child", kind, str(path)], env)
            return wall, rss, f"{json.loads(out)['rows']:,} rows"

        results["a"] = read("read")
        results["a'"] = read("read-calamine")
        importer = [NETCONDUCT, "import-roster", str(path), "--json"]
        for key, extra, field in (
            ("b", ["--dry-run"], "created"),
            ("c", [], "created"),
            ("d", [], "unchanged"),
        ):
            wall, rss, out = measure(importer + extra, env)
            report = json.loads(out)
            results[key] = (wall, rss, f"{field} {report[field]:,}, errors {len(report['errors'])}")
        again = read("read")  # the baseline at the end of the round too: the machine's load drifts
        results["a"] = min(results["a"], again)
        return results


def profile_step(argv: list[str], env: dict[str, str], data_dir: str) -> None:
    import pstats

    stats_path = Path(data_dir) / "import.prof"
    subprocess.run(
        [PYTHON, "-m", "cProfile", "-o", str(stats_path), *argv],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    stats = pstats.Stats(str(stats_path))
    stats.sort_stats("cumulative").print_stats(35)
    stats.sort_stats("tottime").print_stats(25)


if __name__ == "__main__":
    main()
