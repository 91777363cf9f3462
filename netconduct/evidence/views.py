"""Evidence-pack pages: ask for a pack, watch it being built (htmx polls the status), download it."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.views.decorators.cache import never_cache

from netconduct.core.exceptions import ApplicationError
from netconduct.core.forms import run_service
from netconduct.org import scoping

from . import selectors, services
from .choices import PackStatus
from .forms import PackForm

ACTION = services.ACTION


@login_required
def pack_list(request: HttpRequest) -> HttpResponse:
    scoping.require_any_or_404(request.user, ACTION)
    units = selectors.pack_units(viewer=request.user)
    campaigns = list(selectors.pack_campaigns(viewer=request.user))
    form = PackForm(request.POST or None, units=units, campaigns=campaigns)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        unit = next(u for u in units if u.pk == data["unit"])
        campaign = next((c for c in campaigns if c.pk == data["campaign"]), None)
        pack = run_service(
            form,
            services.evidence_pack_request,
            actor=request.user,
            unit=unit,
            year=data.get("year"),
            campaign=campaign,
        )
        if pack is not None:
            return redirect("evidence:pack_detail", pk=pack.pk)
    packs = selectors.pack_list(viewer=request.user)
    return render(request, "evidence/pack_list.html", {"form": form, "packs": packs})


@login_required
def pack_detail(request: HttpRequest, pk: int) -> HttpResponse:
    pack = selectors.pack_get_for(viewer=request.user, pk=pk)
    return render(request, "evidence/pack_detail.html", {"pack": pack})


@login_required
@never_cache
def pack_status(request: HttpRequest, pk: int) -> HttpResponse:
    pack = selectors.pack_get_for(viewer=request.user, pk=pk)
    return render(request, "evidence/_pack_status.html", {"pack": pack})


@login_required
def pack_download(request: HttpRequest, pk: int) -> HttpResponse:
    pack = selectors.pack_get_for(viewer=request.user, pk=pk)
    if pack.status != PackStatus.DONE:
        raise Http404
    try:
        handle = services.evidence_pack_open(actor=request.user, pack=pack)
    except (ApplicationError, FileNotFoundError):
        raise Http404 from None
    response = FileResponse(handle, content_type="application/zip")
    response["Content-Disposition"] = content_disposition_header(True, services.download_name(pack))
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
