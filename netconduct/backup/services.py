"""Backing up and restoring an installation: `backup_create` and `backup_restore` (the commands `netconduct backup`
and `netconduct restore`, and the scheduled backup, call these)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection, connections, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from netconduct.core import crypto
from netconduct.core.audit import Change, audit_record
from netconduct.core.models import AuditEvent

from . import snapshot
from .archive import BackupError, DecryptingReader, EncryptingWriter

PASSPHRASE_MIN = 12


def passphrase_check(passphrase: str | None) -> str:
    if not passphrase or len(passphrase) < PASSPHRASE_MIN:
        raise BackupError(
            _(
                "备份口令至少 {n} 个字符（它保护备份中的密钥和全部数据，请妥善保管；丢失后备份无法恢复）。"
            ).format(n=PASSPHRASE_MIN)
        )
    return passphrase


# ---------------------------------------------------------------------------------------------------- backup


@dataclass(frozen=True)
class BackupResult:
    path: Path
    size: int
    sha256: str
    counts: dict[str, int]
    version: str


class _Hashing:
    def __init__(self, handle) -> None:
        self.handle = handle
        self.digest = hashlib.sha256()
        self.size = 0

    def write(self, data) -> int:
        self.digest.update(data)
        self.size += len(data)
        return self.handle.write(data)


def backup_create(*, out: Path, passphrase: str, now: dt.datetime | None = None) -> BackupResult:
    """Write the installation to `out`, encrypted under `passphrase`, while it keeps serving. The file appears
    only when complete (written beside it, then renamed); it is readable by its owner only."""
    passphrase_check(passphrase)
    now = now or timezone.now()
    out = Path(out)
    if out.is_dir():
        raise BackupError(_("--out 应是文件名，不是目录：{path}").format(path=out))
    if not out.parent.is_dir():
        raise BackupError(_("备份文件所在的目录不存在：{path}").format(path=out.parent))
    header = {
        "product": snapshot.PRODUCT,
        "version": snapshot.product_version(),
        "created": now.isoformat(),
        "database": snapshot.database_vendor(),
        "migrations": snapshot.applied_migrations(),
    }
    fd, partial = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".partial", dir=out.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            hashing = _Hashing(handle)
            writer = EncryptingWriter(hashing, passphrase=passphrase, header=header)
            backup_dir = getattr(settings, "NETCONDUCT_BACKUP_DIR", "") or ""
            exclude = (out.parent, *([Path(backup_dir)] if backup_dir else []))
            written = snapshot.payload_write(writer, exclude=exclude, now=now)
            writer.finish()
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(partial, 0o600)
        os.replace(partial, out)
    except BaseException:
        Path(partial).unlink(missing_ok=True)
        raise
    result = BackupResult(
        path=out,
        size=hashing.size,
        sha256=hashing.digest.hexdigest(),
        counts=written.counts,
        version=header["version"],
    )
    with transaction.atomic():
        audit_record(
            actor=None,
            change=Change(
                action="system.backup",
                object_type="backup",
                object_id="",
                object_repr=out.name,
                after={"size": result.size, "sha256": result.sha256, **result.counts},
            ),
        )
    return result


def backups_prune(folder: Path, *, keep: int) -> list[Path]:
    """Delete all but the newest `keep` backups (by name: they are named by time) in `folder`."""
    found = sorted(folder.glob(f"netconduct-*{snapshot.BACKUP_SUFFIX}"))
    removed = found[: max(len(found) - keep, 0)]
    for path in removed:
        path.unlink(missing_ok=True)
    return removed


def backup_scheduled(*, now: dt.datetime | None = None) -> BackupResult | None:
    """The scheduled backup into NETCONDUCT_BACKUP_DIR (None when backups are not configured), keeping the newest
    NETCONDUCT_BACKUP_KEEP files."""
    folder = getattr(settings, "NETCONDUCT_BACKUP_DIR", "") or ""
    passphrase = getattr(settings, "NETCONDUCT_BACKUP_PASSPHRASE", "") or ""
    if not (folder and passphrase):
        return None
    now = now or timezone.now()
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    name = f"netconduct-{timezone.localtime(now):%Y%m%d-%H%M%S}{snapshot.BACKUP_SUFFIX}"
    result = backup_create(out=folder / name, passphrase=passphrase, now=now)
    backups_prune(folder, keep=max(int(getattr(settings, "NETCONDUCT_BACKUP_KEEP", 7)), 1))
    return result


# ---------------------------------------------------------------------------------------------------- restore


@dataclass
class RestoreResult:
    version: str
    created: str
    counts: dict[str, int]
    warnings: list[str] = field(default_factory=list)


def _table_names() -> set[str]:
    with connection.cursor() as cursor:
        return set(connection.introspection.table_names(cursor))


def install_contents() -> list[str]:
    """What this installation already holds (empty: nothing to lose by restoring into it)."""
    found = []
    path = snapshot.sqlite_file() if snapshot.database_vendor() == "sqlite" else None
    if path is not None:
        tables = _table_names() if path.exists() and path.stat().st_size else set()  # never make the file
    else:
        tables = _table_names()
    User = get_user_model()
    if User._meta.db_table in tables and AuditEvent._meta.db_table in tables:
        users, events = User.objects.count(), AuditEvent.objects.count()
        if users or events:
            found.append(
                _("数据库中已有 {users} 个账号、{events} 条审计记录").format(users=users, events=events)
            )
    files = [m for m in snapshot.data_members() if m.name != "data/keys.json"]
    if files:
        found.append(
            _("数据目录中已有 {n} 个文件（如 {name}）").format(
                n=len(files), name=files[0].name.removeprefix("data/")
            )
        )
    return found


def _refuse_newer(header: dict) -> None:
    if header.get("product") != snapshot.PRODUCT:
        raise BackupError(_("这不是本平台的备份文件。"))
    version, mine = str(header.get("version", "")), snapshot.product_version()
    if snapshot.version_tuple(version) > snapshot.version_tuple(mine):
        raise BackupError(
            _("备份由较新的版本 {version} 生成，本程序是 {mine}：请先升级本程序再恢复。").format(
                version=version, mine=mine
            )
        )
    unknown = snapshot.unknown_migrations(header.get("migrations") or {})
    if unknown:
        raise BackupError(
            _("备份中的数据库结构比本程序新（含本程序没有的迁移 {names}）：请先升级本程序再恢复。").format(
                names="、".join(unknown[:3]) + ("等" if len(unknown) > 3 else "")
            )
        )
    vendor = header.get("database")
    if vendor != snapshot.database_vendor():
        raise BackupError(
            _("备份来自 {theirs} 数据库，当前安装使用 {ours}：只能恢复到同类数据库。").format(
                theirs=vendor, ours=snapshot.database_vendor()
            )
        )


def _write_private(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.restoring")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.replace(tmp, path)


def _move_tree(source: Path, target: Path) -> None:
    for path in sorted(p for p in source.rglob("*") if p.is_file()):
        destination = target / path.relative_to(source)
        destination.parent.mkdir(parents=True, exist_ok=True)
        os.replace(path, destination)


def _restore_database(unpacked: Path, name: str) -> None:
    connections.close_all()
    source = unpacked / name
    if snapshot.database_vendor() == "sqlite":
        snapshot.sqlite_copy(source, snapshot._sqlite_path())
        return
    args, env = snapshot._pg_env()
    snapshot._run(
        [
            snapshot.pg_tool("pg_restore"),
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--exit-on-error",
            *args,
            str(source),
        ],
        env,
        _("恢复 PostgreSQL 数据库"),
    )


def _restore_keys(unpacked: Path, manifest: dict, warnings: list[str]) -> dict:
    keys = json.loads((unpacked / snapshot.SETTINGS_KEYS).read_text(encoding="utf-8"))
    wanted = {
        "secret_key": keys["secret_key"],
        "field_keys": keys["field_keys"],
        "hash_key": keys["hash_key"],
    }
    current = {
        "secret_key": settings.SECRET_KEY,
        "field_keys": dict(settings.NETCONDUCT_FIELD_KEYS),
        "hash_key": settings.NETCONDUCT_HASH_KEY,
    }
    keys_file = snapshot.data_dir() / "keys.json"
    embedded = keys_file.exists() and json.loads(keys_file.read_text(encoding="utf-8")) == current
    if embedded:  # this installation reads its keys from the data folder: they become the backup's
        _write_private(keys_file, json.dumps(wanted).encode())
    elif wanted != current:  # keys from the environment: the operator must set the backup's
        env_file = snapshot.data_dir() / "restored-keys.env"
        lines = [
            f"SECRET_KEY={wanted['secret_key']}",
            "FIELD_ENCRYPTION_KEYS=" + ",".join(f"{k}:{v}" for k, v in wanted["field_keys"].items()),
            f"ID_HASH_KEY={wanted['hash_key']}",
        ]
        _write_private(env_file, ("\n".join(lines) + "\n").encode())
        warnings.append(
            _(
                "备份中的密钥与当前环境变量中的不同：已写入 {path}（仅所有者可读）。请把其中的 SECRET_KEY、"
                "FIELD_ENCRYPTION_KEYS、ID_HASH_KEY 设为环境变量后再启动，否则加密的数据无法解密。"
            ).format(path=env_file)
        )
    for setting, entry in (manifest.get("external_keys") or {}).items():
        data = (unpacked / entry["name"]).read_bytes()
        target = Path(entry["path"])
        if target.exists() and target.read_bytes() == data:
            continue
        if not target.exists() and target.parent.is_dir():
            _write_private(target, data)
            continue
        kept = snapshot.data_dir() / "restored-keys" / Path(entry["name"]).name
        _write_private(kept, data)
        warnings.append(
            _("{setting} 配置的文件 {path} 与备份中的不同（或无法写入）：备份中的文件已放在 {kept}。").format(
                setting=setting, path=target, kept=kept
            )
        )
    if embedded:  # this process goes on (migrate, the audit event) with the restored keys
        settings.SECRET_KEY = wanted["secret_key"]
        settings.NETCONDUCT_FIELD_KEYS = wanted["field_keys"]
        settings.NETCONDUCT_HASH_KEY = wanted["hash_key"]
        crypto.reset_key_cache()
    return wanted


def backup_restore(*, source: Path, passphrase: str, force: bool = False) -> RestoreResult:
    """Bring an installation back from a backup file. Everything is read and checked (passphrase, every chunk,
    every member's SHA-256 against the manifest, version and migrations) before anything of the installation is
    touched; an installation that already holds data is refused unless `force`."""
    source = Path(source)
    if not source.is_file():
        raise BackupError(_("找不到备份文件：{path}").format(path=source))
    with open(source, "rb") as handle:
        reader = DecryptingReader(handle, passphrase=passphrase)
        _refuse_newer(reader.header)
        if not force:
            contents = install_contents()
            if contents:
                raise BackupError(
                    _("当前安装不是空的（{what}）：恢复会覆盖它。确需覆盖时请加 --force。").format(
                        what="；".join(contents)
                    )
                )
        root = snapshot.data_dir()
        root.mkdir(parents=True, exist_ok=True)
        unpacked = Path(tempfile.mkdtemp(prefix=snapshot.RESTORE_PREFIX, dir=root))
        try:
            manifest = snapshot.payload_extract(reader, unpacked)
            reader.drain()
            _refuse_newer(
                {
                    "product": manifest.get("product"),
                    "version": manifest.get("version"),
                    "migrations": manifest.get("migrations"),
                    "database": (manifest.get("database") or {}).get("vendor"),
                }
            )
            # ---- everything is checked: from here on the installation is written
            warnings: list[str] = []
            _restore_database(unpacked, manifest["database"]["name"])
            (unpacked / "data" / "keys.json").unlink(missing_ok=True)  # keys/settings.json decides
            _restore_keys(unpacked, manifest, warnings)
            if (unpacked / "data").is_dir():
                _move_tree(unpacked / "data", root)
            if (unpacked / "media").is_dir():
                _move_tree(unpacked / "media", snapshot.media_root())
        finally:
            shutil.rmtree(unpacked, ignore_errors=True)
    call_command(
        "migrate", interactive=False, verbosity=0
    )  # a backup of an earlier version: bring it forward
    counts: dict[str, int] = {}
    for member in manifest["members"]:
        counts[member["kind"]] = counts.get(member["kind"], 0) + 1
    with transaction.atomic():
        audit_record(
            actor=None,
            change=Change(
                action="system.restore",
                object_type="backup",
                object_id="",
                object_repr=source.name,
                after={"version": manifest["version"], "created": manifest["created"], **counts},
            ),
        )
    return RestoreResult(
        version=manifest["version"], created=manifest["created"], counts=counts, warnings=warnings
    )
