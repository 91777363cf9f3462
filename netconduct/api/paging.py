"""Cursor pagination and incremental sync: pages in primary-key order, an opaque cursor, `updated_since`."""

from __future__ import annotations

import base64
import binascii
import datetime as dt

from django.db.models import QuerySet
from django.utils import timezone

from .errors import ApiError

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000


def encode_cursor(pk: int) -> str:
    return base64.urlsafe_b64encode(f"pk:{pk}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        kind, _, value = text.partition(":")
        pk = int(value)
        if kind != "pk" or pk < 0 or pk > 2**62:
            raise ValueError
        return pk
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise ApiError(
            422, "invalid_cursor", "翻页游标（cursor）无效，请使用上一页返回的 next_cursor。"
        ) from None


def since(value: dt.datetime | None) -> dt.datetime | None:
    if value is None:
        return None
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value


def page(queryset: QuerySet, *, cursor: str | None, limit: int, field: str = "pk") -> tuple[list, str | None]:
    """One page after the cursor, in `field` order, and the cursor of the next page (None on the last)."""
    if cursor:
        queryset = queryset.filter(**{f"{field}__gt": decode_cursor(cursor)})
    rows = list(queryset.order_by(field)[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    last = rows[-1] if rows else None
    return rows, encode_cursor(_value(last, field)) if more and last is not None else None


def _value(row, field: str) -> int:
    return row[field] if isinstance(row, dict) else getattr(row, field)
