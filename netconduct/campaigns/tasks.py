"""Background work of campaigns. Tasks load by id and call services; they hold no logic of their own."""

from __future__ import annotations

from django_tasks import task

from . import announce, services


@task()
def sync_people(person_ids: list[int]) -> None:
    services.campaigns_sync_people(person_ids)


@task()
def announce_task(campaign_id: int, person_ids: list[int] | None = None) -> None:
    """Tell people of their new task: everyone in scope at launch (None), or those who joined it."""
    announce.campaign_announce(campaign_id=campaign_id, person_ids=person_ids)
