"""Two app nodes behind nginx, built from deploy/: a session and a roster preview work across nodes.

Needs nginx (Debian's nginx-light), PostgreSQL on 127.0.0.1:5432 and Redis on 127.0.0.1:6379; skipped without them.
The nodes run `netconduct.settings.production` from the web unit's command line, with one data folder shared.
"""

from __future__ import annotations

import os
import re
import secrets
import socket
import subprocess
import sys

import pytest

from netconduct.ops.localnodes import NGINX, TOKEN, Client, Cluster

PG = os.environ.get("NODES_TEST_PG", "postgres://postgres@127.0.0.1:5432")
DB_NAME = "h_ops_nodes_test"
REDIS_DB = 12


def _reachable(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return True
    except OSError:
        return False


pytestmark = [
    pytest.mark.once,
    pytest.mark.skipif(not NGINX, reason="nginx is not installed (apt-get install nginx-light)"),
    pytest.mark.skipif(not (_reachable(5432) and _reachable(6379)), reason="needs PostgreSQL and Redis"),
]

SETUP = """
import django
django.setup()
from netconduct import testing
from netconduct.org.choices import Role
org = testing.build_standard_org()
admin = testing.make_account("nodes_admin", password="nodes-admin-pass-1")
testing.grant(admin, Role.UNIT_ADMIN, org.committee)
"""


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    import psycopg
    import redis

    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DB_NAME}")
    redis.Redis(db=REDIS_DB).flushdb()
    work = tmp_path_factory.mktemp("nodes")
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "SECRET_KEY"}}
    env.update(
        DJANGO_SETTINGS_MODULE="netconduct.settings.production",
        SECRET_KEY=secrets.token_urlsafe(60),
        FIELD_ENCRYPTION_KEYS=f"k1:{secrets.token_hex(32)}",
        ID_HASH_KEY=secrets.token_hex(32),
        DATABASE_URL=f"{PG}/{DB_NAME}",
        REDIS_URL=f"redis://127.0.0.1:6379/{REDIS_DB}",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_SSL_REDIRECT="0",
        SECURE_HSTS_SECONDS="0",
        NETCONDUCT_DATA_DIR=str(work / "shared"),
        NETCONDUCT_STATIC_ROOT=str(work / "static"),
        NETCONDUCT_TRUSTED_PROXIES="1",
    )
    for args in (["migrate", "-v0"], ["collectstatic", "--noinput", "-v0"]):
        subprocess.run([sys.executable, "-m", "netconduct.cli", *args], env=env, check=True, timeout=600)
    subprocess.run([sys.executable, "-c", SETUP], env=env, check=True, timeout=300)
    running = Cluster(env, work / "cluster", nodes=2, workers=1, threads=4).start(worker=False)
    yield running
    running.stop()
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")


def _login(port: int) -> Client:
    client = Client(port)
    status, _h, _t = client.post(
        "/accounts/login/",
        {
            "csrfmiddlewaretoken": client.csrf("/accounts/login/"),
            "username": "nodes_admin",
            "password": "nodes-admin-pass-1",
        },
    )
    assert status == 302
    return client


def test_a_login_on_node_a_is_a_session_on_node_b(cluster):
    a, b = cluster.node_ports
    signed_in = _login(a)
    status, _h, text = Client(b, signed_in.cookies).request("GET", "/org/people/")
    assert status == 200 and "/accounts/logout/" in text  # a signed-in page
    status, headers, _t = Client(b).request("GET", "/org/people/")  # without the cookie: signed out
    assert status == 302 and "/accounts/login/" in headers["Location"]


def test_a_roster_previewed_on_node_a_is_applied_on_node_b(cluster):
    from netconduct import testing

    a, b = cluster.node_ports
    on_a = _login(a)
    roster = (
        "序号,姓名,工号,身份证号码,手机号码,所在支部,政治面貌\n"
        f"1,周建国,XB100001,{testing.make_id_number()},13900000001,甲醇厂第一党支部,中共党员\n"
        f"2,吴敏,XB100002,{testing.make_id_number()},13900000002,甲醇厂第一党支部,群众\n"
    )
    status, headers, _t = on_a.upload(
        "/org/roster/",
        {"csrfmiddlewaretoken": on_a.csrf("/org/roster/")},
        "file",
        "花名册.csv",
        roster.encode(),
    )
    assert status == 302
    preview = headers["Location"]
    on_b = Client(b, on_a.cookies)
    status, _h, text = on_b.request("GET", preview)
    assert status == 200 and "确认导入" in text
    status, _h, text = on_b.post(preview, {"csrfmiddlewaretoken": TOKEN.search(text)[1]})
    assert status == 200 and "新增 2 人" in text
    assert Client(a, on_a.cookies).request("GET", preview)[0] == 404  # applied and forgotten on every node


def test_nginx_alternates_the_nodes_and_passes_its_request_id(cluster):
    through = Client(cluster.port)
    ids = []
    for _ in range(6):
        status, headers, _t = through.request("GET", "/accounts/login/")
        assert status == 200
        ids.append(headers["X-Request-ID"])
    assert through.request("GET", "/metrics")[0] == 404  # for the monitoring system, at the nodes themselves
    through.request("GET", "/reports/follow/")
    log = cluster.access_log()
    for port in cluster.node_ports:
        assert f"127.0.0.1:{port}" in log  # round robin: both nodes answered
    for request_id in ids:
        assert (
            re.fullmatch(r"[0-9a-f]{32}", request_id) and request_id in log
        )  # nginx's id, echoed by the node
    assert "/reports/" not in log
    # each node's own /metrics (direct loopback, no token set) adds up its gunicorn workers (multiprocess mode)
    status, _h, text = Client(cluster.node_ports[0]).request("GET", "/metrics")
    assert status == 200
    assert re.search(
        r'netconduct_http_request_duration_seconds_count\{[^}]*route="accounts:login"[^}]*\} [1-9]', text
    )
    assert "netconduct_tasks_waiting" in text


def test_the_public_site_with_tls_passes_nginx_t(tmp_path):
    """deploy/nginx/netconduct.conf as installed (TLS, the snippet, the log format), with a throwaway certificate."""
    from netconduct.ops.localnodes import DEPLOY

    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=netconduct",
         "-keyout", str(tmp_path / "key.pem"), "-out", str(tmp_path / "cert.pem")],
        check=True, capture_output=True,
    )  # fmt: skip
    site = (DEPLOY / "nginx" / "netconduct.conf").read_text(encoding="utf-8")
    site = site.replace("/etc/ssl/netconduct/fullchain.pem", str(tmp_path / "cert.pem"))
    site = site.replace("/etc/ssl/netconduct/privkey.pem", str(tmp_path / "key.pem"))
    site = site.replace("/etc/nginx/snippets/", f"{tmp_path}/")
    locations = (DEPLOY / "nginx" / "netconduct-locations.conf").read_text(encoding="utf-8")
    (tmp_path / "netconduct-locations.conf").write_text(locations.replace("/var/log/nginx/", f"{tmp_path}/"))
    (tmp_path / "site.conf").write_text(site)
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\nhttp {{\n"
        f"    include {DEPLOY}/nginx/netconduct-log.conf;\n    include {tmp_path}/site.conf;\n}}\n"
    )
    done = subprocess.run(
        [NGINX, "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
