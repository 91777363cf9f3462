from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from . import scoping
from .selectors import audit_event_list


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


@login_required
def home(request: HttpRequest) -> HttpResponse:
    from netconduct.org.selectors import home_summary

    return render(request, "core/home.html", home_summary(viewer=request.user))


@login_required
def audit_list(request: HttpRequest) -> HttpResponse:
    if not scoping.has_any(request.user, "audit.view"):
        raise Http404
    action = request.GET.get("action", "").strip()
    events = audit_event_list(viewer=request.user, action=action or None).select_related("actor")
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    return render(request, "core/audit_list.html", {"page": page, "action": action})
