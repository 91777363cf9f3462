"""The operations jobs the product runs for itself (registered with notifications.schedule)."""

from __future__ import annotations


def jobs_register() -> None:
    pass
