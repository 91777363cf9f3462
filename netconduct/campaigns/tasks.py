"""Background work of campaigns. Tasks load by id and call services; they hold no logic of their own."""

from __future__ import annotations

from django_tasks import task

from . import reminders, services


@task()
def sync_people(person_ids: list[int]) -> None:
    services.campaigns_sync_people(person_ids)


@task()
def send_reminders_task() -> dict:
    """The daily reminder run on the worker; schedules the next one even when this one failed."""
    try:
        return reminders.reminders_plan_and_send().as_dict()
    finally:
        reminders.task_enqueue_once(send_reminders_task, run_after=reminders.next_reminder_run())


@task()
def dispatch_deliveries_task() -> dict:
    """Retries of failed e-mails and robot messages, every few minutes on the worker."""
    try:
        return reminders.deliveries_dispatch().as_dict()
    finally:
        reminders.task_enqueue_once(dispatch_deliveries_task, run_after=reminders.next_dispatch_run())
