from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from netconduct.core.templatetags.netconduct import ACTIONS
from netconduct.org import scoping
from netconduct.org.selectors import audit_event_list
from netconduct.reports.policies import CONFIDENTIAL_ACTIONS, inspector_paths

from .selectors import home_summary


@login_required
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "home/home.html", home_summary(viewer=request.user))


@login_required
def audit_list(request: HttpRequest) -> HttpResponse:
    if not scoping.has_any(request.user, "audit.view"):
        raise Http404
    action = request.GET.get("action", "").strip()
    events = audit_event_list(viewer=request.user, action=action or None).select_related("actor")
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    # Chosen by name from the labelled actions, not typed as a code. Reports and cases are left out of the list for
    # whoever sees none of their events: even the names of what was done would say a matter was handled.
    confidential = not inspector_paths(request.user)
    actions = sorted(
        (
            (code, str(label))
            for code, label in ACTIONS.items()
            if not (confidential and code.startswith(CONFIDENTIAL_ACTIONS))
        ),
        key=lambda item: item[0],
    )
    return render(request, "home/audit_list.html", {"page": page, "action": action, "actions": actions})
