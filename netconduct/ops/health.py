"""What /readyz checks: the database, the cache, the stored files, and that a worker is taking tasks.

Each check returns `Check(ok, detail)`. The detail names the failure's kind (an exception class, a count) for the
log; the page itself shows only ok/fail per check, since /readyz answers anyone who reaches it.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.utils import timezone

from netconduct.core import background
from netconduct.notifications.schedule import last_worker_heartbeat

logger = logging.getLogger("netconduct.ops")

# A worker writes this key (a timestamp) when it runs; see `worker_last_seen`.
PROBE_PREFIX = "ops-readyz"


@dataclass(frozen=True)
class Check:
    ok: bool
    detail: str = ""


def _guarded(check: Callable[[], Check]) -> Check:
    try:
        return check()
    except Exception as exc:  # noqa: BLE001 - a probe reports a failure, it does not raise it
        return Check(False, type(exc).__name__)


def check_database() -> Check:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return Check(True)


def check_cache() -> Check:
    key, value = f"netconduct:readyz:{secrets.token_hex(8)}", secrets.token_hex(8)
    cache.set(key, value, timeout=30)
    found = cache.get(key)
    cache.delete(key)
    return Check(found == value, "" if found == value else "value not read back")


def check_storage() -> Check:
    """A small file written to the stored-files backend (the shared folder or object storage), read back and
    deleted: what a node needs to keep a signed pledge or an upload that another node will serve."""
    payload = secrets.token_bytes(16)
    name = default_storage.save(f"{PROBE_PREFIX}/{secrets.token_hex(8)}.bin", ContentFile(payload))
    try:
        with default_storage.open(name, "rb") as handle:
            read = handle.read()
    finally:
        default_storage.delete(name)
    return Check(read == payload, "" if read == payload else "content not read back")


def worker_last_seen() -> dt.datetime | None:
    """When a worker was last seen: the scheduler's heartbeat (notifications.schedule, refreshed by every worker's
    tick about once a minute), or else the latest task a worker started or finished."""
    from django.db.models import Max
    from django_tasks_db.models import DBTaskResult

    seen: list[dt.datetime] = []
    beat = last_worker_heartbeat()
    if beat is not None:
        seen.append(beat)
    latest = DBTaskResult.objects.aggregate(started=Max("started_at"), finished=Max("finished_at"))
    seen += [t for t in latest.values() if t is not None]
    return max(seen, default=None)


def check_worker(*, now: dt.datetime | None = None) -> Check:
    """A worker is taking tasks: none has waited past the stalled threshold (core/background.py), or one was
    seen within NETCONDUCT_WORKER_SEEN_MINUTES. An idle queue with no worker seen for hours is still ready:
    nothing is waiting for it."""
    if not background.database_backend_in_use():
        return Check(True, "tasks run at once")
    now = now or timezone.now()
    seen = worker_last_seen()
    fresh = seen is not None and now - seen <= dt.timedelta(minutes=settings.NETCONDUCT_WORKER_SEEN_MINUTES)
    stalled = background.stalled_tasks_query(now=now)
    if stalled is None or fresh:
        return Check(True)
    return Check(
        False,
        f"{stalled.count} task(s) waiting {stalled.waiting_minutes} min; worker last seen "
        + (f"{int((now - seen).total_seconds() // 60)} min ago" if seen else "never"),
    )


CHECKS: dict[str, Callable[[], Check]] = {
    "database": check_database,
    "cache": check_cache,
    "storage": check_storage,
    "worker": check_worker,
}


def readiness() -> dict[str, Check]:
    results = {name: _guarded(check) for name, check in CHECKS.items()}
    for name, result in results.items():
        if not result.ok:
            logger.warning("readiness check %s failed: %s", name, result.detail)
    return results
