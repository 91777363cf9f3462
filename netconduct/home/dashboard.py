"""The committee's dashboard: the year's campaigns, study coverage, pledges, filed accounts, reports and cases over
the viewer's subtree, each figure beside last year's, and the units behind every figure.

Every figure is counted in the database (GROUP BY and conditional counts), so the dashboard costs a fixed number of
queries whatever the number of branches, people or rows. Reports and cases are counts and durations only: no
content, no reporter, no person.

The scope is `dashboard.view` (system and unit administrators), read once; every section counts rows whose unit
lies in it. A campaign issued above the scope counts with its targets inside the scope.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db.models import (
    Avg,
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce, ExtractMonth
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from netconduct.campaigns.choices import CampaignStatus
from netconduct.campaigns.models import Campaign, Target
from netconduct.org import scoping
from netconduct.org.choices import UnitKind
from netconduct.org.models import OrgUnit
from netconduct.org.scoping import Scope, subtree_q
from netconduct.pledges.choices import PledgeMethod, PledgeStatus
from netconduct.pledges.models import Pledge
from netconduct.registry.choices import AccountStatus, Platform, ReviewAnswer
from netconduct.registry.models import Account
from netconduct.reports.choices import CaseStep, ReportState
from netconduct.reports.models import Report, ViolationCase
from netconduct.studies.choices import SessionStatus
from netconduct.studies.models import StudySession
from netconduct.studies.selectors import year_bounds

ACTION = "dashboard.view"
FIRST_YEAR = 2018  # the norms' first campaigns; the selector offers no year before it
LAUNCHED = (CampaignStatus.ACTIVE, CampaignStatus.CLOSED)
DAY = 86400


def dashboard_scope(viewer) -> Scope:
    return scoping.scope_for(viewer, ACTION)


def years_offered() -> list[int]:
    return list(range(timezone.localdate().year + 1, FIRST_YEAR - 1, -1))


def parse_year(raw: str | None) -> int:
    """The year asked for, or this year for anything that is not a year the selector offers."""
    this_year = timezone.localdate().year
    try:
        year = int(raw or "")
    except ValueError:
        return this_year
    return year if FIRST_YEAR <= year <= this_year + 1 else this_year


def special_study_q(prefix: str = "") -> Q:
    """A session that counts for the yearly rule (studies.selectors.yearly_rule): the branch's special study on the
    norms, chosen as such when it was recorded, and accepted."""
    return Q(**{f"{prefix}is_special_study": True, f"{prefix}status": SessionStatus.ACCEPTED})


def _days(delta: dt.timedelta | None) -> float | None:
    return None if delta is None else round(delta.total_seconds() / DAY, 1)


def _duration(end: str, start: str) -> ExpressionWrapper:
    return ExpressionWrapper(F(end) - F(start), output_field=DurationField())


@dataclass
class Pair:
    """A figure this year and last year."""

    this: float | int | None
    last: float | int | None

    @property
    def delta(self) -> float | int | None:
        if self.this is None or self.last is None:
            return None
        diff = self.this - self.last
        return round(diff, 1) if isinstance(diff, float) else diff


def _pct(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


# ---------------------------------------------------------------------------------------------------- campaigns


@dataclass
class CampaignFigures:
    campaign: Campaign
    total: int = 0
    done: int = 0
    units_pending: int = 0  # units with someone not finished

    @property
    def percent(self) -> float:
        return round(100 * self.done / self.total, 1) if self.total else 0.0

    @property
    def late(self) -> bool:
        return self.campaign.deadline < timezone.localdate()

    @property
    def units_overdue(self) -> int:
        """Units whose people are not all done after the deadline."""
        return self.units_pending if self.late else 0


@dataclass
class CampaignSection:
    rows: list[CampaignFigures]
    count: Pair  # launched campaigns of the year
    open: Pair
    closed: Pair
    completion: Pair  # done / total over the year's campaigns, per cent
    units_overdue: Pair


def _campaigns_reaching(scope: Scope) -> QuerySet[Campaign]:
    """Launched campaigns issued inside the scope or above it (those reach people inside)."""
    campaigns = Campaign.objects.filter(status__in=LAUNCHED)
    if scope.everything:
        return campaigns
    above = {p[:i] for p in scope.paths for i in range(OrgUnit.steplen, len(p), OrgUnit.steplen)}
    return campaigns.filter(scope.q("unit__path") | Q(unit__path__in=above))


def campaign_section(*, scope: Scope, year: int) -> CampaignSection:
    """The year's launched campaigns with completion over the scope's people. Two queries."""
    campaigns = list(
        _campaigns_reaching(scope)
        .filter(year__in=[year, year - 1])
        .select_related("unit")
        .order_by("deadline", "pk")
    )
    counts: dict[int, tuple[int, int, int]] = {}
    if campaigns:
        targets = Target.objects.filter(campaign__in=campaigns, in_scope=True).filter(scope.q("unit__path"))
        counts = {
            cid: (total, done, pending)
            for cid, total, done, pending in targets.order_by()
            .values("campaign_id")
            .annotate(
                total=Count("pk"),
                done=Count("done_at"),
                pending=Count("unit_id", distinct=True, filter=Q(done_at__isnull=True)),
            )
            .values_list("campaign_id", "total", "done", "pending")
        }
    # A campaign issued above the scope that reached no one inside it is not the viewer's to report on.
    figures = [
        CampaignFigures(c, *counts.get(c.pk, (0, 0, 0)))
        for c in campaigns
        if c.pk in counts or scope.covers(c.unit.path)
    ]
    this = [f for f in figures if f.campaign.year == year]
    last = [f for f in figures if f.campaign.year == year - 1]

    def completion(rows: list[CampaignFigures]) -> float | None:
        return _pct(sum(r.done for r in rows), sum(r.total for r in rows))

    def n(rows: list[CampaignFigures], status: str) -> int:
        return sum(1 for r in rows if r.campaign.status == status)

    return CampaignSection(
        rows=this,
        count=Pair(len(this), len(last)),
        open=Pair(n(this, CampaignStatus.ACTIVE), n(last, CampaignStatus.ACTIVE)),
        closed=Pair(n(this, CampaignStatus.CLOSED), n(last, CampaignStatus.CLOSED)),
        completion=Pair(completion(this), completion(last)),
        units_overdue=Pair(sum(r.units_overdue for r in this), sum(r.units_overdue for r in last)),
    )


# ---------------------------------------------------------------------------------------------------- studies


@dataclass
class StudySection:
    branches: int
    held: Pair
    months: list[int]  # branches holding a special study in each month (a branch may count in several)
    reached: list[int]  # branches that had held one by the end of each month (each branch once)

    @property
    def missing(self) -> int:
        return self.branches - (self.held.this or 0)

    @property
    def coverage(self) -> Pair:
        return Pair(_pct(self.held.this or 0, self.branches), _pct(self.held.last or 0, self.branches))


def branches_in(scope: Scope) -> QuerySet[OrgUnit]:
    """The scope's open branches (党支部), the units the yearly rule asks a special study of."""
    return OrgUnit.objects.filter(scope.q("path"), kind=UnitKind.BRANCH, is_active=True)


def _special_sessions(year: int) -> QuerySet[StudySession]:
    start, end = year_bounds(year)
    return StudySession.objects.filter(special_study_q(), starts_at__gte=start, starts_at__lt=end)


def study_section(*, scope: Scope, year: int) -> StudySection:
    """Branches that held their special study this year and last, and month by month. Three queries.

    Last year's share is taken over today's branches (a closed branch drops out of both years)."""
    branches = branches_in(scope)
    this = _special_sessions(year).filter(unit=OuterRef("pk"))
    last = _special_sessions(year - 1).filter(unit=OuterRef("pk"))
    totals = branches.aggregate(
        total=Count("pk"),
        held=Count("pk", filter=Q(Exists(this))),
        held_last=Count("pk", filter=Q(Exists(last))),
    )
    sessions = _special_sessions(year).filter(
        scope.q("unit__path"), unit__kind=UnitKind.BRANCH, unit__is_active=True
    )
    by_month = dict(
        sessions.order_by()
        .annotate(month=ExtractMonth("starts_at"))
        .values("month")
        .annotate(n=Count("unit_id", distinct=True))
        .values_list("month", "n")
    )
    first = Subquery(this.order_by().values("unit").annotate(first=Min("starts_at")).values("first")[:1])
    firsts = dict(
        branches.annotate(first=first)
        .filter(first__isnull=False)
        .annotate(month=ExtractMonth("first"))
        .order_by()
        .values("month")
        .annotate(n=Count("pk"))
        .values_list("month", "n")
    )
    reached, running = [], 0
    for month in range(1, 13):
        running += firsts.get(month, 0)
        reached.append(running)
    return StudySection(
        branches=totals["total"],
        held=Pair(totals["held"], totals["held_last"]),
        months=[by_month.get(m, 0) for m in range(1, 13)],
        reached=reached,
    )


# ---------------------------------------------------------------------------------------------------- pledges


@dataclass
class PledgeSection:
    online: Pair
    paper: Pair
    outstanding: Pair  # people of the year's pledge campaigns who have not signed
    printed: int  # of the outstanding: paper forms printed and not back


def _pledge_targets(scope: Scope) -> QuerySet[Target]:
    return Target.objects.filter(
        scope.q("unit__path"),
        in_scope=True,
        campaign__requires_pledge=True,
        campaign__status__in=LAUNCHED,
        pledged_at__isnull=True,
    )


def pledge_section(*, scope: Scope, year: int) -> PledgeSection:
    """Pledges signed online and on paper for the year, and those still owed. Two queries."""
    signed = Pledge.objects.filter(
        scope.q("unit__path"), status=PledgeStatus.SIGNED, year__in=[year, year - 1]
    )

    def signed_by(method: str, y: int) -> Count:
        return Count("pk", filter=Q(method=method, year=y))

    counts = signed.aggregate(
        online=signed_by(PledgeMethod.ONLINE, year),
        paper=signed_by(PledgeMethod.PAPER, year),
        online_last=signed_by(PledgeMethod.ONLINE, year - 1),
        paper_last=signed_by(PledgeMethod.PAPER, year - 1),
    )
    printed = Pledge.objects.filter(
        campaign_id=OuterRef("campaign_id"), person_id=OuterRef("person_id"), status=PledgeStatus.PRINTED
    )
    owed = _pledge_targets(scope).aggregate(
        this=Count("pk", filter=Q(campaign__year=year)),
        last=Count("pk", filter=Q(campaign__year=year - 1)),
        printed=Count("pk", filter=Q(Exists(printed), campaign__year=year)),
    )
    return PledgeSection(
        online=Pair(counts["online"], counts["online_last"]),
        paper=Pair(counts["paper"], counts["paper_last"]),
        outstanding=Pair(owed["this"], owed["last"]),
        printed=owed["printed"],
    )


# ---------------------------------------------------------------------------------------------------- registry


@dataclass
class PlatformFigures:
    platform: str
    label: str
    active: int
    filed: int
    filed_last: int
    confirmed: int
    closing: int
    pending: int
    unreviewed: int  # open accounts in no review round of the year


@dataclass
class RegistrySection:
    rows: list[PlatformFigures]
    active: int
    filed: Pair
    reviewed: Pair  # accounts answered in a review round of the year

    def total(self, name: str) -> int:
        return sum(getattr(r, name) for r in self.rows)


def _review_counts(year: int, prefix: str = "") -> dict:
    def answered(answer: str | None, y: int) -> Q:
        q = Q(**{f"{prefix}review_items__round__year": y})
        if answer:
            q &= Q(**{f"{prefix}review_items__answer": answer})
        return q

    pk = f"{prefix}pk"
    reviewed = Q(**{f"{prefix}review_items__round__year": year}) & ~Q(
        **{f"{prefix}review_items__answer": ReviewAnswer.PENDING}
    )
    open_ = ~Q(**{f"{prefix}status": AccountStatus.CLOSED})
    return {
        "active": Count(pk, distinct=True, filter=open_),
        "confirmed": Count(pk, distinct=True, filter=answered(ReviewAnswer.CONFIRMED, year)),
        "closing": Count(pk, distinct=True, filter=answered(ReviewAnswer.CLOSE, year)),
        "pending": Count(pk, distinct=True, filter=answered(ReviewAnswer.PENDING, year)),
        "in_round": Count(pk, distinct=True, filter=answered(None, year) & open_),
        "reviewed": Count(pk, distinct=True, filter=reviewed),
    }


def registry_section(*, scope: Scope, year: int) -> RegistrySection:
    """Filed accounts per platform with the year's review answers. One query."""
    accounts = Account.objects.filter(scope.q("unit__path"))
    labels = dict(Platform.choices)
    reviewed_last = Q(review_items__round__year=year - 1) & ~Q(review_items__answer=ReviewAnswer.PENDING)
    rows = list(
        accounts.order_by()
        .values("platform")
        .annotate(
            **_review_counts(year),
            filed=Count("pk", distinct=True, filter=Q(filed_on__year=year)),
            filed_last=Count("pk", distinct=True, filter=Q(filed_on__year=year - 1)),
            reviewed_last=Count("pk", distinct=True, filter=reviewed_last),
        )
        .order_by("-active", "platform")
    )
    figures = [
        PlatformFigures(
            platform=r["platform"],
            label=str(labels.get(r["platform"], r["platform"])),
            active=r["active"],
            filed=r["filed"],
            filed_last=r["filed_last"],
            confirmed=r["confirmed"],
            closing=r["closing"],
            pending=r["pending"],
            unreviewed=r["active"] - r["in_round"],
        )
        for r in rows
    ]
    return RegistrySection(
        rows=figures,
        active=sum(r["active"] for r in rows),
        filed=Pair(sum(r["filed"] for r in rows), sum(r["filed_last"] for r in rows)),
        reviewed=Pair(sum(r["reviewed"] for r in rows), sum(r["reviewed_last"] for r in rows)),
    )


# ---------------------------------------------------------------------------------------------------- reports, cases


@dataclass
class ReportSection:
    by_state: dict[str, Pair]
    reports: Pair
    overdue: int  # open and past their step's deadline now (nuisance ones are not due)
    nuisance: Pair
    close_days: Pair  # mean days from filing to closing, of the year's closed reports
    cases: Pair
    cases_open: int
    cases_closed: Pair
    case_days: Pair  # mean days from opening to closing, of the year's closed cases

    @property
    def states(self) -> list[tuple[str, str, Pair]]:
        return [(value, str(label), self.by_state[value]) for value, label in ReportState.choices]


def report_section(*, scope: Scope, year: int) -> ReportSection:
    """Counts and durations of the year's reports and cases in the scope: nothing of what they say or who made them.
    Two queries."""
    this_start, this_end = year_bounds(year)
    last_start, last_end = year_bounds(year - 1)
    this = Q(filed_at__gte=this_start, filed_at__lt=this_end)
    last = Q(filed_at__gte=last_start, filed_at__lt=last_end)
    states = {}
    for value in ReportState.values:
        states[f"s_{value}"] = Count("pk", filter=this & Q(state=value))
        states[f"s_{value}_last"] = Count("pk", filter=last & Q(state=value))
    closed = Q(state=ReportState.CLOSED)
    reports = Report.objects.filter(
        scope.q("unit__path"), filed_at__gte=last_start, filed_at__lt=this_end
    ).aggregate(
        total=Count("pk", filter=this),
        total_last=Count("pk", filter=last),
        n_overdue=Count(
            "pk",
            filter=this & ~closed & Q(nuisance=False, state_deadline__lt=timezone.now()),
        ),
        n_nuisance=Count("pk", filter=this & Q(nuisance=True)),
        n_nuisance_last=Count("pk", filter=last & Q(nuisance=True)),
        close=Avg(_duration("closed_at", "filed_at"), filter=this & closed),
        close_last=Avg(_duration("closed_at", "filed_at"), filter=last & closed),
        **states,
    )
    opened = Q(opened_at__gte=this_start, opened_at__lt=this_end)
    opened_last = Q(opened_at__gte=last_start, opened_at__lt=last_end)
    case_closed = Q(step=CaseStep.CLOSED)
    cases = ViolationCase.objects.filter(
        scope.q("unit__path"), opened_at__gte=last_start, opened_at__lt=this_end
    ).aggregate(
        total=Count("pk", filter=opened),
        total_last=Count("pk", filter=opened_last),
        n_open=Count("pk", filter=opened & ~case_closed),
        n_closed=Count("pk", filter=opened & case_closed),
        n_closed_last=Count("pk", filter=opened_last & case_closed),
        days=Avg(_duration("closed_at", "opened_at"), filter=opened & case_closed),
        days_last=Avg(_duration("closed_at", "opened_at"), filter=opened_last & case_closed),
    )
    return ReportSection(
        by_state={v: Pair(reports[f"s_{v}"], reports[f"s_{v}_last"]) for v in ReportState.values},
        reports=Pair(reports["total"], reports["total_last"]),
        overdue=reports["n_overdue"],
        nuisance=Pair(reports["n_nuisance"], reports["n_nuisance_last"]),
        close_days=Pair(_days(reports["close"]), _days(reports["close_last"])),
        cases=Pair(cases["total"], cases["total_last"]),
        cases_open=cases["n_open"],
        cases_closed=Pair(cases["n_closed"], cases["n_closed_last"]),
        case_days=Pair(_days(cases["days"]), _days(cases["days_last"])),
    )


# ---------------------------------------------------------------------------------------------------- the page


@dataclass
class Dashboard:
    year: int
    campaigns: CampaignSection
    studies: StudySection
    pledges: PledgeSection
    registry: RegistrySection
    reports: ReportSection


def dashboard(*, viewer, year: int) -> Dashboard:
    """Every section of the dashboard for the viewer's scope. A fixed number of queries (about a dozen)."""
    scope = dashboard_scope(viewer)
    return Dashboard(
        year=year,
        campaigns=campaign_section(scope=scope, year=year),
        studies=study_section(scope=scope, year=year),
        pledges=pledge_section(scope=scope, year=year),
        registry=registry_section(scope=scope, year=year),
        reports=report_section(scope=scope, year=year),
    )


# ---------------------------------------------------------------------------------------------------- drill-down


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: str = "int"  # int, days, date, percent, yesno


@dataclass
class Drill:
    """The units behind one section's figures: a queryset of units with the figures annotated, and its columns."""

    section: str
    title: str
    columns: list[Column]
    units: QuerySet[OrgUnit]
    filter_label: str = ""
    # The filters the page offers as buttons: (label, the query parameters that make it); the first is "all".
    choices: list[tuple[str, dict[str, str]]] = field(default_factory=list)


def _count_per_unit(rows: QuerySet, expr=None):
    """A correlated count (or other aggregate) of `rows` whose unit is the outer unit; 0 where there are none."""
    expr = expr if expr is not None else Count("pk")
    sub = rows.filter(unit=OuterRef("pk")).order_by().values("unit").annotate(v=expr).values("v")[:1]
    return Coalesce(Subquery(sub), Value(0))


def _avg_per_unit(rows: QuerySet, end: str, start: str):
    sub = (
        rows.filter(unit=OuterRef("pk"))
        .order_by()
        .values("unit")
        .annotate(v=Avg(_duration(end, start)))
        .values("v")[:1]
    )
    return Subquery(sub, output_field=DurationField())


def _drill_campaigns(scope: Scope, year: int, params) -> Drill:
    campaigns = _campaigns_reaching(scope).filter(year=year)
    title = _("宣贯活动完成情况")
    label = ""
    campaign_pk = params.get("campaign", "")
    if campaign_pk.isdigit() and len(campaign_pk) < 12:
        campaign = campaigns.filter(pk=int(campaign_pk)).first()
        if campaign is not None:
            campaigns = campaigns.filter(pk=campaign.pk)
            label = f"《{campaign.title}》"
    targets = Target.objects.filter(campaign__in=campaigns, in_scope=True)
    late = Q(done_at__isnull=True, campaign__deadline__lt=timezone.localdate())
    units = OrgUnit.objects.annotate(
        total=_count_per_unit(targets),
        done=_count_per_unit(targets.filter(done_at__isnull=False)),
        pending=_count_per_unit(targets.filter(done_at__isnull=True)),
        overdue=_count_per_unit(targets.filter(late)),
    ).filter(total__gt=0)
    if params.get("overdue") == "1":
        units = units.filter(overdue__gt=0)
        label = f"{label} {_('逾期未完成')}".strip()
    return Drill(
        "campaigns",
        title,
        [
            Column("total", _("应完成人数")),
            Column("done", _("已完成")),
            Column("pending", _("未完成")),
            Column("overdue", _("逾期未完成")),
            Column("percent", _("完成率"), "percent"),
        ],
        units,
        label,
        [(_("全部"), {}), (_("逾期未完成"), {"overdue": "1"})],
    )


def _drill_studies(scope: Scope, year: int, params) -> Drill:
    sessions = _special_sessions(year)
    units = branches_in(scope).annotate(
        sessions=_count_per_unit(sessions),
        latest=Subquery(sessions.filter(unit=OuterRef("pk")).order_by("-starts_at").values("starts_at")[:1]),
    )
    label = ""
    month = params.get("month", "")
    if month.isdigit() and 1 <= int(month) <= 12:
        start, _end = year_bounds(year)
        m = int(month)
        month_start = start.replace(month=m)
        month_end = start.replace(year=year + 1, month=1) if m == 12 else start.replace(month=m + 1)
        in_month = sessions.filter(unit=OuterRef("pk"), starts_at__gte=month_start, starts_at__lt=month_end)
        units = units.filter(Exists(in_month))
        label = _("%(month)s月开展专题学习的支部") % {"month": m}
    elif params.get("held") == "0":
        units = units.filter(sessions=0)
        label = _("尚未开展专题学习的支部")
    elif params.get("held") == "1":
        units = units.filter(sessions__gt=0)
        label = _("已开展专题学习的支部")
    return Drill(
        "studies",
        _("专题学习覆盖"),
        [
            Column("sessions", _("专题学习次数")),
            Column("latest", _("最近一次"), "date"),
            Column("held", _("已开展"), "yesno"),
        ],
        units,
        label,
        [(_("全部"), {}), (_("已开展"), {"held": "1"}), (_("尚未开展"), {"held": "0"})],
    )


def _drill_pledges(scope: Scope, year: int, params) -> Drill:
    signed = Pledge.objects.filter(status=PledgeStatus.SIGNED, year=year)
    owed = _pledge_targets(scope).filter(campaign__year=year)
    units = OrgUnit.objects.annotate(
        online=_count_per_unit(signed.filter(method=PledgeMethod.ONLINE)),
        paper=_count_per_unit(signed.filter(method=PledgeMethod.PAPER)),
        outstanding=_count_per_unit(owed),
    )
    method = params.get("method", "")
    label = ""
    if method in ("online", "paper", "outstanding"):
        units = units.filter(**{f"{method}__gt": 0})
        label = {"online": _("线上签订"), "paper": _("纸质签订"), "outstanding": _("尚未签订")}[method]
    else:
        units = units.filter(Q(online__gt=0) | Q(paper__gt=0) | Q(outstanding__gt=0))
    return Drill(
        "pledges",
        _("承诺书签订"),
        [
            Column("online", _("线上签订")),
            Column("paper", _("纸质签订")),
            Column("outstanding", _("尚未签订")),
        ],
        units,
        label,
        [
            (_("全部"), {}),
            (_("线上签订"), {"method": "online"}),
            (_("纸质签订"), {"method": "paper"}),
            (_("尚未签订"), {"method": "outstanding"}),
        ],
    )


def _drill_registry(scope: Scope, year: int, params) -> Drill:
    accounts = Account.objects.all()
    label = ""
    platform = params.get("platform", "")
    if platform in Platform.values:
        accounts = accounts.filter(platform=platform)
        label = str(Platform(platform).label)

    def per_unit(q: Q):
        sub = (
            accounts.filter(q, unit=OuterRef("pk"))
            .order_by()
            .values("unit")
            .annotate(v=Count("pk", distinct=True))
            .values("v")[:1]
        )
        return Coalesce(Subquery(sub), Value(0))

    open_ = ~Q(status=AccountStatus.CLOSED)
    in_round = Q(review_items__round__year=year)
    units = OrgUnit.objects.annotate(
        active=per_unit(open_),
        filed=per_unit(Q(filed_on__year=year)),
        confirmed=per_unit(in_round & Q(review_items__answer=ReviewAnswer.CONFIRMED)),
        closing=per_unit(in_round & Q(review_items__answer=ReviewAnswer.CLOSE)),
        pending=per_unit(in_round & Q(review_items__answer=ReviewAnswer.PENDING)),
    ).filter(Q(active__gt=0) | Q(filed__gt=0))
    return Drill(
        "registry",
        _("备案账号及年检"),
        [
            Column("active", _("在册账号")),
            Column("filed", _("本年备案")),
            Column("confirmed", _("年检确认")),
            Column("closing", _("申请注销")),
            Column("pending", _("未答复")),
        ],
        units,
        label,
    )


def _drill_reports(scope: Scope, year: int, params) -> Drill:
    start, end = year_bounds(year)
    reports = Report.objects.filter(filed_at__gte=start, filed_at__lt=end)
    cases = ViolationCase.objects.filter(opened_at__gte=start, opened_at__lt=end)
    closed_reports = reports.filter(state=ReportState.CLOSED)
    closed_cases = cases.filter(step=CaseStep.CLOSED)
    units = OrgUnit.objects.annotate(
        reports=_count_per_unit(reports),
        reports_open=_count_per_unit(reports.exclude(state=ReportState.CLOSED)),
        reports_overdue=_count_per_unit(
            reports.exclude(state=ReportState.CLOSED).filter(
                nuisance=False, state_deadline__lt=timezone.now()
            )
        ),
        report_days=_avg_per_unit(closed_reports, "closed_at", "filed_at"),
        cases=_count_per_unit(cases),
        cases_open=_count_per_unit(cases.exclude(step=CaseStep.CLOSED)),
        case_days=_avg_per_unit(closed_cases, "closed_at", "opened_at"),
    ).filter(Q(reports__gt=0) | Q(cases__gt=0))
    return Drill(
        "reports",
        _("举报和案件（仅数量和时长）"),
        [
            Column("reports", _("举报")),
            Column("reports_open", _("未办结")),
            Column("reports_overdue", _("超期")),
            Column("report_days", _("平均办结天数"), "days"),
            Column("cases", _("案件")),
            Column("cases_open", _("未结案")),
            Column("case_days", _("平均结案天数"), "days"),
        ],
        units,
    )


DRILLS: dict[str, Callable] = {
    "campaigns": _drill_campaigns,
    "studies": _drill_studies,
    "pledges": _drill_pledges,
    "registry": _drill_registry,
    "reports": _drill_reports,
}


def drill(*, viewer, section: str, year: int, params, focus: OrgUnit | None = None) -> Drill:
    """The units of the viewer's scope (under `focus` when given) behind one section, with their figures, in tree
    order. The caller pages it; each page is two queries (the units with their figures, and their parents' names)."""
    scope = dashboard_scope(viewer)
    result = DRILLS[section](scope, year, params)
    units = result.units.filter(scope.q("path"))
    if focus is not None:
        units = units.filter(subtree_q("path", focus.path))
    result.units = units.order_by("path")
    return result


def drill_rows(drill_: Drill, units: list[OrgUnit]) -> list[dict]:
    """Each unit of a page as {unit, parent, values}: values in the columns' order, durations in days."""
    parents = (
        dict(
            OrgUnit.objects.filter(path__in={u.parent_path for u in units if u.parent_path}).values_list(
                "path", "name"
            )
        )
        if units
        else {}
    )
    rows = []
    for unit in units:
        values = []
        for column in drill_.columns:
            if column.key == "percent":
                value = _pct(unit.done, unit.total)
            elif column.key == "held":
                value = unit.sessions > 0
            else:
                value = getattr(unit, column.key)
            if column.kind == "days":
                value = _days(value)
            elif column.kind == "date" and value is not None:
                value = timezone.localtime(value).date()
            values.append(value)
        rows.append(
            {
                "unit": unit,
                "parent": parents.get(unit.parent_path, ""),
                "values": values,
                "cells": list(zip([c.kind for c in drill_.columns], values, strict=True)),
            }
        )
    return rows


def unit_get_for(*, viewer, pk) -> OrgUnit:
    """A unit in the viewer's dashboard scope; any other is a 404."""
    return scoping.get_visible_or_404(OrgUnit.objects.all(), viewer, ACTION, path_field="path", pk=pk)


def drill_url(section: str, year: int, focus: OrgUnit | None = None, **params) -> str:
    if focus is not None:
        url = reverse("dashboard:drill_unit", kwargs={"section": section, "pk": focus.pk})
    else:
        url = reverse("dashboard:drill", kwargs={"section": section})
    query = "&".join(f"{k}={v}" for k, v in {"year": year, **params}.items())
    return f"{url}?{query}"
