from __future__ import annotations

from django.db.models import QuerySet

from . import scoping
from .models import AuditEvent


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
