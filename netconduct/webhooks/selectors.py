"""Reads of the webhooks app, scoped to the viewer's units for event.manage (system administrators)."""

from __future__ import annotations

from django.db.models import QuerySet

from netconduct.org import scoping

from .models import EventDelivery, Subscription

ACTION = "event.manage"


def subscription_list(*, viewer) -> QuerySet[Subscription]:
    return scoping.visible(
        Subscription.objects.select_related("unit"), viewer, ACTION, path_field="unit__path"
    )


def subscription_get_for(*, viewer, pk) -> Subscription:
    return scoping.get_visible_or_404(
        Subscription.objects.select_related("unit"), viewer, ACTION, path_field="unit__path", pk=pk
    )


def delivery_list(
    *, viewer, status: str = "", subscription: Subscription | None = None
) -> QuerySet[EventDelivery]:
    rows = scoping.visible(
        EventDelivery.objects.select_related("subscription", "unit"),
        viewer,
        ACTION,
        path_field="subscription__unit__path",
    )
    if status:
        rows = rows.filter(status=status)
    if subscription is not None:
        rows = rows.filter(subscription=subscription)
    return rows.order_by("-pk")


def delivery_get_for(*, viewer, pk) -> EventDelivery:
    return scoping.get_visible_or_404(
        EventDelivery.objects.select_related("subscription__unit", "unit", "replay_of"),
        viewer,
        ACTION,
        path_field="subscription__unit__path",
        pk=pk,
    )
