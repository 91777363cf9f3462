"""The daily job and its schedule. Domains register what they remind people of (campaigns their deadlines, the
registry its yearly review rounds) from their AppConfig.ready; `daily_run` runs each in turn and then sends what is
due, so one scheduled run (`netconduct send-reminders`, or the "daily" job of the scheduler's tick, schedule.py) serves them all.

A job takes the moment of the run and returns a report with `as_dict()` (counts) and `summary()` (a line or two in
Chinese for the command's output). A job that fails does not stop the others: it is logged and named in the report's
`failed`, and the command and the task fail after the others ran, so the scheduler sees it.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.conf import settings
from django.utils import timezone

from .sending import DispatchReport, deliveries_dispatch

logger = logging.getLogger("netconduct.reminders")


class JobReport(Protocol):
    def as_dict(self) -> dict[str, int]: ...

    def summary(self) -> str: ...


DailyJob = Callable[[dt.datetime], JobReport]
_JOBS: dict[str, DailyJob] = {}


def daily_job_register(name: str, job: DailyJob) -> None:
    """Add `job(now) -> JobReport` to the daily run under `name` (registering a name again replaces it)."""
    _JOBS[name] = job


class DailyRunError(Exception):
    """One or more daily jobs failed (each was logged); the others ran."""


@dataclass
class DailyReport:
    jobs: dict[str, JobReport] = field(default_factory=dict)
    failed: list[str] = field(default_factory=list)
    dispatch: DispatchReport = field(default_factory=DispatchReport)

    def raise_for_failures(self) -> None:
        if self.failed:
            raise DailyRunError(f"每日任务失败：{'、'.join(self.failed)}（详见日志）")

    def as_dict(self) -> dict[str, int]:
        """Counts summed over the jobs (new notifications of every kind, e-mails, …), then the sending's."""
        totals: Counter[str] = Counter()
        for report in self.jobs.values():
            totals.update(report.as_dict())
        return {**totals, **{f"dispatch_{k}": v for k, v in self.dispatch.as_dict().items()}}


def daily_run(*, now: dt.datetime | None = None, dispatch: bool = True) -> DailyReport:
    """Run every registered job, then send what is due. Safe to run again: every message has a unique key."""
    now = now or timezone.now()
    report = DailyReport()
    for name, job in _JOBS.items():
        try:
            report.jobs[name] = job(now)
        except Exception:
            logger.exception("daily job %s failed", name)
            report.failed.append(name)
    if dispatch:
        report.dispatch = deliveries_dispatch(now=now)
    logger.info("daily run: %s", report.as_dict())
    return report


def _setting(name: str, default: Any) -> Any:
    return getattr(settings, name, default)


def next_reminder_run(now: dt.datetime | None = None) -> dt.datetime:
    """The next daily run time (NETCONDUCT_REMINDER_TIME, "08:30" Beijing time by default) after `now`."""
    now = timezone.localtime(now or timezone.now())
    hour, minute = (int(x) for x in str(_setting("NETCONDUCT_REMINDER_TIME", "08:30")).split(":"))
    run = now.replace(hour=hour, minute=minute, second=0, microsecond=0)
    if run <= now:
        run += dt.timedelta(days=1)  # Beijing time has no daylight saving: a day later is the same hour
    return run


def next_dispatch_run(now: dt.datetime | None = None) -> dt.datetime:
    return (now or timezone.now()) + dt.timedelta(minutes=_setting("NETCONDUCT_DELIVERY_DISPATCH_MINUTES", 5))


def task_enqueue_once(task, *, run_after: dt.datetime) -> bool:
    """Enqueue `task` to run at `run_after` unless a run of it is already waiting; False when nothing was queued.

    Only a backend that can defer work keeps a schedule: with the immediate backend (tests) re-enqueuing would run
    the task again at once, for ever.
    """
    from django_tasks import TaskResultStatus
    from django_tasks_db.backend import DatabaseBackend
    from django_tasks_db.models import DBTaskResult

    backend = task.get_backend()
    if not backend.supports_defer:
        return False
    if isinstance(backend, DatabaseBackend):
        waiting = DBTaskResult.objects.filter(task_path=task.module_path, status=TaskResultStatus.READY)
        if waiting.exists():
            return False
    task.using(run_after=run_after).enqueue()
    return True
