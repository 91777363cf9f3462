"""The checks a restore makes before it writes anything, and the scheduled backup's housekeeping."""

from __future__ import annotations

import hashlib
import io
import json
import tarfile

import pytest

from netconduct import testing
from netconduct.backup import services, snapshot
from netconduct.backup.archive import BackupError


def _header(**changes) -> dict:
    header = {
        "product": "netconduct",
        "version": snapshot.product_version(),
        "database": snapshot.database_vendor(),
        "migrations": {"core": ["0001_initial"]},
    }
    header.update(changes)
    return header


def test_a_backup_of_this_version_passes():
    services._refuse_newer(_header())


def test_a_newer_version_is_refused():
    with pytest.raises(BackupError, match="较新的版本 99.0.0.*请先升级"):
        services._refuse_newer(_header(version="99.0.0"))


def test_migrations_this_code_does_not_have_are_refused():
    with pytest.raises(BackupError, match="core.9999_later.*请先升级"):
        services._refuse_newer(_header(migrations={"core": ["0001_initial", "9999_later"]}))


def test_another_product_or_database_is_refused():
    with pytest.raises(BackupError, match="不是本平台"):
        services._refuse_newer(_header(product="other"))
    other = "postgresql" if snapshot.database_vendor() == "sqlite" else "sqlite"
    with pytest.raises(BackupError, match="只能恢复到同类数据库"):
        services._refuse_newer(_header(database=other))


def test_versions_compare_as_numbers():
    assert snapshot.version_tuple("0.10.0") > snapshot.version_tuple("0.9.1")
    assert snapshot.version_tuple("1.0.0rc1") == (1, 0, 0)


def test_short_passphrases_are_refused():
    with pytest.raises(BackupError, match="至少 12 个字符"):
        services.passphrase_check("short")


@pytest.mark.django_db
def test_an_installation_with_data_is_not_empty(settings, tmp_path):
    settings.DATA_DIR, settings.MEDIA_ROOT = (
        tmp_path,
        tmp_path / "media",
    )  # other tests write to the shared one
    assert services.install_contents() == []
    (tmp_path / "media").mkdir()
    (tmp_path / "media" / "scan.pdf").write_bytes(b"%PDF-1.7")
    assert services.install_contents() == ["数据目录中已有 1 个文件（如 media/scan.pdf）"]
    (tmp_path / "media" / "scan.pdf").unlink()
    testing.build_standard_org()
    (found,) = services.install_contents()
    assert "账号" in found and "审计记录" in found


def test_only_the_newest_backups_are_kept(tmp_path):
    for day in range(1, 10):
        (tmp_path / f"netconduct-202603{day:02d}-020000.ncbackup").write_bytes(b"x")
    (tmp_path / "notes.txt").write_text("kept")
    removed = services.backups_prune(tmp_path, keep=3)
    assert len(removed) == 6
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "netconduct-20260307-020000.ncbackup",
        "netconduct-20260308-020000.ncbackup",
        "netconduct-20260309-020000.ncbackup",
        "notes.txt",
    ]


def _payload(
    members: dict[str, bytes], *, manifest: dict | None = None, link: str | None = None
) -> io.BytesIO:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w|") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        if link:
            info = tarfile.TarInfo(link)
            info.type, info.linkname = tarfile.SYMTYPE, "/etc/passwd"
            tar.addfile(info)
        listed = manifest or {
            "members": [
                {"name": n, "size": len(d), "sha256": hashlib.sha256(d).hexdigest(), "kind": "files"}
                for n, d in members.items()
            ]
        }
        data = json.dumps(listed).encode()
        info = tarfile.TarInfo(snapshot.MANIFEST)
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    out.seek(0)
    return out


def test_extract_checks_every_member_against_the_manifest(tmp_path):
    good = {"data/media/a.pdf": b"%PDF-1.7 a", "database/netconduct.sqlite3": b"SQLite format 3\x00"}
    manifest = snapshot.payload_extract(_payload(good), tmp_path / "ok")
    assert (tmp_path / "ok" / "data" / "media" / "a.pdf").read_bytes() == b"%PDF-1.7 a"
    assert len(manifest["members"]) == 2

    listed = json.loads(
        json.dumps(
            {"members": [{"name": "data/media/a.pdf", "size": 10, "sha256": "0" * 64, "kind": "files"}]}
        )
    )
    with pytest.raises(BackupError, match="a.pdf 的 SHA-256 与清单不符"):
        snapshot.payload_extract(
            _payload({"data/media/a.pdf": b"%PDF-1.7 a"}, manifest=listed), tmp_path / "x"
        )
    missing = {
        "members": [*listed["members"], {"name": "data/b", "size": 1, "sha256": "0" * 64, "kind": "files"}]
    }
    with pytest.raises(BackupError, match="不完整：清单中的 .* 不在文件里"):
        snapshot.payload_extract(_payload({}, manifest=missing), tmp_path / "y")


@pytest.mark.parametrize("name", ["../escape", "/etc/cron.d/x", "data/../../escape", "elsewhere/file"])
def test_extract_refuses_paths_outside_its_folder(tmp_path, name):
    with pytest.raises(BackupError, match="不允许的路径"):
        snapshot.payload_extract(_payload({name: b"x"}), tmp_path / "in")
    assert not (tmp_path / "escape").exists()


def test_extract_refuses_links(tmp_path):
    with pytest.raises(BackupError, match="不是普通文件"):
        snapshot.payload_extract(_payload({}, link="data/passwd"), tmp_path / "in")


def test_pg_tools_prefer_the_newest_installed_client(settings):
    settings.NETCONDUCT_PG_BIN = ""
    found = snapshot.pg_tool("pg_dump")
    assert found.endswith("pg_dump")


def test_stale_uploads_are_swept(settings, tmp_path):
    import datetime as dt
    import os

    from netconduct.backup.jobs import stale_uploads_sweep

    settings.MEDIA_ROOT = str(tmp_path)
    now = dt.datetime(2026, 3, 2, 12, tzinfo=dt.UTC)
    for folder in ("roster-uploads", "registry-uploads"):
        (tmp_path / folder).mkdir()
        for name, hours in (("old", 25), ("new", 1)):
            path = tmp_path / folder / name
            path.write_bytes(b"roster")
            stamp = (now - dt.timedelta(hours=hours)).timestamp()
            os.utime(path, (stamp, stamp))
    assert stale_uploads_sweep(now) == 2
    assert sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file()) == [
        "registry-uploads/new",
        "roster-uploads/new",
    ]


@pytest.mark.django_db
def test_backup_job_runs_only_when_configured(settings, tmp_path):
    from netconduct.backup.jobs import backups_enabled
    from netconduct.notifications import schedule

    settings.NETCONDUCT_BACKUP_DIR, settings.NETCONDUCT_BACKUP_PASSPHRASE = "", ""
    assert backups_enabled() is False
    status = {s.job.name: s for s in schedule.jobs_status()}
    assert status["backup"].enabled is False and status["backup"].late is False
    settings.NETCONDUCT_BACKUP_DIR, settings.NETCONDUCT_BACKUP_PASSPHRASE = (
        str(tmp_path),
        "a-long-passphrase-1",
    )
    assert backups_enabled() is True


def _unpacked(tmp_path, keys: dict, external: dict | None = None) -> tuple:
    folder = tmp_path / "unpacked"
    (folder / "keys").mkdir(parents=True)
    (folder / snapshot.SETTINGS_KEYS).write_text(json.dumps(keys))
    return folder, {"external_keys": external or {}}


BACKUP_KEYS = {"secret_key": "s" * 60, "field_keys": {"k9": "99" * 32}, "hash_key": "88" * 32}


def test_keys_from_the_environment_that_differ_are_written_for_the_operator(settings, tmp_path):
    settings.DATA_DIR = tmp_path / "data"
    settings.DATA_DIR.mkdir()
    folder, manifest = _unpacked(tmp_path, {**BACKUP_KEYS, "from_data_folder": False})
    warnings: list[str] = []
    services._restore_keys(folder, manifest, warnings)
    written = (settings.DATA_DIR / "restored-keys.env").read_text()
    assert f"FIELD_ENCRYPTION_KEYS=k9:{'99' * 32}" in written and f"ID_HASH_KEY={'88' * 32}" in written
    assert (settings.DATA_DIR / "restored-keys.env").stat().st_mode & 0o077 == 0
    assert "restored-keys.env" in warnings[0] and "环境变量" in warnings[0]
    assert BACKUP_KEYS["field_keys"] != settings.NETCONDUCT_FIELD_KEYS  # the environment's stay in force


def test_keys_of_the_data_folder_become_the_backups(settings, tmp_path):
    from netconduct.core import crypto

    settings.DATA_DIR = tmp_path / "data"
    settings.DATA_DIR.mkdir()
    current = {
        "secret_key": settings.SECRET_KEY,
        "field_keys": dict(settings.NETCONDUCT_FIELD_KEYS),
        "hash_key": settings.NETCONDUCT_HASH_KEY,
    }
    (settings.DATA_DIR / "keys.json").write_text(json.dumps(current))  # this installation reads keys.json
    external = tmp_path / "etc" / "seal-key.pem"
    external.parent.mkdir()
    folder, manifest = _unpacked(
        tmp_path,
        {**BACKUP_KEYS, "from_data_folder": True},
        {"NETCONDUCT_SEAL_KEY": {"name": "keys/external/0-seal-key.pem", "path": str(external)}},
    )
    (folder / "keys" / "external").mkdir()
    (folder / "keys" / "external" / "0-seal-key.pem").write_bytes(b"-----BEGIN PRIVATE KEY-----")
    warnings: list[str] = []
    try:
        services._restore_keys(folder, manifest, warnings)
        assert json.loads((settings.DATA_DIR / "keys.json").read_text())["field_keys"] == {"k9": "99" * 32}
        assert crypto.current_key_id() == "k9"  # this process goes on with them
        assert external.read_bytes() == b"-----BEGIN PRIVATE KEY-----"  # absent: put back where configured
        assert warnings == []
    finally:
        crypto.reset_key_cache()
