"""Reads for following a campaign's pledges: completion by unit rolled up the tree, people with their status, the
overdue list. Built like the campaign's rollup (`campaigns.selectors.completion_rollup`): one GROUP BY over the
campaign's targets by unit, joined to their pledge; the focus unit's children; the subtree as plain tuples; sums up
the tree in Python. The number of queries does not depend on the number of people.

A person's status follows their pledge row: signed online, signed on paper, printed and awaiting the paper back, or
nothing yet. People count where they are now (their target's unit), as on the campaign pages.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, F, FilteredRelation, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from netconduct.campaigns import selectors as campaign_selectors
from netconduct.campaigns.models import Campaign, Target
from netconduct.org import scoping
from netconduct.org.models import OrgUnit
from netconduct.org.scoping import subtree_q

from .choices import PledgeMethod, PledgeStatus

STATUS_FILTERS = ("online", "paper", "printed", "none", "unsigned")


@dataclass
class PledgeTally:
    total: int = 0
    online: int = 0
    paper: int = 0
    printed: int = 0  # forms printed, not yet back signed

    def add(self, other: PledgeTally) -> None:
        self.total += other.total
        self.online += other.online
        self.paper += other.paper
        self.printed += other.printed

    @property
    def signed(self) -> int:
        return self.online + self.paper

    @property
    def unsigned(self) -> int:
        return self.total - self.signed

    @property
    def not_started(self) -> int:
        """Neither signed nor printed for."""
        return self.total - self.signed - self.printed

    @property
    def percent(self) -> float:
        return round(100 * self.signed / self.total, 1) if self.total else 100.0


@dataclass
class PledgeRow:
    unit: OrgUnit
    tally: PledgeTally
    has_children: bool
    is_focus: bool = False
    overdue: bool = False


@dataclass
class PledgeRollup:
    campaign: Campaign
    focus: OrgUnit
    total: PledgeTally
    rows: list[PledgeRow] = field(default_factory=list)
    past_deadline: bool = False

    @property
    def overdue(self) -> int:
        """People still unsigned after the deadline."""
        return self.total.unsigned if self.past_deadline else 0

    @property
    def days_left(self) -> int:
        return (self.campaign.deadline - timezone.localdate()).days


def _with_pledge(targets: QuerySet[Target], campaign: Campaign) -> QuerySet[Target]:
    """Targets joined to their person's pledge in this campaign's current round (at most one: unique per campaign,
    person and round; earlier rounds' pledges, made to an older version of the norms, do not count)."""
    return targets.annotate(
        pledge=FilteredRelation(
            "person__pledges",
            condition=Q(person__pledges__campaign=campaign, person__pledges__round=campaign.pledge_round),
        )
    )


def _targets_under(campaign: Campaign, focus: OrgUnit) -> QuerySet[Target]:
    targets = Target.objects.filter(campaign=campaign, in_scope=True)
    if focus.pk == campaign.unit_id:
        return targets
    return targets.filter(subtree_q("unit__path", focus.path))


SIGNED_ONLINE = Q(pledge__status=PledgeStatus.SIGNED, pledge__method=PledgeMethod.ONLINE)
SIGNED_PAPER = Q(pledge__status=PledgeStatus.SIGNED, pledge__method=PledgeMethod.PAPER)
PRINTED = Q(pledge__status=PledgeStatus.PRINTED)


def _tallies_by_unit(campaign: Campaign, focus: OrgUnit) -> dict[int, PledgeTally]:
    counts = (
        _with_pledge(_targets_under(campaign, focus), campaign)
        .values("unit_id")
        .annotate(
            total=Count("pk"),
            online=Count("pk", filter=SIGNED_ONLINE),
            paper=Count("pk", filter=SIGNED_PAPER),
            printed=Count("pk", filter=PRINTED),
        )
        .order_by()
    )
    return {row.pop("unit_id"): PledgeTally(**row) for row in counts}


def pledge_rollup(*, campaign: Campaign, focus: OrgUnit, today: dt.date | None = None) -> PledgeRollup:
    """Pledges of `campaign` under `focus`, one row per child unit of `focus` (summed over its subtree) and one for
    the people of `focus` itself. Three queries, whatever the size of the organisation."""
    today = today or timezone.localdate()
    past = today > campaign.deadline
    per_unit = _tallies_by_unit(campaign, focus)
    child_depth = focus.depth + 1
    children = OrgUnit.objects.filter(subtree_q("path", focus.path), depth=child_depth).order_by("path")
    rows = {u.path: PledgeRow(unit=u, tally=PledgeTally(), has_children=False) for u in children}
    total = PledgeTally()
    units = OrgUnit.objects.filter(subtree_q("path", focus.path)).values_list("pk", "path", "depth")
    for pk, path, depth in units.iterator(chunk_size=5000):
        row = rows.get(path[: child_depth * OrgUnit.steplen])
        if row is not None and depth > child_depth:
            row.has_children = True
        tally = per_unit.get(pk)
        if tally is None:
            continue
        total.add(tally)
        if row is not None:
            row.tally.add(tally)
    result = [r for r in rows.values() if r.tally.total]
    own = per_unit.get(focus.pk)
    if own is not None:
        result.insert(0, PledgeRow(unit=focus, tally=own, has_children=False, is_focus=True))
    for row in result:
        row.overdue = past and row.tally.unsigned > 0
    return PledgeRollup(campaign=campaign, focus=focus, total=total, rows=result, past_deadline=past)


def branch_rollup(*, campaign: Campaign, focus: OrgUnit) -> list[PledgeRow]:
    """One row per branch under `focus` (people of departments and party groups counted in their branch, people of
    units above any branch in their own unit's row), in tree order: for the export. Two queries."""
    per_unit = _tallies_by_unit(campaign, focus)
    units = list(
        OrgUnit.objects.filter(subtree_q("path", focus.path))
        .only("pk", "path", "depth", "name", "kind")
        .order_by("path")
    )
    by_path = {u.path: u for u in units}
    rows: dict[str, PledgeRow] = {}
    for unit in units:
        tally = per_unit.get(unit.pk)
        if tally is None:
            continue
        home = unit
        for depth in range(unit.depth, focus.depth - 1, -1):
            candidate = by_path.get(unit.path[: depth * OrgUnit.steplen])
            if candidate is not None and candidate.kind == "branch":
                home = candidate
                break
        row = rows.setdefault(home.path, PledgeRow(unit=home, tally=PledgeTally(), has_children=False))
        row.tally.add(tally)
    past = timezone.localdate() > campaign.deadline
    result = [rows[path] for path in sorted(rows)]
    for row in result:
        row.overdue = past and row.tally.unsigned > 0
    return result


# ---------------------------------------------------------------------------------------------------- people


def pledge_people(*, viewer, campaign: Campaign, unit: OrgUnit, status: str = "") -> QuerySet[Target]:
    """The campaign's people under `unit` the viewer may see, each with their pledge's status, method, time, code
    and who recorded or printed it (as annotations: one query per page of people)."""
    targets = scoping.visible(
        Target.objects.filter(campaign=campaign, in_scope=True).filter(subtree_q("unit__path", unit.path)),
        viewer,
        "pledge.view",
        path_field="unit__path",
    )
    targets = _with_pledge(targets, campaign).select_related("person", "unit")
    if status == "online":
        targets = targets.filter(SIGNED_ONLINE)
    elif status == "paper":
        targets = targets.filter(SIGNED_PAPER)
    elif status == "printed":
        targets = targets.filter(PRINTED)
    elif status == "none":
        targets = targets.filter(pledge__id__isnull=True)
    elif status == "unsigned":
        targets = targets.exclude(pledge__status=PledgeStatus.SIGNED)
    return targets.annotate(
        pledge_pk=F("pledge__id"),
        pledge_status=F("pledge__status"),
        pledge_method=F("pledge__method"),
        pledge_signed_at=F("pledge__signed_at"),
        pledge_printed_at=F("pledge__printed_at"),
        pledge_code=F("pledge__code"),
        pledge_sha256=F("pledge__pdf_sha256"),
        recorded_by_name=F("pledge__recorded_by__person__name"),
        recorded_by_username=F("pledge__recorded_by__username"),
    ).order_by("unit__path", "person__name_pinyin", "pk")


def overdue_people(*, viewer, campaign: Campaign, unit: OrgUnit, today: dt.date | None = None):
    """Who has not signed after the deadline (nobody before it)."""
    today = today or timezone.localdate()
    if today <= campaign.deadline:
        return Target.objects.none()
    return pledge_people(viewer=viewer, campaign=campaign, unit=unit, status="unsigned")


# ---------------------------------------------------------------------------------------------------- access


def pledge_campaigns(*, viewer) -> QuerySet[Campaign]:
    """Campaigns asking for the pledge that reach the viewer's scope (running and closed)."""
    if not scoping.has_any(viewer, "pledge.view"):
        return Campaign.objects.none()
    return campaign_selectors.campaign_list(viewer=viewer).filter(
        requires_pledge=True, status__in=["active", "closed"]
    )


def tracking_campaign_get(*, viewer, pk) -> Campaign:
    """A pledge campaign the viewer may follow; 404 for anything else."""
    try:
        return pledge_campaigns(viewer=viewer).get(pk=pk)
    except (Campaign.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def tracking_focus(*, viewer, campaign: Campaign, unit_pk=None) -> tuple[OrgUnit, OrgUnit]:
    """(where the viewer's view starts, the unit asked for or that start), as on the campaign pages; 404 outside
    the viewer's pledge scope or the campaign."""
    scope = scoping.scope_for(viewer, "pledge.view")
    roots = [
        u for u in campaign_selectors.focus_units(viewer=viewer, campaign=campaign) if scope.covers(u.path)
    ]
    if not roots:
        raise Http404
    if not unit_pk:
        return roots[0], roots[0]
    try:
        focus = scoping.get_visible_or_404(
            OrgUnit.objects.all(), viewer, "pledge.view", path_field="path", pk=int(unit_pk)
        )
    except (TypeError, ValueError):
        raise Http404 from None
    if not focus.path.startswith(campaign.unit.path):
        raise Http404
    return roots[0], focus
