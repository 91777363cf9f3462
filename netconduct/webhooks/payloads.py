"""What each event says. Ids and plain facts only: no names, ID numbers, phones or signatures of people, and nothing
of reports or cases (they have no kind here, so they can never be sent)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from netconduct.campaigns.models import Campaign
from netconduct.org.models import Person
from netconduct.pledges.models import Pledge
from netconduct.registry.models import Account

from .choices import EventKind

PEOPLE_PER_EVENT = 1000  # a roster import of 100,000 people is sent as events of at most this many


@dataclass(frozen=True)
class Item:
    """One event about something in the unit at `unit_path`; `key` is None when it may happen any number of times,
    else the same event is recorded only once (an overdue campaign on the second daily run)."""

    unit_id: int | None
    unit_path: str
    key: str | None
    data: dict[str, Any]


def _time(value) -> str | None:
    return timezone.localtime(value).isoformat() if value else None


def _pledge(pledge: Pledge, *, sealed: bool) -> Iterator[Item]:
    data = {
        "pledge": {
            "id": pledge.pk,
            "campaign_id": pledge.campaign_id,
            "person_id": pledge.person_id,
            "unit_id": pledge.unit_id,
            "year": pledge.year,
            "method": pledge.method,
            "signed_at": _time(pledge.signed_at),
        }
    }
    if sealed:  # the sealing stores its time with an update, not on this instance
        sealed_at = Pledge.objects.filter(pk=pledge.pk).values_list("sealed_at", flat=True).first()
        data["pledge"] |= {"sealed_at": _time(sealed_at), "pdf_sha256": pledge.pdf_sha256}
    yield Item(pledge.unit_id, pledge.unit.path, None, data)


def _campaign_data(campaign: Campaign) -> dict[str, Any]:
    return {
        "id": campaign.pk,
        "title": campaign.title,
        "year": campaign.year,
        "deadline": campaign.deadline.isoformat(),
        "unit_id": campaign.unit_id,
        "status": campaign.status,
        "launched_at": _time(campaign.launched_at),
        "requires": [
            name
            for name, required in (
                ("read", campaign.requires_read),
                ("study", campaign.requires_study),
                ("pledge", campaign.requires_pledge),
            )
            if required
        ],
    }


def _campaign_launched(campaign: Campaign) -> Iterator[Item]:
    yield Item(campaign.unit_id, campaign.unit.path, None, {"campaign": _campaign_data(campaign)})


def _campaign_overdue(campaign: Campaign) -> Iterator[Item]:
    days = (timezone.localdate() - campaign.deadline).days
    yield Item(
        campaign.unit_id,
        campaign.unit.path,
        f"campaign.overdue:{campaign.pk}:{campaign.deadline:%Y%m%d}",  # once per deadline, not every daily run
        {"campaign": _campaign_data(campaign), "days_overdue": days},
    )


def _account_filed(account: Account) -> Iterator[Item]:
    data = {
        "account": {
            "id": account.pk,
            "filing_number": account.filing_number,
            "filed_on": account.filed_on.isoformat(),
            "platform": account.platform,
            "account_kind": account.account_kind,
            "name": account.name,
            "unit_id": account.unit_id,
            "status": account.status,
        }
    }
    yield Item(account.unit_id, account.unit.path, None, data)


def _chunks(items: Sequence, size: int) -> Iterator[Sequence]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def people_rows(person_ids: Iterable[int]) -> list[tuple[int, int, str, str]]:
    """(id, unit id, unit path, status) of the people, in id order."""
    ids = sorted(set(person_ids))
    rows: list[tuple[int, int, str, str]] = []
    for chunk in _chunks(ids, 2000):
        rows += Person.objects.filter(pk__in=chunk).values_list("pk", "unit_id", "unit__path", "status")
    return sorted(rows)


def people_items(rows: Sequence[tuple[int, int, str, str]], unit_path: str) -> Iterator[Item]:
    """The people of `rows` in the subtree at `unit_path`, as events of at most PEOPLE_PER_EVENT people."""
    inside = [r for r in rows if r[2].startswith(unit_path)]
    for chunk in _chunks(inside, PEOPLE_PER_EVENT):
        people = [{"id": pk, "unit_id": unit_id, "status": status} for pk, unit_id, _path, status in chunk]
        yield Item(None, unit_path, None, {"people": people})


BUILDERS: dict[str, Callable[[Any], Iterator[Item]]] = {
    EventKind.PLEDGE_SIGNED: lambda p: _pledge(p, sealed=False),
    EventKind.PLEDGE_SEALED: lambda p: _pledge(p, sealed=True),
    EventKind.CAMPAIGN_LAUNCHED: _campaign_launched,
    EventKind.CAMPAIGN_OVERDUE: _campaign_overdue,
    EventKind.ACCOUNT_FILED: _account_filed,
}
