import io
import os
import re
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import connection

from netconduct.core.models import AuditEvent
from netconduct.org import demo
from netconduct.org.choices import Role
from netconduct.org.models import OrgUnit, Person, RoleGrant

ADMIN_PASSWORD = re.compile(r"用户名：admin\s+密码：(\S+)")
ACCOUNT_PASSWORD = re.compile(r"^\s+(\w+)\s+密码：(\S+)", re.MULTILINE)


def _quickstart() -> str:
    out = io.StringIO()
    call_command("quickstart", no_serve=True, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_quickstart_creates_admin_once_and_keeps_data():
    first = _quickstart()
    password = ADMIN_PASSWORD.search(first)[1]
    admin = get_user_model().objects.get(username="admin")
    assert admin.is_superuser and admin.check_password(password)
    assert "TOTP" in first
    root = OrgUnit.objects.get_root_nodes().get()
    assert root.name == demo.GROUP_NAME
    assert RoleGrant.objects.filter(user=admin, role=Role.SYSADMIN, unit=root).exists()
    assert AuditEvent.objects.filter(action="account.create_superuser", object_repr="admin").count() == 1

    accounts = dict(ACCOUNT_PASSWORD.findall(first))
    assert set(accounts) == set(demo.DEMO_ACCOUNTS)
    for username, secret in accounts.items():
        assert get_user_model().objects.get(username=username).check_password(secret)
    assert len({password, *accounts.values()}) == 5

    people = Person.objects.count()
    users = get_user_model().objects.count()
    second = _quickstart()
    assert "密码：" not in second
    assert "管理员账号已存在（admin）" in second and "已存在" in second
    assert Person.objects.count() == people == demo.DEFAULT_PEOPLE
    assert get_user_model().objects.count() == users
    assert admin.check_password(password)  # untouched


@pytest.mark.django_db
def test_quickstart_leaves_an_existing_administrator_alone():
    get_user_model().objects.create_superuser("chief", password="a-long-enough-passphrase-9")
    out = _quickstart()
    assert "管理员账号已存在（chief）" in out
    assert not get_user_model().objects.filter(username="admin").exists()
    assert ADMIN_PASSWORD.search(out) is None


@pytest.mark.django_db
def test_demo_loader_does_not_count_as_an_administrator():
    demo.demo_build(people=50)  # makes the system actor, a superuser nobody can sign in as
    out = _quickstart()
    assert ADMIN_PASSWORD.search(out) is not None


def test_addrport_parsing():
    from netconduct.home.management.commands.quickstart import parse_addrport

    assert parse_addrport("127.0.0.1:8000") == ("127.0.0.1", 8000)
    assert parse_addrport("8080") == ("127.0.0.1", 8080)
    assert parse_addrport("[::1]:8000") == ("[::1]", 8000)


def _embedded_env(data_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("DATABASE_URL", None)
    env.update(
        DJANGO_SETTINGS_MODULE="netconduct.settings.embedded",
        NETCONDUCT_DATA_DIR=str(data_dir),
        PYTHONUNBUFFERED="1",
    )
    return env


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "netconduct.cli", *args]


def read_until_served(server: subprocess.Popen, *, timeout: float) -> tuple[str, str | None]:
    """What a quickstart server printed up to "服务已启动：URL", and that URL (None if it never said so)."""
    output, url = "", None
    deadline = time.monotonic() + timeout
    while url is None and time.monotonic() < deadline:
        line = server.stdout.readline()
        if not line:
            break
        output += line
        found = re.search(r"服务已启动：(http://\S+)", line)
        url = found[1] if found else None
    return output, url


@pytest.mark.once
def test_fresh_installs_get_fresh_passwords_and_serve_static_files(tmp_path):
    """End to end on the embedded settings, as a new user runs it: two data folders, two different passwords,
    a rerun that prints none, and a server that answers with a static file (WhiteNoise, DEBUG off)."""
    first = subprocess.run(
        _cli("quickstart", "--no-serve"),
        env=_embedded_env(tmp_path / "a"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert first.returncode == 0, first.stderr
    password_a = ADMIN_PASSWORD.search(first.stdout)[1]
    rerun = subprocess.run(
        _cli("quickstart", "--no-serve"),
        env=_embedded_env(tmp_path / "a"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert rerun.returncode == 0, rerun.stderr
    assert "密码：" not in rerun.stdout

    server = subprocess.Popen(
        _cli("quickstart", "--addrport", "127.0.0.1:0"),
        env=_embedded_env(tmp_path / "b"),
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        output, url = read_until_served(server, timeout=120)
        assert url, output
        password_b = ADMIN_PASSWORD.search(output)[1]
        assert password_a != password_b
        with urllib.request.urlopen(url + "static/netconduct/site.css", timeout=10) as response:  # noqa: S310
            assert response.status == 200
            assert response.headers["Content-Type"].startswith("text/css")
        with urllib.request.urlopen(url + "healthz", timeout=10) as response:  # noqa: S310
            assert response.status == 200
            assert (
                response.headers["Server"] == "netconduct"
            )  # waitress (ident), not Django's development server
    finally:
        server.terminate()  # SIGTERM stops it as Ctrl+C does: the worker thread too, cleanly
        server.wait(timeout=120)  # the worker may be finishing the demo's first task
        # Read through the same buffered stream as readline() above: communicate() would miss what it had read ahead.
        rest = server.stdout.read()
    assert f"二维码和链接中的地址：{url.rstrip('/')}" in rest  # SITE_URL is the address served
    assert "无需另行启动" in rest  # the background worker runs beside the server
    assert "可信时间戳服务（本机，RFC 3161）：http://127.0.0.1:" in output  # the local TSA, for the seals
    assert server.returncode == 0 and "服务已停止" in rest, rest
    assert "后台任务已停止" in rest or "后台任务未能在 60 秒内结束" in rest, rest  # said either way


@pytest.mark.django_db(transaction=True)
def test_a_data_folder_of_an_earlier_version_is_refused_with_a_reason():
    from django.db.migrations.recorder import MigrationRecorder

    MigrationRecorder(connection).record_applied("org", "0002_order_people_by_pinyin")
    try:
        with pytest.raises(
            CommandError, match="由较早的版本建立.*org.0002_order_people_by_pinyin.*删除数据目录"
        ):
            call_command("quickstart", "--no-serve", stdout=io.StringIO())
    finally:
        MigrationRecorder(connection).record_unapplied("org", "0002_order_people_by_pinyin")
