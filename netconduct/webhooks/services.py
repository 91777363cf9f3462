"""Writes of the webhooks app: subscriptions (made, switched off and on, given a new secret), replays of a delivery,
and the recording of events the domains announce (netconduct.core.events) into one delivery per subscription."""

from __future__ import annotations

import datetime as dt
import json
import secrets
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from netconduct.core.audit import Change, audit_record
from netconduct.core.exceptions import ApplicationError
from netconduct.org import scoping
from netconduct.org.models import OrgUnit

from . import guard
from .choices import EventDeliveryStatus, EventKind
from .models import EventDelivery, Subscription
from .payloads import BUILDERS, Item, people_items, people_rows
from .sending import events_dispatch

ACTION = "event.manage"
SECRET_BYTES = 32


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(SECRET_BYTES)


def masked_url(url: str) -> str:
    """scheme://host/… and the last four characters: enough to tell addresses apart, not enough to use one."""
    import urllib.parse

    parts = urllib.parse.urlsplit(url)
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{parts.hostname}{port}/…{url[-4:]}"[:200]


def clean_events(events: Iterable[str]) -> list[str]:
    chosen = [str(e).strip() for e in events or () if str(e).strip()]
    unknown = [e for e in chosen if e not in EventKind.values]
    if unknown:
        raise ApplicationError(
            _("未知的事件类型：%(join)s（可选：%(join2)s）。")
            % {"join": "、".join(unknown), "join2": "、".join(EventKind.values)},
            field="events",
        )
    if not chosen:
        raise ApplicationError(_("请至少选择一种事件。"), field="events")
    return [e for e in EventKind.values if e in chosen]  # the choices' order, each once


def _snapshot(subscription: Subscription) -> dict[str, Any]:
    return {
        "name": subscription.name,
        "url": subscription.url_masked,
        "events": list(subscription.events),
        "is_enabled": subscription.is_enabled,
    }


def _change(action: str, subscription: Subscription, before=None, after=None) -> Change:
    return Change(
        action,
        "webhooks.subscription",
        subscription.pk,
        str(subscription),
        subscription.unit.path,
        before,
        after,
    )


@transaction.atomic
def subscription_create(
    *,
    actor,
    unit: OrgUnit,
    name: str,
    url: str,
    events: Sequence[str],
    secret: str | None = None,
    authorized_by=None,
) -> Subscription:
    """Subscribe an address to events of the unit's subtree. Its secret (made here unless given) is readable as
    `subscription.secret`; pages show it once, now.

    `authorized_by`: when the actor is an integration's API key (its service account), the system administrator who
    issued the key and gave it the events:manage scope. They must still hold the duty over the unit today; the
    event is the key's, naming them."""
    unit = OrgUnit.objects.get(pk=unit.pk)
    scoping.require(authorized_by or actor, ACTION, unit.path)
    if not unit.is_active:
        raise ApplicationError(_("该组织已撤销，不能订阅其事件。"), field="unit")
    name = " ".join((name or "").split())
    if not name:
        raise ApplicationError(_("请填写订阅名称（如“党建系统”）。"), field="name")
    if len(name) > 100:
        raise ApplicationError(_("订阅名称过长（最多100个字）。"), field="name")
    url = guard.url_check(url)
    chosen = clean_events(events)
    secret = new_secret() if secret is None else secret.strip()
    if len(secret) < 16 or len(secret) > 200:
        raise ApplicationError(_("签名密钥应为16至200个字符。"), field="secret")
    subscription = Subscription(unit=unit, name=name, events=chosen, created_by=actor)
    subscription.url = url
    subscription.secret = secret
    subscription.url_masked = masked_url(url)
    if Subscription.objects.filter(unit=unit, url_hash=subscription.url_hash).exists():
        raise ApplicationError(_("该组织已有相同接收地址的订阅。"), field="url")
    subscription.full_clean(exclude=["url_enc", "url_hash", "secret_enc", "created_by"])
    subscription.save()
    after = _snapshot(subscription)
    if authorized_by is not None:
        after["authorized_by"] = authorized_by.get_username()
    audit_record(actor=actor, change=_change("event_subscription.create", subscription, None, after))
    return subscription


def _locked(actor, subscription: Subscription) -> Subscription:
    subscription = (
        Subscription.objects.select_for_update(of=("self",)).select_related("unit").get(pk=subscription.pk)
    )
    scoping.require(actor, ACTION, subscription.unit.path)
    return subscription


@transaction.atomic
def subscription_set_enabled(*, actor, subscription: Subscription, enabled: bool) -> Subscription:
    """Stop or resume sending to a subscription. Subscriptions are not deleted: their delivery log stays."""
    subscription = _locked(actor, subscription)
    if subscription.is_enabled == enabled:
        return subscription
    subscription.is_enabled = enabled
    subscription.save(update_fields=["is_enabled"])
    audit_record(
        actor=actor,
        change=_change(
            "event_subscription.enable" if enabled else "event_subscription.disable",
            subscription,
            {"is_enabled": not enabled},
            {"is_enabled": enabled},
        ),
    )
    return subscription


@transaction.atomic
def subscription_secret_rotate(*, actor, subscription: Subscription) -> Subscription:
    """A new secret (readable once as `subscription.secret`); deliveries from now on are signed with it."""
    subscription = _locked(actor, subscription)
    subscription.secret = new_secret()
    subscription.save(update_fields=["secret_enc"])
    audit_record(
        actor=actor,
        change=_change("event_subscription.rotate_secret", subscription, None, {"secret": "（已更换）"}),
    )
    return subscription


def delivery_replay(*, actor, delivery: EventDelivery) -> EventDelivery:
    """Send a delivery's event again, as a new delivery with the same event id and body (receivers that already
    have it can tell by the id), and try it at once."""
    with transaction.atomic():
        delivery = EventDelivery.objects.select_related("subscription__unit").get(pk=delivery.pk)
        subscription = delivery.subscription
        scoping.require(actor, ACTION, subscription.unit.path)
        if not subscription.is_enabled:
            raise ApplicationError(_("订阅已停用，请先启用再重新推送。"))
        replay = EventDelivery.objects.create(
            event_id=delivery.event_id,
            subscription=subscription,
            kind=delivery.kind,
            key=f"replay:{uuid.uuid4()}",
            unit_id=delivery.unit_id,
            body=delivery.body,
            replay_of=delivery,
        )
        audit_record(
            actor=actor,
            change=Change(
                "event_delivery.replay",
                "webhooks.eventdelivery",
                delivery.pk,
                str(delivery),
                subscription.unit.path,
                None,
                {"replay": str(replay.uuid), "event": delivery.kind},
            ),
        )
    events_dispatch(only=[replay.pk])
    replay.refresh_from_db()
    return replay


# ---------------------------------------------------------------------------------------------------- recording


def _enabled_for(kind: str) -> list[Subscription]:
    return [
        s for s in Subscription.objects.filter(is_enabled=True).select_related("unit") if kind in s.events
    ]


def _body(event_id: uuid.UUID, kind: str, at: dt.datetime, data: dict[str, Any]) -> str:
    message = {
        "id": str(event_id),
        "type": kind,
        "created_at": timezone.localtime(at).isoformat(),
        "data": data,
    }
    return json.dumps(message, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _enqueue_dispatch() -> None:
    from .tasks import dispatch_events_task

    dispatch_events_task.enqueue()


def _save(kind: str, pairs: Iterable[tuple[Subscription, Item]]) -> int:
    now = timezone.now()
    rows: list[EventDelivery] = []
    bodies: dict[
        int, tuple[uuid.UUID, str]
    ] = {}  # one event id and body per item, whichever subscriptions get it
    for subscription, item in pairs:
        if id(item) not in bodies:
            event_id = uuid.uuid4()
            bodies[id(item)] = (event_id, _body(event_id, kind, now, item.data))
        event_id, body = bodies[id(item)]
        rows.append(
            EventDelivery(
                event_id=event_id,
                subscription=subscription,
                kind=kind,
                key=item.key or f"event:{event_id}",
                unit_id=item.unit_id,
                body=body,
                status=EventDeliveryStatus.PENDING,
            )
        )
    if rows:
        EventDelivery.objects.bulk_create(rows, batch_size=500, ignore_conflicts=True)
        transaction.on_commit(_enqueue_dispatch)
    return len(rows)


def events_record(kind: str, subject: Any) -> int:
    """The receiver of netconduct.core.events: record `kind` about `subject` for every enabled subscription that
    wants it and covers its unit, inside the caller's transaction. Kinds without a payload here are never sent."""
    builder = BUILDERS.get(kind)
    if builder is None:
        return 0
    subscriptions = _enabled_for(kind)
    if not subscriptions:
        return 0
    items = list(builder(subject))
    return _save(kind, ((s, i) for i in items for s in subscriptions if i.unit_path.startswith(s.unit.path)))


def people_changed_record(sender, person_ids: Sequence[int], **kwargs) -> int:
    """org's people_changed (sent after its commit): one person.changed event per subscription, with the ids of
    the people in its subtree (in events of at most PEOPLE_PER_EVENT)."""
    subscriptions = _enabled_for(EventKind.PERSON_CHANGED)
    if not subscriptions:
        return 0
    rows = people_rows(person_ids)
    with transaction.atomic():
        return _save(
            EventKind.PERSON_CHANGED,
            ((s, item) for s in subscriptions for item in people_items(rows, s.unit.path)),
        )


@dataclass
class EventsJobReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"events_sent": self.sent, "events_retrying": self.retrying, "events_failed": self.failed}

    def summary(self) -> str:
        return f"事件推送：送达 {self.sent}，待重试 {self.retrying}，失败 {self.failed}"


def events_daily_job(now: dt.datetime) -> EventsJobReport:
    """The webhooks' part of the daily run: send whatever is due (the worker normally has already)."""
    report = events_dispatch(now=now)
    return EventsJobReport(report.sent, report.retrying, report.failed)
