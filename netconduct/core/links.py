"""Absolute links for what leaves the screen (QR codes, printed addresses, e-mails, robot messages): one configured
public address, the setting SITE_URL."""

from __future__ import annotations

from django.conf import settings


def site_url() -> str:
    """The configured public address without a trailing slash, or "" (SITE_URL first, then its earlier name)."""
    site = getattr(settings, "SITE_URL", "") or getattr(settings, "NETCONDUCT_SITE_URL", "") or ""
    return site.rstrip("/")


def absolute_url(path: str) -> str:
    """`path` on the configured public address (SITE_URL), or "" when none is configured."""
    site = site_url()
    return f"{site}{path}" if site else ""
