"""Signals other apps listen to, so that the organisation does not depend on them.

`people_changed` is sent after the transaction that created, moved or changed people commits, with their ids;
campaigns use it to give newcomers their tasks and to drop leavers from the counts.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.dispatch import Signal

people_changed = Signal()  # kwargs: person_ids (list[int])


def announce_people_changed(person_ids: Iterable[int]) -> None:
    ids = sorted(set(person_ids))
    if ids:
        transaction.on_commit(lambda: people_changed.send(sender=None, person_ids=ids))
