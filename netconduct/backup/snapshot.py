"""What a backup holds, taken while the product serves, and how it is put back.

The payload (encrypted by `archive.py`) is a tar stream of

    database/netconduct.sqlite3    SQLite's online backup (a consistent copy while others write), or
    database/postgresql.dump       pg_dump's custom format (one consistent snapshot)
    data/…                         every file of the data folder: stored files (media: archived pledges, scans,
                                   evidence, attachments), keys.json, the seal's keys and certificates, the
                                   time-stamping authority's key, the audit checkpoint key and checkpoints
    media/…                        MEDIA_ROOT, when it lies outside the data folder
    keys/settings.json             the keys in force (secret key, field encryption keys, ID hash key), whether they
                                   came from keys.json or from the environment
    keys/external/…                key and certificate files configured outside the data folder
    manifest.json                  last: product, version, migrations, and the size and SHA-256 of every member

The database is copied first, then the files: a file the copy names was written before it, so it is there.
Derived data (the font cache, collected static files) is left out.
"""

from __future__ import annotations

import datetime as dt
import glob
import hashlib
import importlib.metadata
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone
from django.utils.translation import gettext as _

from .archive import BackupError

PRODUCT = "netconduct"
DERIVED = ("cache", "static")  # rebuilt by the product; not worth a backup
RESTORE_PREFIX = ".restore-"
BACKUP_SUFFIX = ".ncbackup"
MANIFEST = "manifest.json"
SETTINGS_KEYS = "keys/settings.json"
KEY_FILES = ("keys.json", "seal/", "audit/")  # the data folder's keys, named in the manifest as such


def product_version() -> str:
    try:
        return importlib.metadata.version(PRODUCT)
    except importlib.metadata.PackageNotFoundError:  # a checkout that was never installed
        return "0"


def version_tuple(value: str) -> tuple[int, ...]:
    parts = []
    for part in str(value).split("."):
        digits = re.match(r"\d*", part)[0]  # 0rc1 → 0
        parts.append(int(digits) if digits else 0)
    return tuple(parts)


def data_dir() -> Path:
    return Path(settings.DATA_DIR)


def media_root() -> Path:
    return Path(settings.MEDIA_ROOT)


def _is_within(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
    except ValueError:
        return False
    return True


# ---------------------------------------------------------------------------------------------------- the database


def database_vendor() -> str:
    return connection.vendor  # "sqlite" or "postgresql"


def sqlite_file() -> Path | None:
    """The SQLite database's file (None for an in-memory one)."""
    name = str(settings.DATABASES["default"]["NAME"])
    if name in {":memory:", ""} or name.startswith("file:") or "mode=memory" in name:
        return None
    return Path(name)


def _sqlite_path() -> Path:
    path = sqlite_file()
    if path is None:
        raise BackupError(_("内存中的 SQLite 数据库无法备份：请在数据目录中的数据库上运行。"))
    return path


def sqlite_copy(source: Path, target: Path) -> None:
    """Copy one SQLite database into another with SQLite's online backup API: a consistent copy even while other
    connections write (they wait at most the busy timeout for each step)."""
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30)
    dst = sqlite3.connect(target, timeout=30)
    try:
        with dst:
            src.backup(dst, pages=1024)
    finally:
        dst.close()
        src.close()


def pg_tool(name: str) -> str:
    """pg_dump / pg_restore: NETCONDUCT_PG_BIN's, the newest under /usr/lib/postgresql (a client at least as new as
    the server is what pg_dump needs), or the one on PATH."""
    configured = getattr(settings, "NETCONDUCT_PG_BIN", "") or ""
    if configured:
        candidate = Path(configured) / name
        if candidate.exists():
            return str(candidate)
    versions = sorted(
        glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
        key=lambda p: version_tuple(Path(p).parent.parent.name),
    )
    if versions:
        return versions[-1]
    found = shutil.which(name)
    if found:
        return found
    raise BackupError(
        _("找不到 {tool}：请安装 PostgreSQL 客户端（如 apt-get install postgresql-client）。").format(
            tool=name
        )
    )


def _pg_env() -> tuple[list[str], dict[str, str]]:
    """Connection arguments and environment for pg_dump / pg_restore from the Django settings (the password goes
    through PGPASSWORD, never the command line)."""
    db = settings.DATABASES["default"]
    args = ["--dbname", str(db["NAME"])]
    if db.get("HOST"):
        args += ["--host", str(db["HOST"])]
    if db.get("PORT"):
        args += ["--port", str(db["PORT"])]
    if db.get("USER"):
        args += ["--username", str(db["USER"])]
    env = {**os.environ, "PGCONNECT_TIMEOUT": "10"}
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    return args, env


def _run(command: list[str], env: dict[str, str], what: str) -> None:
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        raise BackupError(
            _("{what}失败（{tool} 退出码 {code}）：{detail}").format(
                what=what, tool=Path(command[0]).name, code=done.returncode, detail=" / ".join(detail)
            )
        )


def database_dump(folder: Path) -> tuple[str, Path]:
    """A consistent copy of the database into `folder`: (archive name, file)."""
    vendor = database_vendor()
    if vendor == "sqlite":
        target = folder / "netconduct.sqlite3"
        sqlite_copy(_sqlite_path(), target)
        return "database/netconduct.sqlite3", target
    if vendor == "postgresql":
        target = folder / "postgresql.dump"
        args, env = _pg_env()
        _run(
            [
                pg_tool("pg_dump"),
                "--format=custom",
                "--no-owner",
                "--no-privileges",
                "--file",
                str(target),
                *args,
            ],
            env,
            _("导出 PostgreSQL 数据库"),
        )
        return "database/postgresql.dump", target
    raise BackupError(_("不支持备份 {vendor} 数据库。").format(vendor=vendor))


def applied_migrations(dump: Path | None = None) -> dict[str, list[str]]:
    """{app: [migration names]} recorded in the database (in a SQLite copy, when given: what the copy holds)."""
    if dump is not None and dump.suffix == ".sqlite3":
        with sqlite3.connect(f"file:{dump}?mode=ro", uri=True) as copy:
            rows = copy.execute("SELECT app, name FROM django_migrations").fetchall()
    else:
        rows = MigrationRecorder(connection).migration_qs.values_list("app", "name")
    found: dict[str, list[str]] = {}
    for app, name in rows:
        found.setdefault(app, []).append(name)
    return {app: sorted(names) for app, names in sorted(found.items())}


def unknown_migrations(migrations: dict[str, list[str]]) -> list[str]:
    """Migrations a backup's database has and this code does not: it was made by a newer version."""
    loader = MigrationLoader(None, ignore_no_migrations=True, load=True)
    known = set(loader.disk_migrations)
    return sorted(
        f"{app}.{name}" for app, names in migrations.items() for name in names if (app, name) not in known
    )


# ---------------------------------------------------------------------------------------------------- the files


@dataclass(frozen=True)
class Member:
    name: str  # in the archive: data/…, media/…, keys/external/…
    path: Path


def _walk(root: Path) -> Iterator[Path]:
    for folder, dirs, files in os.walk(root):
        dirs.sort()
        for name in sorted(files):
            yield Path(folder) / name


def data_members(*, exclude: tuple[Path, ...] = ()) -> list[Member]:
    """The data folder's files (and MEDIA_ROOT's when elsewhere), without the database, derived data, restores in
    progress or backups kept inside the folder."""
    root = data_dir()
    members: list[Member] = []
    db_names = set()
    if database_vendor() == "sqlite" and sqlite_file() is not None:
        db = sqlite_file().name
        db_names = {db, f"{db}-wal", f"{db}-shm", f"{db}-journal"}
    # a folder of backups inside the data folder (never the data folder itself) and backup files lying in it
    excluded = [p.resolve() for p in exclude if _is_within(p, root) and p.resolve() != root.resolve()]
    if root.is_dir():
        for path in _walk(root):
            relative = path.relative_to(root)
            top = relative.parts[0]
            if (
                top in DERIVED
                or top.startswith(RESTORE_PREFIX)
                or (len(relative.parts) == 1 and top in db_names)
                or path.is_symlink()
                or path.name.endswith((BACKUP_SUFFIX, ".partial"))
                or any(_is_within(path, folder) for folder in excluded)
            ):
                continue
            members.append(Member(f"data/{relative.as_posix()}", path))
    media = media_root()
    if media.is_dir() and not _is_within(media, root):
        members += [
            Member(f"media/{p.relative_to(media).as_posix()}", p) for p in _walk(media) if not p.is_symlink()
        ]
    return members


def _configured_key_files() -> dict[str, str]:
    """Key and certificate files configured outside the data folder: {setting: path}."""
    found: dict[str, str] = {}
    for setting in ("NETCONDUCT_SEAL_KEY", "NETCONDUCT_SEAL_CERT", "NETCONDUCT_AUDIT_CHECKPOINT_KEY"):
        value = getattr(settings, setting, "") or ""
        if value:
            found[setting] = value
    for setting in ("NETCONDUCT_SEAL_ROOTS", "SEAL_TSA_ROOTS"):
        for i, value in enumerate(getattr(settings, setting, ()) or ()):
            found[f"{setting}[{i}]"] = value
    return {k: v for k, v in found.items() if not _is_within(Path(v), data_dir())}


def settings_keys() -> dict:
    return {
        "secret_key": settings.SECRET_KEY,
        "field_keys": dict(settings.NETCONDUCT_FIELD_KEYS),
        "hash_key": settings.NETCONDUCT_HASH_KEY,
        "from_data_folder": (data_dir() / "keys.json").exists(),
    }


def kind_of(name: str) -> str:
    if name == MANIFEST:
        return "manifest"
    if name.startswith("database/"):
        return "database"
    if name.startswith("keys/") or any(name.startswith(f"data/{k}") for k in KEY_FILES):
        return "keys"
    return "files"


# ---------------------------------------------------------------------------------------------------- writing


class _HashingReader:
    def __init__(self, handle, digest) -> None:
        self._handle = handle
        self._digest = digest

    def read(self, size: int = -1) -> bytes:
        data = self._handle.read(size)
        self._digest.update(data)
        return data


@dataclass
class Written:
    manifest: dict
    counts: dict[str, int] = field(default_factory=dict)
    bytes: int = 0


def _tarinfo(name: str, size: int, mtime: float) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size = size
    info.mtime = int(mtime)
    info.mode = 0o600
    return info


def payload_write(stream, *, exclude: tuple[Path, ...] = (), now: dt.datetime | None = None) -> Written:
    """Write the payload's tar stream to `stream` (the encrypting writer)."""
    now = now or timezone.now()
    entries: list[dict] = []
    counts = {"database": 0, "files": 0, "keys": 0, "manifest": 0}
    total = 0
    with (
        tempfile.TemporaryDirectory(prefix="netconduct-backup-") as tmp,
        tarfile.open(fileobj=stream, mode="w|", format=tarfile.PAX_FORMAT) as tar,
    ):

        def add(name: str, path: Path) -> None:
            nonlocal total
            try:
                handle = open(path, "rb")  # noqa: SIM115
            except (
                FileNotFoundError
            ):  # deleted since the listing (a purge, a preview cleaned up): not part of it
                return
            with handle:
                stat = os.fstat(handle.fileno())
                digest = hashlib.sha256()
                tar.addfile(_tarinfo(name, stat.st_size, stat.st_mtime), _HashingReader(handle, digest))
            kind = kind_of(name)
            entries.append({"name": name, "size": stat.st_size, "sha256": digest.hexdigest(), "kind": kind})
            counts[kind] += 1
            total += stat.st_size

        def add_bytes(name: str, data: bytes) -> None:
            nonlocal total
            tar.addfile(_tarinfo(name, len(data), now.timestamp()), _BytesReader(data))
            kind = kind_of(name)
            entries.append(
                {"name": name, "size": len(data), "sha256": hashlib.sha256(data).hexdigest(), "kind": kind}
            )
            counts[kind] += 1
            total += len(data)

        db_name, db_file = database_dump(Path(tmp))
        migrations = applied_migrations(db_file if db_file.suffix == ".sqlite3" else None)
        add(db_name, db_file)
        db_file.unlink()
        for member in data_members(exclude=exclude):
            add(member.name, member.path)
        external = {}
        for i, (setting, value) in enumerate(sorted(_configured_key_files().items())):
            name = f"keys/external/{i}-{PurePosixPath(Path(value).name)}"
            external[setting] = {"name": name, "path": value}
            add(name, Path(value))
        add_bytes(SETTINGS_KEYS, json.dumps(settings_keys(), sort_keys=True).encode())
        manifest = {
            "product": PRODUCT,
            "version": product_version(),
            "created": now.isoformat(),
            "database": {"vendor": database_vendor(), "name": db_name},
            "migrations": migrations,
            "external_keys": external,
            "members": entries,
        }
        add_bytes(MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True).encode())
    return Written(manifest=manifest, counts=counts, bytes=total)


class _BytesReader:
    def __init__(self, data: bytes) -> None:
        self._data = memoryview(data)
        self._at = 0

    def read(self, size: int = -1) -> bytes:
        end = len(self._data) if size is None or size < 0 else self._at + size
        chunk = bytes(self._data[self._at : end])
        self._at += len(chunk)
        return chunk


# ---------------------------------------------------------------------------------------------------- reading


def _safe_member_name(name: str) -> PurePosixPath:
    path = PurePosixPath(name)
    if (
        path.is_absolute()
        or not path.parts
        or any(part in {"", ".", ".."} for part in path.parts)
        or path.parts[0] not in {"database", "data", "media", "keys", MANIFEST}
    ):
        raise BackupError(_("备份文件含有不允许的路径：{name}").format(name=name))
    return path


def payload_extract(stream, into: Path) -> dict:
    """Unpack the payload into the folder `into` (a temporary one), checking every member against the manifest;
    returns the manifest. Nothing outside `into` is written."""
    seen: dict[str, tuple[int, str]] = {}
    manifest_bytes = None
    with tarfile.open(fileobj=stream, mode="r|") as tar:
        for info in tar:
            if not info.isfile():
                raise BackupError(
                    _("备份文件含有不允许的条目（不是普通文件）：{name}").format(name=info.name)
                )
            relative = _safe_member_name(info.name)
            if info.name in seen or (info.name == MANIFEST and manifest_bytes is not None):
                raise BackupError(_("备份文件中的条目重复：{name}").format(name=info.name))
            source = tar.extractfile(info)
            if info.name == MANIFEST:
                manifest_bytes = source.read()
                continue
            target = into.joinpath(*relative.parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            digest = hashlib.sha256()
            size = 0
            # readable by the owner only, as they were archived: keys among them
            with os.fdopen(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as out:
                while block := source.read(1 << 20):
                    digest.update(block)
                    size += len(block)
                    out.write(block)
            seen[info.name] = (size, digest.hexdigest())
    if manifest_bytes is None:
        raise BackupError(_("备份文件不完整：缺少清单（manifest.json）。"))
    try:
        manifest = json.loads(manifest_bytes)
        listed = {m["name"]: (int(m["size"]), m["sha256"]) for m in manifest["members"]}
    except (ValueError, KeyError, TypeError):
        raise BackupError(_("备份文件的清单无法读取。")) from None
    for name, expected in listed.items():
        if name == MANIFEST:
            continue
        if name not in seen:
            raise BackupError(_("备份文件不完整：清单中的 {name} 不在文件里。").format(name=name))
        if seen[name] != expected:
            raise BackupError(_("备份文件已被改动：{name} 的 SHA-256 与清单不符。").format(name=name))
    extra = sorted(set(seen) - set(listed))
    if extra:
        raise BackupError(_("备份文件含有清单之外的条目：{name}").format(name=extra[0]))
    return manifest
