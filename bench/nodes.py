"""Several app nodes: two gunicorn nodes and a worker behind nginx, PostgreSQL and Redis, on one machine.

    .venv/bin/python bench/nodes.py                   # 300 signers, 2 nodes x 2 workers x 8 threads
    .venv/bin/python bench/nodes.py --people 100      # a quicker look
    .venv/bin/python bench/nodes.py --check           # exit 1 on any error or a missed check

The set-up is deploy/'s (netconduct/ops/localnodes.py): nginx with deploy/nginx/netconduct-locations.conf and the
upstream of deploy/nginx/netconduct.conf (round robin) in front of two gunicorn nodes started with the command line of
deploy/systemd/netconduct-web.service on loopback ports, `netconduct db_worker`, PostgreSQL (a database of its own,
`bench_nodes`, dropped and created) and Redis (db 11, flushed); the data folder is one temporary folder shared by
both nodes, as a mounted folder would be.

What runs, through nginx unless said otherwise:
1. the deadline morning of bench/pledges_sign.py (its setup, members and checks reused): 300 people open their
   signing page, then submit at one moment (one in ten double-taps);
2. a campaign launch: a unit administrator posts 发布 for a campaign over the committee;
3. a roster import: the upload and its preview on node A, the confirmation on node B (directly, not through nginx);
4. the session of a login on node A used on node B.
Checks: 0 errors, every signature exactly once, every pledge sealed and verifying, the launch's tasks all made, the
roster's people created, both nodes answered through nginx (its access log's upstream addresses).
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import io
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
os.environ.setdefault("BENCH_DB_NAME", "bench_nodes")
os.environ.setdefault("BENCH_REDIS_DB", "11")
_spec = importlib.util.spec_from_file_location("pledges_sign", ROOT / "bench" / "pledges_sign.py")
ps = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(ps)
sys.path.insert(0, str(ROOT))

ROSTER_PEOPLE = 50
from netconduct.ops.localnodes import TOKEN, Client, Cluster  # noqa: E402 (after the path is set)

# ---------------------------------------------------------------------------------------------------- child steps


def child_setup(people: int) -> None:
    """pledges_sign's organisation, members and pledge campaign; and a unit administrator with a session, a draft
    campaign over the committee for the launch, and a roster file."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        ps.child_setup(people)
    setup = json.loads(out.getvalue().strip().splitlines()[-1])

    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    from netconduct import testing
    from netconduct.campaigns.tests import factories
    from netconduct.org.choices import Role
    from netconduct.org.models import OrgUnit

    committee = OrgUnit.objects.get(name="西北能化公司党委")
    admin = testing.make_account("nodes_admin", password="nodes-admin-pass-1")  # noqa: S106
    testing.grant(admin, Role.UNIT_ADMIN, committee)
    draft = factories.campaign(committee, actor=admin, launch=False, title="节点测试宣贯")
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = str(admin.pk)
    store[BACKEND_SESSION_KEY] = "netconduct.accounts.backends.IdentifierBackend"
    store[HASH_SESSION_KEY] = admin.get_session_auth_hash()
    store.create()
    rows = [
        f"{i + 1},{'欧阳司马上官诸葛'[i % 4 * 2 : i % 4 * 2 + 2]}{'春夏秋冬梅兰竹菊松柏'[i % 10]}{'一二三四五'[i // 10 % 5]},"
        f"N{i:05d},{testing.make_id_number()},139{i:08d},甲醇厂第二党支部,群众"
        for i in range(ROSTER_PEOPLE)
    ]
    roster = "序号,姓名,工号,身份证号码,手机号码,所在支部,政治面貌\n" + "\n".join(rows) + "\n"
    setup.update(admin_session=store.session_key, draft=draft.pk, roster=roster)
    print(json.dumps(setup, ensure_ascii=False))


def child_launched(campaign_pk: int) -> None:
    import django

    django.setup()
    from netconduct.campaigns.models import Campaign, Target

    campaign = Campaign.objects.get(pk=campaign_pk)
    print(
        json.dumps({"status": campaign.status, "targets": Target.objects.filter(campaign=campaign).count()})
    )


def child_roster(_: int) -> None:
    import django

    django.setup()
    from netconduct.org.models import Person

    print(Person.objects.filter(employee_no__startswith="N").count())


# ---------------------------------------------------------------------------------------------------- HTTP


def roster_across_nodes(node_a: int, node_b: int, session: str, roster: str) -> tuple[list[str], float]:
    """Upload and preview on node A, confirm on node B."""
    errors = []
    a, b = Client(node_a, {"sessionid": session}), Client(node_b)
    token = a.csrf("/org/roster/")
    start = time.perf_counter()
    status, headers, _text = a.upload(
        "/org/roster/", {"csrfmiddlewaretoken": token}, "file", "花名册.csv", roster.encode("utf-8")
    )
    location = headers.get("Location", "")
    if status != 302 or "/org/roster/" not in location:
        return [f"roster upload on A: {status}"], 0.0
    b.cookies = dict(a.cookies)
    status, _h, text = b.request("GET", location)
    if status != 200 or "确认导入" not in text:
        errors.append(f"roster preview on B: {status}")
        return errors, 0.0
    status, _h, text = b.post(location, {"csrfmiddlewaretoken": TOKEN.search(text)[1]})
    if status != 200 or "花名册已导入" not in text:
        errors.append(f"roster confirm on B: {status} {re.sub(r'<[^>]+>', ' ', text)[:200]!r}")
    return errors, time.perf_counter() - start


def login_across_nodes(node_a: int, node_b: int) -> list[str]:
    a = Client(node_a)
    token = a.csrf("/accounts/login/")
    status, _h, _t = a.post(
        "/accounts/login/",
        {"csrfmiddlewaretoken": token, "username": "nodes_admin", "password": "nodes-admin-pass-1"},
    )
    if status != 302:
        return [f"login on A: {status}"]
    status, _h, _text = Client(node_b, a.cookies).request("GET", "/org/people/")
    return [] if status == 200 else [f"session of A on B: {status}"]  # signed out: 302 to the login page


# ---------------------------------------------------------------------------------------------------- the run


def run(people: int, workers: int, threads: int) -> dict:

    data_dir = Path(tempfile.mkdtemp(prefix="bench-nodes-"))
    env = ps.production_env(data_dir / "shared")
    env.update(NETCONDUCT_TRUSTED_PROXIES="1", NETCONDUCT_STATIC_ROOT=str(data_dir / "static"))

    def child(*args: str) -> str:
        done = subprocess.run(
            [sys.executable, __file__, "--child", *args], env=env, capture_output=True, text=True, cwd=ROOT
        )
        if done.returncode:
            sys.exit(f"child {args[0]} failed:\n{done.stderr[-3000:]}")
        return done.stdout.strip().splitlines()[-1]

    ps.recreate_database()
    subprocess.run(
        [sys.executable, "-c", f"import redis; redis.Redis(db={ps.REDIS_DB}).flushdb()"], check=True
    )
    t = time.perf_counter()
    setup = json.loads(child("setup", str(people)))
    setup_s = time.perf_counter() - t
    subprocess.run(
        [str(ps.VENV_BIN / "netconduct"), "collectstatic", "--noinput", "-v0"], env=env, check=True
    )
    cluster = Cluster(env, data_dir / "cluster", nodes=2, workers=workers, threads=threads).start()
    errors: list[str] = []
    try:
        port = cluster.port
        # 1. the deadline morning, through nginx
        signature = ps.signature_data_url()
        members = [ps.Member(port, m["session"], m["target"]) for m in setup["members"]]
        gate = threading.Semaphore(16)

        def open_one(m):
            with gate:
                try:
                    m.open(signature)
                except Exception as exc:  # noqa: BLE001 - counted
                    errors.append(f"open: {exc}")

        openers = [threading.Thread(target=open_one, args=(m,)) for m in members]
        for th in openers:
            th.start()
        for th in openers:
            th.join()
        results, burst_start, burst = ps.burst_submit(members)
        errors += ps.submit_errors(results)
        total = len(results)
        latencies = sorted(r[0] for r in results)

        # 2. a campaign launch through nginx
        admin = Client(port, {"sessionid": setup["admin_session"]})
        token = admin.csrf(f"/campaigns/{setup['draft']}/")
        t = time.perf_counter()
        status, headers, _t = admin.post(
            f"/campaigns/{setup['draft']}/launch/", {"csrfmiddlewaretoken": token}
        )
        launch_s = time.perf_counter() - t
        if status != 302:
            errors.append(f"launch: {status}")
        launched = json.loads(child("launched", str(setup["draft"])))

        # 3. and 4. across the nodes, directly
        a, b = cluster.node_ports
        roster_errors, roster_s = roster_across_nodes(a, b, setup["admin_session"], setup["roster"])
        errors += roster_errors
        errors += login_across_nodes(a, b)
        roster_people = int(child("roster", "0"))

        sealed_after = None
        while time.perf_counter() - burst_start < 900:
            if int(child("unsealed", str(setup["campaign"]))) == 0:
                sealed_after = time.perf_counter() - burst_start
                break
            time.sleep(1)
        check = json.loads(child("check", str(setup["campaign"])))
        log = cluster.access_log()
        upstreams = {f"127.0.0.1:{p}": log.count(f"127.0.0.1:{p}") for p in cluster.node_ports}
        passed_on = sum(
            ", 127.0.0.1:" in line for line in log.splitlines()
        )  # tried on one node, then the other
        error_log = cluster.workdir / "error.log"
        nginx_errors = error_log.read_text().count("[error]") if error_log.exists() else 0
    finally:
        cluster.stop()
        shutil.rmtree(data_dir, ignore_errors=True)
    return {
        "people": people,
        "setup_s": setup_s,
        "requests": total,
        "burst_s": burst,
        "per_s": people / burst,
        "p50_ms": statistics.median(latencies) * 1000,
        "p95_ms": latencies[int(len(latencies) * 0.95) - 1] * 1000,
        "max_ms": latencies[-1] * 1000,
        "sealed_after_s": sealed_after,
        "launch_s": launch_s,
        "launched": launched,
        "roster_s": roster_s,
        "roster_people": roster_people,
        "upstreams": upstreams,
        "passed_on": passed_on,
        "nginx_errors": nginx_errors,
        "errors": errors,
        **{f"check_{k}": v for k, v in check.items()},
        "server": f"nginx → 2 gunicorn nodes × {workers} workers × {threads} threads, db_worker ×1",
    }


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        step, arg = sys.argv[2], sys.argv[3]
        steps = {"setup": child_setup, "launched": child_launched, "roster": child_roster}
        if step in steps:
            import django

            django.setup()
            steps[step](int(arg))
        else:
            {"check": ps.child_check, "unsealed": ps.child_unsealed}[step](int(arg))
        return
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--people", type=int, default=300)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    r = run(args.people, args.workers, args.threads)
    print(
        f"Two nodes: {r['server']}; PostgreSQL, Redis; load {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )
    print("| | |\n| --- | --- |")
    print(f"| Setup ({r['people']} people with sessions) | {r['setup_s']:.0f} s |")
    print(
        f"| Signing burst | {r['requests']} requests (double taps incl.) in {r['burst_s']:.1f} s, "
        f"{r['per_s']:.1f} signatures/s; p50 {r['p50_ms']:.0f} ms, p95 {r['p95_ms']:.0f} ms, max {r['max_ms']:.0f} ms |"
    )
    sealed = (
        f"{r['sealed_after_s']:.0f} s after the burst began" if r["sealed_after_s"] else "NOT within 15 min"
    )
    print(f"| All sealed | {sealed} |")
    print(
        f"| Afterwards | {r['check_pledges']} pledges, {r['check_signed']} signed, {r['check_sealed']} sealed and "
        f"verified, at most {r['check_max_per_person']} per person, {r['check_targets_pledged']} targets marked |"
    )
    print(
        f"| Campaign launch through nginx | {r['launch_s'] * 1000:.0f} ms, status {r['launched']['status']}, "
        f"{r['launched']['targets']} tasks |"
    )
    print(
        f"| Roster: preview on A, confirm on B | {r['roster_s']:.1f} s, {r['roster_people']} of "
        f"{ROSTER_PEOPLE} people created |"
    )
    print(f"| Requests per node (nginx log) | {', '.join(f'{k}: {v}' for k, v in r['upstreams'].items())} |")
    print(
        f"| nginx | {r['nginx_errors']} errors in its log, {r['passed_on']} requests passed on to the other node |"
    )
    print(f"| Errors | {len(r['errors'])} |")
    for e in r["errors"][:10]:
        print("  error:", e)
    for bad in r["check_bad"]:
        print("  bad:", bad)
    if args.check:
        ok = (
            not r["errors"]
            and not r["check_bad"]
            and r["check_pledges"] == r["people"] == r["check_sealed"] == r["check_targets_pledged"]
            and r["check_max_per_person"] == 1
            and r["roster_people"] == ROSTER_PEOPLE
            and r["launched"]["targets"] > 0
            and all(r["upstreams"].values())
            and not r["nginx_errors"]
        )
        sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
