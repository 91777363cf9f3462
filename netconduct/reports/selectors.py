"""Reads of reports. Contents are decrypted only here and only for a report the viewer may read."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from statistics import median

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from netconduct.core import crypto
from netconduct.core.models import AuditEvent
from netconduct.documents.choices import DocumentKind, DocumentStatus
from netconduct.documents.citations import cite
from netconduct.documents.models import Document, NormArticle
from netconduct.org import scoping
from netconduct.org.choices import Role, UnitKind
from netconduct.org.models import OrgUnit, RoleGrant

from . import policies
from .choices import MessageKind, ReportState
from .models import Report, ReportMessage

OTHER = "other"
ROUTABLE_KINDS = (UnitKind.COMPANY, UnitKind.COMMITTEE, UnitKind.GENERAL_BRANCH, UnitKind.BRANCH)


# ---------------------------------------------------------------------------------------------------- norms


def current_norms() -> Document | None:
    """The newest issued norms: what reports and cases cite."""
    return (
        Document.objects.filter(kind=DocumentKind.NORMS, status=DocumentStatus.ISSUED)
        .order_by("-issued_at", "-pk")
        .first()
    )


@dataclass(frozen=True)
class NormChoice:
    value: str  # "3.4", "7" or "other"
    citation: str
    text: str


def norm_choices(norms: Document | None = None) -> list[NormChoice]:
    """Every item of the current norms, and every article without items, as a report's category."""
    norms = norms or current_norms()
    if norms is None:
        return []
    result: list[NormChoice] = []
    for article in NormArticle.objects.filter(document=norms).prefetch_related("items").order_by("number"):
        items = list(article.items.all())
        if not items:
            result.append(
                NormChoice(str(article.number), cite(article.number), article.heading or article.text)
            )
        for item in items:
            result.append(
                NormChoice(f"{article.number}.{item.number}", cite(article.number, item.number), item.text)
            )
    return result


def norm_lookup(article: int, item: int | None, norms: Document | None = None) -> NormChoice | None:
    for choice in norm_choices(norms):
        if choice.value == (f"{article}.{item}" if item else str(article)):
            return choice
    if item is None and norms is not None:
        art = NormArticle.objects.filter(document=norms, number=article).first()
        if art:
            return NormChoice(str(article), cite(article), art.heading or art.text)
    return None


def routable_units() -> QuerySet[OrgUnit]:
    """Units a reporter may name as the reported person's unit."""
    return OrgUnit.objects.filter(is_active=True, kind__in=ROUTABLE_KINDS).order_by("path")


# ---------------------------------------------------------------------------------------------------- reports


def report_visible(*, viewer) -> QuerySet[Report]:
    return Report.objects.filter(policies.report_q(viewer))


def report_list(
    *, viewer, state: str | None = None, overdue: bool = False, mine: bool = False
) -> QuerySet[Report]:
    qs = report_visible(viewer=viewer).select_related("unit", "handler", "handler__person")
    if state:
        qs = qs.filter(state=state)
    if overdue:
        qs = qs.exclude(state=ReportState.CLOSED).filter(state_deadline__lt=timezone.now(), nuisance=False)
    if mine:
        qs = qs.filter(handler=viewer)
    return qs.order_by("-filed_at", "-pk")


def report_get_for(*, viewer, pk) -> Report:
    try:
        return report_visible(viewer=viewer).select_related("unit", "handler", "handler_unit").get(pk=pk)
    except (Report.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


@dataclass
class ReportContent:
    platform: str = ""
    link: str = ""
    seen_on: str = ""
    subject: str = ""
    description: str = ""
    reporter: dict = field(default_factory=dict)


def report_content(report: Report) -> ReportContent:
    data = json.loads(crypto.decrypt(report.content_enc, context=report.context + ":content"))
    return ReportContent(**data)


def report_summary(report: Report) -> str:
    if not report.summary_enc:
        return ""
    return crypto.decrypt(report.summary_enc, context=report.context + ":summary")


@dataclass(frozen=True)
class Message:
    kind: str
    kind_label: str
    text: str
    author: str
    created_at: object


def report_messages(report: Report, *, for_reporter: bool = False) -> list[Message]:
    qs = ReportMessage.objects.filter(report=report).select_related("author")
    if for_reporter:
        qs = qs.exclude(kind=MessageKind.NOTE)
    result = []
    for m in qs:
        author = ""
        if m.kind != MessageKind.ADDITION:
            author = _("处理人员") if for_reporter else (m.author.display_name if m.author else "")
        result.append(
            Message(
                m.kind,
                m.get_kind_display(),
                crypto.decrypt(m.body_enc, context=f"{report.context}:message:{m.pk}"),
                author,
                m.created_at,
            )
        )
    return result


def report_readings(report: Report, limit: int = 50) -> list[AuditEvent]:
    """Who read the report and its files, when: the trail its handlers see."""
    return list(
        AuditEvent.objects.filter(object_type="reports.report", object_id=str(report.pk))
        .only("seq", "created_at", "actor_label", "action", "after")
        .order_by("-seq")[:limit]
    )


@dataclass(frozen=True)
class Candidate:
    user: object
    unit: OrgUnit

    @property
    def label(self) -> str:
        return _("%(name)s（%(unit)s）") % {"name": self.user.display_name, "unit": self.unit.name}


def handler_candidates(*, viewer, report: Report) -> list[Candidate]:
    """Inspectors who may take the report: a grant covering its unit, at or below the viewer's own level."""
    unit_path = report.unit.path
    ancestors = [unit_path[:i] for i in range(OrgUnit.steplen, len(unit_path) + 1, OrgUnit.steplen)]
    mine = policies.inspector_paths(viewer)
    best: dict[int, RoleGrant] = {}
    grants = RoleGrant.objects.filter(role=Role.INSPECTOR, unit__path__in=ancestors, user__is_active=True)
    for grant in grants.select_related("user", "unit"):
        if not any(grant.unit.path.startswith(p) for p in mine):
            continue
        current = best.get(grant.user_id)
        if current is None or len(grant.unit.path) > len(current.unit.path):
            best[grant.user_id] = grant
    return sorted(
        (Candidate(g.user, g.unit) for g in best.values()), key=lambda c: (c.unit.path, c.user.display_name)
    )


# ---------------------------------------------------------------------------------------------------- statistics


@dataclass
class UnitFigures:
    unit: OrgUnit
    total: int = 0
    by_state: dict[str, int] = field(default_factory=dict)
    overdue: int = 0
    nuisance: int = 0  # marked as nuisance by an inspector: kept and counted here, not due
    decision_days: list[float] = field(default_factory=list)
    close_days: list[float] = field(default_factory=list)

    @property
    def state_counts(self) -> list[int]:
        return [self.by_state.get(state, 0) for state in ReportState.values]

    @property
    def open(self) -> int:
        return self.total - self.by_state.get(ReportState.CLOSED, 0)

    @property
    def median_decision_days(self) -> float | None:
        return round(median(self.decision_days), 1) if self.decision_days else None

    @property
    def median_close_days(self) -> float | None:
        return round(median(self.close_days), 1) if self.close_days else None


def report_stats(*, viewer, year: int | None = None) -> list[UnitFigures]:
    """Counts and durations per responsible unit in the viewer's scope: no content, no identity, no report id."""
    scope = scoping.scope_for(viewer, "report.stats")
    rows = Report.objects.filter(scope.q("unit__path"))
    if year:
        rows = rows.filter(filed_at__year=year)
    now = timezone.now()
    units: dict[int, UnitFigures] = {}
    for unit_id, state, deadline, filed, decided, closed, nuisance in rows.order_by().values_list(
        "unit_id", "state", "state_deadline", "filed_at", "decided_at", "closed_at", "nuisance"
    ):
        fig = units.setdefault(unit_id, UnitFigures(unit=None))  # type: ignore[arg-type]
        fig.total += 1
        fig.by_state[state] = fig.by_state.get(state, 0) + 1
        fig.nuisance += nuisance
        if state != ReportState.CLOSED and deadline and deadline < now and not nuisance:
            fig.overdue += 1
        if decided:
            fig.decision_days.append((decided - filed).total_seconds() / 86400)
        if closed:
            fig.close_days.append((closed - filed).total_seconds() / 86400)
    for unit in OrgUnit.objects.filter(pk__in=list(units)):
        units[unit.pk].unit = unit
    return sorted(units.values(), key=lambda f: f.unit.path)


def stats_available(viewer) -> bool:
    return scoping.has_any(viewer, "report.stats")


def q_none() -> Q:
    return Q(pk__in=[])
