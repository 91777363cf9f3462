"""`netconduct backup` and `netconduct restore`, run as an operator runs them: a populated installation is backed up,
restored into a fresh one, and everything that matters is checked there; damaged, foreign and newer backups are
refused with a reason and leave the target as it was.

SQLite: fresh data folders on the embedded settings (marked `once`: they do not use the configured database).
PostgreSQL: fresh databases h_backup_* on the production settings, only when DATABASE_URL is PostgreSQL.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from netconduct.backup.archive import DecryptingReader, EncryptingWriter

PASSPHRASE = "correct-horse-battery-staple"
SCENARIO = "netconduct.backup.tests.scenario"


def _env(data_dir: Path, *, settings: str = "netconduct.settings.embedded", **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NETCONDUCT_") and k != "DATABASE_URL"}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": settings,
            "NETCONDUCT_DATA_DIR": str(data_dir),
            "NETCONDUCT_BACKUP_PASSPHRASE": PASSPHRASE,
            "ALLOWED_HOSTS": "testserver,127.0.0.1",
            "PYTHONUNBUFFERED": "1",
            **extra,
        }
    )
    return env


def _run(env: dict[str, str], *args: str, module: str = "netconduct.cli") -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", module, *args], env=env, capture_output=True, text=True, timeout=300
    )


def _ok(env: dict[str, str], *args: str, module: str = "netconduct.cli") -> str:
    done = _run(env, *args, module=module)
    assert done.returncode == 0, f"{args}: {done.stdout}\n{done.stderr}"
    return done.stdout


def _listing(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")} if folder.exists() else set()


def _rewrap(source: Path, target: Path, **header_changes) -> None:
    """The same backup under a header that says something else (as a newer version would write it)."""
    with open(source, "rb") as handle:
        reader = DecryptingReader(handle, passphrase=PASSPHRASE)
        header = {
            k: v for k, v in reader.header.items() if k not in {"format", "kdf", "check", "nonce", "chunk"}
        }
        header.update(header_changes)
        with open(target, "wb") as out:
            writer = EncryptingWriter(out, passphrase=PASSPHRASE, header=header)
            shutil.copyfileobj(reader, writer)
            writer.finish()


def _backup_and_restore(tmp_path: Path, source_env: dict, target_env: dict) -> Path:
    """Populate, checkpoint, back up from `source_env`; restore into `target_env`; check everything there.
    Returns the backup file."""
    expected = tmp_path / "expected.json"
    _ok(source_env, "migrate", "-v0")
    _ok(source_env, "populate", str(expected), module=SCENARIO)
    checkpoint = tmp_path / "checkpoint.json"
    _ok(source_env, "audit-checkpoint", "--output", str(checkpoint))
    backup = tmp_path / "netconduct.ncbackup"
    stop = tmp_path / "stop-churning"
    writer = subprocess.Popen(  # the installation keeps serving (and writing) while it is backed up
        [sys.executable, "-m", SCENARIO, "churn", str(stop)],
        env=source_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert writer.stdout.readline().strip() == "writing"  # the first person is in: writes are under way
        out = _ok(source_env, "backup", "--out", str(backup))
    finally:
        stop.touch()
        churned, errors = writer.communicate(timeout=120)
    assert writer.returncode == 0, errors
    assert churned.startswith("churn: ")
    assert "已备份到" in out and "SHA-256" in out
    assert backup.stat().st_mode & 0o077 == 0  # the owner's only

    # the scheduled backup: the same, by the product's own schedule into NETCONDUCT_BACKUP_DIR
    folder = tmp_path / "scheduled"
    _ok({**source_env, "NETCONDUCT_BACKUP_DIR": str(folder)}, "jobs", "--run")
    assert len(list(folder.glob("netconduct-*.ncbackup"))) == 1

    out = _ok(target_env, "restore", str(backup))
    assert "已从备份恢复" in out
    restored = Path(target_env["NETCONDUCT_DATA_DIR"])
    for key in ("seal/seal-key.pem", "seal/root-key.pem", "audit/checkpoint_key.pem"):
        assert (restored / key).stat().st_mode & 0o077 == 0, key  # keys come back readable by the owner only
    out = _ok(target_env, "audit-verify", "--checkpoint", str(checkpoint))  # a whole chain, cut while written
    assert "与审计链一致" in out
    assert "审计链完好" in out
    assert "all good" in _ok(target_env, "check", str(expected), module=SCENARIO)

    refused = _run(target_env, "restore", str(backup))
    assert refused.returncode == 1 and "当前安装不是空的" in refused.stderr and "--force" in refused.stderr
    _ok(target_env, "restore", "--force", str(backup))  # told to: the same installation again, whole
    assert "all good" in _ok(target_env, "check", str(expected), module=SCENARIO)
    return backup


def _refusals(tmp_path: Path, backup: Path, fresh_env) -> None:
    """Each damaged, foreign or newer backup into a fresh target: refused, with its reason, nothing written."""
    data = backup.read_bytes()
    truncated, altered = tmp_path / "truncated.ncbackup", tmp_path / "altered.ncbackup"
    truncated.write_bytes(data[: len(data) // 2])
    changed = bytearray(data)
    changed[len(changed) // 2] ^= 0x01
    altered.write_bytes(bytes(changed))
    newer, newer_schema = tmp_path / "newer.ncbackup", tmp_path / "newer-schema.ncbackup"
    _rewrap(backup, newer, version="99.0.0")
    with open(backup, "rb") as handle:
        migrations = DecryptingReader(handle, passphrase=PASSPHRASE).header["migrations"]
    _rewrap(
        backup, newer_schema, migrations={**migrations, "core": [*migrations["core"], "9999_from_the_future"]}
    )

    cases = [
        ("wrong", backup, {"NETCONDUCT_BACKUP_PASSPHRASE": "not-the-passphrase"}, "备份口令不正确"),
        ("truncated", truncated, {}, "不完整"),
        ("altered", altered, {}, "已被改动"),
        ("newer", newer, {}, "较新的版本 99.0.0"),
        ("schema", newer_schema, {}, "core.9999_from_the_future"),
    ]
    for name, file, extra, message in cases:
        env, folder = fresh_env(name, **extra)
        before = _listing(folder)
        done = _run(env, "restore", str(file))
        assert done.returncode == 1, (name, done.stdout, done.stderr)
        assert message in done.stderr, (name, done.stderr)
        assert "Traceback" not in done.stderr
        assert _listing(folder) - before <= {"keys.json", "static"}, name  # what loading the settings makes
        assert not (folder / "netconduct.sqlite3").exists() or env.get("DATABASE_URL")


@pytest.mark.once
def test_backup_restore_into_a_fresh_data_folder(tmp_path):
    backup = _backup_and_restore(tmp_path, _env(tmp_path / "a"), _env(tmp_path / "b"))

    def fresh(name, **extra):
        folder = tmp_path / f"refused-{name}"
        return _env(folder, **extra), folder

    _refusals(tmp_path, backup, fresh)


# ---------------------------------------------------------------------------------------------------- PostgreSQL

DATABASE_URL = os.environ.get("DATABASE_URL", "")
on_postgres = pytest.mark.skipif(
    not DATABASE_URL.startswith(("postgres://", "postgresql://")), reason="DATABASE_URL is not PostgreSQL"
)


def _pg_admin(statement: str) -> None:
    import psycopg

    parts = urlsplit(DATABASE_URL)
    with psycopg.connect(
        host=parts.hostname,
        port=parts.port or 5432,
        user=parts.username,
        password=parts.password,
        dbname="postgres",
        autocommit=True,
    ) as conn:
        conn.execute(statement)


def _pg_tables(database: str) -> int:
    import psycopg

    parts = urlsplit(DATABASE_URL)
    with psycopg.connect(
        host=parts.hostname,
        port=parts.port or 5432,
        user=parts.username,
        password=parts.password,
        dbname=database,
    ) as conn:
        return conn.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").fetchone()[0]


def _pg_url(name: str) -> str:
    parts = urlsplit(DATABASE_URL)
    return parts._replace(path=f"/{name}").geturl()


@on_postgres
def test_backup_restore_into_a_fresh_postgresql_database(tmp_path):
    names = [
        f"h_backup_{os.getpid()}_{n}"
        for n in ("src", "dst", "wrong", "truncated", "altered", "newer", "schema")
    ]
    for name in names:
        _pg_admin(f'DROP DATABASE IF EXISTS "{name}"')
        _pg_admin(f'CREATE DATABASE "{name}"')
    keys = {
        "SECRET_KEY": "backup-test-" + "k" * 60,
        "FIELD_ENCRYPTION_KEYS": "k1:" + "44" * 32,
        "ID_HASH_KEY": "55" * 32,
        "SECURE_SSL_REDIRECT": "false",
    }

    def env(folder: str, database: str, **extra):
        return _env(
            tmp_path / folder,
            settings="netconduct.settings.production",
            DATABASE_URL=_pg_url(database),
            **keys,
            **extra,
        )

    try:
        backup = _backup_and_restore(tmp_path, env("a", names[0]), env("b", names[1]))

        def fresh(name, **extra):
            return env(
                f"refused-{name}", f"h_backup_{os.getpid()}_{name}", **extra
            ), tmp_path / f"refused-{name}"

        _refusals(tmp_path, backup, fresh)
        for name in names[2:]:  # the refused restores created nothing in their databases either
            assert _pg_tables(name) == 0, name
    finally:
        for name in names:
            _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
