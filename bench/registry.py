"""The registry list and its search with 20,000 filed accounts, against 200.

    .venv/bin/python bench/registry.py                    # 200 and 20,000 accounts
    .venv/bin/python bench/registry.py --accounts 5000    # a quicker look (against 200)
    .venv/bin/python bench/registry.py --check            # exit 1 if a floor is missed

For each size a child process makes a fresh embedded installation (temporary NETCONDUCT_DATA_DIR, SQLite,
`migrate`), builds an organisation through the services (group → company → committee → 10 党总支 × 10 党支部, a unit
administrator over the committee and the secretary of one branch), then bulk-creates the filed accounts spread over
the branches (platforms, kinds, statuses and names varied, one or two administrators each with sealed phone numbers;
bulk inserts, not the approval services — the bench measures reads) and runs ANALYZE. It then requests the register
through Django's test Client: the median server time of --repeat requests after two warm-ups and the queries of one
request (CaptureQueriesContext), for the plain list, a text search, filters, an administrator search, and the
branch secretary's list; and the wall time of the .xlsx export of the committee's whole register once.

Floors: every page within 150 ms at 20,000 accounts, and the same number of queries at both sizes.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FLOOR_MS = 150.0
SMALL = 200


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


def measure(accounts: int, repeat: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="bench-registry-") as tmp:
        done = subprocess.run(
            [sys.executable, __file__, "--child", str(accounts), str(repeat)],
            env=embedded_env(Path(tmp) / "data"),
            check=True,
            capture_output=True,
            text=True,
            cwd=ROOT,
        )
    return json.loads(done.stdout.strip().splitlines()[-1])


def _build(n: int) -> dict:
    import datetime as dt
    import random

    from django.core.management import call_command
    from django.utils import timezone

    from netconduct import testing
    from netconduct.core import crypto
    from netconduct.core.db import refresh_planner_statistics
    from netconduct.org import services as org_services
    from netconduct.org.choices import Role, UnitKind
    from netconduct.registry.choices import GROUP_PLATFORMS, AccountKind, AccountStatus, Platform
    from netconduct.registry.models import PHONE_CONTEXT, Account, AccountAdmin

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    org = testing.build_standard_org()
    root = org.root_user
    branches = []
    for g in range(10):
        general = org_services.unit_create(
            actor=root, parent=org.committee, name=f"第{g + 1}党总支", kind=UnitKind.GENERAL_BRANCH
        )
        for b in range(10):
            branches.append(
                org_services.unit_create(
                    actor=root, parent=general, name=f"第{g + 1}总支第{b + 1}党支部", kind=UnitKind.BRANCH
                )
            )
    admin = testing.make_account("bench_admin")
    testing.grant(admin, Role.UNIT_ADMIN, org.committee)
    secretary = testing.make_account("bench_secretary")
    testing.grant(secretary, Role.SECRETARY, branches[0])

    rng = random.Random(7)
    platforms = list(Platform.values)
    surnames = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
    words = ["安全生产", "党建之窗", "技术交流", "班组通知", "青年学习", "职工之家", "应急联络", "宣传阵地"]
    sealed = [
        crypto.encrypt(f"139{i:08d}", context=PHONE_CONTEXT) for i in range(50)
    ]  # AES per row is not the point
    today = timezone.localdate()
    accounts = []
    for i in range(n):
        platform = rng.choice(platforms)
        kind = AccountKind.GROUP if platform in GROUP_PLATFORMS else AccountKind.ACCOUNT
        status = rng.choices(
            [AccountStatus.ACTIVE, AccountStatus.SUSPENDED, AccountStatus.CLOSED], [90, 3, 7]
        )[0]
        year = 2020 + i * 7 // max(n, 1)
        accounts.append(
            Account(
                filing_number=f"西北能化网备〔{year}〕{i + 1}号",
                filing_code="西北能化网备",
                filing_year=year,
                filing_seq=i + 1,
                filed_on=dt.date(year, 1, 1) + dt.timedelta(days=i % 360),
                platform=platform,
                platform_name="LinkedIn" if platform in (Platform.OVERSEAS, Platform.OTHER) else "",
                account_kind=kind,
                name=f"{rng.choice(words)}{i:05d}",
                platform_ref=f"ref{i:06d}",
                purpose="工作联络",
                owner_kind="unit",
                unit=branches[i % len(branches)],
                status=status,
                status_on=None if status == AccountStatus.ACTIVE else today,
                status_reason="" if status == AccountStatus.ACTIVE else "基准数据",
                handover_needed=i % 97 == 0,
            )
        )
    Account.objects.bulk_create(accounts, batch_size=2000)
    admins = []
    for a in Account.objects.values_list("pk", flat=True):
        for k in range(1 + a % 2):
            name = rng.choice(surnames) + rng.choice("明华强军丽芳伟静")
            admins.append(
                AccountAdmin(
                    account_id=a,
                    position=k + 1,
                    name=name,
                    phone_enc=sealed[a % 50],
                    phone_masked="139****0000",
                )
            )
    AccountAdmin.objects.bulk_create(admins, batch_size=5000)
    refresh_planner_statistics()
    return {"build_s": round(time.perf_counter() - started, 1), "branch": branches[0].pk}


def child(n: int, repeat: int) -> None:
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    built = _build(n)
    User = get_user_model()
    url = reverse("registry:list")
    pages = {
        "list · admin": ("bench_admin", {}),
        "q=安全 · admin": ("bench_admin", {"q": "安全"}),
        "q=ref000123 · admin": ("bench_admin", {"q": "ref000123"}),
        "platform+status · admin": ("bench_admin", {"platform": "wechat_group", "status": "active"}),
        "admin=王 · admin": ("bench_admin", {"admin": "王"}),
        "page 20 · admin": ("bench_admin", {"page": "20"}),
        "list · secretary": ("bench_secretary", {}),
    }
    clients: dict[str, Client] = {}
    results: dict[str, dict] = {}
    for label, (username, params) in pages.items():
        client = clients.get(username)
        if client is None:
            client = clients[username] = Client()
            client.force_login(User.objects.get(username=username))
        for _ in range(2):
            assert client.get(url, params).status_code == 200
        with CaptureQueriesContext(connection) as queries:
            status = client.get(url, params).status_code
        n_queries = len(queries)  # now: the next request's request_started signal empties the log it reads
        times = []
        for _ in range(repeat):
            started = time.perf_counter()
            client.get(url, params)
            times.append((time.perf_counter() - started) * 1000)
        results[label] = {"status": status, "queries": n_queries, "ms": round(statistics.median(times), 1)}
    started = time.perf_counter()
    response = clients["bench_admin"].get(reverse("registry:export"))
    export_s = time.perf_counter() - started
    print(
        json.dumps(
            {
                "pages": results,
                "export_s": round(export_s, 2),
                "export_kb": len(response.content) // 1024,
                **built,
            }
        )
    )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--accounts", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--check", action="store_true")
    parser.add_argument("--child", nargs=2, type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return 0
    print(f"· {SMALL} 个账号……", flush=True)
    small = measure(SMALL, args.repeat)
    print(f"· {args.accounts:,} 个账号……", flush=True)
    large = measure(args.accounts, args.repeat)
    print()
    print(
        f"| page · account | queries @{SMALL} | queries @{args.accounts:,} | ms @{SMALL} | ms @{args.accounts:,} |"
    )
    print("| --- | --: | --: | --: | --: |")
    failed = []
    for label, big in large["pages"].items():
        few = small["pages"][label]
        print(f"| {label} | {few['queries']} | {big['queries']} | {few['ms']} | {big['ms']} |")
        if big["status"] != 200 or few["queries"] != big["queries"] or big["ms"] > FLOOR_MS:
            failed.append(label)
    print()
    print(
        f"export .xlsx of the whole register: {small['export_s']} s @{SMALL}, {large['export_s']} s "
        f"({large['export_kb']:,} KB) @{args.accounts:,}; building {args.accounts:,} accounts took {large['build_s']} s"
    )
    out = ROOT / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    (out / f"registry-{args.accounts}.json").write_text(
        json.dumps({"small": small, "large": large}, ensure_ascii=False)
    )
    if failed:
        print(f"floors missed: {', '.join(failed)}")
        return 1 if args.check else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
