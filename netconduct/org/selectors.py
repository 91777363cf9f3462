"""Reads of the organisation and people, always through the viewer's scope."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from netconduct.core import bulk
from netconduct.core.models import AuditEvent
from netconduct.org import scoping
from netconduct.org.scoping import subtree_q

from .choices import CATEGORY_FIELDS, Category, PersonStatus
from .models import OrgUnit, Person, RoleGrant
from .permissions import SENSITIVE_ROLES
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


def sensitive_grant_list(*, viewer) -> list[RoleGrant]:
    """The sensitive roles (see permissions.SENSITIVE_ROLES) held in the viewer's subtree, with since when and
    by whom; for system administrators and inspectors."""
    scope = scoping.scope_for(viewer, "grant.sensitive_view")
    return list(
        RoleGrant.objects.filter(scope.q("unit__path"), role__in=sorted(SENSITIVE_ROLES))
        .select_related("user", "user__person", "unit", "granted_by", "granted_by__person")
        .order_by("unit__path", "role", "created_at")
    )


SENSITIVE_HISTORY = 100


def sensitive_grant_history(*, viewer, limit: int = SENSITIVE_HISTORY) -> list[AuditEvent]:
    """The latest grants and revocations of sensitive roles in the viewer's subtree, from the audit trail (a
    revoked grant lives on only there)."""
    scope = scoping.scope_for(viewer, "grant.sensitive_view")
    roles = sorted(SENSITIVE_ROLES)
    events = AuditEvent.objects.filter(
        scope.q("unit_path"),
        Q(action="grant.create", after__role__in=roles) | Q(action="grant.revoke", before__role__in=roles),
        object_type="org.rolegrant",
    )
    if not scope.everything:
        events = events.exclude(unit_path="")
    return list(events.select_related("actor").order_by("-seq")[:limit])


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


# Events that only some may read, whatever their audit scope: a higher app (reports: reports and violation cases)
# registers a function giving, for a viewer, the events to leave out. Org cannot know which reports a viewer may
# see, and must not ask reports; reports tells it.
_AUDIT_HIDDEN: list[Callable[[Any], Q]] = []


def audit_hidden_register(hidden: Callable[[Any], Q]) -> None:
    """`hidden(viewer)` is a filter of AuditEvent rows that `viewer` must not see, even in scope."""
    if hidden not in _AUDIT_HIDDEN:
        _AUDIT_HIDDEN.append(hidden)


def audit_event_list(
    *, viewer, object_type: str | None = None, object_id: str | None = None, action: str | None = None
) -> QuerySet[AuditEvent]:
    """Events of the viewer's subtree (events of no unit only for those who see everything), less those a
    registered policy hides from the viewer (see `audit_hidden_register`)."""
    scope = scoping.scope_for(viewer, "audit.view")
    qs = AuditEvent.objects.all()
    for hidden in _AUDIT_HIDDEN:
        qs = qs.exclude(hidden(viewer))
    if not scope.everything:
        qs = qs.filter(scope.q("unit_path")).exclude(unit_path="")
    if object_type:
        qs = qs.filter(object_type=object_type)
    if object_id:
        qs = qs.filter(object_id=object_id)
    if action:
        qs = qs.filter(action__startswith=action)
    return qs.order_by("-seq")


@dataclass(frozen=True)
class LoginHolder:
    """Someone who already answers to a value at login: by username, employee number or mobile."""

    kind: str  # "username" | "employee_no" | "mobile"
    person_id: int | None
    user_id: int | None
    id_hash: str | None
    name: str


LOGIN_KIND_LABELS = {"username": _("账号的登录用户名"), "employee_no": _("工号"), "mobile": _("手机号码")}


def login_name_holders(values: list[str]) -> dict[str, list[LoginHolder]]:
    """Usernames, employee numbers and mobiles are one namespace for login: who holds each of `values` already.
    Three queries, however many values (`bulk.values_in`)."""
    User = get_user_model()
    found: dict[str, list[LoginHolder]] = {}
    wanted = sorted({v for v in values if v})
    if not wanted:
        return found
    for value, user_id, person_id, id_hash, name in User.objects.filter(
        username__in=bulk.values_in(wanted)
    ).values_list("username", "pk", "person__pk", "person__id_number_hash", "person__name"):
        found.setdefault(value, []).append(LoginHolder("username", person_id, user_id, id_hash, name or ""))
    for kind in ("employee_no", "mobile"):
        rows = Person.objects.filter(**{f"{kind}__in": bulk.values_in(wanted)}).values_list(
            kind, "pk", "user_id", "id_number_hash", "name"
        )
        for value, person_id, user_id, id_hash, name in rows:
            found.setdefault(value, []).append(LoginHolder(kind, person_id, user_id, id_hash, name))
    return found


def login_name_clash(
    value: str,
    holders: list[LoginHolder],
    *,
    field_label: str,
    person_id: int | None = None,
    user_id: int | None = None,
    id_hash: str | None = None,
) -> str | None:
    """Why `value` cannot be this person's `field_label` (it names someone else at login), or None.

    The person themselves (by record, account or ID hash) is no clash: their own username may equal their own
    employee number, as login then names the same account either way."""
    for holder in holders:
        own = (
            (person_id is not None and holder.person_id == person_id)
            or (user_id is not None and holder.user_id == user_id)
            or (id_hash is not None and holder.id_hash == id_hash)
        )
        if own:
            continue
        if holder.kind == "username":
            whose = _("其他账号的登录用户名")
        else:
            whose = _("其他人员（%(name)s）的%(kind)s") % {
                "name": holder.name,
                "kind": LOGIN_KIND_LABELS[holder.kind],
            }
        return _(
            "“%(value)s”已是%(whose)s；工号、手机号码与用户名都用于登录，不能重复，请核对后填写%(field)s。"
        ) % {
            "value": value,
            "whose": whose,
            "field": field_label,
        }
    return None


# The order in which login resolves an identifier; the first step that names exactly one account wins.
LOGIN_ORDER = ("username", "employee_no", "mobile")


def find_user(identifier: str):
    """The account an identifier names at login, or None.

    The identifier (full-width characters made half-width, spaces trimmed) is looked up in a fixed order, and the
    first step that finds an account decides:

    1. an account's username, exactly;
    2. a person's employee number (工号), exactly;
    3. a person's mobile number (手机号码), after the mobile normaliser (+86, spaces and dashes removed).

    The services keep the three apart (a value that is one account's username or one person's employee number or
    mobile is refused as another's), so the order only matters for data from before that rule. It is fixed so
    that nobody can take over or lock out someone's login by giving a person an employee number or mobile equal to
    that account's username: the username still wins. Within a step, more than one account counts as none.
    """
    User = get_user_model()
    value = to_halfwidth(identifier or "").strip()
    if not value:
        return None
    try:
        mobile = clean_mobile(value)
    except ValidationError:
        mobile = ""
    steps = [Q(username=value), Q(person__employee_no=value)]
    if mobile:
        steps.append(Q(person__mobile=mobile))
    for step in steps:
        matches = list(User.objects.filter(step)[:2])
        if matches:
            return matches[0] if len(matches) == 1 else None
    return None
