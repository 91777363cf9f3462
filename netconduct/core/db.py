"""Database housekeeping shared by the bulk writers (demo data, roster import, campaigns, notifications)."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator, Sequence

from django.conf import settings
from django.db import connection
from django.db.models import Model

BULK_LOAD_ROWS = 5_000  # after writing this many rows at once, the planner's statistics are out of date


def refresh_planner_statistics() -> None:
    """Update the query planner's statistics after a bulk load.

    Without them SQLite walks every person to count one branch's 50 (it drives the join from the status index):
    with 100,000 people a branch page's counts take 200 ms before `ANALYZE` and under 1 ms after.
    """
    if connection.vendor in {"sqlite", "postgresql"}:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


# ---------------------------------------------------------------------------------------------------- bulk writes

BULK_ROWS = 10_000  # rows per statement (and keys per IN list) by default: NETCONDUCT_BULK_ROWS
POSTGRESQL_MAX_PARAMS = 65_535  # the wire protocol counts a statement's parameters in 16 bits


def query_params_limit() -> int:
    """The most parameters one statement may bind on this connection.

    Django assumes 999 for SQLite (the compile-time default before 3.32) and splits a bulk insert into ~100-row
    statements; the library linked here usually allows 32,766 or more, and says so through `getlimit`."""
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        getlimit = getattr(connection.connection, "getlimit", None)  # Python 3.11+
        if getlimit is not None:
            return getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
        return connection.features.max_query_params or 999
    if connection.vendor == "postgresql":
        return POSTGRESQL_MAX_PARAMS
    return connection.features.max_query_params or POSTGRESQL_MAX_PARAMS


def bulk_rows() -> int:
    """Rows per statement the bulk writers aim for (a setting, so tests can show counts grow with batches only)."""
    return max(1, int(getattr(settings, "NETCONDUCT_BULK_ROWS", BULK_ROWS)))


def rows_per_statement(columns: int) -> int:
    """How many rows of `columns` values one INSERT may carry: the setting, within the database's real limit."""
    return max(1, min(bulk_rows(), query_params_limit() // max(1, columns)))


def keys_per_statement() -> int:
    """How many values one `IN (...)` list may carry (leaving room for the query's other parameters)."""
    return max(1, min(bulk_rows(), query_params_limit() - 100))


def chunked(items: Sequence, size: int) -> Iterator[Sequence]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


@contextlib.contextmanager
def real_params_limit() -> Iterator[None]:
    """Inside: Django's own batching (bulk_create, bulk_update) uses the database's real parameter limit instead
    of SQLite's assumed 999. Per connection (connections are per thread), restored on the way out."""
    features = connection.features
    if connection.vendor != "sqlite" or "max_query_params" in vars(features):
        yield
        return
    features.max_query_params = query_params_limit()
    try:
        yield
    finally:
        del features.max_query_params


def bulk_insert(objs: Sequence[Model], *, ignore_conflicts: bool = False) -> None:
    """Insert model instances in as few statements as the database allows (NETCONDUCT_BULK_ROWS rows at most)."""
    if not objs:
        return
    model = type(objs[0])
    columns = len(model._meta.concrete_fields)  # the id among them when the database makes it: one spare
    with real_params_limit():
        model._base_manager.bulk_create(
            objs, batch_size=rows_per_statement(columns), ignore_conflicts=ignore_conflicts
        )
