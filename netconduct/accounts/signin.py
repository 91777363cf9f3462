"""Every way of signing in ends here: the password form, the directory (LDAP/AD), and whatever is added later.

A login method is a page of its own that finds out *which account* is signing in, in its own way, and then calls
`signin_complete`. That one function holds the rules that do not depend on the method:

- the account must belong to someone who may sign in (`signin_refusal`): a person whose status is 调离 or 退休, or a
  closed account, is refused, by every method, here and nowhere else;
- the account is logged in, and the method is stored on the session (`SESSION_KEY`), where the pledge signing
  service reads it for its evidence page;
- the sign-in is audited (`account.login`, with the method);
- system administrators still pass the TOTP second factor: the returned address leads to it.

Methods make themselves known to the login page with `signin_method_register` (from their app's `ready()`); the
page lists those whose `enabled()` answers true, so a method that is not configured is not shown. The local
password is always there and is the fallback.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode

from django.contrib.auth import login as auth_login
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from netconduct.core.audit import Change, audit_record
from netconduct.core.exceptions import ApplicationError
from netconduct.org.choices import PersonStatus
from netconduct.org.models import Person

from .middleware import needs_second_factor

SESSION_KEY = "nc_login_method"
LOCAL = "password"  # the local password; always available
ACTIVATION = "activation"  # signed in by redeeming a slip and setting a password
USER_TYPE = "accounts.user"


class SigninRefused(ApplicationError):
    """The account may not sign in; `message` is the Chinese reason shown on the page."""


@dataclass(frozen=True)
class SigninMethod:
    key: str  # stored on the session and in the audit event: "password", "ldap", "oidc", ...
    label: str  # Chinese, as the login page and the pledge evidence show it
    url_name: str  # the page that starts this method; "" for one that has no page of its own
    enabled: Callable[[], bool]
    order: int = 100

    @property
    def url(self) -> str:
        return reverse(self.url_name) if self.url_name else ""


_METHODS: dict[str, SigninMethod] = {}


def signin_method_register(
    key: str, label: str, url_name: str, *, enabled: Callable[[], bool] = lambda: True, order: int = 100
) -> SigninMethod:
    """Make a login method known; registering the same key again replaces it (app reloads in tests)."""
    method = SigninMethod(key=key, label=label, url_name=url_name, enabled=enabled, order=order)
    _METHODS[key] = method
    return method


signin_method_register(LOCAL, _("账号密码"), "accounts:login", order=0)
signin_method_register(ACTIVATION, _("凭激活凭条设置密码后"), "", enabled=lambda: False, order=1)


def signin_methods_enabled() -> list[SigninMethod]:
    """The methods other than the local password that are configured now, in the order the login page lists them."""
    return sorted(
        (m for m in _METHODS.values() if m.key != LOCAL and m.url_name and m.enabled()),
        key=lambda m: (m.order, m.key),
    )


def signin_method_label(key: str) -> str:
    """The Chinese name of a method key (as stored on a session or in an event); the key itself if unknown."""
    method = _METHODS.get(key or "")
    # lazy: shown in the reader's language, stored in audit events in Chinese (core.audit records in LANGUAGE_CODE)
    return method.label if method is not None else (key or "")


def signin_method_of(request: HttpRequest) -> str:
    """The method that authenticated this session ("" for a session from before methods were recorded)."""
    session = getattr(request, "session", None)
    return session.get(SESSION_KEY, "") if session is not None else ""


def signin_refusal(user) -> str | None:
    """Why this account may not sign in now, in Chinese, or None. The one check every method goes through."""
    # Read now, not from a person cached on the account: the status may have changed since it was loaded.
    status = Person.objects.filter(user_id=user.pk).values_list("status", flat=True).first()
    if status is not None and status != PersonStatus.ACTIVE:
        return signin_person_refusal(status)
    if not user.is_active:
        return str(_("该账号已停用，请联系所在支部书记。"))
    return None


def signin_person_refusal(status: str) -> str:
    """The words for a person whose status (调离, 退休) ends their access; also used before an account is made."""
    return str(
        _("您的人员状态为“%(status)s”，已不能登录本平台。如有疑问，请联系所在单位党组织。")
        % {"status": PersonStatus(status).label}
    )


def signin_check(user) -> None:
    reason = signin_refusal(user)
    if reason is not None:
        raise SigninRefused(reason)


def _unit_path(user) -> str:
    person = getattr(user, "person", None)
    return person.unit.path if person is not None else ""


def signin_complete(request: HttpRequest, user, *, method: str, backend: str, next_url: str) -> str:
    """Log `user` in by `method`; answer the address to send them to (the TOTP page first where it applies).

    Raises SigninRefused, having changed nothing, when the account may not sign in.
    """
    if method not in _METHODS:
        raise ValueError(f"unknown login method {method!r}: register it with signin_method_register")
    signin_check(user)
    with transaction.atomic():
        auth_login(request, user, backend=backend)
        request.session[SESSION_KEY] = method
        audit_record(
            actor=user,
            change=Change(
                "account.login",
                USER_TYPE,
                user.pk,
                str(user),
                _unit_path(user),
                None,
                {"method": method, "method_label": signin_method_label(method)},
            ),
        )
    if needs_second_factor(user):
        return f"{reverse('accounts:otp')}?{urlencode({'next': next_url})}"
    return next_url
