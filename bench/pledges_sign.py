"""A deadline morning: N people sign their pledge at once, over HTTP, against the production configuration.

    .venv/bin/python bench/pledges_sign.py                  # 300 people; deploy/'s gunicorn and two sealing workers
    .venv/bin/python bench/pledges_sign.py --people 100     # a quicker look
    .venv/bin/python bench/pledges_sign.py --check          # exit 1 on any error or a missed floor

What runs: `netconduct.settings.production` on PostgreSQL (127.0.0.1:5432, a throwaway database `bench_pledges`)
with Redis (127.0.0.1:6379, db 5) for cache and sessions, gunicorn serving the WSGI app with the workers and threads
of deploy/systemd/netconduct-web.service, and `netconduct db_worker` sealing the PDFs from the task queue, two of them
at the priority deploy/systemd/netconduct-worker@.service gives them (nice 10: the signers' requests come first) —
the deployment the README describes.

Each simulated member holds a logged-in session (made directly in the session store: logging in is not what is
measured), opens the signing page (GET: the CSRF token and the hash of the text shown), then all of them wait at a
barrier and submit at the same moment, with a drawn signature. One in ten double-taps: the same form is sent twice
concurrently. Measured: signatures per second over the burst, p50/p95/max latency of the submits, errors (anything
but the redirect to the pledge), the time until the worker has sealed every PDF, and afterwards that every person has
exactly one signed pledge whose archive PDF verifies (intact, trusted seal, whole file).

The CPU time the processes used (from /proc): gunicorn's workers over the burst, per request; the sealing workers
until the last seal, per pledge; PostgreSQL's backends of the database over both. On a shared machine these say more
than the wall-clock figures, which depend on what else runs.

Separately, in-process: the median time to seal one pledge PDF (pyHanko, PAdES certification) and to render it.

Floors (issue 16): 0 errors, every signature present exactly once and sealed, at least 60 signatures/s, every pledge
sealed and verifying within 15 s of the moment everyone pressed 签订, sealing median under 200 ms.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import http.client
import io
import json
import os
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
DB_NAME = os.environ.get("BENCH_DB_NAME", "bench_pledges")  # a database of your own when others bench too
REDIS_DB = int(os.environ.get("BENCH_REDIS_DB", "5"))
PG = "postgres://postgres@127.0.0.1:5432"
SEAL_FLOOR_MS = 200.0
RATE_FLOOR = 60.0  # signatures per second over the burst
SEALED_FLOOR_S = 15.0  # every pledge sealed this long after the burst began
WORKER_NICE = 10  # deploy/systemd/netconduct-worker@.service: Nice=10
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def deployed_gunicorn() -> tuple[int, int]:
    """(workers, threads) of deploy/systemd/netconduct-web.service: the bench serves as production does."""
    unit = (ROOT / "deploy" / "systemd" / "netconduct-web.service").read_text(encoding="utf-8")
    return int(re.search(r"--workers (\d+)", unit).group(1)), int(
        re.search(r"--threads (\d+)", unit).group(1)
    )


def cpu_seconds(pids) -> dict[int, float]:
    """user + system CPU seconds of each process still running (from /proc/PID/stat)."""
    used = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        used[pid] = (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
    return used


def child_pids(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            found += [int(p) for p in (task / "children").read_text().split()]
    return found


def database_backends() -> list[int]:
    import psycopg

    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        return [r[0] for r in conn.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s", (DB_NAME,))]


def unsealed_counter(campaign_pk: int):
    """A function counting the campaign's signed pledges not yet sealed, on one connection kept open. Polling through a
    Django child process instead (`--child unsealed`, 1.3 CPU-s a time for its start-up) took most of a core, at nice
    0, from the nice-10 workers it was waiting for."""
    import psycopg

    conn = psycopg.connect(f"{PG}/{DB_NAME}", autocommit=True)
    sql = "SELECT count(*) FROM pledges_pledge WHERE campaign_id = %s AND status = 'signed' AND pdf_name = ''"

    def count() -> int:
        return conn.execute(sql, (campaign_pk,)).fetchone()[0]

    count.close = conn.close
    return count


def cpu_used(before: dict[int, float], pids) -> float:
    """CPU seconds used since `before` by `pids` (a process not in `before` counts from its start)."""
    return sum(t - before.get(pid, 0.0) for pid, t in cpu_seconds(pids).items())


def production_env(data_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="netconduct.settings.production",
        SECRET_KEY=secrets.token_urlsafe(64),
        FIELD_ENCRYPTION_KEYS=f"k1:{secrets.token_hex(32)}",
        ID_HASH_KEY=secrets.token_hex(32),
        DATABASE_URL=f"{PG}/{DB_NAME}",
        REDIS_URL=f"redis://127.0.0.1:6379/{REDIS_DB}",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_SSL_REDIRECT="0",
        SECURE_HSTS_SECONDS="0",
        NETCONDUCT_DATA_DIR=str(data_dir),
        PYTHONPATH=str(ROOT),
    )
    return env


def recreate_database() -> None:
    import psycopg

    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DB_NAME}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---------------------------------------------------------------------------------------------------- child steps


def child_setup(people: int) -> None:
    """Build the organisation, the people with accounts and sessions, and a launched pledge campaign."""
    import django

    django.setup()
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
    from django.core.management import call_command

    SessionStore = import_module(settings.SESSION_ENGINE).SessionStore  # noqa: N806 - the settings' session store

    call_command("migrate", verbosity=0)
    from netconduct import testing
    from netconduct.campaigns.models import Target
    from netconduct.org.models import Person
    from netconduct.pledges.tests import factories

    call_command("seal-init", verbosity=0)  # as at setup: the seal and the fonts, once
    org = testing.build_standard_org()
    root = org.root_user
    surnames = "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许何吕施张孔曹严华金魏陶姜"
    given = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华"
    names = [
        surnames[i % len(surnames)] + given[(i // len(surnames)) % len(given)] + given[i % len(given)]
        for i in range(people)
    ]
    User = get_user_model()
    unusable = "!"  # no password: the bench logs in through the session store
    users = User.objects.bulk_create([User(username=f"m{i:05d}", password=unusable) for i in range(people)])
    persons = []
    for i, (name, user) in enumerate(zip(names, users, strict=True)):
        person = testing.make_person(org.branch1, name=name, employee_no=f"B{i:05d}")
        Person.objects.filter(pk=person.pk).update(user=user)
        persons.append(person)
    campaign = factories.pledge_campaign(org.committee, actor=root, title="年度网络行为规范承诺书签订")
    targets = dict(Target.objects.filter(campaign=campaign).values_list("person_id", "pk"))
    sessions = []
    for user, person in zip(users, persons, strict=True):
        store = SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = "netconduct.accounts.backends.IdentifierBackend"
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.create()
        sessions.append({"session": store.session_key, "target": targets[person.pk]})
    print(json.dumps({"campaign": campaign.pk, "members": sessions}))


def child_check(campaign_pk: int) -> None:
    """Every person exactly once, signed online, sealed, and every archive copy verifies."""
    import django

    django.setup()
    from django.db.models import Count

    from netconduct.campaigns.models import Target
    from netconduct.pledges import services, verification
    from netconduct.pledges.models import Pledge

    pledges = list(Pledge.objects.filter(campaign_id=campaign_pk))
    per_person = Pledge.objects.filter(campaign_id=campaign_pk).values("person").annotate(n=Count("pk"))
    bad = []
    for pledge in pledges:
        if not pledge.pdf_name:
            bad.append(f"{pledge.pk}: not sealed")
            continue
        verdict = verification.pledge_verify_file(services.pledge_pdf_bytes(pledge))
        if not verdict.ok or not verdict.timestamped:
            bad.append(f"{pledge.pk}: {verdict.label} {verdict.message} timestamped={verdict.timestamped}")
    print(
        json.dumps(
            {
                "pledges": len(pledges),
                "signed": sum(p.status == "signed" for p in pledges),
                "sealed": sum(bool(p.pdf_name) for p in pledges),
                "max_per_person": max((r["n"] for r in per_person), default=0),
                "targets_pledged": Target.objects.filter(
                    campaign_id=campaign_pk, pledged_at__isnull=False
                ).count(),
                "bad": bad[:10],
            }
        )
    )


def child_unsealed(campaign_pk: int) -> None:
    import django

    django.setup()
    from netconduct.pledges.models import Pledge

    print(Pledge.objects.filter(campaign_id=campaign_pk, status="signed", pdf_name="").count())


def child_seal_timing(repeat: int) -> None:
    """Median time to render and to seal one pledge (in-process, warm: fonts and key loaded)."""
    import django

    django.setup()
    from netconduct.pledges import sealing, services
    from netconduct.pledges.models import Pledge

    pledge = (
        Pledge.objects.filter(status="signed").select_related("person", "template", "norms", "signer").first()
    )
    render_times, seal_times = [], []
    services.render_online_pdf(pledge)
    sealing.seal_pdf(services.render_online_pdf(pledge), reason="warm-up")
    for _ in range(repeat):
        t = time.perf_counter()
        pdf = services.render_online_pdf(pledge)
        render_times.append(time.perf_counter() - t)
        t = time.perf_counter()
        sealed = sealing.seal_pdf(pdf, reason="bench")
        seal_times.append(time.perf_counter() - t)
    t = time.perf_counter()
    ok = sealing.verify_pdf(sealed).ok
    verify_s = time.perf_counter() - t
    print(
        json.dumps(
            {
                "render_ms": statistics.median(render_times) * 1000,
                "seal_ms": statistics.median(seal_times) * 1000,
                "seal_p95_ms": sorted(seal_times)[int(len(seal_times) * 0.95) - 1] * 1000,
                "verify_ms": verify_s * 1000,
                "verified": ok,
                "pdf_kb": len(sealed) / 1024,
            }
        )
    )


# ---------------------------------------------------------------------------------------------------- the burst


def signature_data_url() -> str:
    from PIL import Image, ImageDraw

    image = Image.new("RGBA", (600, 220), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.line(
        [(40, 150), (120, 60), (210, 170), (300, 70), (420, 160), (540, 90)], fill=(17, 17, 17, 255), width=6
    )
    out = io.BytesIO()
    image.save(out, format="PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
TEXT_HASH = re.compile(r'name="text_sha256" value="([0-9a-f]{64})"')
UA = (
    "Mozilla/5.0 (Linux; Android 13) AppleWebKit/537.36 Chrome/120 Mobile Safari/537.36 MicroMessenger/8.0.50"
)


class Member:
    def __init__(self, port: int, session: str, target: int):
        self.port, self.target = port, target
        self.cookies = {"sessionid": session}
        self.form: dict[str, str] = {}

    def _request(self, method: str, path: str, body: str | None = None) -> tuple[int, dict, str]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=300)
        headers = {"User-Agent": UA, "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        text = response.read().decode("utf-8", "replace")
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name.strip()] = rest.split(";")[0]
        conn.close()
        return response.status, dict(response.getheaders()), text

    def open(self, signature: str) -> None:
        status, _headers, text = self._request("GET", f"/pledges/sign/{self.target}/")
        if status != 200:
            raise RuntimeError(f"GET sign page: {status}")
        self.form = {
            "csrfmiddlewaretoken": TOKEN.search(text).group(1),
            "text_sha256": TEXT_HASH.search(text).group(1),
            "read_to_end": "1",
            "acknowledged": "on",
            "signature_kind": "drawn",
            "signature": signature,
        }

    def submit(self) -> tuple[float, int, str]:
        start = time.perf_counter()
        status, headers, _text = self._request(
            "POST", f"/pledges/sign/{self.target}/", urllib.parse.urlencode(self.form)
        )
        return time.perf_counter() - start, status, headers.get("Location", "")


def burst_submit(members: list) -> tuple[list[tuple[float, int, str]], float, float]:
    """Everyone presses 签订 at one moment (one in ten twice: a double tap): (latency, status, location) of each
    submission, the moment the barrier was released (time.perf_counter) and the seconds to the last answer."""
    senders = [(m, 2 if k % 10 == 0 else 1) for k, m in enumerate(members)]
    barrier = threading.Barrier(sum(n for _m, n in senders) + 1)
    results: list[tuple[float, int, str]] = []
    lock = threading.Lock()

    def send(m) -> None:
        barrier.wait()
        try:
            outcome = m.submit()
        except Exception as exc:  # noqa: BLE001 - counted and reported
            outcome = (0.0, 0, str(exc))
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=send, args=(m,)) for m, n in senders for _ in range(n)]
    for t in threads:
        t.start()
    barrier.wait()
    start = time.perf_counter()
    for t in threads:
        t.join()
    return results, start, time.perf_counter() - start


def submit_errors(results: list[tuple[float, int, str]]) -> list[str]:
    """A submission that did not end on the pledge's page (302 to /pledges/…) is an error."""
    return [
        f"submit: {status} {location[:80]}"
        for _latency, status, location in results
        if status != 302 or "/pledges/" not in location
    ]


def run(
    people: int, workers: int, threads: int, repeat: int, seal_workers: int = 2, nice: int = WORKER_NICE
) -> dict:
    data_dir = Path(tempfile.mkdtemp(prefix="bench-pledges-"))
    env = production_env(data_dir)
    netconduct = str(VENV_BIN / "netconduct")

    def child(*args: str) -> str:
        done = subprocess.run(
            [sys.executable, __file__, "--child", *args],
            env=env,
            capture_output=True,
            text=True,
            cwd=ROOT,
        )
        if done.returncode:
            sys.exit(f"child {args[0]} failed:\n{done.stderr[-3000:]}")
        return done.stdout.strip().splitlines()[-1]

    recreate_database()
    subprocess.run([sys.executable, "-c", f"import redis; redis.Redis(db={REDIS_DB}).flushdb()"], check=True)
    setup = json.loads(child("setup", str(people)))
    subprocess.run([netconduct, "collectstatic", "--noinput", "-v0"], env=env, check=True, cwd=ROOT)
    port = free_port()
    server = subprocess.Popen(
        [
            str(VENV_BIN / "gunicorn"),
            "netconduct.wsgi:application",
            "-b",
            f"127.0.0.1:{port}",
            "-w",
            str(workers),
            "-k",
            "gthread",
            "--threads",
            str(threads),
            "--backlog",
            "2048",
            "--timeout",
            "300",
            "--log-level",
            "warning",
        ],
        env=env,
        cwd=ROOT,
    )
    sealers = [
        subprocess.Popen(
            ["nice", "-n", str(nice), netconduct, "db_worker", "--interval", "0.2"],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(seal_workers)
    ]
    try:
        for _ in range(100):
            try:
                http.client.HTTPConnection("127.0.0.1", port, timeout=2).request("GET", "/healthz")
                break
            except OSError:
                time.sleep(0.2)
        signature = signature_data_url()
        members = [Member(port, m["session"], m["target"]) for m in setup["members"]]
        # Everyone opens the page first (the morning before the deadline), a few at a time.
        errors: list[str] = []
        opener_lock = threading.Semaphore(16)

        def open_one(m: Member):
            with opener_lock:
                try:
                    m.open(signature)
                except Exception as exc:  # noqa: BLE001 - counted and reported
                    errors.append(f"open: {exc}")

        openers = [threading.Thread(target=open_one, args=(m,)) for m in members]
        for t in openers:
            t.start()
        for t in openers:
            t.join()

        web = child_pids(server.pid)
        sealing = [p.pid for p in sealers]  # nice execs the worker: same process
        backends = database_backends()
        cpu_before = cpu_seconds(web + sealing + backends)
        load_before = os.getloadavg()[0]
        results, burst_start, burst = burst_submit(members)
        web_cpu = cpu_used(cpu_before, web)
        errors += submit_errors(results)
        total = len(results)
        sealed_after = None
        unsealed = unsealed_counter(setup["campaign"])
        wait_start = time.perf_counter()
        while time.perf_counter() - wait_start < 900:
            if unsealed() == 0:
                sealed_after = time.perf_counter() - burst_start
                break
            time.sleep(0.1)
        unsealed.close()  # before the backends are listed: its own CPU is not PostgreSQL's work for the pledges
        seal_cpu = cpu_used(cpu_before, sealing)
        db_cpu = cpu_used(cpu_before, set(backends + database_backends()))
        load_after = os.getloadavg()[0]
        latencies = sorted(r[0] for r in results)
        check = json.loads(child("check", str(setup["campaign"])))
        timing = json.loads(child("seal_timing", str(repeat)))
    finally:
        server.terminate()
        for p in sealers:
            p.terminate()
        server.wait(30)
        for p in sealers:
            p.wait(30)
        shutil.rmtree(data_dir, ignore_errors=True)
    return {
        "people": people,
        "requests": total,
        "burst_s": burst,
        "signatures_per_s": people / burst,
        "p50_ms": statistics.median(latencies) * 1000,
        "p95_ms": latencies[int(len(latencies) * 0.95) - 1] * 1000,
        "max_ms": latencies[-1] * 1000,
        "errors": errors,
        "all_sealed_after_s": sealed_after,
        **{f"check_{k}": v for k, v in check.items()},
        **timing,
        "web_cpu_ms_per_request": web_cpu / total * 1000,
        "seal_cpu_ms_per_pledge": seal_cpu / people * 1000,
        "db_cpu_s": db_cpu,
        "load": (load_before, load_after),
        "server": f"gunicorn {workers} workers x {threads} threads, db_worker x{seal_workers} (nice {nice})",
    }


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        step, arg = sys.argv[2], sys.argv[3]
        {
            "setup": child_setup,
            "check": child_check,
            "unsealed": child_unsealed,
            "seal_timing": child_seal_timing,
        }[step](int(arg))
        return
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--people", type=int, default=300)
    workers, threads = deployed_gunicorn()
    parser.add_argument("--workers", type=int, default=workers, help="gunicorn workers (default: deploy/'s)")
    parser.add_argument(
        "--threads", type=int, default=threads, help="threads per worker (default: deploy/'s)"
    )
    parser.add_argument("--seal-workers", type=int, default=2, help="db_worker processes (deploy/: 2)")
    parser.add_argument(
        "--nice", type=int, default=WORKER_NICE, help="the db_workers' niceness (deploy/: 10)"
    )
    parser.add_argument("--repeat", type=int, default=30, help="sealing repetitions for the median")
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    r = run(args.people, args.workers, args.threads, args.repeat, args.seal_workers, args.nice)
    print(
        f"Deadline morning: {r['people']} people submit at once ({r['requests']} requests incl. double taps); {r['server']}"
    )
    print("| | |\n| --- | --- |")
    print(f"| Burst | {r['burst_s']:.1f} s, {r['signatures_per_s']:.1f} signatures/s |")
    print(
        f"| Submit latency | p50 {r['p50_ms']:.0f} ms, p95 {r['p95_ms']:.0f} ms, max {r['max_ms']:.0f} ms |"
    )
    print(f"| Errors | {len(r['errors'])} |")
    sealed = (
        f"{r['all_sealed_after_s']:.1f} s after the burst began"
        if r["all_sealed_after_s"]
        else "NOT within 15 min"
    )
    print(f"| All PDFs sealed | {sealed} |")
    print(
        f"| Afterwards | {r['check_pledges']} pledges, {r['check_signed']} signed, {r['check_sealed']} sealed and "
        f"verified, at most {r['check_max_per_person']} per person, {r['check_targets_pledged']} targets marked |"
    )
    print(
        f"| One pledge | render {r['render_ms']:.0f} ms, seal {r['seal_ms']:.0f} ms median (p95 {r['seal_p95_ms']:.0f}), "
        f"verify {r['verify_ms']:.0f} ms, {r['pdf_kb']:.0f} KB |"
    )
    print(
        f"| CPU | web {r['web_cpu_ms_per_request']:.1f} ms a request, sealing {r['seal_cpu_ms_per_pledge']:.1f} ms a "
        f"pledge, PostgreSQL {r['db_cpu_s']:.1f} s in all |"
    )
    print(f"| Load average | {r['load'][0]:.2f} before the burst, {r['load'][1]:.2f} when all were sealed |")
    for e in r["errors"][:10]:
        print("  error:", e)
    for b in r["check_bad"]:
        print("  bad:", b)
    if args.check:
        ok = (
            not r["errors"]
            and not r["check_bad"]
            and r["check_pledges"] == r["people"] == r["check_sealed"] == r["check_targets_pledged"]
            and r["check_max_per_person"] == 1
            and r["seal_ms"] < SEAL_FLOOR_MS
            and r["signatures_per_s"] >= RATE_FLOOR
            and r["all_sealed_after_s"] is not None
            and r["all_sealed_after_s"] <= SEALED_FLOOR_S
        )
        sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
