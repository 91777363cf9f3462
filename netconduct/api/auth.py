"""Finding the key a request carries, counting its requests, and the scope each endpoint needs."""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache
from ninja.security import HttpBearer

from . import services
from .choices import KeyScope
from .errors import ApiError
from .models import ApiKey

WINDOW = 60  # seconds


def rate_limit() -> int:
    return int(getattr(settings, "NETCONDUCT_API_RATE_PER_MINUTE", 600))


def count_request(key: ApiKey) -> None:
    """A fixed one-minute window per key, counted in the cache (shared by every process when it is Redis)."""
    now = time.time()
    window = int(now // WINDOW)
    # by the key's random prefix, not its id: a key issued later under a reused id starts with its own count
    slot = f"netconduct-api-rate:{key.prefix}:{window}"
    cache.add(slot, 0, timeout=WINDOW * 2)
    try:
        used = cache.incr(slot)
    except ValueError:  # evicted between add and incr
        cache.set(slot, 1, timeout=WINDOW * 2)
        used = 1
    if used > rate_limit():
        retry = max(1, int((window + 1) * WINDOW - now))
        raise ApiError(
            429, "rate_limited", f"请求过于频繁：每把密钥每分钟最多{rate_limit()}次，请{retry}秒后再试。"
        )


class KeyAuth(HttpBearer):
    """`Authorization: Bearer nc_…`: the key an administrator issued (`netconduct api-key create`)."""

    openapi_description = "系统管理员签发的API密钥（nc_开头），放在 Authorization: Bearer 头中。"

    def authenticate(self, request, token: str) -> ApiKey | None:
        key = services.api_key_for(token)
        if key is None:
            return None
        count_request(key)
        refuse_nul(request)
        services.api_key_touch(key)
        request.user = (
            key.account
        )  # what the scoping function and the services see: the key's service account
        return key


def refuse_nul(request) -> None:
    """PostgreSQL cannot store a NUL character in text: refuse it anywhere in the request, before any field is read
    (a free-text field such as `position` would otherwise reach the database)."""
    query = request.META.get("QUERY_STRING", "").lower()
    body = b""
    if request.method in ("POST", "PUT", "PATCH"):
        if request.content_type == "multipart/form-data":
            # An uploaded file is bytes, not text (a PDF holds NULs): only the form's text fields are stored.
            body = "".join(f"{k}{v}" for k, values in request.POST.lists() for v in values).encode()
        else:
            body = request.body
    if "%00" in query or b"\x00" in body or b"\\u0000" in body.lower():
        raise ApiError(422, "invalid", "请求中含有空字符（NUL），已拒绝。")


def need(request, scope: KeyScope) -> None:
    """Refuse a request whose key lacks the endpoint's scope (the same for every object: no existence leaks)."""
    key: ApiKey = request.auth
    if scope not in key.scopes:
        raise ApiError(403, "scope_missing", f"密钥没有“{scope.label}”（{scope.value}）权限。")


def viewer(request):
    return request.auth.account


def scoped(scope: KeyScope) -> dict:
    """Decorator arguments that write the operation's scope into the OpenAPI document (`x-scope`)."""
    return {"openapi_extra": {"x-scope": scope.value}}
