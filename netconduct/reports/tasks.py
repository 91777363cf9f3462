"""Background work of reports. Tasks call services; they hold no logic of their own."""

from __future__ import annotations

from django_tasks import task

from . import services


@task()
def purge_reports_task() -> dict:
    """The retention purge, for the worker (run daily, e.g. queued alongside the reminders)."""
    result = services.reports_purge()
    return {"reports": result.reports, "files": result.files}
