"""The operations jobs the product runs for itself, registered with notifications.schedule: closed reports purged
after their retention period, stale roster uploads swept in the nightly clean-up, and the scheduled backup (when
NETCONDUCT_BACKUP_DIR and NETCONDUCT_BACKUP_PASSPHRASE are set)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from netconduct.notifications.schedule import Job, cleanup_register, schedule_register


def _purge(now: dt.datetime) -> str:
    from netconduct.reports.services import reports_purge

    result = reports_purge(now=now)
    return gettext("删除举报 {reports} 件、材料 {files} 个").format(
        reports=result.reports, files=result.files
    )


def backups_enabled() -> bool:
    return bool(
        getattr(settings, "NETCONDUCT_BACKUP_DIR", "")
        and getattr(settings, "NETCONDUCT_BACKUP_PASSPHRASE", "")
    )


def _backup(now: dt.datetime) -> str:
    from .services import backup_scheduled

    result = backup_scheduled(now=now)
    if result is None:
        return gettext("未配置备份目录和口令")
    return gettext("{name}（{mb:.1f} MB，SHA-256 {sha}…）").format(
        name=result.path.name, mb=result.size / 1024 / 1024, sha=result.sha256[:16]
    )


def _roster_uploads(now: dt.datetime) -> int:
    """Roster uploads nobody confirmed (the import pages sweep them too, but only when someone opens them)."""
    from netconduct.org.roster import views as roster

    folder = roster._upload_dir()
    before = sum(1 for p in folder.glob("*") if p.is_file()) if folder.is_dir() else 0
    roster._sweep_stale()
    after = sum(1 for p in folder.glob("*") if p.is_file()) if folder.is_dir() else 0
    return before - after


def jobs_register() -> None:
    schedule_register(
        Job(
            "reports_purge",
            _("删除超过保存期限的举报"),
            _purge,
            at=lambda: getattr(settings, "NETCONDUCT_PURGE_TIME", "02:30"),
        )
    )
    schedule_register(
        Job(
            "backup",
            _("数据备份"),
            _backup,
            at=lambda: getattr(settings, "NETCONDUCT_BACKUP_TIME", "02:00"),
            enabled=backups_enabled,
            grace=dt.timedelta(hours=2),  # a big installation's backup takes a while
        )
    )
    cleanup_register("roster_uploads", str(_("未确认的花名册上传")), _roster_uploads)
