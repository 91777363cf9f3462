"""Writes of notifications and deliveries. Domains call `notifications_send` and `robot_messages_queue` with the
messages they built — or, for messages to many people that differ only in fields the database holds,
`notifications_send_selected` with a queryset the database builds them from; every message has a unique key, so
sending the same reminder twice writes nothing twice."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import QuerySet
from django.db.models.constants import OnConflict
from django.utils import timezone
from django.utils.translation import gettext as _

from netconduct.core.audit import Change, audit_record
from netconduct.core.db import chunked, insert_rows, keys_per_statement
from netconduct.core.exceptions import ApplicationError
from netconduct.core.links import site_url
from netconduct.org import scoping
from netconduct.org.models import OrgUnit

from .choices import DeliveryChannel, DeliveryStatus, WebhookProvider
from .models import Delivery, Notification, UnitWebhook, webhook_url_hash
from .sending import (
    ROBOT_SIGNATURE,
    DeliveryError,
    deliveries_dispatch,
    webhook_masked_url,
    webhook_post,
    webhook_url_check,
)

# ---------------------------------------------------------------------------------------------------- sending


@dataclass(frozen=True)
class Message:
    """An in-app notification to one account, and the same by e-mail when `email` is given. The e-mail goes out
    only with a notification that is new (its key not taken), so a repeated run sends no second e-mail."""

    user_id: int
    key: str
    title: str
    body: str = ""
    url: str = ""
    email: str = ""
    email_subject: str = ""  # the title when empty
    email_body: str = ""  # the body when empty


@dataclass(frozen=True)
class RobotMessage:
    """One message to a group robot; `text` is the whole message (robots have no subject)."""

    webhook_id: int
    key: str
    recipient: str  # shown on the deliveries page: the unit the message is about
    subject: str
    text: str


@dataclass
class SendReport:
    notifications: int = 0  # new in-app notifications
    emails: int = 0  # new e-mail deliveries


def _chunks(items: Sequence) -> Iterator[Sequence]:
    """Messages per round of lookups and inserts: as many keys as one IN (...) may carry (core.db)."""
    return chunked(items, keys_per_statement())


def _clip(text: str, length: int) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"


def _existing_keys(model, keys: Sequence[str]) -> set[str]:
    found: set[str] = set()
    for chunk in _chunks(list(keys)):
        found.update(model.objects.filter(key__in=chunk).values_list("key", flat=True))
    return found


NOTIFICATION_FIELDS = ("key", "user", "title", "body", "url", "created_at")
DELIVERY_FIELDS = (
    "key",
    "channel",
    "unit",
    "source",
    "webhook",
    "recipient",
    "subject",
    "body",
    "status",
    "attempts",
    "next_attempt_at",
    "last_error",
    "created_at",
)


def _insert_new(model, fields: Sequence[str], rows: Sequence[tuple]) -> set[str]:
    """Insert the rows (tuples in the order of `fields`, the key first) whose key is not taken yet; returns their
    keys. Plain rows in multi-row INSERTs that skip taken keys and return the inserted ones (core.db.insert_rows):
    one statement per batch, no model instances, no lookup first. Concurrent runs are settled by the unique key."""
    if not connection.features.can_return_rows_from_bulk_insert:  # SQLite before 3.35: look the keys up first
        taken = _existing_keys(model, [r[0] for r in rows])
        new = [r for r in rows if r[0] not in taken]
        insert_rows(model, fields, new, ignore_conflicts=True)
        return {r[0] for r in new}
    return set(insert_rows(model, fields, rows, ignore_conflicts=True, returning="key"))


def _email_refusers(messages: Sequence[Message]) -> set[int]:
    """Accounts that turned e-mail off on their profile page (told in the platform only): one query for the call,
    of the few who did, rather than a lookup of every recipient."""
    if not any(m.email for m in messages):
        return set()
    return set(get_user_model().objects.filter(email_notifications=False).values_list("pk", flat=True))


def _delivery_row(
    *,
    key: str,
    channel: str,
    unit: OrgUnit | None,
    source: str,
    recipient: str,
    subject: str,
    body: str,
    now: dt.datetime,
    created: dt.datetime,
    webhook_id: int | None = None,
) -> tuple:
    return (
        key,
        channel,
        unit.pk if unit is not None else None,
        _clip(source, 200),
        webhook_id,
        recipient,
        _clip(subject, 200),
        body,
        DeliveryStatus.PENDING,
        0,
        now,
        "",
        created,
    )


def notifications_send(
    *,
    messages: Sequence[Message],
    unit: OrgUnit | None = None,
    source: str = "",
    now: dt.datetime | None = None,
) -> SendReport:
    """Store the messages whose key is new as in-app notifications and queue their e-mails (sent by the next
    dispatch). `unit` and `source` say on whose behalf, for the deliveries page and its scope. One query for the
    call (who turned e-mail off), then two statements per batch of messages (notifications, deliveries)."""
    now = now or timezone.now()
    created = timezone.now()
    report = SendReport()
    refusers = _email_refusers(messages)
    email, pending, unit_id, source_ = (
        DeliveryChannel.EMAIL,
        DeliveryStatus.PENDING,
        unit and unit.pk,
        _clip(source, 200),
    )
    for chunk in _chunks(list(messages)):
        notes = [(m.key, m.user_id, _clip(m.title, 200), m.body, m.url, created) for m in chunk]
        new = _insert_new(Notification, NOTIFICATION_FIELDS, notes)
        report.notifications += len(new)
        mails = [  # the rows of _delivery_row, built inline (100,000 calls with keywords cost a second)
            (
                f"{m.key}:email",
                email,
                unit_id,
                source_,
                None,
                m.email,
                _clip(m.email_subject or m.title, 200),
                m.email_body or m.body,
                pending,
                0,
                now,
                "",
                created,
            )
            for m in chunk
            if m.email and m.key in new and m.user_id not in refusers
        ]
        report.emails += len(_insert_new(Delivery, DELIVERY_FIELDS, mails))
    return report


SELECTED_COLUMNS = ("key", "user_id", "title", "body", "url")


def _clip_sql(column: str, length: int) -> str:
    """`_clip` in SQL (LENGTH and SUBSTR count characters on SQLite and PostgreSQL alike)."""
    return f"CASE WHEN LENGTH({column}) > {length} THEN SUBSTR({column}, 1, {length - 1}) || '…' ELSE {column} END"


def notifications_send_selected(
    *,
    rows: QuerySet,
    link_label: str = "",
    unit: OrgUnit | None = None,
    source: str = "",
    now: dt.datetime | None = None,
) -> SendReport:
    """`notifications_send` for messages the database can build itself: `rows` is a queryset (of any model)
    annotated with the columns key, user_id, title, body and url, one row a message. The notifications, and an
    e-mail of each new one to its account's address (the title its subject; the body followed by a blank line and
    "{link_label}：{the absolute link}" when a label is given and the site's address is set), are inserted straight
    from it (`INSERT … SELECT`): one statement on PostgreSQL, two elsewhere, whatever the number of messages, and
    none of them passes through Python. As with `notifications_send`, a key already taken is skipped with its
    e-mail, and accounts without an address or that turned e-mail off are told in the platform only."""
    now = now or timezone.now()
    created = timezone.now()
    select, params = rows.values(*SELECTED_COLUMNS).query.sql_with_params()
    qn = connection.ops.quote_name
    notes, mails = qn(Notification._meta.db_table), qn(Delivery._meta.db_table)
    users = qn(get_user_model()._meta.db_table)
    ignore = OnConflict.IGNORE
    note_fields = [Notification._meta.get_field(name) for name in NOTIFICATION_FIELDS]
    mail_fields = [Delivery._meta.get_field(name) for name in DELIVERY_FIELDS]
    insert = connection.ops.insert_statement(on_conflict=ignore)
    note_tail = connection.ops.on_conflict_suffix_sql(note_fields, ignore, None, None)
    mail_tail = connection.ops.on_conflict_suffix_sql(mail_fields, ignore, None, None)
    notes += f" ({', '.join(qn(f.column) for f in note_fields)})"
    mails += f" ({', '.join(qn(f.column) for f in mail_fields)})"
    when = connection.ops.adapt_datetimefield_value
    key, user_id, title, body, url = (f"src.{qn(name)}" for name in SELECTED_COLUMNS)
    note_values = f"{key}, {user_id}, {_clip_sql(title, 200)}, {body}, {url}, %s"
    note_params = [when(created)]
    site = site_url() if link_label else ""
    body_, url_ = f"n.{qn('body')}", f"n.{qn('url')}"
    email_body = f"{body_} || %s || {url_}" if site else body_
    mail_values = (
        f"n.{qn('key')} || ':email', %s, %s, %s, NULL, u.{qn('email')}, n.{qn('title')}, {email_body},"
        " %s, 0, %s, '', %s"
    )
    mail_params = [
        DeliveryChannel.EMAIL,
        unit.pk if unit is not None else None,
        _clip(source, 200),
        *([f"\n\n{link_label}：{site}"] if site else []),
        DeliveryStatus.PENDING,
        when(now),
        when(created),
    ]
    mail_join = f"JOIN {users} u ON u.{qn('id')} = n.{qn('user_id')}"
    mail_where = f"u.{qn('email')} <> '' AND u.{qn('email_notifications')}"
    report = SendReport()
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # one statement: the e-mails from the notifications it inserted
            returning = ", ".join(qn(name) for name in ("key", "user_id", "title", "body", "url"))
            cursor.execute(
                f"WITH n AS ({insert} {notes} SELECT {note_values} FROM ({select}) src {note_tail}"  # noqa: S608
                f" RETURNING {returning}),"
                f" e AS ({insert} {mails} SELECT {mail_values} FROM n {mail_join} WHERE {mail_where} {mail_tail}"
                " RETURNING 1)"
                " SELECT (SELECT COUNT(*) FROM n), (SELECT COUNT(*) FROM e)",
                [*note_params, *params, *mail_params],
            )
            report.notifications, report.emails = cursor.fetchone()
            return report
        # Elsewhere (SQLite): the new notifications are those of the rows' keys stamped with this call's `created`.
        cursor.execute(
            f"{insert} {notes} SELECT {note_values} FROM ({select}) src WHERE TRUE {note_tail}",  # noqa: S608
            [*note_params, *params],
        )
        report.notifications = cursor.rowcount
        cursor.execute(
            f"{insert} {mails} SELECT {mail_values} FROM ({select}) src"  # noqa: S608
            f" JOIN {qn(Notification._meta.db_table)} n ON n.{qn('key')} = {key} {mail_join}"
            f" WHERE n.{qn('created_at')} = %s AND {mail_where} {mail_tail}",
            [*mail_params, *params, when(created)],
        )
        report.emails = cursor.rowcount
    return report


def robot_messages_queue(
    *,
    messages: Sequence[RobotMessage],
    unit: OrgUnit | None = None,
    source: str = "",
    now: dt.datetime | None = None,
) -> int:
    """Queue messages to group robots (those whose key is new); returns how many were queued."""
    now = now or timezone.now()
    created = timezone.now()
    rows = [
        _delivery_row(
            key=m.key,
            channel=DeliveryChannel.WEBHOOK,
            unit=unit,
            source=source,
            webhook_id=m.webhook_id,
            recipient=m.recipient,
            subject=m.subject,
            body=m.text,
            now=now,
            created=created,
        )
        for m in messages
    ]
    return sum(len(_insert_new(Delivery, DELIVERY_FIELDS, chunk)) for chunk in _chunks(rows))


def emails_queue(
    *,
    messages: Sequence[tuple[str, str, str, str]],
    source: str = "",
    now: dt.datetime | None = None,
) -> int:
    """Queue e-mails to addresses that belong to no account, as (key, address, subject, body); those whose key is
    new are queued. Returns how many."""
    now = now or timezone.now()
    created = timezone.now()
    rows = [
        _delivery_row(
            key=key,
            channel=DeliveryChannel.EMAIL,
            unit=None,
            source=source,
            recipient=address,
            subject=subject,
            body=body,
            now=now,
            created=created,
        )
        for key, address, subject, body in messages
    ]
    return sum(len(_insert_new(Delivery, DELIVERY_FIELDS, chunk)) for chunk in _chunks(rows))


# ---------------------------------------------------------------------------------------------------- notifications


def notification_mark_read(*, user, notification: Notification) -> Notification:
    """Mark one of the account's own notifications read. Not audited: it is the reader's own inbox, not a record
    of the organisation (what was sent is in the notification itself and in the run's audit event)."""
    if notification.user_id != user.pk:
        raise ApplicationError(_("只能处理本人的通知。"))
    if notification.read_at is None:
        notification.read_at = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
            read_at=notification.read_at
        )
    return notification


def notifications_mark_all_read(*, user) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).update(read_at=timezone.now())


# ---------------------------------------------------------------------------------------------------- webhooks


def _webhook_snapshot(webhook: UnitWebhook) -> dict:
    return {
        "unit": webhook.unit.name,
        "provider": webhook.provider,
        "url": webhook_masked_url(webhook.url),
        "signed": bool(webhook.secret),
        "is_enabled": webhook.is_enabled,
    }


@transaction.atomic
def webhook_create(*, actor, unit: OrgUnit, provider: str, url: str, secret: str = "") -> UnitWebhook:
    unit = OrgUnit.objects.get(pk=unit.pk)
    scoping.require(actor, "webhook.manage", unit.path)
    if not unit.is_active:
        raise ApplicationError(_("该组织已撤销，不能添加群机器人。"))
    url = webhook_url_check(provider, url)
    secret = (secret or "").strip()
    if provider == WebhookProvider.WECOM and secret:
        raise ApplicationError(_("企业微信群机器人没有加签密钥，请留空。"), field="secret")
    if provider == WebhookProvider.DINGTALK and secret and not secret.startswith("SEC"):
        raise ApplicationError(_("钉钉的加签密钥以 SEC 开头，请在机器人安全设置中复制。"), field="secret")
    if len(secret) > 200:
        raise ApplicationError(_("加签密钥过长。"), field="secret")
    if UnitWebhook.objects.filter(unit=unit, url_hash=webhook_url_hash(url)).exists():
        raise ApplicationError(_("该群机器人已经添加过了。"), field="url")
    webhook = UnitWebhook(unit=unit, provider=provider, url=url, secret=secret)
    webhook.full_clean(
        exclude=["url_enc", "url_hash"]
    )  # the URL was checked above, with messages people can act on
    webhook.save()
    audit_record(
        actor=actor,
        change=Change(
            "webhook.create",
            "notifications.unitwebhook",
            webhook.pk,
            str(webhook),
            unit.path,
            None,
            _webhook_snapshot(webhook),
        ),
    )
    return webhook


@transaction.atomic
def webhook_set_enabled(*, actor, webhook: UnitWebhook, enabled: bool) -> UnitWebhook:
    """Disable or re-enable a robot. Robots are not deleted: their deliveries stay on record."""
    webhook = UnitWebhook.objects.select_for_update().select_related("unit").get(pk=webhook.pk)
    scoping.require(actor, "webhook.manage", webhook.unit.path)
    if webhook.is_enabled == enabled:
        return webhook
    webhook.is_enabled = enabled
    webhook.save(update_fields=["is_enabled"])
    audit_record(
        actor=actor,
        change=Change(
            "webhook.enable" if enabled else "webhook.disable",
            "notifications.unitwebhook",
            webhook.pk,
            str(webhook),
            webhook.unit.path,
            {"is_enabled": not enabled},
            {"is_enabled": enabled},
        ),
    )
    return webhook


def webhook_test_send(*, actor, webhook: UnitWebhook) -> str | None:
    """Post a test message now; returns the error, or None when the robot accepted it. Audited after the
    request, outside any transaction: a slow robot must not hold the database."""
    webhook = UnitWebhook.objects.select_related("unit").get(pk=webhook.pk)
    scoping.require(actor, "webhook.manage", webhook.unit.path)
    name = getattr(actor, "display_name", "") or actor.get_username()
    text = (
        f"【测试】{webhook.unit.name}的群机器人已连通：宣贯活动的到期提醒和逾期提醒将发送到本群。"
        f"（由{name}于{timezone.localtime():%Y-%m-%d %H:%M}发送）\n{ROBOT_SIGNATURE}"
    )
    error: str | None = None
    try:
        webhook_post(webhook, text)
    except DeliveryError as exc:
        error = str(exc)
    with transaction.atomic():
        audit_record(
            actor=actor,
            change=Change(
                "webhook.test",
                "notifications.unitwebhook",
                webhook.pk,
                str(webhook),
                webhook.unit.path,
                None,
                {"ok": error is None, "error": error or ""},
            ),
        )
    return error


# ---------------------------------------------------------------------------------------------------- deliveries


def delivery_unit_path(delivery: Delivery) -> str:
    """The unit a delivery belongs to for scoping: its robot's unit, else the unit it was sent for."""
    if delivery.webhook_id:
        return delivery.webhook.unit.path
    if delivery.unit_id:
        return delivery.unit.path
    return ""


def delivery_retry(*, actor, delivery: Delivery) -> Delivery:
    """Put a failed delivery back in the queue with a fresh set of attempts, and try it once right away."""
    with transaction.atomic():
        delivery = (
            Delivery.objects.select_for_update(of=("self",))
            .select_related("webhook__unit", "unit")
            .get(pk=delivery.pk)
        )
        path = delivery_unit_path(delivery)
        if path:
            scoping.require(actor, "webhook.manage", path)
        elif not scoping.scope_for(actor, "webhook.manage").everything:
            raise ApplicationError(_("您无权重试该发送。"))
        if delivery.status != DeliveryStatus.FAILED:
            raise ApplicationError(_("只有发送失败的记录可以重试。"))
        before = {"status": delivery.status, "attempts": delivery.attempts, "last_error": delivery.last_error}
        now = timezone.now()
        Delivery.objects.filter(pk=delivery.pk).update(
            status=DeliveryStatus.PENDING, attempts=0, next_attempt_at=now
        )
        audit_record(
            actor=actor,
            change=Change(
                "delivery.retry",
                "notifications.delivery",
                delivery.pk,
                delivery.subject,
                path,
                before,
                {"status": DeliveryStatus.PENDING, "attempts": 0},
            ),
        )
    deliveries_dispatch(only=[delivery.pk])
    delivery.refresh_from_db()
    return delivery
