"""Background work of notifications: the scheduler's tick (which runs the daily reminders, the deliveries and every
other scheduled job: schedule.py). Tasks call services; no logic of their own."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django_tasks import task

from . import jobs, schedule, sending


@task()
def scheduled_jobs_task() -> dict:
    """The tick, about once a minute on the worker: a heartbeat, then every job that is due. It queues the next tick
    even when a job failed (failures are recorded in the job's run, not raised here)."""
    try:
        return {run.job: run.result for run in schedule.jobs_run_due()}
    finally:
        jobs.task_enqueue_once(scheduled_jobs_task, run_after=schedule.next_tick())


@task()
def send_reminders_task() -> dict:
    """The daily run at once (queues made before the scheduler hold it; the tick runs it when due)."""
    try:
        report = jobs.daily_run()
        report.raise_for_failures()
        return report.as_dict()
    finally:
        jobs.task_enqueue_once(scheduled_jobs_task, run_after=schedule.next_tick())


@task()
def dispatch_deliveries_task() -> dict:
    """The deliveries due at once (queues made before the scheduler hold it; the tick sends them every few
    minutes)."""
    try:
        return sending.deliveries_dispatch().as_dict()
    finally:
        jobs.task_enqueue_once(scheduled_jobs_task, run_after=schedule.next_tick())


def schedule_ensure() -> list[tuple[str, dt.datetime, bool]]:
    """Queue the scheduler's tick, to run at once, unless one is waiting already: [(label, when, queued)].

    `netconduct schedule-reminders` runs this at a production deploy; quickstart at every start, so the embedded
    default keeps its schedule too. Each tick queues the next one.
    """
    when = timezone.now()
    queued = jobs.task_enqueue_once(scheduled_jobs_task, run_after=when)
    return [("定时任务（每日提醒、通知发送、清理、备份等）", when, queued)]
