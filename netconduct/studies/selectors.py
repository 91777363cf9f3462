"""Reads of study sessions, always through the viewer's scope on the session's unit. Each page's queries are a
fixed number, whatever the number of sessions, people or branches."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Case, Count, Max, Q, QuerySet, When
from django.utils import timezone

from netconduct.campaigns.choices import CampaignStatus
from netconduct.campaigns.models import Campaign
from netconduct.documents.choices import DocumentStatus
from netconduct.documents.models import Document
from netconduct.org import scoping
from netconduct.org.choices import PersonStatus, UnitKind
from netconduct.org.models import OrgUnit, Person
from netconduct.org.scoping import subtree_q

from .choices import AttendanceStatus, SessionStatus
from .models import Attendance, SessionEvidence, StudySession
from .services import SESSION_UNIT_KINDS

COUNTED = (SessionStatus.SUBMITTED, SessionStatus.ACCEPTED)


def year_bounds(year: int) -> tuple[dt.datetime, dt.datetime]:
    """1 January to 1 January in the site's time zone (Asia/Shanghai): a session at 23:30 on 31 December local
    time belongs to that year."""
    tz = timezone.get_default_timezone()
    return dt.datetime(year, 1, 1, tzinfo=tz), dt.datetime(year + 1, 1, 1, tzinfo=tz)


def session_list(
    *,
    viewer,
    unit: OrgUnit | None = None,
    year: int | None = None,
    status: str | None = None,
    special_only: bool = False,
) -> QuerySet[StudySession]:
    """Sessions of the viewer's scope (members have none), newest first, with their attendance counts."""
    qs = scoping.visible(StudySession.objects.all(), viewer, "session.view", path_field="unit__path")
    if unit is not None:
        qs = qs.filter(subtree_q("unit__path", unit.path))
    if year:
        start, end = year_bounds(year)
        qs = qs.filter(starts_at__gte=start, starts_at__lt=end)
    if status:
        qs = qs.filter(status=status)
    if special_only:
        qs = qs.filter(is_special_study=True)
    return (
        qs.select_related("unit")
        .annotate(
            n_present=Count("attendance", filter=Q(attendance__status=AttendanceStatus.PRESENT)),
            n_marked=Count("attendance"),
        )
        .order_by("-starts_at", "-pk")
    )


def session_get_for(*, viewer, pk, action: str = "session.view") -> StudySession:
    """One session in the viewer's scope for `action`; anything else is a 404."""
    return scoping.get_visible_or_404(
        StudySession.objects.select_related("unit", "campaign", "host", "recorder", "reviewed_by"),
        viewer,
        action,
        path_field="unit__path",
        pk=pk,
    )


def session_units(*, viewer, action: str = "session.record") -> QuerySet[OrgUnit]:
    """Open units that hold sessions (branches, party groups, general branches) in the viewer's scope."""
    return scoping.visible(
        OrgUnit.objects.filter(kind__in=SESSION_UNIT_KINDS, is_active=True), viewer, action, path_field="path"
    ).order_by("path")


def unit_roster(unit: OrgUnit) -> QuerySet[Person]:
    """Active people of the unit's subtree, in pinyin order: who can host, record or attend."""
    return (
        Person.objects.filter(subtree_q("unit__path", unit.path), status=PersonStatus.ACTIVE)
        .select_related("unit")
        .order_by("name_pinyin", "name", "pk")
    )


def _lineage_paths(unit: OrgUnit) -> list[str]:
    step = unit.steplen
    return [unit.path[:i] for i in range(step, len(unit.path) + 1, step)]


def documents_for_unit(unit: OrgUnit) -> QuerySet[Document]:
    """Issued documents a unit may study: those of the units above it, its own and those of its subtree."""
    return (
        Document.objects.filter(status=DocumentStatus.ISSUED)
        .filter(Q(issuer__path__in=_lineage_paths(unit)) | subtree_q("issuer__path", unit.path))
        .order_by("-issued_at", "-pk")
    )


def campaigns_for_unit(unit: OrgUnit) -> QuerySet[Campaign]:
    """Campaigns in progress whose scope covers the unit."""
    return Campaign.objects.filter(
        unit__path__in=_lineage_paths(unit), status=CampaignStatus.ACTIVE
    ).order_by("-year", "-deadline", "-pk")


@dataclass
class RosterLine:
    person: Person
    attendance: Attendance | None
    moved: bool = False  # has a row here but is no longer in the unit's roster


def attendance_sheet(session: StudySession) -> list[RosterLine]:
    """The unit's roster with each person's mark, plus anyone marked who has left since. Two queries."""
    rows = {
        a.person_id: a
        for a in Attendance.objects.filter(session=session).select_related("person").order_by("person_id")
    }
    lines = [RosterLine(p, rows.pop(p.pk, None)) for p in unit_roster(session.unit)]
    lines += [RosterLine(a.person, a, moved=True) for a in rows.values()]
    return lines


@dataclass
class AttendanceSummary:
    rows: list[Attendance]
    present: int = 0
    absent: int = 0
    leave: int = 0
    by_qr: int = 0


def attendance_summary(session: StudySession) -> AttendanceSummary:
    order = {AttendanceStatus.PRESENT: 0, AttendanceStatus.LEAVE: 1, AttendanceStatus.ABSENT: 2}
    rows = sorted(
        Attendance.objects.filter(session=session)
        .select_related("person")
        .order_by("person__name_pinyin", "person__pk"),
        key=lambda a: order.get(a.status, 3),
    )
    summary = AttendanceSummary(rows)
    for row in rows:
        setattr(summary, row.status, getattr(summary, row.status) + 1)
        summary.by_qr += row.via == "qr"
    return summary


def signed_in(session: StudySession) -> list[Attendance]:
    """Who has scanned in, latest first (the live list beside the QR code)."""
    return list(
        Attendance.objects.filter(session=session, status=AttendanceStatus.PRESENT)
        .select_related("person")
        .order_by("-recorded_at", "-pk")
    )


def evidence_list(session: StudySession) -> list[SessionEvidence]:
    return list(SessionEvidence.objects.filter(session=session).order_by("pk"))


def evidence_get_for(*, viewer, session_pk, pk) -> SessionEvidence:
    return scoping.get_visible_or_404(
        SessionEvidence.objects.select_related("session"),
        viewer,
        "session.view",
        path_field="session__unit__path",
        pk=pk,
        session_id=session_pk,
    )


# ---------------------------------------------------------------------------------------------------- yearly rule


@dataclass
class BranchYear:
    unit: OrgUnit
    parent_name: str
    n_special: int  # accepted special studies of the year: what the rule counts
    latest: dt.datetime | None
    n_pending: int  # special studies of the year not accepted yet (being written, submitted or returned)

    @property
    def held(self) -> bool:
        return self.n_special > 0


@dataclass
class YearlyRule:
    year: int
    rows: list[BranchYear] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.rows)

    @property
    def held(self) -> int:
        return sum(1 for r in self.rows if r.held)

    @property
    def missing(self) -> int:
        return self.total - self.held


def yearly_rule(*, viewer, year: int) -> YearlyRule:
    """Every active branch of the viewer's scope with its special studies on the norms held in `year` and the
    date of the latest. Only sessions recorded as the special study (`is_special_study`, chosen when the session
    is recorded) and accepted on review count; the others of the year are shown as pending. Two queries, whatever
    the number of branches."""
    start, end = year_bounds(year)
    in_year = Q(
        study_sessions__is_special_study=True,
        study_sessions__starts_at__gte=start,
        study_sessions__starts_at__lt=end,
    )
    counted = in_year & Q(study_sessions__status=SessionStatus.ACCEPTED)
    pending = in_year & ~Q(study_sessions__status=SessionStatus.ACCEPTED)
    branches = list(
        scoping.visible(
            OrgUnit.objects.filter(kind=UnitKind.BRANCH, is_active=True),
            viewer,
            "session.view",
            path_field="path",
        )
        .annotate(
            n_special=Count("study_sessions", filter=counted),
            latest=Max("study_sessions__starts_at", filter=counted),
            n_pending=Count("study_sessions", filter=pending),
        )
        .order_by("path")
    )
    parents = (
        dict(
            OrgUnit.objects.filter(path__in={b.parent_path for b in branches if b.parent_path}).values_list(
                "path", "name"
            )
        )
        if branches
        else {}
    )
    rows = [
        BranchYear(b, parents.get(b.parent_path, ""), b.n_special, b.latest, b.n_pending) for b in branches
    ]
    return YearlyRule(year, rows)


# ---------------------------------------------------------------------------------------------------- home pages


def sessions_to_finish(*, viewer, limit: int = 10) -> list[StudySession]:
    """Records the viewer keeps that still need work: drafts (to record and submit) and records returned for
    correction, returned first, then by time."""
    qs = scoping.visible(
        StudySession.objects.filter(status__in=[SessionStatus.DRAFT, SessionStatus.RETURNED]),
        viewer,
        "session.record",
        path_field="unit__path",
    )
    returned_first = Case(When(status=SessionStatus.RETURNED, then=0), default=1)
    return list(qs.select_related("unit").order_by(returned_first, "starts_at", "pk")[:limit])


def sessions_to_review(*, viewer, limit: int = 10) -> tuple[int, list[StudySession]]:
    """Submitted records waiting for the viewer's review: how many, and the oldest few."""
    qs = scoping.visible(
        StudySession.objects.filter(status=SessionStatus.SUBMITTED),
        viewer,
        "session.review",
        path_field="unit__path",
    )
    return qs.count(), list(qs.select_related("unit").order_by("submitted_at", "pk")[:limit])


def my_upcoming_sessions(*, user, limit: int = 5) -> list[StudySession]:
    """Sessions of the person's branch (and the units above it up to the branch) still to come or under way today,
    that they have not been marked at."""
    person = getattr(user, "person", None)
    if person is None:
        return []
    step = OrgUnit.steplen
    lineage = [person.unit.path[:end] for end in range(step, len(person.unit.path) + 1, step)]
    since = timezone.now() - dt.timedelta(hours=3)  # one can still sign in while the session runs
    return list(
        StudySession.objects.filter(unit__path__in=lineage, status=SessionStatus.DRAFT, starts_at__gte=since)
        .exclude(attendance__person=person)
        .select_related("unit")
        .order_by("starts_at", "pk")[:limit]
    )


def my_attended_count(*, user, year: int) -> int:
    person = getattr(user, "person", None)
    if person is None:
        return 0
    start, end = year_bounds(year)
    return Attendance.objects.filter(
        person=person,
        status=AttendanceStatus.PRESENT,
        session__starts_at__gte=start,
        session__starts_at__lt=end,
    ).count()
