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
