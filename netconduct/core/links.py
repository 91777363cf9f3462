"""Absolute links for what leaves the screen (e-mails, robot messages): one configured public address."""

from __future__ import annotations

from django.conf import settings


def absolute_url(path: str) -> str:
    """`path` on the configured public address (NETCONDUCT_SITE_URL), or "" when none is configured."""
    site = (getattr(settings, "NETCONDUCT_SITE_URL", "") or "").rstrip("/")
    return f"{site}{path}" if site else ""
