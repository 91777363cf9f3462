"""/healthz (the process answers), /readyz (it can serve: database, cache, stored files, a worker), /metrics."""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.crypto import constant_time_compare
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST

from . import health, metrics

PROXY_HEADERS = ("X-Forwarded-For", "X-Real-IP", "Forwarded")


@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """Alive: the process answers. No database, so a database outage does not restart every node."""
    return JsonResponse({"status": "ok"})


@require_GET
@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    results = health.readiness()
    ready = all(r.ok for r in results.values())
    return JsonResponse(
        {
            "status": "ok" if ready else "fail",
            "checks": {n: "ok" if r.ok else "fail" for n, r in results.items()},
        },
        status=200 if ready else 503,
    )


def metrics_allowed(request: HttpRequest) -> bool:
    """With NETCONDUCT_METRICS_TOKEN set: `Authorization: Bearer <token>`, from anywhere. Unset: only a direct
    connection from this machine — loopback address and no proxy header, since a request that nginx on this
    machine passes on also comes from 127.0.0.1 but carries the X-Forwarded-For our nginx site sets."""
    token = settings.NETCONDUCT_METRICS_TOKEN
    if token:
        given = request.headers.get("Authorization", "")
        return given.startswith("Bearer ") and constant_time_compare(given[7:].strip(), token)
    try:
        loopback = ipaddress.ip_address(request.META.get("REMOTE_ADDR", "")).is_loopback
    except ValueError:
        return False
    return loopback and not any(request.headers.get(h) for h in PROXY_HEADERS)


@require_GET
@never_cache
def metrics_view(request: HttpRequest) -> HttpResponse:
    if not metrics_allowed(request):
        raise Http404
    return HttpResponse(metrics.render(), content_type=CONTENT_TYPE_LATEST)
