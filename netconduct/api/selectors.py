"""Reads of the API's own records."""

from __future__ import annotations

from django.db.models import QuerySet

from netconduct.org.choices import Role
from netconduct.org.models import OrgUnit, RoleGrant
from netconduct.org.scoping import Scope

from .models import ApiKey


def _sysadmin_scope(user) -> Scope:
    if user.is_superuser:
        return Scope(True, ())
    paths = RoleGrant.objects.filter(user=user, role=Role.SYSADMIN).values_list("unit__path", flat=True)
    return Scope(False, tuple(sorted(paths)))


def key_units(*, viewer) -> QuerySet[OrgUnit]:
    """Open units the viewer may issue keys for: those under their system administrator grants."""
    return OrgUnit.objects.filter(_sysadmin_scope(viewer).q("path"), is_active=True)


def key_list(*, viewer) -> QuerySet[ApiKey]:
    """Keys bound to units under the viewer's system administrator grants."""
    return ApiKey.objects.select_related("unit", "created_by").filter(_sysadmin_scope(viewer).q("unit__path"))
