"""Database housekeeping shared by the bulk writers (demo data, roster import, campaigns, notifications)."""

from __future__ import annotations

import contextlib
import hashlib
import sqlite3
import time
from collections.abc import Iterator, Sequence

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Model
from django.db.models.constants import OnConflict

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
COPY_ROWS = 1_000  # on PostgreSQL, batches of at least this many rows go by COPY: NETCONDUCT_COPY_ROWS
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


def copy_rows() -> int:
    """From how many rows a batch is sent to PostgreSQL by COPY rather than as arrays (a setting, so that tests
    can take either path): COPY costs two statements more, and pays from a few hundred rows."""
    return max(1, int(getattr(settings, "NETCONDUCT_COPY_ROWS", COPY_ROWS)))


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


_PREPARED_TYPES = frozenset(
    {"DateTimeField", "DateField", "TimeField", "DecimalField", "JSONField", "UUIDField", "DurationField"}
)


def insert_rows(
    model: type[Model],
    fields: Sequence[str],
    rows: Sequence[Sequence],
    *,
    ignore_conflicts: bool = False,
    returning: str | None = None,
) -> list:
    """Insert plain rows (values in the order of `fields`, foreign keys as ids), NETCONDUCT_BULK_ROWS rows a
    statement at most: on SQLite multi-row INSERTs within its real variable limit, on PostgreSQL one array per
    column (`INSERT … SELECT * FROM unnest(…)`), or from NETCONDUCT_COPY_ROWS rows a batch by COPY (`_copy_rows`).
    With `returning` (a column name),
    returns that column of the rows actually inserted — with `ignore_conflicts`, those whose unique key was free —
    so a caller learns which of its keys were new without looking them up first; else returns [].

    For the writers of 100,000 rows at a time: no model instances and no per-field preparation by the compiler
    (which costs more than the database's work), values converted only where the database needs it (dates and
    times, once per distinct value). Columns left out get NULL, so every NOT NULL column must be given."""
    if not rows:
        return []
    if returning is not None and not connection.features.can_return_rows_from_bulk_insert:
        raise NotImplementedError("this database cannot return the inserted rows (SQLite before 3.35)")
    meta = model._meta
    concrete = [meta.get_field(name) for name in fields]
    converted = []  # (index, field) of the columns whose values the database needs converted
    for index, field in enumerate(concrete):
        if field.get_internal_type() in _PREPARED_TYPES:
            converted.append((index, field))
    on_conflict = OnConflict.IGNORE if ignore_conflicts else None
    qn = connection.ops.quote_name
    tail = connection.ops.on_conflict_suffix_sql(concrete, on_conflict, None, None)
    if returning is not None:
        tail += f" RETURNING {qn(meta.get_field(returning).column)}"
    columns = f"{qn(meta.db_table)} ({', '.join(qn(f.column) for f in concrete)})"
    # PostgreSQL: one array per column, unnested — a statement binds as many parameters as there are columns,
    # whatever the number of rows (a VALUES list of 100,000 placeholders costs the driver more than the insert).
    unnest = connection.vendor == "postgresql"
    if unnest:
        arrays = ", ".join(f"%s::{f.db_type(connection)}[]" for f in concrete)
        statement = f"INSERT INTO {columns} SELECT * FROM unnest({arrays}) {tail}"  # noqa: S608
        size = bulk_rows()
    else:
        head = f"{connection.ops.insert_statement(on_conflict=on_conflict)} {columns} VALUES "
        row_sql = "(" + ", ".join(["%s"] * len(concrete)) + ")"
        size = rows_per_statement(len(concrete))
    cache: dict = {}
    found: list = []
    staged = False  # the temporary table of the COPY path created (once a call)
    with connection.cursor() as cursor:
        for chunk in chunked(rows, size):
            if converted and not _prepared_as_given(chunk, converted, cache):
                prepared = []
                for row in chunk:
                    values = list(row)
                    for index, field in converted:
                        value = values[index]
                        key = (index, value)
                        if key not in cache:
                            cache[key] = field.get_db_prep_save(value, connection)
                        values[index] = cache[key]
                    prepared.append(values)
                chunk = prepared
            if unnest and len(chunk) >= copy_rows():
                columns_ = [f.column for f in concrete]
                found.extend(_copy_rows(meta.db_table, columns_, chunk, tail, returning, create=not staged))
                staged = True
                continue
            if unnest:
                cursor.execute(statement, [list(column) for column in zip(*chunk, strict=True)])
            else:
                params = [value for row in chunk for value in row]
                cursor.execute(
                    head + ", ".join([row_sql] * len(chunk)) + (f" {tail}" if tail else ""), params
                )
            if returning is not None:
                found.extend(value for (value,) in cursor.fetchall())
    return found


def _prepared_as_given(chunk: Sequence[Sequence], converted: list, cache: dict) -> bool:
    """Whether the database takes every value of the converted columns as it is (PostgreSQL: aware datetimes,
    dates), so that the rows need not be copied to convert them; fills the cache of conversions on the way."""
    for index, field in converted:
        for value in {row[index] for row in chunk}:
            key = (index, value)
            if key not in cache:
                cache[key] = field.get_db_prep_save(value, connection)
            if cache[key] is not value:
                return False
    return True


def _logged_copy(cursor, copy: str, rows: Sequence[Sequence]) -> None:
    """COPY `rows` through psycopg (rows as they are: psycopg writes each value's text in C), logged as one query
    like every other statement, so that tests pinning statement counts see it."""
    started = time.monotonic()
    with connection.wrap_database_errors, cursor.cursor.copy(copy) as pipe:
        for row in rows:
            pipe.write_row(row)
    if connection.queries_logged:
        connection.queries_log.append(
            {"sql": f"{copy} -- {len(rows)} rows", "time": f"{time.monotonic() - started:.3f}"}
        )


def _copy_rows(
    table: str,
    columns: Sequence[str],
    rows: Sequence[Sequence],
    tail: str,
    returning: str | None,
    *,
    create: bool = True,
) -> list:
    """PostgreSQL, a large batch: COPY it straight into the table, or — when taken keys must be skipped or the new
    ones returned, which COPY cannot do — into a temporary table of those columns (this session's, made if missing
    once a call, always left empty) and on from there in one `WITH … DELETE … RETURNING` INSERT that carries the
    conflict clause and the RETURNING. Two statements a batch (and one a call) instead of one, yet twice as fast
    at 10,000 rows: the `INSERT … unnest(…)` spends most of its time in psycopg quoting the arrays in Python
    (Django binds on the client), where COPY writes each value's text in C."""
    qn = connection.ops.quote_name
    names = ", ".join(qn(column) for column in columns)
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        if not tail:
            _logged_copy(cursor, f"COPY {qn(table)} ({names}) FROM STDIN", rows)
            return []
        digest = hashlib.sha1(names.encode(), usedforsecurity=False).hexdigest()[:8]  # one per column list
        stage = qn(f"netconduct_stage_{table}_{digest}")
        if create:
            cursor.execute(
                f"CREATE TEMPORARY TABLE IF NOT EXISTS {stage} AS SELECT {names} FROM {qn(table)} WITH NO DATA"  # noqa: S608
            )
        _logged_copy(cursor, f"COPY {stage} ({names}) FROM STDIN", rows)
        cursor.execute(
            f"WITH staged AS (DELETE FROM {stage} RETURNING {names}) "  # noqa: S608 (quoted names, not input)
            f"INSERT INTO {qn(table)} ({names}) SELECT {names} FROM staged {tail}"
        )
        return [value for (value,) in cursor.fetchall()] if returning is not None else []
