"""Errors a service raises for a person to read: the message is Chinese and names the field or reason."""

from __future__ import annotations


class ApplicationError(Exception):
    """A rule of the product refused the action; nothing was changed."""

    def __init__(self, message: str, *, field: str | None = None, extra: dict | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.extra = extra or {}


class PermissionRefused(ApplicationError):
    """The actor may not do this on this object (views answer 404 for objects outside the scope)."""
