"""Reads of the organisation and people, always through the viewer's scope."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Count, Q, QuerySet

from netconduct.core.models import AuditEvent
from netconduct.org import scoping
from netconduct.org.scoping import subtree_q

from .choices import CATEGORY_FIELDS, Category, PersonStatus
from .models import OrgUnit, Person, RoleGrant
from .validation import clean_mobile, to_halfwidth


def unit_list(*, viewer, action: str = "org.view") -> QuerySet[OrgUnit]:
    return scoping.visible(OrgUnit.objects.all(), viewer, action, path_field="path")


def unit_get_for(*, viewer, pk, action: str = "org.view") -> OrgUnit:
    return scoping.get_visible_or_404(OrgUnit.objects.all(), viewer, action, path_field="path", pk=pk)


TREE_LEVELS = 2  # levels shown at once below each scope root; deeper levels load when opened


def unit_tree(
    *, viewer, include_closed: bool = False, under: OrgUnit | None = None, levels: int = TREE_LEVELS
) -> list[OrgUnit]:
    """Visible units in tree order, `levels` deep below the viewer's scope roots (or below `under`), each with
    `n_people` (active people in the unit itself) and `n_subtree` (in it and all below). Two queries, whatever the size of the organisation."""
    scope = scoping.scope_for(viewer, "org.view")
    # Each window is (subtree, deepest depth shown); units at the deepest depth load their children when opened.
    if under is not None:
        windows = [(under.path, under.depth + levels)]
    elif scope.everything:
        windows = [("", levels + 1)]
    else:
        windows = [(path, len(path) // OrgUnit.steplen + levels) for path in scope.paths]
    window_q = Q(pk__in=[])
    for path, deepest in windows:
        window_q |= subtree_q("path", path) & Q(depth__lte=deepest)
    if under is not None:
        window_q &= Q(depth__gt=under.depth)
    visible_units = unit_list(viewer=viewer).filter(window_q)
    if not include_closed:
        visible_units = visible_units.filter(is_active=True)
    units = list(visible_units.order_by("path"))
    # People per unit over the whole of each window's subtree (deeper units too, not just those shown): one row per
    # unit with people, summed up to every ancestor in Python, as the campaign pages count.
    subtree_people = Q(pk__in=[])
    for path, _deepest in windows:
        subtree_people |= subtree_q("unit__path", path)
    direct: dict[str, int] = {}
    below: dict[str, int] = defaultdict(int)
    step = OrgUnit.steplen
    rows = (
        Person.objects.filter(subtree_people, status=PersonStatus.ACTIVE)
        .values("unit__path")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("unit__path", "n")
    )
    for path, n in rows:
        direct[path] = n
        for end in range(step, len(path) + 1, step):
            below[path[:end]] += n
    for unit in units:
        unit.n_people = direct.get(unit.path, 0)
        unit.n_subtree = below.get(unit.path, 0)
        deepest = next(d for path, d in windows if unit.path.startswith(path))
        unit.load_on_open = unit.depth == deepest and unit.numchild > 0
    return units


def unit_ancestors(unit: OrgUnit) -> list[OrgUnit]:
    """The unit's ancestors from the root down, in one query."""
    steplen = unit.steplen
    paths = [unit.path[:i] for i in range(steplen, len(unit.path), steplen)]
    return list(OrgUnit.objects.filter(path__in=paths).order_by("depth")) if paths else []


def unit_children(*, viewer, unit: OrgUnit) -> QuerySet[OrgUnit]:
    return (
        unit_list(viewer=viewer).filter(subtree_q("path", unit.path), depth=unit.depth + 1).order_by("path")
    )


@dataclass
class UnitFigures:
    people: int
    party_members: int
    cadres: int
    branches: int
    accounts: int


def unit_figures(*, unit: OrgUnit) -> UnitFigures:
    """Headcounts over the unit's subtree, in two aggregate queries whatever the size."""
    people = Person.objects.filter(subtree_q("unit__path", unit.path), status=PersonStatus.ACTIVE).aggregate(
        people=Count("pk"),
        party_members=Count("pk", filter=Q(is_party_member=True) | Q(is_probationary=True)),
        cadres=Count("pk", filter=Q(is_cadre=True)),
        accounts=Count("pk", filter=Q(user__isnull=False)),
    )
    branches = OrgUnit.objects.filter(subtree_q("path", unit.path), kind="branch", is_active=True).count()
    return UnitFigures(branches=branches, **people)


PERSON_LIST_FIELDS = (
    "pk",
    "name",
    "employee_no",
    "id_number_masked",
    "mobile",
    "gender",
    "position",
    "status",
    "is_party_member",
    "is_probationary",
    "is_cadre",
    "is_employee",
    "is_demo",
    "user_id",
    "unit_id",
    "unit__name",
    "unit__path",
)


def person_list(
    *,
    viewer,
    unit: OrgUnit | None = None,
    direct_only: bool = False,
    q: str = "",
    category: str = "",
    status: str = PersonStatus.ACTIVE,
    has_account: str = "",
) -> QuerySet[Person]:
    """People the viewer may see, filtered; search by name, pinyin initials or employee number."""
    people = scoping.visible(Person.objects.all(), viewer, "person.view", path_field="unit__path")
    if unit is not None:
        people = (
            people.filter(unit=unit) if direct_only else people.filter(subtree_q("unit__path", unit.path))
        )
    query = to_halfwidth(q).strip()
    if query:
        lowered = query.lower()
        cond = Q(name__contains=query) | Q(employee_no__startswith=query)
        if lowered.isascii() and lowered.isalpha():
            cond |= Q(name_initials__startswith=lowered) | Q(name_pinyin__startswith=lowered)
        if query.isdigit() and len(query) >= 4:
            cond |= Q(mobile__endswith=query)
        people = people.filter(cond)
    if category and category in Category.values:
        people = people.filter(**{CATEGORY_FIELDS[Category(category)]: True})
    if status and status in PersonStatus.values:
        people = people.filter(status=status)
    if has_account == "yes":
        people = people.filter(user__isnull=False)
    elif has_account == "no":
        people = people.filter(user__isnull=True)
    return people.select_related("unit").order_by("name_pinyin", "name", "pk")


def person_get_for(*, viewer, pk, action: str = "person.view") -> Person:
    """A person in the viewer's scope, or the viewer's own record; anything else is a 404."""
    qs = Person.objects.select_related("unit", "user")
    own = getattr(viewer, "person", None) if viewer.is_authenticated else None
    if own is not None and str(own.pk) == str(pk) and action == "person.view":
        return qs.get(pk=pk)
    return scoping.get_visible_or_404(qs, viewer, action, path_field="unit__path", pk=pk)


def grant_list_for_unit(*, viewer, unit: OrgUnit) -> QuerySet[RoleGrant]:
    """Grants on this unit and its ancestors (which also reach it), for those who manage grants."""
    paths = [unit.path[:i] for i in range(unit.steplen, len(unit.path) + 1, unit.steplen)]
    return (
        RoleGrant.objects.filter(unit__path__in=paths)
        .select_related("user", "user__person", "unit")
        .order_by("unit__path", "role", "user__username")
    )


def tree_layout(units: list[OrgUnit]) -> list[OrgUnit]:
    """Annotate units (in path order) for flat rendering as nested lists: `level` among the visible units,
    `has_children`, and `closers` (how many open lists end after the unit)."""
    stack: list[OrgUnit] = []
    for index, unit in enumerate(units):
        while stack and not unit.path.startswith(stack[-1].path):
            stack.pop()
        unit.level = len(stack)
        following = units[index + 1] if index + 1 < len(units) else None
        unit.has_children = following is not None and following.path.startswith(unit.path)
        stack.append(unit)
        if unit.has_children:
            unit.closers = range(0)
            continue
        # Pop this leaf, then every open ancestor that the next unit is not inside.
        stack.pop()
        closing = 0
        while stack and (following is None or not following.path.startswith(stack[-1].path)):
            stack.pop()
            closing += 1
        unit.closers = range(closing)
    return units


def audit_event_list(
    *, viewer, object_type: str | None = None, object_id: str | None = None, action: str | None = None
) -> QuerySet[AuditEvent]:
    """Events of the viewer's subtree (events of no unit only for those who see everything)."""
    scope = scoping.scope_for(viewer, "audit.view")
    qs = AuditEvent.objects.all()
    if not scope.everything:
        qs = qs.filter(scope.q("unit_path")).exclude(unit_path="")
    if object_type:
        qs = qs.filter(object_type=object_type)
    if object_id:
        qs = qs.filter(object_id=object_id)
    if action:
        qs = qs.filter(action__startswith=action)
    return qs.order_by("-seq")


def find_user(identifier: str):
    """The active account an identifier names, or None; ambiguity counts as none."""
    User = get_user_model()
    value = to_halfwidth(identifier or "").strip()
    if not value:
        return None
    query = Q(username=value) | Q(person__employee_no=value)
    try:
        mobile = clean_mobile(value)
    except ValidationError:
        mobile = ""
    if mobile:
        query |= Q(person__mobile=mobile)
    matches = list(User.objects.filter(query).distinct()[:2])
    return matches[0] if len(matches) == 1 else None
