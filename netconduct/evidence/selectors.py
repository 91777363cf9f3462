"""Reads of evidence packs, through the viewer's scope on the pack's unit; anything else is a 404."""

from __future__ import annotations

from django.db.models import QuerySet

from netconduct.campaigns import selectors as campaign_selectors
from netconduct.campaigns.choices import CampaignStatus
from netconduct.campaigns.models import Campaign
from netconduct.org import scoping
from netconduct.org.models import OrgUnit

from .models import EvidencePack

ACTION = "evidence.pack"
UNITS_MAX = 1000
CAMPAIGNS_MAX = 200


def pack_list(*, viewer, limit: int = 50) -> list[EvidencePack]:
    """Packs of the viewer's scope, newest first."""
    return list(
        scoping.visible(EvidencePack.objects.all(), viewer, ACTION, path_field="unit__path")
        .select_related("unit", "campaign", "requester", "requester__person")
        .order_by("-created_at", "-pk")[:limit]
    )


def pack_get_for(*, viewer, pk) -> EvidencePack:
    return scoping.get_visible_or_404(
        EvidencePack.objects.select_related("unit", "campaign", "requester", "requester__person"),
        viewer,
        ACTION,
        path_field="unit__path",
        pk=pk,
    )


def pack_units(*, viewer) -> list[OrgUnit]:
    """Open units of the viewer's scope, in tree order, labelled with their depth (for the form's choices)."""
    units = list(
        scoping.visible(OrgUnit.objects.filter(is_active=True), viewer, ACTION, path_field="path")
        .exclude(kind__in=["department", "party_group"])
        .order_by("path")[:UNITS_MAX]
    )
    top = min((u.depth for u in units), default=0)
    for unit in units:
        unit.label = "\u3000" * (unit.depth - top) + unit.name
    return units


def pack_campaigns(*, viewer) -> QuerySet[Campaign]:
    return campaign_selectors.campaign_list(viewer=viewer).filter(
        status__in=[CampaignStatus.ACTIVE, CampaignStatus.CLOSED]
    )[:CAMPAIGNS_MAX]
