"""Reading numbers from a page's query string: a value no form would send (text, NUL bytes, a number too large for
the database or a date) is treated as absent, never passed on to raise deep inside a query."""

from __future__ import annotations

from django.http import HttpRequest

MAX_ID = 2**63 - 1  # the largest primary key any of the databases stores


def int_param(request: HttpRequest, name: str, *, low: int = 0, high: int = MAX_ID) -> int | None:
    """The query parameter `name` as an int within [low, high], or None."""
    raw = request.GET.get(name, "")
    if not raw.isascii() or not raw.isdigit() or len(raw) > 19:
        return None
    value = int(raw)
    return value if low <= value <= high else None
