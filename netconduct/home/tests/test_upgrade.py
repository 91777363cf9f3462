"""Upgrading from the previous release keeps everything: verify, decrypt, log in.

The previous release's code (its commit, from docs/releases.json) is taken out of git history; its own
`netconduct quickstart --no-serve` builds the demo database with its own migrations, and its own
`scripts/release_sample.py` signs and seals pledges, files a report and takes an audit checkpoint. Then this
commit's code migrates the same data folder and `scripts/release_check.py` checks that the audit chain verifies
against the checkpoint, every archived pledge verifies by code and by file, the ID numbers decrypt, the reporter
follows their report, and the demo people log in with the passwords quickstart printed. The previous release runs
with this commit's installed dependencies (the versions in pyproject.toml only ever widen).

On SQLite (the embedded default, in the SQLite pass) and on a fresh PostgreSQL database of its own (in the PostgreSQL
pass), each once.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[3]
RELEASES = ROOT / "docs" / "releases.json"
PG_URL = "postgres://postgres@127.0.0.1:5432/"


def previous_release() -> dict:
    return json.loads(RELEASES.read_text(encoding="utf-8"))[-1]


def _unavailable(reason: str):
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI requires the upgrade test)")
    pytest.skip(reason)


def _checkout(commit: str, into: Path) -> Path:
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        _unavailable("the upgrade test needs the git history of a checkout")
    known = subprocess.run(["git", "-C", str(ROOT), "cat-file", "-e", f"{commit}^{{commit}}"], check=False)
    if known.returncode != 0:
        _unavailable(f"commit {commit} of the previous release is not in this clone (shallow?)")
    into.mkdir()
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", "--format=tar", commit], check=True, capture_output=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into


def _run(code: Path, env: dict, *args: str) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [sys.executable, *args],
        cwd=code,
        env={**env, "PYTHONPATH": str(code)},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, f"{' '.join(args)} with {code.name}:\n{result.stdout}\n{result.stderr}"
    return result


def _environment(tmp_path: Path, database: str | None) -> dict:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "NETCONDUCT_", "DATABASE_URL"))
    }
    env["NETCONDUCT_DATA_DIR"] = str(tmp_path / "data")
    if database is None:
        env["DJANGO_SETTINGS_MODULE"] = "netconduct.settings.embedded"
    else:
        env |= {
            "DJANGO_SETTINGS_MODULE": "netconduct.settings.production",
            "DATABASE_URL": PG_URL + database,
            "SECRET_KEY": secrets.token_urlsafe(60),
            "FIELD_ENCRYPTION_KEYS": f"k1:{secrets.token_hex(32)}",
            "ID_HASH_KEY": secrets.token_hex(32),
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_SSL_REDIRECT": "false",
        }
    return env


CLI = ("-c", "from netconduct.cli import main; main()")


def upgrade_and_check(tmp_path: Path, database: str | None) -> str:
    release = previous_release()
    old = _checkout(release["commit"], tmp_path / f"netconduct-{release['version']}")
    env = _environment(tmp_path, database)

    where = _run(old, env, "-c", "import netconduct; print(netconduct.__file__)").stdout
    assert where.startswith(str(old)), f"the previous release did not run from its own code: {where}"
    printed = _run(old, env, *CLI, "quickstart", "--no-serve").stdout
    logins = dict(re.findall(r"^\s+(member_demo|zc_secretary|jiwei)\s+密码：(\S+)", printed, flags=re.M))
    assert len(logins) == 3, printed
    sample = tmp_path / "sample.json"
    _run(old, env, str(old / "scripts" / "release_sample.py"), str(sample))

    migrated = _run(ROOT, env, *CLI, "migrate", "--no-input").stdout
    assert "Applying" in migrated or "No migrations to apply" in migrated
    pairs = [f"{name}={password}" for name, password in logins.items()]
    report = _run(ROOT, env, str(ROOT / "scripts" / "release_check.py"), str(sample), *pairs).stdout
    assert "FAIL" not in report and report.count("ok ") >= 6, report

    # The check can fail: a wrong password is refused, so a passing check above means the old passwords worked.
    refused = subprocess.run(
        [
            sys.executable,
            str(ROOT / "scripts" / "release_check.py"),
            str(sample),
            "member_demo=not-the-password",
        ],
        cwd=ROOT,
        env={**env, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert refused.returncode == 1 and "FAIL member_demo" in refused.stdout, refused.stdout + refused.stderr
    return report


@pytest.mark.once
def test_upgrade_from_the_previous_release_on_the_embedded_default(tmp_path):
    report = upgrade_and_check(tmp_path, None)
    assert "audit-verify" in report


@pytest.mark.skipif(
    not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"),
    reason="runs in the PostgreSQL pass (DATABASE_URL=postgres://…)",
)
def test_upgrade_from_the_previous_release_on_postgresql(tmp_path):
    import psycopg

    name = f"upgrade_{secrets.token_hex(4)}"
    with psycopg.connect(PG_URL + "postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        report = upgrade_and_check(tmp_path, name)
        assert "ID numbers decrypt" in report
    finally:
        with psycopg.connect(PG_URL + "postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
