"""Reads of the pledge issue. Staff see pledges through the scoping function; a person always sees their own."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, F, QuerySet
from django.http import Http404

from netconduct.accounts.selectors import normalize_code
from netconduct.campaigns.choices import CampaignStatus
from netconduct.campaigns.models import Target
from netconduct.org import scoping

from .choices import PledgeStatus
from .models import Pledge


def pledges_visible(user) -> QuerySet[Pledge]:
    return scoping.visible(Pledge.objects.all(), user, "pledge.view", path_field="unit__path")


def pledge_get_for(*, user, pk) -> Pledge:
    """A pledge its own signer may open, or one in the account's scope; anything else is a 404."""
    base = Pledge.objects.select_related(
        "person", "unit", "campaign", "template", "norms", "signer", "recorded_by"
    )
    try:
        pledge = base.get(pk=pk)
    except (Pledge.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    person = getattr(user, "person", None)
    if person is not None and pledge.person_id == person.pk:
        return pledge
    if scoping.scope_for(user, "pledge.view").covers(pledge.unit.path):
        return pledge
    raise Http404


@dataclass
class MyPledges:
    to_sign: list[Target]
    signed: list[Pledge]


def my_pledges(*, user) -> MyPledges:
    """The pledges a person owes in running campaigns, and every pledge they have signed (newest first)."""
    person = getattr(user, "person", None)
    if person is None:
        return MyPledges([], [])
    signed = list(
        Pledge.objects.filter(person=person, status=PledgeStatus.SIGNED)
        .select_related("campaign", "template")
        .order_by("-signed_at")
    )
    done = {
        p.campaign_id for p in signed if p.round == p.campaign.pledge_round
    }  # an earlier round is owed again
    to_sign = [
        t
        for t in Target.objects.filter(
            person=person,
            in_scope=True,
            campaign__requires_pledge=True,
            campaign__status=CampaignStatus.ACTIVE,
        )
        .select_related("campaign")
        .order_by("campaign__deadline")
        if t.campaign_id not in done
    ]
    return MyPledges(to_sign, signed)


def pledge_by_code(raw: str) -> Pledge | None:
    code = normalize_code(raw)
    if len(code) != 16:
        return None
    return (
        Pledge.objects.select_related("person", "unit", "template", "norms", "recorded_by")
        .filter(code=code)
        .first()
    )


def paper_outstanding(*, viewer) -> list[tuple[int, str, int]]:
    """Paper pledges printed in the viewer's scope and not back signed: (campaign id, title, how many), per
    running campaign."""
    rows = (
        pledges_visible(viewer)
        .filter(
            status=PledgeStatus.PRINTED,
            campaign__status=CampaignStatus.ACTIVE,
            round=F("campaign__pledge_round"),  # forms printed for an older version of the norms are void
        )
        .values("campaign_id", "campaign__title")
        .annotate(n=Count("pk"))
        .order_by("campaign_id")
        .values_list("campaign_id", "campaign__title", "n")
    )
    return list(rows)


def my_signed_count(*, user, year: int) -> int:
    person = getattr(user, "person", None)
    if person is None:
        return 0
    return Pledge.objects.filter(person=person, status=PledgeStatus.SIGNED, signed_at__year=year).count()
