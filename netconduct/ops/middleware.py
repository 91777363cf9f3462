"""First in the middleware list: the request id (in the logs and the X-Request-ID header) and the request's timing."""

from __future__ import annotations

import re
import time
import uuid

from django.conf import settings

from . import metrics
from .logs import request_id_var

HEADER = "X-Request-ID"
# nginx's $request_id is 32 hex digits; a proxy's own id is kept when it is a plain token, else replaced.
_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def _route(request) -> str:
    match = getattr(request, "resolver_match", None)
    if match is not None:
        return match.view_name or "unnamed"
    if request.path_info.startswith(settings.STATIC_URL):
        return "static"
    return "unmatched"


def _unlogged(path: str) -> bool:
    return any(p in path for p in getattr(settings, "NETCONDUCT_UNLOGGED_PATHS", ()))


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        given = request.headers.get(HEADER, "")
        request_id = given if _SAFE_ID.match(given) else uuid.uuid4().hex
        request.request_id = request_id
        token = request_id_var.set(request_id)
        start = time.perf_counter()
        try:
            response = self.get_response(request)
        finally:
            request_id_var.reset(token)
        response[HEADER] = request_id
        if not _unlogged(request.path):
            metrics.observe_request(
                route=_route(request),
                method=request.method,
                status=response.status_code,
                seconds=time.perf_counter() - start,
            )
        return response
