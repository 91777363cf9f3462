"""Writing and verifying the audit chain.

Every service calls `audit_record` once inside its transaction. The event's hash covers its content and the previous
event's hash (SM3 from hashlib), and the head row holds the newest link: editing, deleting or re-ordering any event,
or cutting events off the end, breaks `audit_verify`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection, models, transaction
from django.utils import timezone, translation

from . import bulk
from .models import AuditEvent, AuditHead

GENESIS = "0" * 64


def _hash_algorithm():
    try:
        return hashlib.new("sm3")
    except ValueError:  # an OpenSSL without SM3: the chain says which algorithm made it
        return hashlib.sha256()


def _canonical(event: AuditEvent) -> bytes:
    created = event.created_at.astimezone(dt.UTC).isoformat(timespec="microseconds")
    body = {
        "seq": event.seq,
        "created_at": created,
        "actor_id": event.actor_ref,
        "actor_label": event.actor_label,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "object_repr": event.object_repr,
        "unit_path": event.unit_path,
        "before": event.before,
        "after": event.after,
        "prev_hash": event.prev_hash,
    }
    return json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def compute_hash(event: AuditEvent) -> str:
    h = _hash_algorithm()
    h.update(_canonical(event))
    return h.hexdigest()


class CompactJSON(str):
    """A `Change`'s before or after already serialised, as `audit_events_bulk` serialises them (`compact_json`):
    made ahead, in another process (the roster import's parsing process makes new people's snapshots)."""


def compact_json(value: Any) -> CompactJSON:
    """`value` as the audit log stores it: JSON-safe (`_jsonable`), compact, keys sorted, not ASCII-escaped."""
    return CompactJSON(_compact(_jsonable(value)))


def _jsonable(value: Any) -> Any:
    kind = type(value)
    if kind is str or kind is int or kind is bool or value is None:  # most values: no isinstance chain
        return value
    if kind is CompactJSON:
        return json.loads(value)
    if kind is dt.date:
        return value.isoformat()
    if kind is dict:
        out = {}
        for k, v in value.items():
            inner = type(v)
            if not (inner is str or inner is int or inner is bool or v is None):
                if inner is dt.date:
                    v = v.isoformat()
                elif not isinstance(v, str):  # a str enum (choices) is written as itself, as below
                    v = _jsonable(v)
            out[k if type(k) is str else str(k)] = v
        return out
    if isinstance(value, str | int):  # choices (str enums) and the like: as themselves, as before
        return value
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [_jsonable(v) for v in value]
        return sorted(items, key=str) if isinstance(value, set | frozenset) else items
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, models.Model):
        return value.pk
    if value is None or isinstance(value, bool | int | str):
        return value
    return str(value)


@dataclass(frozen=True)
class Change:
    """What one audit event records; `before`/`after` must already have personal fields masked (a dict, or the
    dict's `compact_json`)."""

    action: str
    object_type: str
    object_id: str = ""
    object_repr: str = ""
    unit_path: str = ""
    before: dict | CompactJSON | None = None
    after: dict | CompactJSON | None = None


def _actor_fields(actor) -> tuple[int | None, str]:
    if actor is None:
        return None, "系统"
    return actor.pk, (actor.get_full_name() or actor.get_username())[:150]


def _lock_head() -> AuditHead:
    if not connection.in_atomic_block:
        raise RuntimeError("audit events are written inside the service's transaction")
    head, _ = AuditHead.objects.select_for_update().get_or_create(pk=1)
    return head


def audit_record_many(*, actor, changes: Iterable[Change]) -> list[AuditEvent]:
    """Append events for many changes in one go (imports); same chain, one lock, one bulk insert.

    The record is kept in the product's language (LANGUAGE_CODE) whatever the actor's interface language: labels
    passed lazily, or computed while the changes are generated, are stored as Chinese, like the rest of the chain.
    """
    with translation.override(settings.LANGUAGE_CODE):
        return _record_many(actor, changes)


def _record_many(actor, changes: Iterable[Change]) -> list[AuditEvent]:
    head = _lock_head()
    actor_id, actor_label = _actor_fields(actor)
    now = timezone.now()
    events: list[AuditEvent] = []
    prev, seq = head.hash, head.seq
    for change in changes:
        seq += 1
        event = AuditEvent(
            seq=seq,
            created_at=now,
            actor_id=actor_id,
            actor_ref=actor_id,
            actor_label=actor_label,
            action=change.action,
            object_type=change.object_type,
            object_id=str(change.object_id),
            object_repr=str(change.object_repr)[:255],
            unit_path=change.unit_path,
            before=_jsonable(change.before) if change.before is not None else None,
            after=_jsonable(change.after) if change.after is not None else None,
            prev_hash=prev,
        )
        event.hash = compute_hash(event)
        prev = event.hash
        events.append(event)
    if events:
        AuditEvent.objects.bulk_create(events, batch_size=2000)
        head.seq, head.hash = seq, prev
        head.save(update_fields=["seq", "hash"])
    return events


_compact = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode
_quote = json.encoder.encode_basestring
# `_canonical`'s JSON written out by hand, keys in sorted order, so that each event is serialised once: the same
# bytes as json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":")) (a test holds them equal).
_CANONICAL = (
    '{{"action":{action},"actor_id":{actor_id},"actor_label":{actor_label},"after":{after},"before":{before},'
    '"created_at":{created_at},"object_id":{object_id},"object_repr":{object_repr},"object_type":{object_type},'
    '"prev_hash":"{prev_hash}","seq":{seq},"unit_path":{unit_path}}}'
)
_EVENT_COLUMNS = (
    "seq",
    "created_at",
    "actor_id",
    "actor_ref",
    "actor_label",
    "action",
    "object_type",
    "object_id",
    "object_repr",
    "unit_path",
    "before",
    "after",
    "prev_hash",
    "hash",
)


def audit_events_bulk(*, actor, changes: Iterable[Change]) -> int:
    """Append events for many changes (imports, launches) in the caller's transaction; returns how many.

    The same chain as `audit_record_many` — one lock on the head, each event hashed over its content and the
    previous hash — but no model instances: each event is serialised once (its canonical JSON, from which the
    stored before/after are cut) and the rows go in with `executemany` (COPY on PostgreSQL) in batches.
    """
    head = _lock_head()
    actor_id, actor_label = _actor_fields(actor)
    now = timezone.now()
    created = now.astimezone(dt.UTC).isoformat(timespec="microseconds")
    stored_now = connection.ops.adapt_datetimefield_value(now) if connection.vendor == "sqlite" else now
    actor_json, label_json, created_json = _compact(actor_id), _compact(actor_label), _compact(created)
    quoted = _quote  # json.dumps(text, ensure_ascii=False) for one string, in C
    algorithm = _hash_algorithm()  # copied per event: cheaper than naming the algorithm each time
    state = {"prev": head.hash, "seq": head.seq}

    def rows():
        prev, seq = state["prev"], state["seq"]
        for change in changes:
            seq += 1
            before, after = change.before, change.after
            if before is not None and type(before) is not CompactJSON:
                before = _compact(_jsonable(before))
            if after is not None and type(after) is not CompactJSON:
                after = _compact(_jsonable(after))
            object_id, object_repr = str(change.object_id), str(change.object_repr)[:255]
            text = _CANONICAL.format(
                action=quoted(str(change.action)),
                actor_id=actor_json,
                actor_label=label_json,
                after=after or "null",
                before=before or "null",
                created_at=created_json,
                object_id=quoted(object_id),
                object_repr=quoted(object_repr),
                object_type=quoted(str(change.object_type)),
                prev_hash=prev,
                seq=seq,
                unit_path=quoted(str(change.unit_path)),
            )
            h = algorithm.copy()
            h.update(text.encode())
            digest = h.hexdigest()
            yield (
                seq,
                stored_now,
                actor_id,
                actor_id,
                actor_label,
                change.action,
                change.object_type,
                object_id,
                object_repr,
                change.unit_path,
                before,
                after,
                prev,
                digest,
            )
            prev = digest
            state["prev"], state["seq"] = prev, seq

    count = bulk.insert_rows(AuditEvent._meta.db_table, _EVENT_COLUMNS, rows())
    if count:
        head.seq, head.hash = state["seq"], state["prev"]
        head.save(update_fields=["seq", "hash"])
    return count


def audit_record(*, actor, change: Change) -> AuditEvent:
    return audit_record_many(actor=actor, changes=[change])[0]


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    broken_seq: int | None = None
    reason: str = ""


def _iter_events(batch: int = 5000) -> Iterator[AuditEvent]:
    last = 0
    while True:
        chunk = list(AuditEvent.objects.filter(seq__gt=last).order_by("seq")[:batch])
        if not chunk:
            return
        yield from chunk
        last = chunk[-1].seq


def audit_verify() -> VerifyResult:
    """Walk the whole chain; name the first event that does not hold."""
    prev, expected_seq, checked = GENESIS, 1, 0
    with transaction.atomic():
        head = AuditHead.objects.filter(pk=1).first()
        for event in _iter_events():
            if event.seq != expected_seq:
                return VerifyResult(False, checked, expected_seq, f"事件 #{expected_seq} 缺失（可能被删除）")
            if event.prev_hash != prev:
                return VerifyResult(False, checked, event.seq, f"事件 #{event.seq} 的前序哈希与上一事件不符")
            if compute_hash(event) != event.hash:
                return VerifyResult(
                    False, checked, event.seq, f"事件 #{event.seq} 的内容与其哈希不符（被修改）"
                )
            prev, expected_seq, checked = event.hash, expected_seq + 1, checked + 1
        head_seq, head_hash = (head.seq, head.hash) if head else (0, GENESIS)
        if head_seq != checked or head_hash != prev:
            return VerifyResult(
                False,
                checked,
                checked + 1 if head_seq > checked else head_seq,
                f"链头记录为 #{head_seq}，而链上最后一个事件为 #{checked}（末尾事件被删除或链头被改动）",
            )
    return VerifyResult(True, checked)
