"""Sending recorded events: each delivery is POSTed as signed JSON, retried with backoff when it fails, and every
attempt is kept (status code, error, time taken) for the delivery log.

The signature is `X-Netconduct-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<body>" under the secret>`, with the
timestamp (Unix seconds) in `X-Netconduct-Timestamp`, so a receiver can refuse old or replayed messages. Backoff
and the number of attempts are the group robots' (NETCONDUCT_DELIVERY_BACKOFF_MINUTES). Rows are claimed and leased
in a short transaction before any network call, as the robots' deliveries are, so two workers never send one twice.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import time
from collections.abc import Sequence

from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from netconduct.notifications.sending import (
    LEASE,
    DeliveryError,
    DispatchReport,
    PermanentDeliveryError,
    backoff_minutes,
    max_attempts,
)

from . import guard
from .choices import EventDeliveryStatus
from .models import DeliveryAttempt, EventDelivery

logger = logging.getLogger("netconduct.webhooks")

SIGNATURE_HEADER = "X-Netconduct-Signature"
TIMESTAMP_HEADER = "X-Netconduct-Timestamp"


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The signature header's value for `body` sent at `timestamp`."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def request_headers(
    delivery: EventDelivery, secret: str, body: bytes, *, at: float | None = None
) -> dict[str, str]:
    timestamp = int(time.time() if at is None else at)
    return {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "netconduct-webhooks/1",
        "X-Netconduct-Event": delivery.kind,
        "X-Netconduct-Event-Id": str(delivery.event_id),
        "X-Netconduct-Delivery": str(delivery.uuid),
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: sign(secret, timestamp, body),
    }


class _Answer(DeliveryError):
    def __init__(self, message: str, status_code: int | None) -> None:
        super().__init__(message)
        self.status_code = status_code


def _send(delivery: EventDelivery) -> int:
    """POST the delivery; its status code when the receiver took it (2xx), else a DeliveryError."""
    subscription = delivery.subscription
    if not subscription.is_enabled:
        raise PermanentDeliveryError("订阅已停用")
    body = delivery.body.encode()
    status, answer = guard.post(subscription.url, body, request_headers(delivery, subscription.secret, body))
    if 200 <= status < 300:
        return status
    excerpt = answer[:200].decode("utf-8", "replace").strip()
    raise _Answer(f"HTTP {status}" + (f"：{excerpt}" if excerpt else ""), status)


def _claim(now: dt.datetime, only: Sequence[int] | None, size: int) -> list[EventDelivery]:
    with transaction.atomic():
        due = EventDelivery.objects.filter(status=EventDeliveryStatus.PENDING).filter(
            Q(next_attempt_at__lte=now) | Q(next_attempt_at__isnull=True)
        )
        if only is not None:
            due = due.filter(pk__in=list(only))
        due = due.select_related("subscription").order_by(F("next_attempt_at").asc(nulls_first=True), "pk")
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True, of=("self",))
        rows = list(due[:size])
        if rows:
            EventDelivery.objects.filter(pk__in=[d.pk for d in rows]).update(
                next_attempt_at=now + LEASE, attempts=F("attempts") + 1
            )
            for delivery in rows:
                delivery.attempts += 1
    return rows


def _record(
    delivery: EventDelivery,
    now: dt.datetime,
    status_code: int | None,
    error: DeliveryError | None,
    took_ms: int,
    report: DispatchReport,
) -> None:
    message = str(error)[:1000] if error else ""
    with transaction.atomic():
        DeliveryAttempt.objects.create(
            delivery=delivery,
            number=delivery.attempts,
            at=now,
            status_code=status_code,
            error=message,
            duration_ms=took_ms,
        )
        rows = EventDelivery.objects.filter(pk=delivery.pk, status=EventDeliveryStatus.PENDING)
        if error is None:
            rows.update(
                status=EventDeliveryStatus.SENT,
                sent_at=now,
                next_attempt_at=None,
                last_status_code=status_code,
                last_error="",
            )
            report.sent += 1
            return
        if isinstance(error, PermanentDeliveryError) or delivery.attempts >= max_attempts():
            rows.update(
                status=EventDeliveryStatus.FAILED,
                next_attempt_at=None,
                last_status_code=status_code,
                last_error=message,
            )
            report.failed += 1
            logger.error(
                "event delivery %s failed for good after %s attempt(s): %s",
                delivery.uuid,
                delivery.attempts,
                message,
            )
            return
        steps = backoff_minutes()
        retry_at = now + dt.timedelta(minutes=steps[min(delivery.attempts, len(steps)) - 1])
        rows.update(next_attempt_at=retry_at, last_status_code=status_code, last_error=message)
        report.retrying += 1
        logger.warning(
            "event delivery %s failed, attempt %s of %s, next at %s: %s",
            delivery.uuid,
            delivery.attempts,
            max_attempts(),
            retry_at.isoformat(),
            message,
        )


def events_dispatch(
    *, now: dt.datetime | None = None, only: Sequence[int] | None = None, limit: int = 2000
) -> DispatchReport:
    """Send the due pending deliveries (or only those given), at most `limit` in one call."""
    now = now or timezone.now()
    report = DispatchReport()
    done = 0
    while done < limit:
        claimed = _claim(now, only, min(50, limit - done))
        if not claimed:
            break
        for delivery in claimed:
            started = time.monotonic()
            status_code, error = None, None
            try:
                status_code = _send(delivery)
            except _Answer as exc:
                status_code, error = exc.status_code, exc
            except DeliveryError as exc:
                error = exc
            except Exception as exc:  # whatever broke, the attempt is recorded and tried again
                logger.exception("event delivery %s: unexpected error", delivery.uuid)
                error = DeliveryError(f"内部错误：{exc!r}")
            took = int((time.monotonic() - started) * 1000)
            _record(delivery, now, status_code, error, took, report)
        done += len(claimed)
    return report


def events_pending() -> bool:
    return EventDelivery.objects.filter(status=EventDeliveryStatus.PENDING).exists()
