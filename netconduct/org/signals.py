"""Signals other apps listen to, so that the organisation does not depend on them.

`people_changed` is sent after the transaction that created, moved or changed people commits, with their ids;
campaigns use it to give newcomers their tasks and to drop leavers from the counts.

`sensitive_grant_changed` and `roles_vacated` are sent inside the writing transaction (the notifications they cause
are rows in the same database, so they stand or fall with the change): notifications connects to them, as org sits
below it and may not import it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.dispatch import Signal

people_changed = Signal()  # kwargs: person_ids (list[int])

# A sensitive role (see permissions.SENSITIVE_ROLES) was granted or revoked; the inspectors above are told.
# kwargs: actor, change ("grant" | "revoke"), role (str), unit (OrgUnit), holder (the account), holder_label (str)
sensitive_grant_changed = Signal()

# People left (调离/退休) and their roles went with them; the unit's staff are told the roles are vacant.
# kwargs: actor, vacancies (list[Vacancy])
roles_vacated = Signal()


@dataclass(frozen=True)
class Vacancy:
    role: str
    unit: Any  # OrgUnit
    holder_label: str


def announce_people_changed(person_ids: Iterable[int]) -> None:
    ids = sorted(set(person_ids))
    if ids:
        transaction.on_commit(lambda: people_changed.send(sender=None, person_ids=ids))
