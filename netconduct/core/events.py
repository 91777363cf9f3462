"""Outgoing events, announced from the floor where they happen to whoever listens above.

A domain service calls `event_emit("pledge.signed", pledge)` inside its transaction, at the point the change is
made; the webhooks app (a higher floor) registers a receiver in its AppConfig.ready that records one outgoing
delivery per matching subscription in that same transaction, so an event exists exactly when its change committed,
and queues the sending after the commit. With no receiver registered, emitting costs nothing.

Only the kinds a receiver knows are sent; reports and cases never emit (their contents must not leave the system).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

EventReceiver = Callable[[str, Any], None]
_RECEIVERS: list[EventReceiver] = []


def event_receiver_register(receiver: EventReceiver) -> None:
    """Call `receiver(kind, subject)` for every event from now on (registering the same function again is a no-op)."""
    if receiver not in _RECEIVERS:
        _RECEIVERS.append(receiver)


def event_emit(kind: str, subject: Any) -> None:
    """Announce that `kind` ("pledge.signed", …) happened to `subject` (the model instance it happened to)."""
    for receiver in _RECEIVERS:
        receiver(kind, subject)
