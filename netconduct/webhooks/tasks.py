"""Background work of the webhooks: sending recorded events. Tasks call services; no logic of their own."""

from __future__ import annotations

from django_tasks import task

from netconduct.notifications.jobs import next_dispatch_run, task_enqueue_once

from . import sending


@task()
def dispatch_events_task() -> dict:
    """Send due event deliveries; while retries wait, look again every few minutes."""
    try:
        return sending.events_dispatch().as_dict()
    finally:
        if sending.events_pending():
            task_enqueue_once(dispatch_events_task, run_after=next_dispatch_run())
