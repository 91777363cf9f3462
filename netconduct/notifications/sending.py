"""Sending what was queued: e-mail over one SMTP connection a run, group robots (WeCom, DingTalk, Feishu) in their
own formats and signatures, with retries and backoff.

A delivery that fails is retried with backoff (NETCONDUCT_DELIVERY_BACKOFF_MINUTES) and its last error kept; after
the last attempt it is FAILED, logged at ERROR on "netconduct.reminders", and listed on the deliveries page where
staff can retry it. Dispatching claims rows in a short transaction (SELECT … FOR UPDATE SKIP LOCKED where the
database has it; SQLite serialises writers) and leases them before any network call, so two workers never send the
same delivery and a worker that dies mid-send only delays it until the lease runs out.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import hashlib
import hmac
import json
import logging
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from django.conf import settings
from django.core import mail
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from netconduct.core.db import bulk_rows, chunked, keys_per_statement
from netconduct.core.exceptions import ApplicationError

from .choices import DeliveryChannel, DeliveryStatus, WebhookProvider
from .models import Delivery, UnitWebhook

logger = logging.getLogger("netconduct.reminders")

WEBHOOK_TEXT_MAX_BYTES = 3800  # WeCom takes at most 4096 bytes of markdown; the others more
# Every robot message carries this word, so a DingTalk or Feishu robot secured by "custom keywords" can list it.
ROBOT_KEYWORD = "宣贯提醒"
ROBOT_SIGNATURE = f"（网络行为规范管理平台·{ROBOT_KEYWORD}）"
LEASE = dt.timedelta(minutes=10)  # how long a claimed delivery is left alone by other workers

PROVIDER_HOSTS: dict[str, tuple[str, ...]] = {
    WebhookProvider.WECOM: ("qyapi.weixin.qq.com",),
    WebhookProvider.DINGTALK: ("oapi.dingtalk.com",),
    WebhookProvider.FEISHU: ("open.feishu.cn", "open.larksuite.com"),
}
PROVIDER_PATHS: dict[str, tuple[str, str]] = {  # (path prefix, query parameter that must be present)
    WebhookProvider.WECOM: ("/cgi-bin/webhook/send", "key"),
    WebhookProvider.DINGTALK: ("/robot/send", "access_token"),
    WebhookProvider.FEISHU: ("/open-apis/bot/v2/hook/", ""),
}


def _setting(name: str, default: Any) -> Any:
    return getattr(settings, name, default)


def backoff_minutes() -> tuple[int, ...]:
    return tuple(_setting("NETCONDUCT_DELIVERY_BACKOFF_MINUTES", (1, 5, 30, 120, 480)))


def max_attempts() -> int:
    """The first attempt plus one retry per backoff step."""
    return len(backoff_minutes()) + 1


@dataclass
class DispatchReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


class DeliveryError(Exception):
    """This attempt failed; the delivery is tried again later."""


class PermanentDeliveryError(DeliveryError):
    """Trying again cannot help (the robot was disabled, its address is not allowed): fail now, staff can retry."""


def webhook_url_check(provider: str, url: str) -> str:
    """The cleaned address of a group robot, or an ApplicationError naming what is wrong with it (in Chinese)."""
    url = (url or "").strip()
    labels = dict(WebhookProvider.choices)
    if provider not in PROVIDER_HOSTS:
        raise ApplicationError(_("请选择群机器人类型。"), field="provider")
    if not url:
        raise ApplicationError(_("请填写 Webhook 地址。"), field="url")
    if len(url) > 500:
        raise ApplicationError(_("Webhook 地址过长（最多500个字符）。"), field="url")
    if any(c.isspace() for c in url):
        raise ApplicationError(_("Webhook 地址中不能有空格或换行，请重新复制。"), field="url")
    try:
        parts = urllib.parse.urlsplit(url)
        port = parts.port
    except ValueError:
        raise ApplicationError(
            _("Webhook 地址格式不正确，请从群机器人设置中重新复制。"), field="url"
        ) from None
    if (
        _setting("NETCONDUCT_WEBHOOK_ALLOW_LOCAL", False)
        and parts.scheme in ("http", "https")
        and parts.hostname == "127.0.0.1"
    ):
        return url  # tests talk to a server of their own
    hosts = PROVIDER_HOSTS[provider]
    if parts.scheme != "https":
        raise ApplicationError(_("Webhook 地址必须以 https:// 开头。"), field="url")
    if parts.hostname not in hosts or port not in (None, 443) or parts.username or parts.password:
        raise ApplicationError(
            _("%(value)s的地址应以 https://%(value2)s/ 开头，请从群机器人设置中复制完整地址。")
            % {"value": labels[provider], "value2": hosts[0]},
            field="url",
        )
    prefix, param = PROVIDER_PATHS[provider]
    query = urllib.parse.parse_qs(parts.query)
    if not parts.path.startswith(prefix) or (param and not query.get(param)) or parts.path == prefix + "/":
        raise ApplicationError(
            _(
                "Webhook 地址不完整：%(value)s的地址形如 https://%(value2)s%(prefix)s%(value3)s，请复制完整地址。"
            )
            % {
                "value": labels[provider],
                "value2": hosts[0],
                "prefix": prefix,
                "value3": "?" + param + "=…" if param else "…",
            },
            field="url",
        )
    return url


def webhook_masked_url(url: str) -> str:
    """The address with its token hidden: anyone holding the full address can post into the group."""
    try:
        parts = urllib.parse.urlsplit(url)
    except ValueError:
        return "…"
    prefix = next((p for p, _param in PROVIDER_PATHS.values() if parts.path.startswith(p)), "")
    return f"{parts.scheme}://{parts.hostname}{prefix}…{url[-4:]}"


def mask_email(address: str) -> str:
    """zhang.san@example.com → z***@example.com: enough to tell whose it is, for pages and logs."""
    local, at, domain = address.partition("@")
    return f"{local[:1]}***@{domain}" if at else address


def _recipient_label(delivery) -> str:
    return mask_email(delivery.recipient) if delivery.channel == DeliveryChannel.EMAIL else delivery.recipient


def _dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    string_to_sign = f"{timestamp_ms}\n{secret}".encode()
    digest = hmac.new(secret.encode(), string_to_sign, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def _feishu_sign(secret: str, timestamp_s: int) -> str:
    # Feishu keys the HMAC with "timestamp\nsecret" and signs an empty message.
    digest = hmac.new(f"{timestamp_s}\n{secret}".encode(), b"", hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def webhook_request(
    provider: str, url: str, secret: str, text: str, *, at: float | None = None
) -> tuple[str, dict]:
    """The address to post to and the JSON body, in the provider's format, signed when a secret is set."""
    at = time.time() if at is None else at
    if provider == WebhookProvider.WECOM:
        return url, {"msgtype": "markdown", "markdown": {"content": text}}
    if provider == WebhookProvider.DINGTALK:
        if secret:
            ts = int(at * 1000)
            sign = urllib.parse.quote_plus(_dingtalk_sign(secret, ts))
            url = f"{url}{'&' if '?' in url else '?'}timestamp={ts}&sign={sign}"
        return url, {"msgtype": "text", "text": {"content": text}}
    if provider == WebhookProvider.FEISHU:
        payload: dict[str, Any] = {"msg_type": "text", "content": {"text": text}}
        if secret:
            ts = int(at)
            payload = {"timestamp": str(ts), "sign": _feishu_sign(secret, ts), **payload}
        return url, payload
    raise PermanentDeliveryError(f"未知的群机器人类型：{provider}")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """The robots answer directly; following a redirect would post the message wherever it pointed."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        raise urllib.error.HTTPError(req.full_url, code, f"意外的重定向（{code}）", headers, fp)


_OPENER = urllib.request.build_opener(_NoRedirect)


def _robot_error(provider: str, answer: Any) -> str | None:
    if not isinstance(answer, dict):
        return "群机器人的响应格式不正确"
    if provider == WebhookProvider.FEISHU:
        code = answer.get("code", answer.get("StatusCode"))
        message = answer.get("msg", answer.get("StatusMessage", ""))
    else:
        code, message = answer.get("errcode"), answer.get("errmsg", "")
    if code == 0:
        return None
    return f"{dict(WebhookProvider.choices).get(provider, provider)}返回错误 {code}：{message}"[:500]


def webhook_post(webhook: UnitWebhook, text: str) -> None:
    """Post one message to a group robot; raises DeliveryError saying why it did not arrive."""
    try:
        url = webhook_url_check(webhook.provider, webhook.url)
    except ApplicationError as exc:
        raise PermanentDeliveryError(exc.message) from None
    url, payload = webhook_request(webhook.provider, url, webhook.secret, text)
    request = urllib.request.Request(  # noqa: S310 (the address was checked above: https to the provider's host)
        url,
        data=json.dumps(payload, ensure_ascii=False).encode(),
        headers={"Content-Type": "application/json; charset=utf-8"},
        method="POST",
    )
    timeout = _setting("NETCONDUCT_WEBHOOK_TIMEOUT", 5)
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            raw = response.read(65536)
    except urllib.error.HTTPError as exc:
        raise DeliveryError(f"HTTP {exc.code}：{exc.reason}") from None
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise DeliveryError(f"网络错误：{reason}") from None
    try:
        answer = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise DeliveryError(f"群机器人的响应不是 JSON：{raw[:200]!r}") from None
    error = _robot_error(webhook.provider, answer)
    if error:
        raise DeliveryError(error)


class _Mailer:
    """One SMTP connection for a dispatch run, opened on the first e-mail."""

    def __init__(self) -> None:
        self._connection = None

    def send(self, delivery: _Claimed) -> None:
        if self._connection is None:
            self._connection = mail.get_connection(fail_silently=False)
        message = mail.EmailMessage(
            subject=delivery.subject,
            body=delivery.body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[delivery.recipient],
            connection=self._connection,
        )
        try:
            message.send(fail_silently=False)
        except Exception as exc:
            self.close()  # a broken SMTP session is not reused for the next message
            raise DeliveryError(f"邮件发送失败：{exc}") from None

    def close(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(Exception):  # closing a session that may already have failed
                self._connection.close()
            self._connection = None


@dataclass
class _Claimed:
    """A delivery taken for sending: the columns sending needs, no model instance (a run takes 100,000)."""

    pk: int
    channel: str
    recipient: str
    subject: str
    body: str
    attempts: int
    webhook: UnitWebhook | None


def _assignments(assignments: dict[str, Any]) -> tuple[list[str], list]:
    """`column = %s` (or `column = column + 1` for an F) for each field, and the values prepared for the database."""
    qn = connection.ops.quote_name
    meta = Delivery._meta
    sets, values = [], []
    for name, value in assignments.items():
        column = qn(meta.get_field(name).column)
        if isinstance(value, F):  # attempts + 1
            sets.append(f"{column} = {qn(meta.get_field(value.name).column)} + 1")
        else:
            sets.append(f"{column} = %s")
            values.append(meta.get_field(name).get_db_prep_save(value, connection))
    return sets, values


def _update_ids(ids: Sequence[int], assignments: dict[str, Any], *, pending_only: bool = False) -> None:
    """UPDATE deliveries by id, the ids bound straight to the statement: Django's `pk__in` prepares each of 10,000
    values in Python, which costs more than the update itself."""
    if not ids:
        return
    qn = connection.ops.quote_name
    meta = Delivery._meta
    sets, values = _assignments(assignments)
    where = f"{qn('status')} = %s AND " if pending_only else ""
    head = f"UPDATE {qn(meta.db_table)} SET {', '.join(sets)} WHERE {where}{qn('id')} IN "  # noqa: S608
    status = [DeliveryStatus.PENDING] if pending_only else []
    with connection.cursor() as cursor:
        # PostgreSQL: one array, not 10,000 placeholders for psycopg to split and quote.
        if connection.vendor == "postgresql":
            for chunk in chunked(list(ids), bulk_rows()):
                cursor.execute(head[: -len(" IN ")] + " = ANY(%s::bigint[])", [*values, *status, list(chunk)])
            return
        for chunk in chunked(list(ids), keys_per_statement()):
            cursor.execute(head + "(" + ", ".join(["%s"] * len(chunk)) + ")", [*values, *status, *chunk])


CLAIMED_COLUMNS = ("id", "channel", "recipient", "subject", "body", "attempts", "webhook_id")


def _claim(now: dt.datetime, only: Sequence[int] | None, size: int) -> list[_Claimed]:
    """Take up to `size` due deliveries for this worker: lease them and count the attempt before anything is sent —
    one `UPDATE … WHERE id IN (the due ones, locked, skipping those another worker holds) RETURNING` the columns
    sending needs, whatever `size` (a second statement for robots' addresses)."""
    with transaction.atomic():
        due = Delivery.objects.filter(status=DeliveryStatus.PENDING).filter(
            Q(next_attempt_at__lte=now) | Q(next_attempt_at__isnull=True)
        )
        if only is not None:
            due = due.filter(pk__in=list(only))
        # In the pending index's order (on PostgreSQL a delivery without a time comes after those due by now;
        # either way everything due goes out in the one run).
        due = due.order_by("next_attempt_at", "pk")
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True, of=("self",))
        lease = {"next_attempt_at": now + LEASE, "attempts": F("attempts")}
        if connection.features.can_return_rows_from_bulk_insert:  # UPDATE … RETURNING too (SQLite 3.35+)
            select, params = due.values("pk")[:size].query.sql_with_params()
            rows = _update_returning(select, params, lease)
        else:
            rows = [(*r[:5], r[5] + 1, r[6]) for r in due.values_list(*CLAIMED_COLUMNS)[:size]]
            _update_ids([r[0] for r in rows], lease)
        if not rows:
            return []
        hook_ids = {r[6] for r in rows if r[6] is not None}
        hooks = UnitWebhook.objects.in_bulk(list(hook_ids)) if hook_ids else {}
    return [
        _Claimed(pk, channel, recipient, subject, body, attempts, hooks.get(hook_id))
        for pk, channel, recipient, subject, body, attempts, hook_id in rows
    ]


def _update_returning(select: str, params: Sequence, assignments: dict[str, Any]) -> list[tuple]:
    """UPDATE the deliveries whose ids `select` yields; returns their CLAIMED_COLUMNS as updated, by id."""
    qn = connection.ops.quote_name
    sets, values = _assignments(assignments)
    returning = ", ".join(qn(column) for column in CLAIMED_COLUMNS)
    # PostgreSQL: the ids as an array, so that the rows are found by their key — with `IN (…)` the planner
    # hash-joins the subquery against a scan of the whole table.
    ids = f"= ANY(ARRAY({select}))" if connection.vendor == "postgresql" else f"IN ({select})"
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {qn(Delivery._meta.db_table)} SET {', '.join(sets)} WHERE {qn('id')} {ids}"  # noqa: S608
            f" RETURNING {returning}",
            [*values, *params],
        )
        return sorted(cursor.fetchall())  # RETURNING comes in no particular order


def _send(delivery: _Claimed, mailer: _Mailer) -> None:
    if delivery.channel == DeliveryChannel.EMAIL:
        if not delivery.recipient:
            raise PermanentDeliveryError("没有收件地址")
        mailer.send(delivery)
        return
    webhook = delivery.webhook
    if webhook is None:
        raise PermanentDeliveryError("群机器人已删除")
    if not webhook.is_enabled:
        raise PermanentDeliveryError("群机器人已停用")
    webhook_post(webhook, delivery.body)  # a robot's body is the whole message, subject included


def _record_sent(pks: list[int], now: dt.datetime) -> None:
    """Mark what went out as sent: one UPDATE for the lot."""
    _update_ids(
        pks, {"status": DeliveryStatus.SENT, "sent_at": now, "next_attempt_at": None}, pending_only=True
    )


def _record_failure(
    delivery: Delivery, now: dt.datetime, error: DeliveryError, report: DispatchReport
) -> None:
    """A failed attempt: retried later with backoff, or FAILED after the last one (one row: failures are few, and
    each keeps its own error)."""
    rows = Delivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.PENDING)
    message = str(error)[:1000]
    steps = backoff_minutes()
    if isinstance(error, PermanentDeliveryError) or delivery.attempts >= max_attempts():
        rows.update(status=DeliveryStatus.FAILED, last_error=message, next_attempt_at=None)
        report.failed += 1
        logger.error(
            "delivery %s (%s to %s) failed for good after %s attempt(s): %s",
            delivery.pk,
            delivery.channel,
            _recipient_label(delivery),
            delivery.attempts,
            message,
        )
        return
    retry_at = now + dt.timedelta(minutes=steps[min(delivery.attempts, len(steps)) - 1])
    rows.update(last_error=message, next_attempt_at=retry_at)
    report.retrying += 1
    logger.warning(
        "delivery %s (%s to %s) failed, attempt %s of %s, next at %s: %s",
        delivery.pk,
        delivery.channel,
        _recipient_label(delivery),
        delivery.attempts,
        max_attempts(),
        retry_at.isoformat(),
        message,
    )


RECORD_EVERY_SECONDS = 5.0  # a worker that dies mid-batch re-sends at most this much once its lease runs out


def deliveries_dispatch(
    *, now: dt.datetime | None = None, only: Sequence[int] | None = None, limit: int | None = None
) -> DispatchReport:
    """Send the due PENDING deliveries (or only those given; at most `limit` when given): everything due in one run.

    Batches of NETCONDUCT_BULK_ROWS are claimed (leased) at once, sent over one SMTP connection, and recorded as
    sent in one UPDATE per batch (and every few seconds while a slow batch goes out); each failure is recorded on
    its own row with its error. What is claimed has its lease in the future, and a failure's retry is later than
    `now`, so the loop ends when nothing due is left."""
    now = now or timezone.now()
    report = DispatchReport()
    mailer = _Mailer()
    done = 0
    size = bulk_rows()
    try:
        while limit is None or done < limit:
            claimed = _claim(now, only, size if limit is None else min(size, limit - done))
            if not claimed:
                break
            sent: list[int] = []
            recorded_at = time.monotonic()
            for delivery in claimed:
                try:
                    _send(delivery, mailer)
                except DeliveryError as exc:
                    _record_failure(delivery, now, exc, report)
                except Exception as exc:  # whatever broke, the delivery is recorded and tried again
                    logger.exception("delivery %s: unexpected error", delivery.pk)
                    _record_failure(delivery, now, DeliveryError(f"内部错误：{exc!r}"), report)
                else:
                    sent.append(delivery.pk)
                    if time.monotonic() - recorded_at > RECORD_EVERY_SECONDS:
                        _record_sent(sent, now)
                        report.sent += len(sent)
                        sent, recorded_at = [], time.monotonic()
            _record_sent(sent, now)
            report.sent += len(sent)
            done += len(claimed)
    finally:
        mailer.close()
    return report
