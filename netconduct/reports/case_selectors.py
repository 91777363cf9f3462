"""Reads of cases. Violation cases: inspectors of the unit and above; the person concerned sees their own through a
page of its own. Commendations and protection: whoever holds `case.support` over the person's unit."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from netconduct.core import crypto
from netconduct.org import scoping
from netconduct.org.models import Person
from netconduct.org.scoping import get_visible_or_404

from . import policies
from .choices import CaseStep, EntryKind
from .models import CaseEntry, CaseFile, Commendation, ProtectionCase, ViolationCase

# What the person concerned is shown of their case: never the investigation notes nor the evidence.
PERSON_SEES = (
    EntryKind.NOTICE,
    EntryKind.STATEMENT,
    EntryKind.DECISION,
    EntryKind.APPEAL,
    EntryKind.APPEAL_DECISION,
)


def violation_list(*, viewer, step: str | None = None, open_only: bool = False) -> QuerySet[ViolationCase]:
    qs = ViolationCase.objects.filter(policies.case_q(viewer)).select_related("person", "unit")
    if step:
        qs = qs.filter(step=step)
    if open_only:
        qs = qs.exclude(step=CaseStep.CLOSED)
    return qs.order_by("-opened_at", "-pk")


def violation_get_for(*, viewer, pk) -> ViolationCase:
    try:
        return (
            ViolationCase.objects.filter(policies.case_q(viewer))
            .select_related("person", "unit", "opened_by", "source_report")
            .get(pk=pk)
        )
    except (ViolationCase.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def own_case_get(*, user, pk) -> ViolationCase:
    try:
        return ViolationCase.objects.select_related("person", "unit").get(pk=pk, person__user=user)
    except (ViolationCase.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


@dataclass(frozen=True)
class Entry:
    kind: str
    kind_label: str
    step_label: str
    text: str
    author: str
    created_at: object


def case_summary(case: ViolationCase) -> str:
    return crypto.decrypt(case.summary_enc, context=f"{case.context}:summary")


def case_entries(case: ViolationCase, *, for_person: bool = False) -> list[Entry]:
    qs = CaseEntry.objects.filter(case=case).select_related("author", "author__person")
    if for_person:
        qs = qs.filter(kind__in=PERSON_SEES)
    result = []
    for e in qs:
        author = ""
        if e.author_id:
            author = (
                _("本人")
                if e.author_id == case.person.user_id
                else (_("组织") if for_person else e.author.display_name)
            )
        result.append(
            Entry(
                e.kind,
                e.get_kind_display(),
                e.get_step_display(),
                crypto.decrypt(e.body_enc, context=f"{case.context}:entry:{e.pk}"),
                author,
                e.created_at,
            )
        )
    return result


def case_files(case: ViolationCase) -> list[CaseFile]:
    return list(CaseFile.objects.filter(case=case))


def support_list(*, viewer) -> tuple[QuerySet[Commendation], QuerySet[ProtectionCase]]:
    scope = scoping.scope_for(viewer, "case.support")
    commendations = Commendation.objects.filter(scope.q("unit__path")).select_related("person", "unit")
    protections = ProtectionCase.objects.filter(scope.q("unit__path")).select_related("person", "unit")
    return commendations, protections


def protection_get_for(*, viewer, pk) -> ProtectionCase:
    return get_visible_or_404(
        ProtectionCase.objects.select_related("person", "unit"),
        viewer,
        "case.support",
        path_field="unit__path",
        pk=pk,
    )


def person_commendations(*, viewer, person: Person) -> list[Commendation]:
    """Commendations shown on a person's record, to those who may see them (and to the person themselves)."""
    own = viewer.is_authenticated and person.user_id == viewer.pk
    if not own and not scoping.scope_for(viewer, "case.support").covers(person.unit.path):
        return []
    return list(Commendation.objects.filter(person=person).order_by("-granted_on", "-pk"))


def people_matching(*, viewer, action: str, text: str) -> list[Person]:
    """People in the viewer's scope for `action` whose employee number or name is `text` (at most a few)."""
    text = (text or "").strip()
    if not text:
        return []
    if action == "case.violation":
        q = Q(pk__in=[])
        for path in policies.inspector_paths(viewer):
            q |= scoping.subtree_q("unit__path", path)
        qs = Person.objects.filter(q)
    else:
        qs = Person.objects.filter(scoping.scope_for(viewer, action).q("unit__path"))
    return list(qs.filter(Q(employee_no=text) | Q(name=text)).select_related("unit")[:10])


def my_cases_owing_statement(*, user) -> list[ViolationCase]:
    """The person's own cases in which they are asked for a statement (their home page lists it with its date)."""
    if user is None or not user.is_authenticated:
        return []
    return list(
        ViolationCase.objects.filter(person__user=user, step=CaseStep.STATEMENT_REQUESTED).order_by(
            "-step_since", "-pk"
        )
    )


def case_counts(*, viewer) -> dict[int, dict[str, int]]:
    """Unit id → {step: number of violation cases}, over the viewer's `report.stats` scope: counts only, no
    person, no content (the committee's view of cases, as `report_stats` is of reports; for the API)."""
    scope = scoping.scope_for(viewer, "report.stats")
    counts: dict[int, dict[str, int]] = {}
    rows = (
        ViolationCase.objects.filter(scope.q("unit__path"))
        .order_by()
        .values("unit_id", "step")
        .annotate(n=Count("pk"))
        .values_list("unit_id", "step", "n")
    )
    for unit_id, step, n in rows:
        counts.setdefault(unit_id, {})[step] = n
    return counts
