"""Reads of campaigns and progress, scoped through org.scoping.

The completion rollup answers for any unit of the tree in one query: the campaign's targets grouped by unit (from
their covering index) and summed per child of the focus unit in the database, with the children's own columns; no
unit of the subtree is walked in Python."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import BooleanField, Count, Exists, ExpressionWrapper, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from netconduct.documents.choices import DocumentKind, DocumentStatus
from netconduct.documents.models import Document
from netconduct.org import scoping
from netconduct.org.choices import PersonStatus, UnitKind
from netconduct.org.models import OrgUnit, Person
from netconduct.org.scoping import subtree_q

from .choices import CampaignStatus
from .models import Campaign, ReadReceipt, Target


def campaign_list(*, viewer, status: str = "") -> QuerySet[Campaign]:
    """Campaigns whose scope overlaps the viewer's: issued in their subtree, or issued above and reaching it; each
    with `binds_old_norms` for the list's flag."""
    return _visible_campaigns(viewer=viewer, status=status).annotate(binds_old_norms=_binds_old_norms())


def _visible_campaigns(*, viewer, status: str = "") -> QuerySet[Campaign]:
    scope = scoping.scope_for(viewer, "campaign.view")
    if scope.empty:
        return Campaign.objects.none()
    campaigns = Campaign.objects.select_related("unit")
    if not scope.everything:
        above = {p[:i] for p in scope.paths for i in range(OrgUnit.steplen, len(p), OrgUnit.steplen)}
        campaigns = campaigns.filter(
            scope.q("unit__path") | Q(unit__path__in=above, status__in=["active", "closed"])
        )
    if status:
        campaigns = campaigns.filter(status=status)
    return campaigns


def _binds_old_norms() -> Exists:
    """Whether the campaign still conveys a norms document that a newer version has replaced (asked in the same
    query as the list; the page flags it only on campaigns still open)."""
    return Exists(
        Campaign.documents.through.objects.filter(
            campaign_id=OuterRef("pk"),
            document__kind=DocumentKind.NORMS,
            document__status=DocumentStatus.SUPERSEDED,
        )
    )


def campaign_get_for(*, viewer, pk, action: str = "campaign.view") -> Campaign:
    if action == "campaign.view":
        try:
            return _visible_campaigns(viewer=viewer).get(pk=pk)  # the list's flag is not asked for here
        except (Campaign.DoesNotExist, ValueError, TypeError):
            raise Http404 from None
    return scoping.get_visible_or_404(
        Campaign.objects.select_related("unit"), viewer, action, path_field="unit__path", pk=pk
    )


def focus_units(*, viewer, campaign: Campaign) -> list[OrgUnit]:
    """Where the viewer's view of the campaign starts: the campaign's unit if they see all of it, else the roots of
    their scope inside it."""
    scope = scoping.scope_for(viewer, "campaign.view")
    if scope.covers(campaign.unit.path):
        return [campaign.unit]
    return list(
        OrgUnit.objects.filter(
            path__in=[p for p in scope.paths if p.startswith(campaign.unit.path)]
        ).order_by("path")
    )


@dataclass
class Tally:
    total: int = 0
    read: int = 0
    studied: int = 0
    pledged: int = 0
    done: int = 0
    proxy: int = 0

    def add(self, other: Tally) -> None:
        self.total += other.total
        self.read += other.read
        self.studied += other.studied
        self.pledged += other.pledged
        self.done += other.done
        self.proxy += other.proxy

    @property
    def pending(self) -> int:
        return self.total - self.done

    @property
    def percent(self) -> float:
        return round(100 * self.done / self.total, 1) if self.total else 100.0

    def pct(self, name: str) -> float:
        return round(100 * getattr(self, name) / self.total, 1) if self.total else 100.0


@dataclass
class RollupRow:
    unit: OrgUnit
    tally: Tally
    depth: int
    has_children: bool
    overdue: bool
    branches: int = 0
    branches_behind: int = 0


@dataclass
class Rollup:
    campaign: Campaign
    focus: OrgUnit
    total: Tally
    rows: list[RollupRow] = field(
        default_factory=list
    )  # the focus unit's children (or the branches under it)
    overdue: bool = False
    units_behind: int = 0

    @property
    def days_left(self) -> int:
        return (self.campaign.deadline - timezone.localdate()).days


def _targets_under(campaign: Campaign, focus: OrgUnit):
    """The campaign's counted targets under `focus`; at the campaign's own unit that is all of them, with no join."""
    targets = Target.objects.filter(campaign=campaign, in_scope=True)
    if focus.pk == campaign.unit_id:
        return targets
    return targets.filter(subtree_q("unit__path", focus.path))


@dataclass
class _ChildSums:
    tally: Tally
    deepest: int
    branches: int
    branches_behind: int
    unit: OrgUnit | None  # the child itself (None for the focus's own people)


def _tallies_by_unit(campaign: Campaign, focus: OrgUnit):
    """The campaign's targets under `focus` counted per unit (answered from the targets' covering index): the inner
    query of the rollup's and the exports' sums."""
    return (
        _targets_under(campaign, focus)
        .values("unit_id")
        .annotate(
            n_total=Count("pk"),
            n_read=Count("read_at"),
            n_studied=Count("studied_at"),
            n_pledged=Count("pledged_at"),
            n_done=Count("done_at"),
            n_proxy=Count("pk", filter=Q(read_by_proxy=True)),
        )
        .order_by()
    )


def _sums_by_child(campaign: Campaign, focus: OrgUnit) -> dict[str, _ChildSums]:
    """Path of each child of `focus` (and `focus` itself, for its own people) → the child, the tallies of its
    subtree, its deepest level, its branches and those not all done; in path order. One statement: the campaign's
    GROUP BY unit (answered from its covering index) joined to the subtree's units and summed per child path in the
    database, the child's own columns picked out of its group, so no unit is walked in Python and the children are
    not read again."""
    tallies = _tallies_by_unit(campaign, focus)
    units = (
        OrgUnit.objects.filter(subtree_q("path", focus.path))
        .order_by()
        .values("id", "path", "depth", "kind", "name", "short_name")
    )
    tallies_sql, tallies_params = tallies.query.sql_with_params()
    units_sql, units_params = units.query.sql_with_params()
    child_depth = int(focus.depth + 1)
    length = child_depth * OrgUnit.steplen
    child = f"MAX(CASE WHEN u.depth = {child_depth} THEN u.%s END)"
    # Only Django's own compiled SQL, integers and column names are formatted in; every value is a parameter.
    sql = (
        f"SELECT substr(u.path, 1, {int(length)}), MAX(u.depth),"  # noqa: S608
        " SUM(CASE WHEN u.kind = %s THEN 1 ELSE 0 END),"
        " SUM(CASE WHEN u.kind = %s AND t.n_done < t.n_total THEN 1 ELSE 0 END),"
        f" {child % 'id'}, {child % 'name'}, {child % 'short_name'}, {child % 'kind'},"
        " SUM(t.n_total), SUM(t.n_read), SUM(t.n_studied), SUM(t.n_pledged), SUM(t.n_done), SUM(t.n_proxy)"
        f" FROM ({units_sql}) u LEFT JOIN ({tallies_sql}) t ON t.unit_id = u.id"
        " GROUP BY 1 ORDER BY 1"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, (UnitKind.BRANCH, UnitKind.BRANCH, *units_params, *tallies_params))
        rows = cursor.fetchall()
    return {
        path: _ChildSums(
            Tally(*(int(n or 0) for n in counts)),
            int(deepest),
            int(branches or 0),
            int(behind or 0),
            None
            if pk is None
            else OrgUnit(
                pk=pk, path=path, depth=child_depth, name=name, short_name=short_name or "", kind=kind
            ),
        )
        for path, deepest, branches, behind, pk, name, short_name, kind, *counts in rows
    }


def completion_rollup(*, campaign: Campaign, focus: OrgUnit, today: dt.date | None = None) -> Rollup:
    """Completion of `campaign` under `focus`, with one row per child unit of `focus` (summed over its subtree).
    One query, whatever the size of the organisation: the children and their sums, from the database."""
    today = today or timezone.localdate()
    past_deadline = today > campaign.deadline
    sums = _sums_by_child(campaign, focus)
    child_depth = focus.depth + 1
    total = Tally()
    for child in sums.values():
        total.add(child.tally)
    result_rows = []
    for child in sums.values():
        if child.unit is None:
            continue
        row = RollupRow(
            unit=child.unit,
            tally=child.tally,
            depth=child_depth,
            has_children=child.deepest > child_depth,
            overdue=past_deadline and child.tally.pending > 0,
            branches=child.branches,
            branches_behind=child.branches_behind if past_deadline else 0,
        )
        if row.tally.total or row.has_children:
            result_rows.append(row)
    own = sums.get(focus.path)
    if own is not None and own.tally.total:
        result_rows.insert(
            0,
            RollupRow(
                unit=focus,
                tally=own.tally,
                depth=focus.depth,
                has_children=False,
                overdue=past_deadline and own.tally.pending > 0,
            ),
        )
    return Rollup(
        campaign=campaign,
        focus=focus,
        total=total,
        rows=result_rows,
        overdue=past_deadline and total.pending > 0,
        units_behind=sum(1 for r in result_rows if r.overdue),
    )


def _sums_by_prefix(campaign: Campaign, focus: OrgUnit, lengths: list[int]) -> dict[str, Tally]:
    """Path prefix of each given length → the tallies of the units under it, for every prefix under `focus` that has
    people in the campaign: the campaign's GROUP BY unit (from its covering index) joined to the subtree's units
    once, then summed per prefix at each length, in one statement."""
    tallies = _tallies_by_unit(campaign, focus)
    units = OrgUnit.objects.filter(subtree_q("path", focus.path)).order_by().values("id", "path", "depth")
    tallies_sql, tallies_params = tallies.query.sql_with_params()
    units_sql, units_params = units.query.sql_with_params()
    sums = " SUM(t.n_total), SUM(t.n_read), SUM(t.n_studied), SUM(t.n_pledged), SUM(t.n_done), SUM(t.n_proxy)"
    # Only Django's own compiled SQL and integers are formatted in; every value is a parameter.
    levels = " UNION ALL ".join(
        f"SELECT substr(t.path, 1, {int(length)}),{sums} FROM t WHERE t.depth >= {int(length) // OrgUnit.steplen}"  # noqa: S608
        " GROUP BY 1"
        for length in lengths
    )
    sql = (
        f"WITH t AS (SELECT u.path, u.depth, c.* FROM ({units_sql}) u"  # noqa: S608
        f" INNER JOIN ({tallies_sql}) c ON c.unit_id = u.id) {levels}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, (*units_params, *tallies_params))
        rows = cursor.fetchall()
    return {path: Tally(*(int(n or 0) for n in counts)) for path, *counts in rows}


def subtree_rollup(*, campaign: Campaign, focus: OrgUnit) -> list[RollupRow]:
    """`focus` and every unit under it down to the branches, each counted over its whole subtree as the page counts
    it, in tree order; `depth` is the level below `focus` (0 for `focus`), for indenting. Units below a branch
    (departments, party groups) are counted in their branch and not listed, unless `focus` is that branch.
    For the export and the printable summary. Two queries: the units, and the sums per unit at every level in the
    database (as the page's rollup sums them per child), so no tally is added up in Python."""
    step = OrgUnit.steplen
    units = list(
        OrgUnit.objects.filter(subtree_q("path", focus.path))
        .order_by("path")
        .values_list("pk", "path", "depth", "name", "kind")
    )
    deepest = max((depth for _pk, _path, depth, _name, _kind in units), default=focus.depth)
    sums = _sums_by_prefix(campaign, focus, [d * step for d in range(focus.depth, deepest + 1)])
    past = timezone.localdate() > campaign.deadline
    branches = {path for pk, path, _depth, _name, kind in units if kind == UnitKind.BRANCH and pk != focus.pk}
    rows = []
    for pk, path, depth, name, kind in units:
        tally = sums.get(path)
        if tally is None:
            continue
        if any(path[: d * step] in branches for d in range(focus.depth + 1, depth)):
            continue
        rows.append(
            RollupRow(
                unit=focus
                if pk == focus.pk
                else OrgUnit(pk=pk, path=path, depth=depth, name=name, kind=kind),
                tally=tally,
                depth=depth - focus.depth,
                has_children=False,
                overdue=past and tally.pending > 0,
            )
        )
    return rows


def unit_ancestors_names(units: list[OrgUnit]) -> dict[str, str]:
    """Path → name for every ancestor of these units (one query), to print "公司 / 党委 / 支部"."""
    paths = {u.path[:i] for u in units for i in range(OrgUnit.steplen, len(u.path), OrgUnit.steplen)}
    return dict(OrgUnit.objects.filter(path__in=paths).values_list("path", "name"))


def target_list(*, viewer, campaign: Campaign, unit: OrgUnit, status: str = "") -> QuerySet[Target]:
    """The people of a campaign under `unit` the viewer may see, with what each has done."""
    targets = scoping.visible(
        Target.objects.filter(campaign=campaign, in_scope=True).filter(subtree_q("unit__path", unit.path)),
        viewer,
        "campaign.view",
        path_field="unit__path",
    ).select_related("person", "unit")
    if status == "done":
        targets = targets.exclude(done_at=None)
    elif status == "pending":
        targets = targets.filter(done_at=None)
    elif status == "proxy":
        targets = targets.filter(read_by_proxy=True)
    return targets.order_by("unit__path", "person__name_pinyin", "pk")


def target_get_for(*, viewer, pk, action: str = "campaign.view") -> Target:
    return scoping.get_visible_or_404(
        Target.objects.select_related("campaign", "campaign__unit", "person", "unit"),
        viewer,
        action,
        path_field="unit__path",
        pk=pk,
    )


# ---------------------------------------------------------------------------------------------------- a person's own


def my_targets(*, user) -> QuerySet[Target]:
    person = getattr(user, "person", None)
    if person is None:
        return Target.objects.none()
    return (
        Target.objects.filter(
            person=person, in_scope=True, campaign__status__in=[CampaignStatus.ACTIVE, CampaignStatus.CLOSED]
        )
        .select_related("campaign")
        .order_by("done_at", "campaign__deadline", "-pk")
    )


def my_target_get(*, user, pk) -> Target:
    """One of the user's own tasks; anyone else's is a 404."""
    try:
        return my_targets(user=user).select_related("campaign__unit", "unit", "person").get(pk=pk)
    except (Target.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def target_receipts(target: Target) -> dict[int, ReadReceipt]:
    return {r.document_id: r for r in ReadReceipt.objects.filter(target=target).select_related("proxy_by")}


def documents_conveyed_to(*, user) -> QuerySet[Document]:
    """Documents conveyed to the user by a campaign they are part of (registered with documents for downloads)."""
    person = getattr(user, "person", None)
    if person is None:
        return Document.objects.none()
    return Document.objects.filter(
        campaigns__targets__person=person,
        campaigns__status__in=[CampaignStatus.ACTIVE, CampaignStatus.CLOSED],
    ).distinct()


# ---------------------------------------------------------------------------------------------------- home pages


def my_open_tasks(*, user) -> list[Target]:
    """The person's tasks in running campaigns that are not done, newest campaign first."""
    return list(
        my_targets(user=user)
        .filter(campaign__status=CampaignStatus.ACTIVE, done_at__isnull=True)
        .order_by("-campaign__launched_at", "-pk")
    )


def my_done_count(*, user, year: int) -> int:
    """Tasks the person finished in `year`."""
    return my_targets(user=user).filter(done_at__year=year).count()


@dataclass
class CampaignProgress:
    """A running campaign as one viewer sees it: their part of its people, counted over the subtree of their scope."""

    campaign: Campaign
    total: int
    done: int
    units_behind: int  # units whose people are not all done after the deadline
    people: list[Target] = field(default_factory=list)  # the first not finished, where the page lists them

    @property
    def pending(self) -> int:
        return self.total - self.done

    @property
    def percent(self) -> float:
        return round(100 * self.done / self.total, 1) if self.total else 0.0

    @property
    def overdue(self) -> bool:
        return self.campaign.deadline < timezone.localdate() and self.pending > 0


def open_campaigns_progress(*, viewer, limit: int = 10) -> list[CampaignProgress]:
    """Running campaigns reaching the viewer's scope, soonest deadline first, with completion over the viewer's
    subtree. Three queries, whatever the number of people or units."""
    scope = scoping.scope_for(viewer, "campaign.view")
    campaigns = list(
        campaign_list(viewer=viewer, status=CampaignStatus.ACTIVE).order_by("deadline", "pk")[:limit]
    )
    if not campaigns:
        return []
    targets = Target.objects.filter(campaign__in=campaigns, in_scope=True)
    if not scope.everything:
        targets = targets.filter(scope.q("unit__path"))
    counts = {
        cid: (total, done)
        for cid, total, done in targets.values("campaign_id")
        .annotate(total=Count("pk"), done=Count("done_at"))
        .order_by()
        .values_list("campaign_id", "total", "done")
    }
    late = [c.pk for c in campaigns if c.deadline < timezone.localdate()]
    behind: dict[int, int] = {}
    if late:
        behind = dict(
            targets.filter(campaign_id__in=late, done_at__isnull=True)
            .values("campaign_id")
            .annotate(n=Count("unit_id", distinct=True))
            .order_by()
            .values_list("campaign_id", "n")
        )
    return [
        CampaignProgress(c, *counts.get(c.pk, (0, 0)), units_behind=behind.get(c.pk, 0)) for c in campaigns
    ]


def pending_people(*, viewer, campaigns: list[Campaign], limit: int = 60) -> dict[int, list[Target]]:
    """Campaign id → the first people in the viewer's scope who have not finished it (in tree and name order)."""
    if not campaigns:
        return {}
    targets = scoping.visible(
        Target.objects.filter(campaign__in=campaigns, in_scope=True, done_at__isnull=True),
        viewer,
        "campaign.view",
        path_field="unit__path",
    )
    found: dict[int, list[Target]] = {c.pk: [] for c in campaigns}
    for target in targets.select_related("person", "unit").order_by(
        "campaign_id", "unit__path", "person__name_pinyin", "pk"
    )[:limit]:
        found[target.campaign_id].append(target)
    return found


# ---------------------------------------------------------------------------------------------------- year two


def _scope_people(campaign: Campaign) -> QuerySet[Person]:
    """Who the campaign is for: its targets in scope once launched; a draft's, those it would reach if launched now."""
    if campaign.status == CampaignStatus.DRAFT:
        return Person.objects.filter(
            subtree_q("unit__path", campaign.unit.path), status=PersonStatus.ACTIVE
        ).filter(campaign.category_q())
    return Person.objects.filter(campaign_targets__campaign=campaign, campaign_targets__in_scope=True)


@dataclass
class YearOverYear:
    campaign: Campaign
    source: Campaign
    lapsed: QuerySet[
        Person
    ]  # signed last year's pledge, not (yet) this year's; `in_scope_now` says who still owes it
    new: QuerySet[Person]  # in this year's scope, not in last year's


def year_over_year(*, viewer, campaign: Campaign) -> YearOverYear | None:
    """For a campaign copied from last year's: who signed the pledge then and not now, and who is new, among the
    people the viewer may see (by their unit now). None for a campaign that was not copied."""
    if campaign.copied_from_id is None:
        return None
    source = Campaign.objects.select_related("unit").get(pk=campaign.copied_from_id)
    signed_now = Target.objects.filter(campaign=campaign, pledged_at__isnull=False).values("person_id")
    if campaign.status == CampaignStatus.DRAFT:
        owes = ExpressionWrapper(
            Q(subtree_q("unit__path", campaign.unit.path), status=PersonStatus.ACTIVE)
            & campaign.category_q(),
            output_field=BooleanField(),
        )
    else:
        owes = Exists(Target.objects.filter(campaign=campaign, person_id=OuterRef("pk"), in_scope=True))
    lapsed = (
        Person.objects.filter(
            pk__in=Target.objects.filter(campaign=source, pledged_at__isnull=False).values("person_id")
        )
        .exclude(pk__in=signed_now)
        .annotate(in_scope_now=owes)
    )
    last_scope = Target.objects.filter(campaign=source, in_scope=True).values("person_id")
    new = _scope_people(campaign).exclude(pk__in=last_scope)

    def visible(people: QuerySet[Person]) -> QuerySet[Person]:
        return (
            scoping.visible(people, viewer, "campaign.view", path_field="unit__path")
            .select_related("unit")
            .order_by("unit__path", "name_pinyin", "pk")
        )

    return YearOverYear(campaign, source, visible(lapsed), visible(new))
