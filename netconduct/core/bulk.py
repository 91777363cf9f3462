"""Fast writers of many rows, for the services' bulk paths (roster import, the audit chain's bulk append).

Django's `bulk_create` prepares every value of every row through its field (`get_db_prep_save`) and, on SQLite,
splits the rows into statements of at most 999 parameters (its old limit): 100,000 people took 3,701 INSERTs. Here
each column's conversion is chosen once, the rows become plain tuples, and they go to the database in one
`executemany` per batch (SQLite prepares the statement once and steps it per row) or one COPY per batch on
PostgreSQL. A batch is bounded by the database's real limit on variables per statement (SQLite has allowed 32,766
since 3.32, PostgreSQL 65,535) so that a multi-row fallback stays valid, and by memory.

These writers do no validation, fire no signals and return no primary keys: they are for services that have done
all of that themselves, inside their transaction. Every call is logged as one query (COPY included), so that tests
pinning statement counts see them.
"""

from __future__ import annotations

import itertools
import json
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import islice
from operator import attrgetter
from typing import Any

from django.db import DatabaseError, connection, models, transaction
from django.db.models import signals
from django.db.models.base import ModelState
from django.db.models.expressions import RawSQL
from django.utils import timezone

# SQLite's SQLITE_MAX_VARIABLE_NUMBER: 999 before 3.32, 32,766 since; PostgreSQL's protocol allows 65,535.
SQLITE_MAX_VARIABLES = 32_766 if sqlite3.sqlite_version_info >= (3, 32) else 999
POSTGRESQL_MAX_VARIABLES = 65_535
MAX_BATCH_ROWS = 10_000
SQLITE_CACHE_KIB = (
    -65_536
)  # negative: KiB, i.e. 64 MB  # memory: a batch of tuples is built before it is sent


def max_variables() -> int:
    """The most parameters one statement may carry on the default database."""
    if connection.vendor == "sqlite":
        return SQLITE_MAX_VARIABLES
    if connection.vendor == "postgresql":
        return POSTGRESQL_MAX_VARIABLES
    return 999


def lookup_batch() -> int:
    """Values per `field__in=[...]` look-up: the variable limit, less room for a query's other parameters."""
    return max_variables() - 100


def batch_rows(columns: int) -> int:
    """Rows per batch for a table of `columns` columns: bounded by the variable limit and by MAX_BATCH_ROWS."""
    return max(1, min(MAX_BATCH_ROWS, max_variables() // max(columns, 1)))


def batched(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


_UNIT_SEPARATOR = "\x1f"


def values_in(values: Sequence[str] | Sequence[int]) -> RawSQL | list:
    """The right-hand side of `field__in=` carrying all `values` as ONE parameter (a JSON text on SQLite, a
    separated text on PostgreSQL): no limit on variables, and none of Django's per-value preparation (8 µs a value).

    `Person.objects.filter(id_number_hash__in=values_in(hashes))`. Values are all str or all int.
    """
    items = list(values)
    if not items:
        return items  # Django answers an empty IN without a query
    numeric = isinstance(items[0], int)
    if connection.vendor == "postgresql":
        # One text the server splits: psycopg dumps a list parameter value by value in Python (10 ms of CPU for
        # 5,000 ID hashes, against 0.2 ms for a joined text; a roster import sends hundreds of such lists). Text
        # values are joined with the ASCII unit separator, unless one of them holds it or the list is one empty
        # string (which string_to_array reads as no value at all): then as an array, as before.
        if numeric:
            return RawSQL("SELECT unnest(string_to_array(%s, ',')::bigint[])", [",".join(map(str, items))])
        joined = _UNIT_SEPARATOR.join(items)
        if joined and joined.count(_UNIT_SEPARATOR) == len(items) - 1:
            return RawSQL("SELECT unnest(string_to_array(%s, %s))", [joined, _UNIT_SEPARATOR])
        return RawSQL("SELECT unnest(%s::text[])", [items])
    if connection.vendor == "sqlite":
        return RawSQL("SELECT value FROM json_each(%s)", [json.dumps(items)])
    return items


def instance_maker(model: type[models.Model]) -> Callable[[], models.Model]:
    """A maker of new, unsaved instances of `model` with every field at its default, as `model()` gives them.

    `Model.__init__` walks every field through descriptors (60 µs for a person on a busy machine: six seconds of a
    100,000-row import); this copies the defaults in one step. Callable defaults are called per instance. When
    something listens to the model's pre_init or post_init signals, it is plain `model()`.
    """
    if signals.pre_init.has_listeners(model) or signals.post_init.has_listeners(model):
        return model
    fields = model._meta.concrete_fields
    dynamic = [f for f in fields if f.has_default() and callable(f.default)]
    static = {f.attname: f.get_default() for f in fields if f not in dynamic}

    def make() -> models.Model:
        obj = model.__new__(model)
        obj.__dict__.update(static)
        for field in dynamic:
            obj.__dict__[field.attname] = field.get_default()
        obj._state = ModelState()
        return obj

    return make


Converter = Callable[[Any], Any] | None


def _converter(field: models.Field) -> Converter:
    """How one column's Python value becomes the value bound to the statement (None: as it is)."""
    ops = connection.ops
    if isinstance(field, models.DateTimeField):
        return ops.adapt_datetimefield_value if connection.vendor == "sqlite" else None
    if isinstance(field, models.DateField):
        return ops.adapt_datefield_value if connection.vendor == "sqlite" else None
    if isinstance(field, models.JSONField):
        return lambda value: None if value is None else json.dumps(value, ensure_ascii=False)
    if isinstance(
        field,
        models.CharField | models.TextField | models.IntegerField | models.BooleanField | models.ForeignKey,
    ):
        return None
    return lambda value: field.get_db_prep_save(value, connection)


def _fields(model: type[models.Model], names: Sequence[str] | None) -> list[models.Field]:
    if names is None:
        return [f for f in model._meta.concrete_fields if not f.primary_key]
    return [model._meta.get_field(name) for name in names]  # type: ignore[misc]


def _run(sql: str, rows: list[tuple]) -> None:
    """One executemany of `rows` (logged as one query by Django's cursor)."""
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def _copy(copy: str, rows: Iterable[tuple]) -> int:
    """One COPY of `rows`, logged as one query; returns how many rows it wrote.

    The rows are written as they come: psycopg sends them every 32 KB, so the server inserts them (and keeps the
    table's indexes) while the caller's generator is still building the next ones — on the other core — instead
    of waiting for a whole batch to be built first and then for the server to take it all.
    """
    started = time.monotonic()
    count = 0
    with connection.cursor() as cursor, cursor.cursor.copy(copy) as pipe:
        write = pipe.write_row
        for row in rows:
            write(row)
            count += 1
    if connection.queries_logged:
        connection.queries_log.append(
            {"sql": f"{copy} -- {count} rows", "time": f"{time.monotonic() - started:.3f}"}
        )
    return count


def insert_rows(table: str, columns: Sequence[str], rows: Iterable[tuple]) -> int:
    """INSERT plain tuples (values already in database form) into `table`; returns the number of rows.

    One `executemany` per batch, one COPY per batch on PostgreSQL (which parses JSON text into jsonb columns).
    `rows` may be a generator: on PostgreSQL it is consumed while the COPY runs (see `_copy`).
    """
    quote = connection.ops.quote_name
    names = ", ".join(quote(c) for c in columns)
    if connection.vendor == "postgresql":
        # COPY binds no parameters: its batches are bounded by memory only (and are never held whole).
        copy = f"COPY {quote(table)} ({names}) FROM STDIN"
        iterator = iter(rows)
        count = 0
        while (first := next(iterator, None)) is not None:
            count += _copy(copy, itertools.chain((first,), islice(iterator, MAX_BATCH_ROWS - 1)))
        return count
    marks = ", ".join(["%s"] * len(columns))
    sql = f"INSERT INTO {quote(table)} ({names}) VALUES ({marks})"  # noqa: S608 (quoted names, not input)
    if connection.vendor == "sqlite":
        # A page cache of 64 MB rather than 2: inserting 100,000 random hashes into unique indexes otherwise
        # reads and writes the same index pages over and over. For this connection only.
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {SQLITE_CACHE_KIB}")
    count = 0
    for batch in batched(rows, batch_rows(len(columns))):
        _run(sql, batch)
        count += len(batch)
    return count


def insert_objects(
    objs: Iterable[models.Model],
    *,
    model: type[models.Model] | None = None,
    fields: Sequence[str] | None = None,
) -> int:
    """INSERT unsaved model instances without reading their keys back (the caller knows how to find them).

    `auto_now`/`auto_now_add` date-times are set to now on the instances, as `save()` would. `objs` may be a
    generator (then `model` names their class): each instance is built while the rows before it are written.
    """
    if model is None:
        objs = list(objs)
        if not objs:
            return 0
        model = type(objs[0])
    chosen = _fields(model, fields)
    now = timezone.now()
    stamped = [chosen[i].attname for i in _stamped(chosen)]

    def stamp(objs: Iterable[models.Model]) -> Iterator[models.Model]:
        for obj in objs:
            for attname in stamped:
                setattr(obj, attname, now)
            yield obj

    return insert_rows(model._meta.db_table, [f.column for f in chosen], _values(stamp(objs), chosen))


def _stamped(chosen: Sequence[models.Field]) -> list[int]:
    """Where in `chosen` the `auto_now`/`auto_now_add` date-times are, which an insert sets to now."""
    return [
        i
        for i, f in enumerate(chosen)
        if isinstance(f, models.DateTimeField) and (f.auto_now or f.auto_now_add)
    ]


def object_rows(objs: Iterable[models.Model], model: type[models.Model]) -> Iterator[tuple]:
    """The rows `insert_objects` would write for unsaved instances of `model`, in database form, with their
    `auto_now`/`auto_now_add` date-times not yet set: rows made ahead (in another process: they are plain values)
    and written later by `insert_object_rows`. Makes no query."""
    return _values(objs, _fields(model, None))


def insert_object_rows(model: type[models.Model], rows: Iterable[tuple]) -> int:
    """INSERT rows made by `object_rows`, their `auto_now`/`auto_now_add` date-times set to now (as `insert_objects`
    sets them); returns how many. `rows` may be a generator."""
    chosen = _fields(model, None)
    stamped = _stamped(chosen)
    now = timezone.now()
    if stamped:
        convert = _converter(chosen[stamped[0]])
        now = convert(now) if convert is not None else now

    def stamp(rows: Iterable[tuple]) -> Iterator[tuple]:
        for row in rows:
            values = list(row)
            for i in stamped:
                values[i] = now
            yield tuple(values)

    return insert_rows(model._meta.db_table, [f.column for f in chosen], stamp(rows) if stamped else rows)


def _remember_last(conv: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """`conv`, answering at once when given the very value it was last given (every row's `now`, a unit's date)."""
    last: list[Any] = [object(), None]

    def converted(value: Any) -> Any:
        if value is not last[0]:
            last[0], last[1] = value, conv(value)
        return last[1]

    return converted


def _values(objs: Iterable[models.Model], chosen: Sequence[models.Field]) -> Iterator[tuple]:
    """Each instance's values of `chosen` fields as a tuple, in database form."""
    getter = attrgetter(*[f.attname for f in chosen])
    converted = [
        (i, _remember_last(conv)) for i, f in enumerate(chosen) if (conv := _converter(f)) is not None
    ]
    for obj in objs:
        values = getter(obj)
        if len(chosen) == 1:
            values = (values,)
        if converted:
            values = list(values)
            for i, conv in converted:
                values[i] = conv(values[i])
            values = tuple(values)
        yield values


def update_objects(objs: Sequence[models.Model], fields: Sequence[str]) -> int:
    """UPDATE the given fields of saved instances, one `executemany` per batch (`auto_now` fields set to now)."""
    if not objs or not fields:
        return 0
    model = type(objs[0])
    chosen = _fields(model, fields)
    now = timezone.now()
    for field in chosen:
        if isinstance(field, models.DateTimeField) and field.auto_now:
            for obj in objs:
                setattr(obj, field.attname, now)
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(f.column)} = %s" for f in chosen)
    pk = model._meta.pk
    table, key = quote(model._meta.db_table), quote(pk.column)
    sql = f"UPDATE {table} SET {assignments} WHERE {key} = %s"  # noqa: S608 (quoted names, not input)
    count = 0
    for batch in batched(objs, batch_rows(len(chosen) + 1)):
        rows = [(*values, obj.pk) for values, obj in zip(_values(batch, chosen), batch, strict=True)]
        _run(sql, rows)
        count += len(rows)
    return count


# ---------------------------------------------------------------------------------------------------- big loads

DEFER_INDEXES_MIN_ROWS = 2_000  # below this, a load keeps every index: rebuilding costs more than it saves


class DeferredIndexes:
    """A table's non-unique secondary indexes dropped for a load much larger than the table, rebuilt at `restore`.

    Inserting 100,000 rows keeps every index of the table up to date row by row (SQLite: person 5.5 s → 2.4 s
    without its non-unique indexes, rebuilt in 0.5 s; PostgreSQL spends 90% of a COPY into `org_person` on its 13
    indexes). Building an index from sorted rows is cheaper, but only while the rows already there are few: a
    table is deferred only when the rows about to be written outnumber those it holds (`should_defer`).

    Everything happens in the caller's transaction, so a failure anywhere rolls the drops back with the rows, and
    the indexes exist again at commit whatever happens. Unique indexes, the primary key and indexes on `keep`
    columns (those the load's own look-ups use) stay. Concurrent readers:
    - SQLite (WAL): a reader sees the last committed database, schema included, so it keeps using the indexes and
      never sees their absence; writers wait for the load's write lock as they did anyway.
    - PostgreSQL: DROP INDEX locks the table against every reader until commit. Only an EMPTY table is deferred
      (`should_defer(..., empty_only=True)`: the first import of an installation, whose readers have no one to
      read yet), and the lock is tried with a 2-second timeout, so the load never queues behind a long reader; a
      reader arriving afterwards waits for the commit rather than seeing the table empty.
    """

    def __init__(self) -> None:
        self._dropped: list[tuple[str, str]] = []  # (index name, the statement that re-creates it)
        self.tables: list[str] = []

    def should_defer(self, model: type[models.Model], *, rows: int, present: int) -> bool:
        """Whether loading `rows` more rows into `model`'s table, which holds `present`, is worth deferring."""
        table = model._meta.db_table
        if table in self.tables or rows < DEFER_INDEXES_MIN_ROWS or rows < present:
            return False
        if connection.vendor == "postgresql":
            return present == 0
        return connection.vendor == "sqlite"

    def defer(self, model: type[models.Model], *, keep: Sequence[str] = ()) -> int:
        """Drop `model`'s non-unique secondary indexes but those on `keep` columns; returns how many."""
        if not connection.in_atomic_block:
            raise RuntimeError("indexes are deferred inside the caller's transaction")
        table = model._meta.db_table
        kept = {model._meta.get_field(name).column for name in keep}
        found = _secondary_indexes(table)
        chosen = [(name, sql) for name, sql, columns in found if not kept & set(columns)]
        self.tables.append(table)
        if not chosen:
            return 0
        quote = connection.ops.quote_name
        if connection.vendor == "postgresql":
            try:
                with transaction.atomic(), connection.cursor() as cursor:
                    cursor.execute("SET LOCAL lock_timeout = '2s'")
                    cursor.execute("DROP INDEX " + ", ".join(quote(name) for name, _sql in chosen))
                    cursor.execute("SET LOCAL lock_timeout = DEFAULT")
            except DatabaseError:  # a reader holds the table: load with the indexes in place
                return 0
        else:
            with connection.cursor() as cursor:
                for name, _sql in chosen:
                    cursor.execute(f"DROP INDEX {quote(name)}")
        self._dropped.extend(chosen)
        return len(chosen)

    def restore(self) -> None:
        """Re-create every index dropped, from its own definition (in the caller's transaction)."""
        if not self._dropped:
            return
        if connection.vendor == "postgresql":
            # PostgreSQL builds no index on a table with pending trigger events: the deferred foreign-key checks
            # of the rows just written are run now rather than at commit (Django's own check_constraints).
            connection.check_constraints()
        with connection.cursor() as cursor:
            for _name, sql in self._dropped:
                cursor.execute(sql)
        self._dropped.clear()


def _secondary_indexes(table: str) -> list[tuple[str, str, list[str]]]:
    """(name, CREATE statement, columns) of `table`'s non-unique indexes that back no constraint."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT c.relname, pg_get_indexdef(x.indexrelid), "
                "ARRAY(SELECT a.attname FROM pg_attribute a WHERE a.attrelid = x.indrelid "
                "AND a.attnum = ANY(x.indkey)) "
                "FROM pg_index x JOIN pg_class c ON c.oid = x.indexrelid "
                "WHERE x.indrelid = %s::regclass AND NOT x.indisunique AND NOT x.indisprimary "
                "AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = x.indexrelid) "
                "ORDER BY c.relname",
                [connection.ops.quote_name(table)],
            )
            return [(name, sql, list(columns)) for name, sql, columns in cursor.fetchall()]
        if connection.vendor != "sqlite":
            return []
        # sql is NULL for the automatic indexes of UNIQUE and PRIMARY KEY; partial indexes are kept as written.
        cursor.execute(
            "SELECT m.name, m.sql, (SELECT json_group_array(i.name) FROM pragma_index_info(m.name) i) "
            "FROM sqlite_master m WHERE m.type = 'index' AND m.tbl_name = %s AND m.sql IS NOT NULL "
            "AND m.sql NOT LIKE 'CREATE UNIQUE%%' ORDER BY m.name",
            [table],
        )
        return [(name, sql, json.loads(columns)) for name, sql, columns in cursor.fetchall()]


def analyze(*models_: type[models.Model]) -> None:
    """Refresh the planner's statistics of these tables only, after a bulk load (ANALYZE of the whole database
    reads every table: 1.2 s of a 20,000-row import on PostgreSQL)."""
    quote = connection.ops.quote_name
    tables = [quote(m._meta.db_table) for m in models_]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE " + ", ".join(tables))
        elif connection.vendor == "sqlite":
            for table in tables:
                cursor.execute(f"ANALYZE {table}")
