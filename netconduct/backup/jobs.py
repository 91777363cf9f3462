"""The operations jobs the product runs for itself, registered with notifications.schedule: closed reports purged
after their retention period, stale roster uploads swept in the nightly clean-up, and the scheduled backup (when
NETCONDUCT_BACKUP_DIR and NETCONDUCT_BACKUP_PASSPHRASE are set).

Registered here, on a floor above the domains, so that notifications (below them) never imports them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

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


def stale_uploads_sweep(now: dt.datetime) -> int:
    """Roster and registry uploads nobody confirmed, past the pages' own day (they sweep them too, but only when
    someone opens them): personal data that should not linger. How many files were removed."""
    from netconduct.org.roster import views as roster
    from netconduct.registry import views as registry

    removed = 0
    for folder, stale_after in (
        (roster.UPLOAD_DIR, roster.STALE_AFTER),
        (registry.UPLOAD_DIR, registry.STALE_AFTER),
    ):
        cutoff = now.timestamp() - stale_after
        for path in (Path(settings.MEDIA_ROOT) / folder).glob("*"):
            try:
                if path.is_file() and path.stat().st_mtime < cutoff:
                    path.unlink(missing_ok=True)
                    removed += 1
            except OSError:
                continue
    return removed


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
    cleanup_register("stale_uploads", str(_("未确认的花名册和备案导入文件")), stale_uploads_sweep)
