"""What each role's home page shows."""

from __future__ import annotations

from netconduct.org.models import RoleGrant


def home_summary(*, viewer) -> dict:
    """What the landing page shows: the viewer's own record and, for those with reach, their units."""
    person = getattr(viewer, "person", None)
    grants = list(RoleGrant.objects.filter(user=viewer).select_related("unit").order_by("unit__path"))
    return {"person": person, "grants": grants}
