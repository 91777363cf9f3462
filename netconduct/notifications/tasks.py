"""Background work of notifications: the daily run and the retries. Tasks call services; no logic of their own."""

from __future__ import annotations

import datetime as dt

from django_tasks import task

from . import jobs, sending


@task()
def send_reminders_task() -> dict:
    """The daily run on the worker; schedules the next one even when this one failed."""
    try:
        report = jobs.daily_run()
        report.raise_for_failures()
        return report.as_dict()
    finally:
        jobs.task_enqueue_once(send_reminders_task, run_after=jobs.next_reminder_run())


@task()
def dispatch_deliveries_task() -> dict:
    """Retries of failed e-mails and robot messages, every few minutes on the worker."""
    try:
        return sending.deliveries_dispatch().as_dict()
    finally:
        jobs.task_enqueue_once(dispatch_deliveries_task, run_after=jobs.next_dispatch_run())


def schedule_ensure() -> list[tuple[str, dt.datetime, bool]]:
    """Queue the daily reminder run and the retries unless they are waiting already: (label, when, queued) each.

    `netconduct schedule-reminders` runs this at a production deploy; quickstart at every start, so the embedded
    default keeps its schedule too. Each task queues its next run when it has run.
    """
    return [
        (label, when, jobs.task_enqueue_once(task, run_after=when))
        for task, when, label in (
            (send_reminders_task, jobs.next_reminder_run(), "每日提醒"),
            (dispatch_deliveries_task, jobs.next_dispatch_run(), "失败重试"),
        )
    ]
