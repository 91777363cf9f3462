"""Signing in through a workplace app: WeCom (企业微信) and DingTalk (钉钉), inside the app and by QR code at a desk.

What the two platforms share lives here; what differs (addresses, parameter names, error codes, the user API) lives
in `wecom.py` and `dingtalk.py`, each a `Platform`.

The flow, for both:
1. `start` (`/accounts/login/<platform>/?next=...`): a fresh random `state` is kept in the session with the page
   to land on, and the browser goes to the platform — its OAuth authorize page when opened inside the app (the
   User-Agent says `wxwork` / `DingTalk`), its QR login page otherwise. `InAppSigninMiddleware` sends any
   unauthenticated page opened inside a configured app to `start` by itself, with that page as `next`.
2. `callback` (`/accounts/login/<platform>/callback/?code=...&state=...`): the state must be the one this session
   was given (a forged, reused or missing state is refused); the code is exchanged for the platform's user id, the
   user API gives the mobile or employee number, and that — never the name — finds the person of the roster. The
   foundation (`signin.signin_complete`) then does the rest: 调离/退休 refused, the sign-in audited with the method.

Access tokens are kept in the shared cache until shortly before they expire; a token the platform calls expired
is dropped, a new one fetched, and the call tried once more. The app secret is read from the environment by the
settings, sent only to the platform's token endpoint, and never logged or shown.
"""

from __future__ import annotations

import json
import logging
import secrets
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from netconduct.core.crypto import mask_mobile
from netconduct.org.choices import PersonStatus
from netconduct.org.models import Person
from netconduct.org.validation import clean_mobile

from . import signin
from .services import account_open_for_signin

logger = logging.getLogger(__name__)

STATE_SESSION_KEY = "nc_platform_states"  # {state: {"platform": key, "next": url, "at": epoch seconds}}
STATE_MAX_AGE = 600  # seconds a started sign-in may take
STATES_KEPT = 5  # a few tabs may start a sign-in at once; older states are dropped
TOKEN_MARGIN = 300  # seconds before the platform's expiry that a cached token is given up
HTTP_TIMEOUT = 8  # seconds
BACKEND = (
    "netconduct.accounts.backends.IdentifierBackend"  # loads the session's user; never asked for a password
)


class PlatformError(Exception):
    """A refusal or failure to show the person: `message` is Chinese."""

    def __init__(self, message: str, *, code: int | None = None):
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass(frozen=True)
class PlatformUser:
    """Who the platform says signed in: its user id and what the user API returned to match the person by."""

    userid: str
    mobile: str = ""
    employee_no: str = ""


class Platform:
    """One workplace app. Subclasses fill in the addresses, error codes and the two API calls."""

    key = ""  # the login method key: "wecom" / "dingtalk"
    label = ""  # Chinese name of the platform
    ua_marker = ""  # lower-case part of the in-app browser's User-Agent
    expired_token_codes: frozenset[int] = frozenset()
    rate_limit_codes: frozenset[int] = frozenset()
    invalid_code_codes: frozenset[int] = frozenset()
    unknown_user_codes: frozenset[int] = frozenset()

    # -- configuration
    def configured(self) -> bool:
        raise NotImplementedError

    def api_base(self) -> str:
        raise NotImplementedError

    def match_field(self) -> str:
        """ "mobile" or "employee_no": what identifies the person."""
        raise NotImplementedError

    def cache_key(self) -> str:
        raise NotImplementedError

    # -- addresses
    def authorize_url(self, *, redirect_uri: str, state: str) -> str:
        raise NotImplementedError

    def qr_url(self, *, redirect_uri: str, state: str) -> str:
        raise NotImplementedError

    def code_from(self, request: HttpRequest) -> str:
        return request.GET.get("code", "")

    # -- API
    def fetch_token(self) -> tuple[str, int]:
        """A new access token and its lifetime in seconds, from the platform."""
        raise NotImplementedError

    def user_from_code(self, code: str) -> PlatformUser:
        raise NotImplementedError

    def in_app(self, request: HttpRequest) -> bool:
        return self.ua_marker in request.headers.get("User-Agent", "").lower()

    # -- shared machinery
    def access_token(self) -> str:
        token = cache.get(self.cache_key())
        if token:
            return token
        token, expires_in = self.fetch_token()
        cache.set(self.cache_key(), token, timeout=max(int(expires_in) - TOKEN_MARGIN, 60))
        return token

    def call(self, path: str, *, params: dict | None = None, body: dict | None = None) -> dict:
        """Call an API that takes the access token; refresh the token once when the platform says it expired."""
        for attempt in (1, 2):
            data = self.request(
                path, params={"access_token": self.access_token(), **(params or {})}, body=body
            )
            errcode = int(data.get("errcode") or 0)
            if errcode in self.expired_token_codes and attempt == 1:
                logger.info("%s access token refused (errcode %s); fetching a new one", self.key, errcode)
                cache.delete(self.cache_key())
                continue
            self.raise_for(data)
            return data
        raise AssertionError("unreachable")

    def request(
        self,
        path: str,
        *,
        params: dict,
        body: dict | None = None,
        base: str = "",
        headers: dict | None = None,
    ) -> dict:
        """One HTTP call answering JSON; the address (it may carry the secret) is never logged or shown.

        An HTTP error status that carries a JSON body (DingTalk's v1.0 API answers errors so) is returned as that
        body with "http_status" added; anything else unreadable is a PlatformError."""
        url = f"{(base or self.api_base()).rstrip('/')}{path}" + (f"?{urlencode(params)}" if params else "")
        data = None if body is None else json.dumps(body).encode()
        headers = {**({"Content-Type": "application/json"} if body is not None else {}), **(headers or {})}
        if not url.startswith(("https://", "http://")):
            raise PlatformError(
                _("%(platform)s接口地址配置有误，请联系系统管理员。") % {"platform": self.label}
            )
        call = urllib.request.Request(url, data=data, headers=headers)  # noqa: S310 (scheme checked above)
        try:
            with urllib.request.urlopen(call, timeout=HTTP_TIMEOUT) as response:  # noqa: S310
                return json.loads(response.read().decode("utf-8"))
        except urllib.error.HTTPError as exc:
            try:
                answer = json.loads(exc.read().decode("utf-8"))
            except ValueError:
                answer = None
            if isinstance(answer, dict):
                return {**answer, "http_status": exc.code}
            logger.warning("%s API %s answered HTTP %s", self.key, path, exc.code)
            raise PlatformError(
                _("暂时无法连接%(platform)s服务器，请稍后再试，或使用账号密码登录。")
                % {"platform": self.label}
            ) from None
        except (urllib.error.URLError, TimeoutError, OSError, ValueError) as exc:
            logger.warning("%s API %s unreachable: %s", self.key, path, type(exc).__name__)
            raise PlatformError(
                _("暂时无法连接%(platform)s服务器，请稍后再试，或使用账号密码登录。")
                % {"platform": self.label}
            ) from None

    def raise_for(self, data: dict) -> None:
        errcode = int(data.get("errcode") or 0)
        if errcode == 0:
            return
        logger.info("%s API answered errcode %s", self.key, errcode)
        if errcode in self.rate_limit_codes:
            message = _("%(platform)s接口调用过于频繁，请稍等一分钟后再试，或使用账号密码登录。")
        elif errcode in self.invalid_code_codes:
            message = _("%(platform)s登录授权已过期或已使用，请重新打开页面再试一次。")
        elif errcode in self.unknown_user_codes:
            message = _("%(platform)s中没有找到您的成员信息，请联系单位管理员。")
        elif errcode in self.expired_token_codes:
            message = _("%(platform)s接口凭证连续失效，请稍后再试，或使用账号密码登录。")
        else:
            message = _("%(platform)s返回错误（错误码 %(code)s），请稍后再试，或使用账号密码登录。")
        raise PlatformError(message % {"platform": self.label, "code": errcode}, code=errcode)


# ---------------------------------------------------------------------------------------------- matching


def person_for(platform: Platform, found: PlatformUser) -> Person:
    """The roster's person the platform user is, by the configured field (mobile or employee number), never name."""
    field = platform.match_field()
    if field == "employee_no":
        value = (found.employee_no or "").strip()
        if not value:
            raise PlatformError(
                _("%(platform)s没有返回您的工号，无法确认身份，请联系单位管理员。")
                % {"platform": platform.label}
            )
        people = list(Person.objects.filter(employee_no=value).select_related("user")[:2])
        shown = _("工号 %(value)s") % {"value": value}
    else:
        try:
            value = clean_mobile(found.mobile or "")
        except ValidationError:
            value = ""
        if not value:
            raise PlatformError(
                _("%(platform)s没有返回您的手机号，无法确认身份，请联系单位管理员。")
                % {"platform": platform.label}
            )
        people = list(Person.objects.filter(mobile=value).select_related("user")[:2])
        shown = _("手机号 %(value)s") % {"value": mask_mobile(value)}
    if not people:
        raise PlatformError(
            _("本平台的人员名册中没有%(who)s的人员，无法登录。请联系所在支部书记核对名册。") % {"who": shown}
        )
    if len(people) > 1:
        raise PlatformError(
            _("名册中有多名人员使用%(who)s，无法确认身份，请联系单位管理员。") % {"who": shown}
        )
    return people[0]


# ---------------------------------------------------------------------------------------------- state


def _safe_next(request: HttpRequest, value: str | None) -> str:
    if value and url_has_allowed_host_and_scheme(
        value, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return value
    return reverse("home")


def state_issue(request: HttpRequest, platform: Platform, next_url: str) -> str:
    state = secrets.token_urlsafe(24)
    states = dict(request.session.get(STATE_SESSION_KEY) or {})
    states[state] = {"platform": platform.key, "next": next_url, "at": int(time.time())}
    request.session[STATE_SESSION_KEY] = dict(
        sorted(states.items(), key=lambda kv: kv[1]["at"])[-STATES_KEPT:]
    )
    return state


def state_redeem(request: HttpRequest, platform: Platform, state: str) -> str:
    """The page to land on for this state; the state is used up. Refused when it is not this session's."""
    states = dict(request.session.get(STATE_SESSION_KEY) or {})
    entry = states.pop(state, None) if state else None
    request.session[STATE_SESSION_KEY] = states
    if (
        entry is None
        or entry.get("platform") != platform.key
        or time.time() - entry.get("at", 0) > STATE_MAX_AGE
    ):
        raise PlatformError(
            _("登录请求无效或已过期（state 校验未通过），请重新打开页面再试一次。"), code=None
        )
    return entry["next"]


def redirect_uri(request: HttpRequest, platform: Platform) -> str:
    path = reverse(f"accounts:login_{platform.key}_callback")
    site = getattr(settings, "SITE_URL", "")
    return f"{site}{path}" if site else request.build_absolute_uri(path)


# ---------------------------------------------------------------------------------------------- views


def _refused(request: HttpRequest, platform: Platform, message: str, status: int) -> HttpResponse:
    return render(
        request,
        "accounts/login_platform_error.html",
        {"platform": platform, "message": message, "login_url": reverse("accounts:login")},
        status=status,
    )


def start(request: HttpRequest, platform: Platform) -> HttpResponse:
    if not platform.configured():
        raise Http404
    next_url = _safe_next(request, request.GET.get("next"))
    state = state_issue(request, platform, next_url)
    uri = redirect_uri(request, platform)
    if platform.in_app(request):
        return redirect(platform.authorize_url(redirect_uri=uri, state=state))
    return redirect(platform.qr_url(redirect_uri=uri, state=state))


def callback(request: HttpRequest, platform: Platform) -> HttpResponse:
    if not platform.configured():
        raise Http404
    try:
        next_url = state_redeem(request, platform, request.GET.get("state", ""))
    except PlatformError as exc:
        return _refused(request, platform, exc.message, 400)
    code = platform.code_from(request)
    if not code:
        return _refused(
            request,
            platform,
            _("%(platform)s未返回登录授权，您可能取消了登录。") % {"platform": platform.label},
            400,
        )
    try:
        found = platform.user_from_code(code)
        person = person_for(platform, found)
        # The platform vouches for the person: one who never had an account gets one, as the directory gives.
        if person.user is None and person.status == PersonStatus.ACTIVE:
            person.user = account_open_for_signin(person=person, via=platform.key)
        user = person.user
        if user is None:  # left, and never had an account: the same words as for one who had
            raise signin.SigninRefused(signin.signin_person_refusal(person.status))
        url = signin.signin_complete(request, user, method=platform.key, backend=BACKEND, next_url=next_url)
    except PlatformError as exc:
        return _refused(request, platform, exc.message, 429 if exc.code in platform.rate_limit_codes else 403)
    except signin.SigninRefused as exc:
        return _refused(request, platform, exc.message, 403)
    return redirect(url)


def view_pair(platform: Platform):
    """The start and callback views of one platform, for urls.py."""

    @never_cache
    def start_view(request: HttpRequest) -> HttpResponse:
        return start(request, platform)

    @never_cache
    def callback_view(request: HttpRequest) -> HttpResponse:
        return callback(request, platform)

    start_view.__name__ = f"login_{platform.key}"
    callback_view.__name__ = f"login_{platform.key}_callback"
    return start_view, callback_view


# ---------------------------------------------------------------------------------------------- middleware

PLATFORMS: list[Platform] = []  # filled by wecom.py and dingtalk.py at import
EXEMPT_PREFIXES = ("/accounts/", "/static/", "/healthz", "/i18n/", "/api/", "/admin/")


class InAppSigninMiddleware:
    """An unauthenticated page opened inside WeCom / DingTalk (configured) goes through that app's sign-in first,
    and comes back to the page. Pages under /accounts/ are left alone, so a refused person can still use a password."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        user = getattr(request, "user", None)
        if (
            request.method in ("GET", "HEAD")
            and user is not None
            and not user.is_authenticated
            and not request.path.startswith(EXEMPT_PREFIXES)
            and not request.headers.get("HX-Request")
        ):
            for platform in PLATFORMS:
                if platform.in_app(request) and platform.configured():
                    target = reverse(f"accounts:login_{platform.key}")
                    return redirect(f"{target}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)
