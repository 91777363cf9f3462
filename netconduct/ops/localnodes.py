"""Several app nodes behind nginx on one machine, built from the deploy/ files: for bench/nodes.py and the tests.

`Cluster` starts N gunicorn nodes (the web unit's command line, on loopback ports), one `netconduct db_worker`, and
nginx with deploy/nginx/netconduct-locations.conf and the upstream block of deploy/nginx/netconduct.conf, its node
addresses replaced by the loopback ports. Everything runs from a work folder of its own; nothing is installed.
The data folder is shared by the nodes as a mounted folder would be.
"""

from __future__ import annotations

import http.client
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent.parent
DEPLOY = REPO / "deploy"
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
BIN = Path(sys.executable).parent
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
UA = (
    "Mozilla/5.0 (Linux; Android 13) AppleWebKit/537.36 Chrome/120 Mobile Safari/537.36 MicroMessenger/8.0.50"
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(port: int, path: str = "/healthz", timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", path)
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"nothing answers {path} on port {port}")


def gunicorn_command(port: int, *, workers: int, threads: int) -> list[str]:
    """The ExecStart of deploy/systemd/netconduct-web.service, on a loopback port."""
    unit = (DEPLOY / "systemd" / "netconduct-web.service").read_text(encoding="utf-8")
    line = re.search(r"^ExecStart=(.+?)(?<!\\)$", unit.replace("\\\n", " "), re.M)[1]
    args = line.split()
    args[0] = str(BIN / "gunicorn")
    replace = {
        "--bind": f"127.0.0.1:{port}",
        "--workers": str(workers),
        "--threads": str(threads),
        "--timeout": "300",  # a crowd on a shared 2-core machine: slow answers are measured, not killed
    }
    out = []
    skip = False
    for arg in args:
        if skip:
            skip = False
            continue
        if arg in replace:
            out += [arg, replace[arg]]
            skip = True
        elif arg == "--forwarded-allow-ips":
            out += [arg, "127.0.0.1"]
            skip = True
        else:
            out.append(arg)
    return [*out, "--log-level", "warning"]


def nginx_config(workdir: Path, port: int, node_ports: list[int]) -> Path:
    """nginx.conf of the work folder: deploy's log format, upstream (with loopback nodes) and locations."""
    site = (DEPLOY / "nginx" / "netconduct.conf").read_text(encoding="utf-8")
    upstream = re.search(r"^upstream netconduct_nodes \{.*?^\}", site, re.M | re.S)[0]
    addresses = re.findall(r"^\s*server (\S+)", upstream, re.M)
    if len(addresses) < len(node_ports):
        upstream = upstream.replace(
            f"server {addresses[-1]}",
            "\n    ".join(f"server {addresses[-1]}" for _ in range(len(node_ports) - len(addresses) + 1)),
            1,
        )
    for node in node_ports:
        upstream = re.sub(r"server (?!127\.0\.0\.1)\S+:\d+", f"server 127.0.0.1:{node}", upstream, count=1)
    upstream = re.sub(r"^\s*server (?!127\.0\.0\.1).*\n", "", upstream, flags=re.M)  # nodes beyond ours
    locations = (DEPLOY / "nginx" / "netconduct-locations.conf").read_text(encoding="utf-8")
    (workdir / "netconduct-locations.conf").write_text(
        locations.replace("/var/log/nginx/", f"{workdir}/"), encoding="utf-8"
    )
    shutil.copy(DEPLOY / "nginx" / "netconduct-log.conf", workdir / "netconduct-log.conf")
    for folder in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (workdir / folder).mkdir(exist_ok=True)
    conf = workdir / "nginx.conf"
    user = "user root;\n" if os.geteuid() == 0 else ""
    conf.write_text(
        f"""{user}worker_processes 2;
pid {workdir}/nginx.pid;
error_log {workdir}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    include /etc/nginx/mime.types;
    client_body_temp_path {workdir}/body;
    proxy_temp_path {workdir}/proxy;
    fastcgi_temp_path {workdir}/fastcgi;
    uwsgi_temp_path {workdir}/uwsgi;
    scgi_temp_path {workdir}/scgi;
    include {workdir}/netconduct-log.conf;
{upstream}
    server {{
        listen 127.0.0.1:{port} backlog=4096;
        server_name _;
        include {workdir}/netconduct-locations.conf;
    }}
}}
""",
        encoding="utf-8",
    )
    return conf


class Cluster:
    def __init__(
        self, env: dict[str, str], workdir: Path, *, nodes: int = 2, workers: int = 2, threads: int = 8
    ) -> None:
        self.env, self.workdir = env, workdir
        self.nodes, self.workers, self.threads = nodes, workers, threads
        self.node_ports: list[int] = []
        self.port = 0
        self.processes: list[subprocess.Popen] = []

    def start(self, *, worker: bool = True) -> Cluster:
        self.workdir.mkdir(parents=True, exist_ok=True)
        for k in range(self.nodes):
            port = free_port()
            env = dict(self.env, PROMETHEUS_MULTIPROC_DIR=str(self.workdir / f"prometheus-{k}"))
            self.processes.append(
                subprocess.Popen(  # noqa: S603 - our own programs, fixed arguments
                    gunicorn_command(port, workers=self.workers, threads=self.threads),
                    env=env,
                    cwd=self.workdir,
                    stdout=subprocess.DEVNULL,
                    stderr=(self.workdir / f"node-{k}.log").open("w"),
                )
            )
            self.node_ports.append(port)
        if worker:
            self.processes.append(
                subprocess.Popen(  # noqa: S603
                    [str(BIN / "netconduct"), "db_worker", "--interval", "0.2"],
                    env=self.env,
                    cwd=self.workdir,
                    stdout=subprocess.DEVNULL,
                    stderr=(self.workdir / "worker.log").open("w"),
                )
            )
        self.port = free_port()
        conf = nginx_config(self.workdir, self.port, self.node_ports)
        subprocess.run([NGINX, "-t", "-q", "-p", str(self.workdir), "-c", str(conf)], check=True)  # noqa: S603
        self.processes.append(
            subprocess.Popen(  # noqa: S603
                [NGINX, "-p", str(self.workdir), "-c", str(conf), "-g", "daemon off;"],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
        for port in [*self.node_ports, self.port]:
            wait_http(port)
        return self

    def stop(self) -> None:
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            try:
                process.wait(60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def access_log(self) -> str:
        path = self.workdir / "netconduct.access.log"
        return path.read_text(encoding="utf-8") if path.exists() else ""


class Client:
    """A browser of sorts: cookies kept, no redirects followed."""

    def __init__(self, port: int, cookies: dict[str, str] | None = None):
        self.port = port
        self.cookies = dict(cookies or {})

    def request(self, method: str, path: str, body: bytes | None = None, content_type: str = ""):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=300)
        headers = {"User-Agent": UA, "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        if content_type:
            headers["Content-Type"] = content_type
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        text = response.read().decode("utf-8", "replace")
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name.strip()] = rest.split(";")[0]
        conn.close()
        return response.status, dict(response.getheaders()), text

    def csrf(self, path: str) -> str:
        status, _h, text = self.request("GET", path)
        if status != 200:
            raise RuntimeError(f"GET {path}: {status}")
        return TOKEN.search(text)[1]

    def post(self, path: str, fields: dict[str, str]):
        return self.request(
            "POST", path, urllib.parse.urlencode(fields).encode(), "application/x-www-form-urlencoded"
        )

    def upload(self, path: str, fields: dict[str, str], name: str, filename: str, data: bytes):
        boundary = secrets.token_hex(16)
        parts = [
            f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
            for k, v in fields.items()
        ]
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
            "Content-Type: text/csv\r\n\r\n".encode()
            + data
            + f"\r\n--{boundary}--\r\n".encode()
        )
        return self.request("POST", path, b"".join(parts), f"multipart/form-data; boundary={boundary}")
