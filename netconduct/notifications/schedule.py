"""Jobs that run themselves: the product's own schedule, kept by whatever runs the background tasks.

The worker (`netconduct db_worker` in production, the thread beside the server in quickstart) runs the tick
(`tasks.scheduled_jobs_task`) every minute; the tick records a heartbeat and runs each registered job whose due time
has come and has no run yet. A job is daily at a time of day (Beijing time) or every so many minutes; its due time is
the newest such moment, so a worker that was away runs each job once when it is back, not once per missed slot.

Each run is a `JobRun` row: (job, due time) is unique, so two workers never run the same due job twice — the second
insert fails and that worker moves on. A job's result (成功 / 失败, with a summary) is recorded when it ends; a job
whose due time passed more than its grace period ago without a run is late (`jobs_status`), which the system
administrators' page shows and `netconduct jobs` reports with a non-zero exit for monitoring.

Apps register their jobs with `schedule_register` from their AppConfig.ready (a lower app never imports a higher
one); this module registers the ones of its own floor: the daily reminders, the pending deliveries and the clean-up.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import JobRun, WorkerHeartbeat

logger = logging.getLogger("netconduct.schedule")

HEARTBEAT = "scheduler"


@dataclass(frozen=True)
class Job:
    """A scheduled job. `run(now)` does the work and returns a one-line summary; raising marks the run failed.
    Exactly one of `at` (a callable giving "HH:MM", read when needed so settings apply) and `every` is set."""

    name: str
    label: str
    run: Callable[[dt.datetime], str]
    at: Callable[[], str] | None = None
    every: dt.timedelta | None = None
    enabled: Callable[[], bool] = lambda: True
    grace: dt.timedelta | None = None  # late when no run this long after the due time (default: see below)

    @property
    def grace_period(self) -> dt.timedelta:
        if self.grace is not None:
            return self.grace
        if self.every is not None:
            return max(self.every * 2, dt.timedelta(minutes=10))
        return dt.timedelta(minutes=30)

    def describe(self) -> str:
        if self.every is not None:
            return str(_("每 {n} 分钟")).format(n=int(self.every.total_seconds() // 60))
        return str(_("每天 {at}")).format(at=self.at())


_JOBS: dict[str, Job] = {}


def schedule_register(job: Job) -> None:
    """Add a job to the schedule (registering a name again replaces it)."""
    _JOBS[job.name] = job


def jobs_registered() -> list[Job]:
    return list(_JOBS.values())


def _hour_minute(value: str) -> tuple[int, int]:
    hour, minute = (int(x) for x in str(value).split(":"))
    return hour, minute


def due_time(job: Job, now: dt.datetime) -> dt.datetime:
    """The newest moment at or before `now` when the job was due."""
    if job.every is not None:
        step = int(job.every.total_seconds())
        return dt.datetime.fromtimestamp(int(now.timestamp()) // step * step, tz=dt.UTC)
    hour, minute = _hour_minute(job.at())
    local = timezone.localtime(now)
    slot = local.replace(hour=hour, minute=minute, second=0, microsecond=0)
    if slot > local:
        slot -= dt.timedelta(days=1)  # Beijing time has no daylight saving: a day earlier is the same hour
    return slot


def next_due_time(job: Job, now: dt.datetime) -> dt.datetime:
    current = due_time(job, now)
    return current + (job.every if job.every is not None else dt.timedelta(days=1))


# ---------------------------------------------------------------------------------------------------- running


def heartbeat(now: dt.datetime | None = None) -> None:
    WorkerHeartbeat.objects.update_or_create(name=HEARTBEAT, defaults={"seen_at": now or timezone.now()})


def last_worker_heartbeat() -> dt.datetime | None:
    """When a worker last ran the scheduler's tick (about once a minute while one runs), or None if never.
    For health checks: a worker is alive when this is a few minutes old at most."""
    return WorkerHeartbeat.objects.filter(name=HEARTBEAT).values_list("seen_at", flat=True).first()


def _claim(job: Job, due: dt.datetime, now: dt.datetime) -> JobRun | None:
    """Insert the run of `job` for `due`; None when another worker has it already."""
    if JobRun.objects.filter(job=job.name, due_at=due).exists():
        return None
    try:
        with transaction.atomic():
            return JobRun.objects.create(job=job.name, due_at=due, started_at=now)
    except IntegrityError:
        return None


def job_run(job: Job, *, due: dt.datetime, now: dt.datetime) -> JobRun | None:
    """Run `job` for its due time `due` unless it has a run for it already; the run is recorded either way."""
    run = _claim(job, due, now)
    if run is None:
        return None
    began = time.monotonic()
    try:
        summary = job.run(now)
        run.result = JobRun.Result.OK
    except Exception as exc:  # a failing job is recorded and logged; the others still run
        logger.exception("scheduled job %s failed", job.name)
        summary = f"{type(exc).__name__}: {exc}"
        run.result = JobRun.Result.FAILED
    run.summary = str(summary or "")[:2000]
    run.finished_at = now + dt.timedelta(seconds=time.monotonic() - began)
    run.save(update_fields=["result", "summary", "finished_at"])
    return run


def jobs_run_due(*, now: dt.datetime | None = None) -> list[JobRun]:
    """The tick: record the heartbeat, run every enabled job that is due and has not run for its due time."""
    now = now or timezone.now()
    heartbeat(now)
    runs = []
    for job in jobs_registered():
        if not job.enabled():
            continue
        run = job_run(job, due=due_time(job, now), now=now)
        if run is not None:
            runs.append(run)
    return runs


def next_tick(now: dt.datetime | None = None) -> dt.datetime:
    seconds = int(getattr(settings, "NETCONDUCT_SCHEDULE_TICK_SECONDS", 60))
    return (now or timezone.now()) + dt.timedelta(seconds=seconds)


# ---------------------------------------------------------------------------------------------------- status


@dataclass
class JobStatus:
    job: Job
    enabled: bool
    due_at: dt.datetime
    next_at: dt.datetime
    last: JobRun | None = None
    late: bool = False
    recent: list[JobRun] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return self.last is not None and self.last.result == JobRun.Result.FAILED


def jobs_status(*, now: dt.datetime | None = None, recent: int = 0) -> list[JobStatus]:
    """Every registered job: its due and next times, its newest run, and whether it is late (its due time passed
    more than the grace period ago and no run for it started). Two queries (plus one per job for `recent`)."""
    now = now or timezone.now()
    jobs = jobs_registered()
    latest = {run.job: run for run in _newest_runs([j.name for j in jobs])}
    found = []
    for job in jobs:
        enabled = job.enabled()
        due = due_time(job, now)
        last = latest.get(job.name)
        # late: the newest due time older than the grace period has no run
        late = enabled and (last is None or last.due_at < due_time(job, now - job.grace_period))
        status = JobStatus(
            job=job, enabled=enabled, due_at=due, next_at=next_due_time(job, now), last=last, late=late
        )
        if recent:
            status.recent = list(JobRun.objects.filter(job=job.name)[:recent])
        found.append(status)
    return found


def _newest_runs(names: list[str]) -> list[JobRun]:
    """The newest run of each job, in one query."""
    newest = JobRun.objects.filter(job=OuterRef("job")).order_by("-due_at", "-pk").values("pk")[:1]
    return list(JobRun.objects.filter(job__in=names, pk=Subquery(newest)))


# ---------------------------------------------------------------------------------------------------- this floor's jobs

Cleaner = Callable[[dt.datetime], int]
_CLEANERS: dict[str, tuple[str, Cleaner]] = {}


def cleanup_register(name: str, label: str, cleaner: Cleaner) -> None:
    """Add `cleaner(now) -> how many removed` to the nightly clean-up (higher apps: their previews, uploads…)."""
    _CLEANERS[name] = (label, cleaner)


def _days(setting: str, default: int) -> dt.timedelta:
    return dt.timedelta(days=int(getattr(settings, setting, default)))


def cleanup_run(now: dt.datetime) -> dict[str, int]:
    """Expired sessions, unused activation codes long expired, finished task results and job runs past their
    keeping time, and whatever the registered cleaners remove. {what: how many}."""
    from django.contrib.sessions.models import Session
    from django_tasks import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    from netconduct.accounts.models import ActivationCode

    removed = {
        str(_("过期会话")): Session.objects.filter(expire_date__lt=now).delete()[0],
        str(_("过期未用的激活码")): ActivationCode.objects.filter(
            used_at__isnull=True, expires_at__lt=now - _days("NETCONDUCT_CLEANUP_CODES_DAYS", 30)
        ).delete()[0],
        str(_("已完成的后台任务记录")): DBTaskResult.objects.filter(
            status__in=[TaskResultStatus.SUCCESSFUL, TaskResultStatus.FAILED],
            finished_at__lt=now - _days("NETCONDUCT_CLEANUP_TASK_RESULTS_DAYS", 7),
        ).delete()[0],
        str(_("定时任务运行记录")): JobRun.objects.filter(
            due_at__lt=now - _days("NETCONDUCT_CLEANUP_JOB_RUNS_DAYS", 90)
        ).delete()[0],
    }
    for label, cleaner in _CLEANERS.values():
        removed[label] = cleaner(now)
    return removed


def _counts(values: dict) -> str:
    shown = [f"{k} {v}" for k, v in values.items() if v]
    return "，".join(shown) if shown else str(_("无"))


def _daily(now: dt.datetime) -> str:
    from .jobs import daily_run

    report = daily_run(now=now)
    report.raise_for_failures()
    return _counts(report.as_dict())


def _deliveries(now: dt.datetime) -> str:
    from .sending import deliveries_dispatch

    return _counts(deliveries_dispatch(now=now).as_dict())


def _cleanup(now: dt.datetime) -> str:
    return _counts(cleanup_run(now))


def defaults_register() -> None:
    schedule_register(
        Job(
            "daily",
            _("每日提醒与审计检查点"),
            _daily,
            at=lambda: getattr(settings, "NETCONDUCT_REMINDER_TIME", "08:30"),
        )
    )
    schedule_register(
        Job(
            "deliveries",
            _("发送待发和重试的通知"),
            _deliveries,
            every=dt.timedelta(minutes=int(getattr(settings, "NETCONDUCT_DELIVERY_DISPATCH_MINUTES", 5))),
        )
    )
    schedule_register(
        Job(
            "cleanup",
            _("清理过期数据"),
            _cleanup,
            at=lambda: getattr(settings, "NETCONDUCT_CLEANUP_TIME", "03:30"),
        )
    )
