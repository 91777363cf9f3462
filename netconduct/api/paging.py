"""Cursor pagination and incremental sync: pages in primary-key order, an opaque cursor, `updated_since`."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated

from django.db.models import QuerySet
from django.utils import timezone
from ninja import Path
from pydantic import BeforeValidator

from .errors import ApiError

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000


CURSOR_PATTERN = r"^[0-9]{1,16}$"


def encode_cursor(pk: int) -> str:
    """The next page starts after this id. Plain digits, so that any cursor the document allows is a valid one."""
    return str(pk)


def decode_cursor(cursor: str) -> int:
    if not cursor.isascii() or not cursor.isdigit() or len(cursor) > 16:
        raise ApiError(422, "invalid_cursor", "翻页游标（cursor）无效，请使用上一页返回的 next_cursor。")
    return int(cursor)


def since(value: dt.datetime | None) -> dt.datetime | None:
    """The moment in UTC: PostgreSQL takes offsets up to ±15:59 only, and any ISO 8601 offset up to ±23:59 is
    valid. A moment beyond the calendar's ends in UTC (year 1 or 9999 with an offset) is clamped to that end."""
    if value is None:
        return None
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    try:
        return value.astimezone(dt.UTC)
    except OverflowError:
        if value.year == dt.MINYEAR:
            return dt.datetime.min.replace(tzinfo=dt.UTC)
        return dt.datetime.max.replace(tzinfo=dt.UTC)


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


MAX_ID = 2**53  # ids beyond this are no row's (and would overflow SQLite's integers)
ObjectId = Annotated[int, Path(ge=1, le=MAX_ID, description="编号")]


def _iso_only(value):
    """pydantic reads a bare number as a Unix time; the API takes ISO 8601 only (a number is a client's mistake)."""
    if isinstance(value, int | float) or (
        isinstance(value, str) and re.fullmatch(r"\s*[+-]?[0-9.eE+-]+\s*", value)
    ):
        raise ValueError("应为 ISO 8601 格式的时间，如 2026-12-01T08:00:00+08:00。")
    return value


Since = Annotated[dt.datetime, BeforeValidator(_iso_only)]
