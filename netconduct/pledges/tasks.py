"""Background work of pledges. Tasks load by id and call services; they hold no logic of their own."""

from __future__ import annotations

from django_tasks import task

from . import services


@task()
def seal_pledge_task(pledge_id: int) -> None:
    services.pledge_seal(pledge_id=pledge_id)
