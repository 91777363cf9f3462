"""Who may see a report or a violation case.

Reports and violation cases are read only by discipline inspectors (Role.INSPECTOR), through their grants — a system
superuser without an inspector grant sees none of them, so that "only the handlers" holds for the people who run
the installation too. An unassigned report is seen by every inspector whose grant covers its unit; once assigned,
by the handler and by inspectors above the handler's level (a grant on a strict ancestor of the unit through which
the handler handles it). Violation cases are seen by inspectors of the case's unit and above.
"""

from __future__ import annotations

from django.db.models import Q

from netconduct.org import scoping
from netconduct.org.choices import Role
from netconduct.org.scoping import subtree_q


def inspector_paths(user) -> tuple[str, ...]:
    """The minimal set of unit paths on which `user` holds an inspector grant."""
    scope = scoping.scope_for(user, "report.handle")
    if not scope.everything:
        return scope.paths
    from netconduct.org.models import RoleGrant

    paths = sorted(
        set(RoleGrant.objects.filter(user=user, role=Role.INSPECTOR).values_list("unit__path", flat=True))
    )
    minimal: list[str] = []
    for path in paths:
        if not any(path.startswith(p) for p in minimal):
            minimal.append(path)
    return tuple(minimal)


def _any(field: str, paths: tuple[str, ...]) -> Q:
    query = Q(pk__in=[])
    for path in paths:
        query |= subtree_q(field, path)
    return query


def report_q(user) -> Q:
    """The reports `user` may read, as one filter."""
    paths = inspector_paths(user)
    if not paths:
        return Q(pk__in=[])
    covers_unit = _any("unit__path", paths)
    above_handler = Q(pk__in=[])
    for path in paths:
        above_handler |= subtree_q("handler_unit__path", path) & ~Q(handler_unit__path=path)
    return covers_unit & (Q(handler__isnull=True) | Q(handler=user) | above_handler)


def case_q(user) -> Q:
    paths = inspector_paths(user)
    return _any("unit__path", paths) if paths else Q(pk__in=[])


def covers(user, path: str) -> bool:
    return any(path.startswith(p) for p in inspector_paths(user))


CONFIDENTIAL_TYPES = ("reports.report", "reports.violationcase")
CONFIDENTIAL_ACTIONS = ("report.", "violation.")


def audit_hidden(viewer) -> Q:
    """Audit events about reports and violation cases that `viewer` may not read: all of them, except those about a
    report or case the viewer can see. Events with no single object (a purge lists reference numbers) are hidden
    from everyone. Unit administrators, system administrators and superusers without an inspector grant on the
    matter see nothing of it, not even its actor — a named report's filing event names the reporter."""
    from django.db.models import CharField
    from django.db.models.functions import Cast

    from .models import Report, ViolationCase

    confidential = Q(object_type__in=CONFIDENTIAL_TYPES)
    for prefix in CONFIDENTIAL_ACTIONS:
        confidential |= Q(action__startswith=prefix)
    if not inspector_paths(viewer):
        return confidential
    reports = Report.objects.filter(report_q(viewer)).annotate(key=Cast("pk", CharField())).values("key")
    cases = ViolationCase.objects.filter(case_q(viewer)).annotate(key=Cast("pk", CharField())).values("key")
    readable = Q(object_type="reports.report", object_id__in=reports) | Q(
        object_type="reports.violationcase", object_id__in=cases
    )
    return confidential & ~readable
