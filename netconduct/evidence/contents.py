"""What goes into a pack: the campaigns, documents, sessions, pledges and figures of a unit's subtree for a year or
one campaign, read in a fixed number of queries (no query per person, per branch or per pledge). The people and
the pledges are read as iterators, so memory does not grow with the organisation.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.db.models import Count, Max, Prefetch, Q, QuerySet
from django.utils import timezone

from netconduct.campaigns import selectors as campaign_selectors
from netconduct.campaigns.choices import CampaignStatus
from netconduct.campaigns.models import Campaign
from netconduct.documents.models import Document
from netconduct.org.choices import UnitKind
from netconduct.org.models import OrgUnit
from netconduct.org.scoping import subtree_q
from netconduct.pledges import tracking
from netconduct.pledges.choices import PledgeStatus
from netconduct.pledges.models import Pledge
from netconduct.studies.choices import AttendanceStatus, SessionForm, SessionStatus
from netconduct.studies.models import Attendance, StudySession
from netconduct.studies.selectors import year_bounds

COUNTED_SESSIONS = (SessionStatus.SUBMITTED, SessionStatus.ACCEPTED)
MISSING_ACTIONS = (
    ("requires_read", "read_at", "未阅读确认"),
    ("requires_study", "studied_at", "未参加学习"),
    ("requires_pledge", "pledged_at", "未签订承诺书"),
)


def lineage_paths(unit: OrgUnit) -> list[str]:
    step = OrgUnit.steplen
    return [unit.path[:i] for i in range(step, len(unit.path) + 1, step)]


def campaigns_for(*, unit: OrgUnit, year: int) -> list[Campaign]:
    """Launched campaigns of `year` that reach the unit: issued by it or a unit above it, or inside its subtree."""
    return list(
        Campaign.objects.filter(year=year, status__in=[CampaignStatus.ACTIVE, CampaignStatus.CLOSED])
        .filter(Q(unit__path__in=lineage_paths(unit)) | subtree_q("unit__path", unit.path))
        .select_related("unit")
        .order_by("launched_at", "pk")
    )


def campaign_labels(campaigns: list[Campaign]) -> dict[int, str]:
    """Each campaign's title, with its number when two share a title (so their folders and files stay apart)."""
    seen: dict[str, int] = {}
    for c in campaigns:
        seen[c.title] = seen.get(c.title, 0) + 1
    return {c.pk: c.title if seen[c.title] == 1 else f"{c.title}（{c.pk}）" for c in campaigns}


def campaign_reaches(campaign: Campaign, unit: OrgUnit) -> bool:
    return unit.path.startswith(campaign.unit.path) or campaign.unit.path.startswith(unit.path)


def focus_of(campaign: Campaign, unit: OrgUnit) -> OrgUnit:
    """Where the campaign is counted for the pack: the pack's unit, or the campaign's own when it lies below it."""
    return unit if unit.path.startswith(campaign.unit.path) else campaign.unit


@dataclass
class CampaignFigures:
    campaign: Campaign
    focus: OrgUnit
    total: campaign_selectors.Tally
    pledge_rows: list[tracking.PledgeRow] = field(default_factory=list)
    pledge_total: tracking.PledgeTally = field(default_factory=tracking.PledgeTally)
    waiting_for_seal: int = 0


@dataclass
class SessionLine:
    pk: int
    starts_at: dt.datetime
    unit_name: str
    form: str
    topic: str
    present: int
    marked: int
    photos: int


@dataclass
class BranchLine:
    name: str
    parent: str
    sessions: int
    latest: dt.datetime | None


@dataclass
class Outstanding:
    unit_name: str
    name: str
    employee_no: str
    campaign: str
    missing: str
    absence: str  # why they missed a study session, where the record says


@dataclass
class PackContents:
    unit: OrgUnit
    year: int
    campaign: Campaign | None
    campaigns: list[Campaign]
    documents: list[Document]
    document_campaigns: dict[int, list[str]]
    figures: list[CampaignFigures]
    sessions: list[SessionLine]
    branches: list[BranchLine]
    outstanding_count: int = 0
    labels: dict[int, str] = field(
        default_factory=dict
    )  # campaign id -> its title, or title-id when titles repeat

    @property
    def title(self) -> str:
        if self.campaign is not None:
            return f"{self.unit.name}“{self.campaign.title}”落实情况检查材料"
        return f"{self.unit.name}{self.year}年度网络行为规范宣贯落实情况检查材料"

    @property
    def branches_held(self) -> int:
        return sum(1 for b in self.branches if b.sessions)


def _sessions(unit: OrgUnit, year: int, campaigns: list[Campaign], campaign: Campaign | None) -> QuerySet:
    qs = StudySession.objects.filter(subtree_q("unit__path", unit.path), status__in=COUNTED_SESSIONS)
    if campaign is not None:
        return qs.filter(campaign=campaign)
    start, end = year_bounds(year)
    # the year's special studies, and any study for the year's campaigns (one launched in December for next year
    # is studied before New Year)
    return qs.filter(
        Q(starts_at__gte=start, starts_at__lt=end, is_special_study=True)
        | Q(campaign__in=[c.pk for c in campaigns])
    )


def gather(*, unit: OrgUnit, year: int, campaign: Campaign | None = None) -> PackContents:
    """The figures of the summary. A fixed number of queries: a few per campaign, three for the sessions and
    branches, whatever the size of the subtree."""
    campaigns = [campaign] if campaign is not None else campaigns_for(unit=unit, year=year)
    through = Campaign.documents.through
    links = list(
        through.objects.filter(campaign_id__in=[c.pk for c in campaigns])
        .order_by("campaign_id", "document_id")
        .values_list("campaign_id", "document_id")
    )
    titles = campaign_labels(campaigns)
    document_campaigns: dict[int, list[str]] = {}
    for campaign_id, document_id in links:
        document_campaigns.setdefault(document_id, []).append(titles[campaign_id])
    documents = list(
        Document.objects.filter(pk__in=document_campaigns)
        .select_related("issuer")
        .order_by("issued_at", "pk")
    )
    figures = []
    for c in campaigns:
        focus = focus_of(c, unit)
        rollup = campaign_selectors.completion_rollup(campaign=c, focus=focus)
        figure = CampaignFigures(c, focus, rollup.total)
        if c.requires_pledge:
            figure.pledge_rows = tracking.branch_rollup(campaign=c, focus=focus)
            for row in figure.pledge_rows:
                figure.pledge_total.add(row.tally)
            figure.waiting_for_seal = Pledge.objects.filter(
                subtree_q("unit__path", focus.path), campaign=c, status=PledgeStatus.SIGNED, pdf_name=""
            ).count()
        figures.append(figure)

    forms = dict(SessionForm.choices)
    sessions = [
        SessionLine(pk, starts_at, unit_name, str(forms.get(form, form)), topic, p, m, e)
        for pk, starts_at, unit_name, form, topic, p, m, e in _sessions(unit, year, campaigns, campaign)
        .annotate(
            n_present=Count(
                "attendance", filter=Q(attendance__status=AttendanceStatus.PRESENT), distinct=True
            ),
            n_marked=Count("attendance", distinct=True),
            n_photos=Count("evidence", distinct=True),
        )
        .order_by("starts_at", "unit__path", "pk")
        .values_list("pk", "starts_at", "unit__name", "form", "topic", "n_present", "n_marked", "n_photos")
    ]
    session_filter = Q(study_sessions__in=_sessions(unit, year, campaigns, campaign))
    branch_rows = list(
        OrgUnit.objects.filter(subtree_q("path", unit.path), kind=UnitKind.BRANCH, is_active=True)
        .annotate(
            n=Count("study_sessions", filter=session_filter),
            latest=Max("study_sessions__starts_at", filter=session_filter),
        )
        .order_by("path")
        .values_list("path", "name", "n", "latest")
    )
    parents = dict(
        OrgUnit.objects.filter(
            path__in={p[: -OrgUnit.steplen] for p, *_ in branch_rows if len(p) > OrgUnit.steplen}
        ).values_list("path", "name")
    )
    branches = [
        BranchLine(name, parents.get(path[: -OrgUnit.steplen], ""), n, latest)
        for path, name, n, latest in branch_rows
    ]
    contents = PackContents(
        unit, year, campaign, campaigns, documents, document_campaigns, figures, sessions, branches
    )
    contents.outstanding_count = sum(f.total.pending for f in figures)
    contents.labels = titles
    return contents


def absence_reasons(contents: PackContents) -> dict[int, str]:
    """Person id → why they missed the pack's study sessions ("请假：外出培训（3月5日）"), from the records. One query."""
    reasons: dict[int, list[str]] = {}
    rows = (
        Attendance.objects.filter(
            session__in=_sessions(contents.unit, contents.year, contents.campaigns, contents.campaign)
        )
        .exclude(status=AttendanceStatus.PRESENT)
        .order_by("session__starts_at", "pk")
        .values_list("person_id", "status", "reason", "session__starts_at")
    )
    labels = dict(AttendanceStatus.choices)
    for person_id, status, reason, starts_at in rows.iterator(chunk_size=5000):
        local = timezone.localtime(starts_at)
        reasons.setdefault(person_id, []).append(
            f"{labels[status]}：{reason}（{local.month}月{local.day}日）"
        )
    return {pk: "；".join(items) for pk, items in reasons.items()}


def outstanding(contents: PackContents, *, viewer, reasons: dict[int, str]) -> Iterator[Outstanding]:
    """Everyone not yet done in the pack's campaigns, with the actions still owed and any recorded absence. One
    query per campaign, read in chunks."""
    for figure in contents.figures:
        c = figure.campaign
        owed = [(column, label) for flag, column, label in MISSING_ACTIONS if getattr(c, flag)]
        targets = campaign_selectors.target_list(
            viewer=viewer, campaign=c, unit=figure.focus, status="pending"
        ).values_list(
            "person_id", "unit__name", "person__name", "person__employee_no", *(col for col, _label in owed)
        )
        for person_id, unit_name, name, employee_no, *done in targets.iterator(chunk_size=5000):
            missing = "、".join(label for (_col, label), at in zip(owed, done, strict=True) if at is None)
            yield Outstanding(
                unit_name, name, employee_no or "", contents.labels[c.pk], missing, reasons.get(person_id, "")
            )


def session_records(contents: PackContents, *, chunk: int = 100) -> Iterator[StudySession]:
    """The sessions with all a record prints prefetched: four queries per `chunk` sessions."""
    return (
        _sessions(contents.unit, contents.year, contents.campaigns, contents.campaign)
        .select_related("unit", "host", "recorder", "reviewed_by")
        .prefetch_related(
            # only what the record prints: a person row carries much more (sealed ID numbers among it)
            Prefetch(
                "attendance",
                queryset=Attendance.objects.select_related("person").only(
                    "session_id", "person_id", "status", "reason", "person__name", "person__name_pinyin"
                ),
            ),
            "evidence",
            "documents",
        )
        .order_by("unit__path", "starts_at", "pk")
        .iterator(chunk_size=chunk)
    )


def archived_pledges(contents: PackContents) -> Iterator[tuple]:
    """(campaign title, unit name, person name, code, storage name, recorded SHA-256) of every sealed pledge."""
    titles = contents.labels
    for figure in contents.figures:
        if not figure.campaign.requires_pledge:
            continue
        rows = (
            Pledge.objects.filter(
                subtree_q("unit__path", figure.focus.path),
                campaign=figure.campaign,
                status=PledgeStatus.SIGNED,
            )
            .exclude(pdf_name="")
            .order_by("unit__path", "person__name_pinyin", "pk")
            .values_list("unit__name", "person__name", "code", "pdf_name", "pdf_sha256")
        )
        for row in rows.iterator(chunk_size=2000):
            yield (titles[figure.campaign.pk], *row)


def pledge_count(contents: PackContents) -> int:
    """How many sealed pledges `archived_pledges` will yield (for the progress shown): one query per campaign."""
    return sum(
        Pledge.objects.filter(
            subtree_q("unit__path", f.focus.path), campaign=f.campaign, status=PledgeStatus.SIGNED
        )
        .exclude(pdf_name="")
        .count()
        for f in contents.figures
        if f.campaign.requires_pledge
    )
