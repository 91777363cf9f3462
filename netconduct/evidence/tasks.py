"""Background work of evidence packs. Tasks load by id and call services; they hold no logic of their own."""

from __future__ import annotations

from django_tasks import task

from . import services


@task()
def build_pack_task(pack_id: int) -> None:
    services.evidence_pack_build(pack_id=pack_id)
