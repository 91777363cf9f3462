"""The one answer to "which units may this account act on, for this action".

Every read of org-scoped data goes through `visible(...)`/`scope_q(...)`, every fetch of one object through
`get_visible_or_404`, and every service checks `require(...)`. A grant on a unit reaches its whole subtree, which
is a prefix match on the materialised path, so any scope is one query however deep the tree.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Model, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from netconduct.core.exceptions import PermissionRefused

from .permissions import roles_for

PATH_MAX = 255  # OrgUnit.path's max_length (treebeard's MP_Node)


def subtree_q(field: str, path: str) -> Q:
    """Rows whose materialised path (`field`) lies in the subtree at `path`, as an index range.

    A prefix match written as `LIKE 'p%'` cannot use the path index on SQLite (nor on PostgreSQL outside the C
    collation). Paths are made of digits and capital letters only, so "starts with p" is exactly
    `p <= path <= p + "ZZZ…"`, which any B-tree index answers — and which sorts the same in every collation that
    orders digits before capitals, as the C, ICU and glibc ones do.
    """
    return Q(**{f"{field}__gte": path, f"{field}__lte": path + "Z" * (PATH_MAX - len(path))})


@dataclass(frozen=True)
class Scope:
    everything: bool
    paths: tuple[str, ...]

    def covers(self, path: str) -> bool:
        return self.everything or any(path.startswith(p) for p in self.paths)

    @property
    def empty(self) -> bool:
        return not self.everything and not self.paths

    def q(self, field: str) -> Q:
        """A filter on `<field>` (a materialised path, e.g. "unit__path") matching the scope."""
        if self.everything:
            return Q()
        if not self.paths:
            return Q(pk__in=[])
        query = Q()
        for path in self.paths:
            query |= subtree_q(field, path)
        return query


NOTHING = Scope(False, ())
EVERYTHING = Scope(True, ())


def _grants(user) -> list[tuple[str, str]]:
    """(role, path) of the account's grants on open units, read once per request object."""
    cached = getattr(user, "_netconduct_grants", None)
    if cached is None:
        from netconduct.org.models import RoleGrant

        cached = list(RoleGrant.objects.filter(user=user).values_list("role", "unit__path"))
        user._netconduct_grants = cached
    return cached


def forget_grants(user) -> None:
    if hasattr(user, "_netconduct_grants"):
        del user._netconduct_grants


def scope_for(user, action: str) -> Scope:
    if user is None or not user.is_authenticated or not user.is_active:
        return NOTHING
    if user.is_superuser:
        return EVERYTHING
    roles = roles_for(action)
    paths = sorted({path for role, path in _grants(user) if role in roles})
    minimal: list[str] = []
    for path in paths:  # sorted, so an ancestor comes before its descendants
        if not any(path.startswith(p) for p in minimal):
            minimal.append(path)
    return Scope(False, tuple(minimal))


def holds_role_over(user, role: str, path: str, *, strictly_above: bool = False) -> bool:
    """Whether the account holds `role` on the unit at `path` or on one above it (only above: `strictly_above`)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    return any(
        granted == role and path.startswith(p) and not (strictly_above and p == path)
        for granted, p in _grants(user)
    )


def has_any(user, action: str) -> bool:
    return not scope_for(user, action).empty


def require_any_or_404(user, action: str) -> None:
    """For pages: an account with no scope at all for `action` is answered as if the page did not exist."""
    if not has_any(user, action):
        raise Http404


def visible(queryset: QuerySet, user, action: str, *, path_field: str) -> QuerySet:
    return queryset.filter(scope_for(user, action).q(path_field))


def get_visible_or_404(queryset: QuerySet, user, action: str, *, path_field: str, **lookup) -> Model:
    try:
        return visible(queryset, user, action, path_field=path_field).get(**lookup)
    except (queryset.model.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def require(user, action: str, path: str) -> None:
    """Refuse unless `path` (a unit's materialised path) lies in the account's scope for `action`."""
    if not scope_for(user, action).covers(path):
        raise PermissionRefused(_("您无权在该组织范围内执行此操作。"))
