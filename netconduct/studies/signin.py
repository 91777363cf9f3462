"""QR sign-in tokens for study sessions.

A token is `<session id>-<window>-<mac>`: the window is the number of 30-second periods since the epoch, and the
mac an HMAC over both, keyed with the session's own `signin_key` and the site's SECRET_KEY. It is good for its
window and the next one (30–60 seconds), so a photo of the screen sent round a WeChat group is useless a minute
later, and a token of one session opens no other. The session page shows a fresh one every 20 seconds.
"""

from __future__ import annotations

import datetime as dt

import segno
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from netconduct.core.exceptions import ApplicationError

WINDOW_SECONDS = 30
SALT = "netconduct.studies.signin"
MAC_CHARS = 32  # 128 bits of the hex digest


class TokenRefused(ApplicationError):
    """The scanned code is not (or no longer) good for this session."""


def window_at(at: dt.datetime | None = None) -> int:
    moment = at or timezone.now()
    return int(moment.timestamp()) // WINDOW_SECONDS


def _mac(session, window: int) -> str:
    secret = f"{settings.SECRET_KEY}:{session.signin_key}"
    return salted_hmac(SALT, f"{session.pk}:{window}", secret=secret, algorithm="sha256").hexdigest()[
        :MAC_CHARS
    ]


def make_token(session, *, at: dt.datetime | None = None) -> str:
    window = window_at(at)
    return f"{session.pk}-{window}-{_mac(session, window)}"


def check_token(session, token: str, *, at: dt.datetime | None = None) -> None:
    """Refuse a token that is malformed, forged, of another session, or outside its window and the next."""
    parts = (token or "").split("-")
    if len(parts) != 3 or not parts[0].isdigit() or not parts[1].isdigit():
        raise TokenRefused(_("二维码无效，请重新扫描会场上的签到二维码。"), field="token")
    session_id, window = int(parts[0]), int(parts[1])
    if session_id != session.pk:
        raise TokenRefused(_("该二维码不属于本次学习，请扫描本次学习的签到二维码。"), field="token")
    if not constant_time_compare(parts[2], _mac(session, window)):
        raise TokenRefused(_("二维码无效，请重新扫描会场上的签到二维码。"), field="token")
    now = window_at(at)
    if window > now:  # made for a moment that has not come: not one this server showed
        raise TokenRefused(_("二维码无效，请重新扫描会场上的签到二维码。"), field="token")
    if now - window > 1:
        raise TokenRefused(
            _("二维码已过期（有效期约1分钟），请重新扫描会场屏幕上的最新二维码。"), field="token"
        )


def signin_path(session, *, at: dt.datetime | None = None) -> str:
    return reverse("studies:session_signin", kwargs={"pk": session.pk, "token": make_token(session, at=at)})


def qr_svg(data: str) -> str:
    """An inline SVG that scales to its box (no fixed size), dark on white for phone cameras and projectors."""
    return segno.make(data, error="m").svg_inline(scale=1, border=3, omitsize=True, dark="#111", light="#fff")
