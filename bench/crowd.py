"""The embedded default under a crowd: 200 phones open a campaign link (and the login page) at the same moment.

    .venv/bin/python bench/crowd.py                       # quickstart (waitress), 200 at once
    .venv/bin/python bench/crowd.py --crowd 400 --rounds 3
    .venv/bin/python bench/crowd.py --also-runserver      # the same crowd against Django's development server
    .venv/bin/python bench/crowd.py --check               # exit 1 on any refused, reset or failed request

What runs: `netconduct quickstart --addrport 127.0.0.1:0` on a fresh data folder (SQLite, embedded settings, the worker
thread beside the server), exactly as a new user starts it. The bench signs in once as the demo member
(`member_demo`, password from quickstart's output), reads the link of the member's campaign task from the home page
(`/campaigns/my/<pk>/`, the page a reminder's link opens), then for each round:

- N threads, each on a connection of its own, wait at a barrier and GET the campaign link with the member's session;
- N anonymous threads GET the login page the same way (what a link opens for someone not yet signed in).

Counted per request: refused (ECONNREFUSED), reset (ECONNRESET, closed without an answer, broken pipe), errors (any
other exception or a status other than 200) — the goal is 0 of each — and latency percentiles from the barrier's
release to the full response. With --also-runserver the same rounds run against `netconduct runserver --noreload`
on the same data folder, for comparison with what quickstart served before.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import shutil
import signal
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
PYTHON = sys.executable
ACCOUNT = re.compile(r"^\s+(member_demo)\s+密码：(\S+)", re.M)
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
TASK_LINK = re.compile(r'href="(/campaigns/my/\d+/)"')
UA = (
    "Mozilla/5.0 (Linux; Android 13) AppleWebKit/537.36 Chrome/120 Mobile Safari/537.36 MicroMessenger/8.0.50"
)


def embedded_env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}}
    env.update(NETCONDUCT_DATA_DIR=str(data_dir), PYTHONUNBUFFERED="1", PYTHONPATH=str(ROOT))
    return env


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Session:
    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: dict | None = None) -> tuple[int, dict, str]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        headers = {"User-Agent": UA, "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        data = None
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = f"http://127.0.0.1:{self.port}{path}"
            data = urllib.parse.urlencode(body)
        conn.request(method, path, body=data, headers=headers)
        response = conn.getresponse()
        text = response.read().decode("utf-8", "replace")
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name.strip()] = rest.split(";")[0]
        conn.close()
        return response.status, dict(response.getheaders()), text

    def login(self, username: str, password: str) -> None:
        _status, _h, page = self.request("GET", "/accounts/login/")
        status, headers, _text = self.request(
            "POST",
            "/accounts/login/",
            {"csrfmiddlewaretoken": TOKEN.search(page)[1], "username": username, "password": password},
        )
        if status != 302:
            raise RuntimeError(f"login as {username}: {status}")


def wait_until_up(port: int, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"nothing answers on port {port}")


def classify(exc: BaseException) -> str:
    if isinstance(exc, ConnectionRefusedError):
        return "refused"
    if isinstance(exc, ConnectionResetError | BrokenPipeError | http.client.RemoteDisconnected):
        return "reset"
    if isinstance(exc, TimeoutError):
        return "timeout"
    return "error"


def burst(port: int, path: str, cookies: dict[str, str], crowd: int, timeout: float) -> dict:
    """`crowd` connections opened at one moment, each GET `path`; outcomes and latencies."""
    barrier = threading.Barrier(crowd + 1)
    outcomes: list[tuple[str, float, str]] = []
    lock = threading.Lock()
    cookie = "; ".join(f"{k}={v}" for k, v in cookies.items())

    def one() -> None:
        barrier.wait()
        start = time.perf_counter()
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
            conn.request(
                "GET", path, headers={"User-Agent": UA, "Cookie": cookie} if cookie else {"User-Agent": UA}
            )
            response = conn.getresponse()
            response.read()
            conn.close()
            kind = "ok" if response.status == 200 else "error"
            detail = str(response.status)
        except Exception as exc:  # noqa: BLE001 - counted by kind
            kind, detail = classify(exc), type(exc).__name__
        with lock:
            outcomes.append((kind, time.perf_counter() - start, detail))

    threads = [threading.Thread(target=one) for _ in range(crowd)]
    for t in threads:
        t.start()
    barrier.wait()
    began = time.perf_counter()
    for t in threads:
        t.join()
    wall = time.perf_counter() - began
    latencies = sorted(o[1] for o in outcomes if o[0] == "ok")

    def pct(p: float) -> float:
        return (
            latencies[min(len(latencies) - 1, int(len(latencies) * p))] * 1000 if latencies else float("nan")
        )

    return {
        "requests": crowd,
        "ok": sum(o[0] == "ok" for o in outcomes),
        "refused": sum(o[0] == "refused" for o in outcomes),
        "reset": sum(o[0] == "reset" for o in outcomes),
        "timeouts": sum(o[0] == "timeout" for o in outcomes),
        "errors": sum(o[0] == "error" for o in outcomes),
        "details": sorted({o[2] for o in outcomes if o[0] != "ok"}),
        "wall_s": wall,
        "per_s": crowd / wall,
        "p50": pct(0.50),
        "p90": pct(0.90),
        "p99": pct(0.99),
        "max": latencies[-1] * 1000 if latencies else float("nan"),
        "mean": statistics.fmean(latencies) * 1000 if latencies else float("nan"),
    }


def start_quickstart(data_dir: Path) -> tuple[subprocess.Popen, int, str]:
    server = subprocess.Popen(
        [PYTHON, "-m", "netconduct.cli", "quickstart", "--addrport", "127.0.0.1:0"],
        env=embedded_env(data_dir),
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    output = ""
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        line = server.stdout.readline()
        if not line:
            break
        output += line
        found = re.search(r"服务已启动：http://127\.0\.0\.1:(\d+)/", line)
        if found:
            threading.Thread(target=server.stdout.read, daemon=True).start()  # keep its pipe drained
            return server, int(found[1]), output
    server.kill()
    raise RuntimeError(f"quickstart did not start:\n{output[-2000:]}")


def start_runserver(data_dir: Path) -> tuple[subprocess.Popen, int]:
    port = free_port()
    server = subprocess.Popen(
        [PYTHON, "-m", "netconduct.cli", "runserver", f"127.0.0.1:{port}", "--noreload"],
        env=embedded_env(data_dir),
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_until_up(port)
    return server, port


def stop(server: subprocess.Popen) -> None:
    server.send_signal(signal.SIGTERM)
    try:
        server.wait(90)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def rounds(label: str, port: int, password: str, args: argparse.Namespace) -> list[tuple[str, str, dict]]:
    member = Session(port)
    member.login("member_demo", password)
    _s, _h, home = member.request("GET", "/")
    link = TASK_LINK.search(home)
    if not link:
        raise RuntimeError("the demo member's home page shows no campaign task link")
    status, _h, _t = member.request("GET", link[1])
    if status != 200:
        raise RuntimeError(f"{link[1]}: {status}")
    for _ in range(
        3
    ):  # warm: templates compiled, fonts and caches loaded, as on a server running for a while
        Session(port).request("GET", "/accounts/login/")
        member.request("GET", link[1])
    results = []
    for _ in range(args.rounds):
        for what, path, cookies in (
            (f"campaign link {link[1]} (signed in)", link[1], member.cookies),
            ("login page (anonymous)", "/accounts/login/", {}),
        ):
            results.append((label, what, burst(port, path, cookies, args.crowd, args.timeout)))
            print_row(*results[-1])
            time.sleep(1)
    return results


def print_header() -> None:
    print(
        "| server | what | ok | refused | reset | timed out | errors | p50 ms | p90 ms | p99 ms | max ms | req/s |"
    )
    print("| --- | --- | --: | --: | --: | --: | --: | --: | --: | --: | --: | --: |", flush=True)


def print_row(label: str, what: str, r: dict) -> None:
    print(
        f"| {label} | {what} | {r['ok']} | {r['refused']} | {r['reset']} | {r['timeouts']} | {r['errors']} | "
        f"{r['p50']:.0f} | {r['p90']:.0f} | {r['p99']:.0f} | {r['max']:.0f} | {r['per_s']:.0f} |"
    )
    if r["details"]:
        print(f"|   | failures: {', '.join(r['details'])} | | | | | | | | | | |")
    sys.stdout.flush()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--crowd", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds a phone waits before giving up")
    parser.add_argument("--also-runserver", action="store_true")
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()

    data_dir = Path(tempfile.mkdtemp(prefix="bench-crowd-"))
    results: list[tuple[str, str, dict]] = []
    try:
        started = time.perf_counter()
        server, port, output = start_quickstart(data_dir)
        print(
            f"quickstart on a fresh data folder answered after {time.perf_counter() - started:.0f} s (port {port})"
        )
        print(
            f"{args.crowd} simultaneous requests a burst; load {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
        )
        print_header()
        password = ACCOUNT.search(output)[2]
        try:
            results += rounds("quickstart (waitress)", port, password, args)
        finally:
            stop(server)
        if args.also_runserver:
            server, port = start_runserver(data_dir)
            try:
                results += rounds("runserver (Django's)", port, password, args)
            finally:
                stop(server)
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
    print(f"load {os.getloadavg()[0]:.1f} at the end")
    if args.check:
        bad = [r for label, _w, r in results if label.startswith("quickstart") and r["ok"] != r["requests"]]
        sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
