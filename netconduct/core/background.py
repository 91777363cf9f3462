"""Background tasks on the embedded default, and a check that someone is running them.

Production runs `netconduct db_worker` as a service of its own. The embedded default has nobody to start one, so
`netconduct quickstart` runs django-tasks-db's own worker loop in a thread beside the web server
(`EmbeddedWorker`): same process, same database, started and stopped with the server. A signed pledge is then
sealed, newcomers to a campaign's scope get their task and the daily reminders run without anyone starting anything.

Whichever way tasks are run, `stalled_tasks()` tells staff when tasks have waited minutes for a worker that is not
there, so the "正在生成…" that never ends has a visible cause and a named remedy.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import close_old_connections, connection
from django.db.models import Count, Min, Q
from django.utils import timezone
from django.utils.crypto import get_random_string

logger = logging.getLogger("netconduct.background")

WORKER_COMMAND = "netconduct db_worker"
EMBEDDED_PREFIX = "embedded"  # worker ids of EmbeddedWorker: embedded:<host>:<pid>:<random>
STALLED_CACHE_KEY = "netconduct:tasks-stalled"
STALLED_CACHE_SECONDS = 60


def database_backend_in_use() -> bool:
    """True when tasks go to the database queue (embedded and production); the test settings run them at once."""
    from django_tasks import DEFAULT_TASK_BACKEND_ALIAS, task_backends
    from django_tasks_db.backend import DatabaseBackend

    return isinstance(task_backends[DEFAULT_TASK_BACKEND_ALIAS], DatabaseBackend)


# ---------------------------------------------------------------------------------------------------- the worker

_warm_ups: list = []


def worker_warm_up_register(fn) -> None:
    """`fn()` runs once when `netconduct db_worker` starts, before it takes a task: an app loads there what its tasks
    would otherwise load at the first one (pledges: fonts, the seal's key, pyHanko; about 2 CPU-s). A worker is
    started long before a deadline morning; its first task should not cost what a hundred do."""
    if fn not in _warm_ups:
        _warm_ups.append(fn)


def worker_warm_up() -> None:
    """Run the registered warm-ups; one that fails is logged and skipped (its task loads what it needs anyway)."""
    for fn in _warm_ups:
        try:
            fn()
        except Exception:
            logger.warning("worker warm-up %s failed", getattr(fn, "__qualname__", fn), exc_info=True)


class EmbeddedWorker:
    """django-tasks-db's worker loop in a daemon thread, for a process that also serves the pages.

    `stop()` lets the task in hand finish (a pledge half-sealed would only be sealed again, but a reminder run cut
    short is reported as failed) and waits for it up to `timeout` seconds. The loop survives database errors: it
    logs them and tries again, since a worker that died quietly is what this class exists to avoid.
    """

    def __init__(self, *, interval: float = 1.0, backend_name: str = "default") -> None:
        self.interval = interval
        self.backend_name = backend_name
        self.worker_id = f"{EMBEDDED_PREFIX}:{socket.gethostname()[:20]}:{os.getpid()}:{get_random_string(8)}"
        self._stopping = threading.Event()
        self._worker = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        from django_tasks_db.management.commands.db_worker import Worker

        tasks_requeue_orphans()
        self._worker = Worker(
            queue_names=["*"],
            interval=self.interval,
            batch=False,
            backend_name=self.backend_name,
            startup_delay=False,
            max_tasks=None,
            worker_id=self.worker_id,
            excluded_queue_names=[],
        )
        self._thread = threading.Thread(target=self._run, name="netconduct-worker", daemon=True)
        self._thread.start()

    @property
    def alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _run(self) -> None:
        try:
            while not self._stopping.is_set():
                try:
                    self._worker.run()  # returns once `running` is cleared by stop()
                except Exception:
                    logger.exception("background worker failed; restarting in 5 s")
                    close_old_connections()
                    self._stopping.wait(5)
                    if not self._stopping.is_set():
                        self._worker.running = True
        finally:
            connection.close()  # this thread's own connection

    def stop(self, timeout: float = 30.0) -> bool:
        """Stop taking tasks, let the one in hand finish; False if it was still running after `timeout` s."""
        self._stopping.set()
        if self._worker is not None:
            self._worker.running = False
        if self._thread is None:
            return True
        self._thread.join(timeout)
        return not self._thread.is_alive()

    @property
    def busy(self) -> bool:
        return bool(self._worker is not None and self._worker.running_task)


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def tasks_requeue_orphans() -> int:
    """Put back in the queue the tasks an embedded worker on this machine had claimed when its process ended
    (killed, power cut): nothing else would ever run them. Every task is safe to run again (a sealed pledge is
    left alone, reminders have unique keys). Tasks of live processes and of other machines' workers are left."""
    from django_tasks import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    host = socket.gethostname()[:20]
    orphans = []
    for pk, worker_ids in DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING).values_list(
        "id", "worker_ids"
    ):
        parts = (worker_ids[-1] if worker_ids else "").split(":")
        if len(parts) == 4 and parts[0] == EMBEDDED_PREFIX and parts[1] == host and parts[2].isdigit():
            if int(parts[2]) != os.getpid() and not _process_alive(int(parts[2])):
                orphans.append(pk)
    if orphans:
        DBTaskResult.objects.filter(pk__in=orphans, status=TaskResultStatus.RUNNING).update(
            status=TaskResultStatus.READY, started_at=None
        )
        logger.warning("requeued %d task(s) left running by a stopped worker", len(orphans))
    return len(orphans)


# ---------------------------------------------------------------------------------------------------- the check


@dataclass(frozen=True)
class StalledTasks:
    """Tasks due for at least `minutes` minutes that no worker has taken."""

    count: int
    waiting_minutes: int
    command: str = WORKER_COMMAND


def _stalled_minutes() -> int:
    return int(getattr(settings, "NETCONDUCT_TASKS_STALLED_MINUTES", 5))


def stalled_tasks_query(*, now: dt.datetime | None = None) -> StalledTasks | None:
    """One query: how many tasks have been due for more than the threshold, and since when the oldest."""
    from django_tasks import TaskResultStatus
    from django_tasks_db.models import DBTaskResult, get_date_max

    now = now or timezone.now()
    cutoff = now - dt.timedelta(minutes=_stalled_minutes())
    # A task queued to run at once carries the far-future run_after; a deferred one is due at its run_after.
    due_long_ago = Q(run_after=get_date_max(), enqueued_at__lte=cutoff) | Q(run_after__lte=cutoff)
    stalled = DBTaskResult.objects.filter(due_long_ago, status=TaskResultStatus.READY)
    found = stalled.aggregate(
        count=Count("id"),
        oldest_enqueued=Min("enqueued_at", filter=Q(run_after=get_date_max())),
        oldest_due=Min("run_after", filter=~Q(run_after=get_date_max())),
    )
    if not found["count"]:
        return None
    oldest = min(t for t in (found["oldest_enqueued"], found["oldest_due"]) if t is not None)
    return StalledTasks(
        count=found["count"], waiting_minutes=max(int((now - oldest).total_seconds() // 60), 1)
    )


def stalled_tasks() -> StalledTasks | None:
    """`stalled_tasks_query()`, remembered for a minute: it runs on staff's every page."""
    if not database_backend_in_use():
        return None
    cached = cache.get(STALLED_CACHE_KEY)
    if cached is not None:
        return cached or None
    found = stalled_tasks_query()
    cache.set(STALLED_CACHE_KEY, found or False, STALLED_CACHE_SECONDS)
    return found
