"""Reads of notifications: a person's own, a unit's group robots, deliveries within the viewer's scope."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q, QuerySet
from django.http import Http404

from netconduct.core.db import chunked, keys_per_statement
from netconduct.org import scoping
from netconduct.org.choices import UnitKind
from netconduct.org.models import OrgUnit

from .choices import DeliveryStatus
from .models import Delivery, Notification, UnitWebhook
from .sending import webhook_masked_url


def notification_list(*, user) -> QuerySet[Notification]:
    return Notification.objects.filter(user=user).order_by("-created_at", "-pk")


def notification_unread_count(*, user) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def notification_get_own(*, user, pk) -> Notification:
    """One of the account's own notifications; anyone else's is a 404, as if it did not exist."""
    try:
        return Notification.objects.get(user=user, pk=pk)
    except (Notification.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def robots_by_unit_path(paths: Iterable[str]) -> dict[str, list[int]]:
    """The enabled robots of each of these units (by materialised path), in the order they were added; batched."""
    wanted = sorted(set(paths))
    robots: dict[str, list[int]] = {}
    for chunk in chunked(wanted, keys_per_statement()):  # as many as the database takes (not a fixed 900)
        enabled = UnitWebhook.objects.filter(is_enabled=True, unit__path__in=chunk)
        for pk, path in enabled.order_by("pk").values_list("pk", "unit__path"):
            robots.setdefault(path, []).append(pk)
    return robots


def _with_masks(webhooks: list[UnitWebhook]) -> list[UnitWebhook]:
    for webhook in webhooks:
        webhook.masked_url = webhook_masked_url(webhook.url)
    return webhooks


def webhook_list_for_unit(*, unit: OrgUnit) -> list[UnitWebhook]:
    return _with_masks(list(UnitWebhook.objects.filter(unit=unit).select_related("unit").order_by("pk")))


def webhook_inherited(*, unit: OrgUnit) -> list[UnitWebhook]:
    """The enabled robots of the nearest ancestor that has any: where the unit's digests go while it has none."""
    steplen = unit.steplen
    paths = [unit.path[:end] for end in range(len(unit.path) - steplen, 0, -steplen)]
    hooks = list(
        UnitWebhook.objects.filter(unit__path__in=paths, is_enabled=True)
        .select_related("unit")
        .order_by("pk")
    )
    for path in paths:  # nearest first
        nearest = [h for h in hooks if h.unit.path == path]
        if nearest:
            return _with_masks(nearest)
    return []


def webhook_list(*, viewer) -> QuerySet[UnitWebhook]:
    return scoping.visible(
        UnitWebhook.objects.select_related("unit"), viewer, "webhook.manage", path_field="unit__path"
    ).order_by("unit__path", "pk")


def webhook_get_for(*, viewer, pk) -> UnitWebhook:
    return scoping.get_visible_or_404(
        UnitWebhook.objects.select_related("unit"), viewer, "webhook.manage", path_field="unit__path", pk=pk
    )


def webhook_unit_choices(*, viewer) -> QuerySet[OrgUnit]:
    """Open units where robots are usually configured (committees, general branches, branches), in tree order."""
    units = scoping.visible(OrgUnit.objects.all(), viewer, "webhook.manage", path_field="path")
    kinds = [UnitKind.COMMITTEE, UnitKind.GENERAL_BRANCH, UnitKind.BRANCH]
    return units.filter(is_active=True, kind__in=kinds).order_by("path")[:1000]


def _delivery_scope(viewer) -> Q:
    """A robot's delivery belongs to the robot's unit; an e-mail to the unit it was sent for (a campaign's). Deliveries
    of neither are seen only by those who see everything."""
    scope = scoping.scope_for(viewer, "webhook.manage")
    if scope.everything:
        return Q()
    return (Q(webhook__isnull=False) & scope.q("webhook__unit__path")) | (
        Q(webhook__isnull=True, unit__isnull=False) & scope.q("unit__path")
    )


def delivery_list(*, viewer, status: str = "") -> QuerySet[Delivery]:
    deliveries = Delivery.objects.filter(_delivery_scope(viewer))
    if status:
        deliveries = deliveries.filter(status=status)
    else:
        deliveries = deliveries.exclude(status=DeliveryStatus.SENT)
    return deliveries.select_related("webhook", "webhook__unit").order_by("-created_at", "-pk")


def delivery_get_for(*, viewer, pk) -> Delivery:
    try:
        return (
            Delivery.objects.filter(_delivery_scope(viewer))
            .select_related("unit", "webhook__unit")
            .get(pk=pk)
        )
    except (Delivery.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
