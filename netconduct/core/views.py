from __future__ import annotations

from functools import cache
from pathlib import Path

from django.contrib.staticfiles import finders
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET


@cache
def _favicon() -> bytes | None:
    found = finders.find("netconduct/favicon.ico")
    return Path(found).read_bytes() if found else None


@require_GET
@cache_control(public=True, max_age=7 * 24 * 3600)
def favicon(request: HttpRequest) -> HttpResponse:
    """/favicon.ico, which browsers and WeChat ask for whatever the page links: served, not a 404 in the logs."""
    data = _favicon()
    if data is None:
        raise Http404
    return HttpResponse(data, content_type="image/x-icon")
