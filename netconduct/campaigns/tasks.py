"""Background work of campaigns. Tasks load by id and call services; they hold no logic of their own."""

from __future__ import annotations

from django_tasks import task

from . import services


@task()
def sync_people(person_ids: list[int]) -> None:
    services.campaigns_sync_people(person_ids)
