"""Article 7 follow-through pages: changes filed late, yearly review requests to close, and size declarations."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from netconduct.campaigns.choices import CampaignStatus
from netconduct.campaigns.models import Campaign
from netconduct.core.forms import run_service
from netconduct.org import scoping
from netconduct.org import selectors as org_selectors

from . import declarations, late, policies, reviews, selectors
from .choices import CloseRequest, DeclarationAnswer
from .forms import CloseApproveForm, CloseRejectForm, DeclarationForm, DeclarationRoundForm, LateFilterForm

PAGE_SIZE = 50
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _nav(user) -> dict:
    return {
        "is_reader": scoping.has_any(user, "registry.view"),
        "can_manage": scoping.has_any(user, "registry.manage"),
        "can_delegate": policies.may_approve_anything(user),
    }


def _xlsx(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["Cache-Control"] = "no-store"
    return response


# ---------------------------------------------------------------------------------------------------- late changes


def _late_filters(request: HttpRequest):
    units = (
        org_selectors.unit_list(viewer=request.user, action="registry.view")
        .filter(is_active=True)
        .order_by("path")
    )
    form = LateFilterForm(request.GET or None, units=units)
    data = form.cleaned_data if form.is_valid() else {}
    return form, late.late_changes(viewer=request.user, unit=data.get("unit"), which=data.get("which") or "")


@login_required
def late_list(request: HttpRequest) -> HttpResponse:
    scoping.require_any_or_404(request.user, "registry.view")
    form, applications = _late_filters(request)
    page = Paginator(applications, PAGE_SIZE).get_page(request.GET.get("page"))
    query = urlencode({k: v for k, v in request.GET.items() if k != "page" and v})
    return render(
        request,
        "registry/late_list.html",
        {
            **_nav(request.user),
            "form": form,
            "page": page,
            "rows": late.late_rows(page.object_list),
            "query": query,
            "days": late.change_days(),
        },
    )


@login_required
def late_export(request: HttpRequest) -> HttpResponse:
    scoping.require_any_or_404(request.user, "registry.view")
    _form, applications = _late_filters(request)
    return _xlsx(
        late.late_xlsx(applications=applications), f"逾期变更备案-{timezone.localdate():%Y%m%d}.xlsx"
    )


# ---------------------------------------------------------------------------------------------------- close requests


@login_required
def close_request_list(request: HttpRequest) -> HttpResponse:
    scoping.require_any_or_404(request.user, "registry.manage")
    status = request.GET.get("status", CloseRequest.PENDING)
    if status not in CloseRequest.values:
        status = CloseRequest.PENDING
    page = Paginator(selectors.close_requests(viewer=request.user, status=status), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "registry/close_requests.html",
        {
            **_nav(request.user),
            "page": page,
            "status": status,
            "statuses": CloseRequest.choices,
            "approve_form": CloseApproveForm(initial={"on": timezone.localdate()}),
            "reject_form": CloseRejectForm(),
        },
    )


def _back_to_requests() -> HttpResponse:
    return redirect("registry:close_requests")


@login_required
@require_POST
def close_request_approve(request: HttpRequest, pk: int) -> HttpResponse:
    item = selectors.close_request_get_for(viewer=request.user, pk=pk)
    form = CloseApproveForm(request.POST)
    if form.is_valid() and run_service(
        form, reviews.close_request_approve, actor=request.user, item=item, on=form.cleaned_data["on"]
    ):
        messages.success(request, _("已同意注销：%(name)s。") % {"name": item.account.name})
    for errors in form.errors.values():
        messages.error(request, " ".join(errors))
    return _back_to_requests()


@login_required
@require_POST
def close_request_reject(request: HttpRequest, pk: int) -> HttpResponse:
    item = selectors.close_request_get_for(viewer=request.user, pk=pk)
    form = CloseRejectForm(request.POST)
    if form.is_valid() and run_service(
        form, reviews.close_request_reject, actor=request.user, item=item, reason=form.cleaned_data["reason"]
    ):
        messages.success(request, _("已记录不同意注销：%(name)s。") % {"name": item.account.name})
    for errors in form.errors.values():
        messages.error(request, " ".join(errors))
    return _back_to_requests()


# ---------------------------------------------------------------------------------------------------- declarations


@login_required
def declaration_round_list(request: HttpRequest) -> HttpResponse:
    scoping.require_any_or_404(request.user, "registry.view")
    return render(
        request,
        "registry/declaration_rounds.html",
        {**_nav(request.user), "rounds": list(declarations.round_list(viewer=request.user)[:100])},
    )


@login_required
def declaration_round_create(request: HttpRequest) -> HttpResponse:
    scoping.require_any_or_404(request.user, "registry.manage")
    campaigns = (
        scoping.visible(Campaign.objects.all(), request.user, "registry.manage", path_field="unit__path")
        .exclude(status=CampaignStatus.CLOSED)
        .filter(declaration_round__isnull=True)
        .select_related("unit")
        .order_by("-created_at")
    )
    first = campaigns.first()
    followers, group = policies.thresholds_for(first.unit) if first else (None, None)
    form = DeclarationRoundForm(
        request.POST or None,
        campaigns=campaigns,
        initial={"campaign": first, "follower_threshold": followers, "group_threshold": group},
    )
    if request.method == "POST" and form.is_valid():
        round_ = run_service(
            form, declarations.declaration_round_open, actor=request.user, **form.cleaned_data
        )
        if round_:
            messages.success(request, _("已发起规模申报：任务范围内的人员会在首页看到申报问题。"))
            return redirect("registry:declaration_round", pk=round_.pk)
    return render(
        request,
        "registry/form_page.html",
        {
            "form": form,
            "title": _("发起规模申报"),
            "back_url": reverse("registry:declaration_rounds"),
            "submit": _("发起"),
            "intro": _(
                "请传达任务范围内的每个人申报：是否运营粉丝数或成员数超过下列标准的个人账号或群组。"
                "这是本人申报，平台不会查询任何人的账号；申报“有”的人员会直接进入已填好的备案申请。"
            ),
        },
    )


@login_required
def declaration_round_detail(request: HttpRequest, pk: int) -> HttpResponse:
    round_ = declarations.round_get_for(viewer=request.user, pk=pk)
    counts = declarations.declaration_counts(viewer=request.user, round_=round_)
    yes = Paginator(declarations.declarations_yes(viewer=request.user, round_=round_), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "registry/declaration_round.html",
        {**_nav(request.user), "round": round_, "counts": counts, "yes": yes},
    )


@login_required
def declaration_round_export(request: HttpRequest, pk: int) -> HttpResponse:
    round_ = declarations.round_get_for(viewer=request.user, pk=pk)
    return _xlsx(
        declarations.counts_xlsx(viewer=request.user, round_=round_),
        f"规模申报-{round_.campaign.title[:40]}-{timezone.localdate():%Y%m%d}.xlsx",
    )


@login_required
def declare(request: HttpRequest, pk: int) -> HttpResponse:
    """The person's own question, on a phone: yes (and what) or no. Yes goes on to the filing application."""
    round_, existing = declarations.round_for_person(user=request.user, pk=pk)
    initial = {}
    if existing:
        initial = {
            "answer": existing.answer,
            "platform": existing.platform,
            "account_kind": existing.account_kind,
            "name": existing.name,
            "audience": existing.audience,
        }
    form = DeclarationForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        declaration = run_service(
            form, declarations.declaration_submit, actor=request.user, round=round_, **form.cleaned_data
        )
        if declaration:
            if declaration.answer == DeclarationAnswer.YES:
                messages.success(request, _("已申报。请补全并提交下面已填好的备案申请。"))
                return redirect(f"{reverse('registry:apply')}?declaration={declaration.pk}")
            messages.success(request, _("已申报：没有达到备案标准的个人账号或群组。谢谢。"))
            return redirect("home")
    return render(
        request,
        "registry/declare.html",
        {
            "round": round_,
            "form": form,
            "existing": existing,
            "open": round_.campaign.status == CampaignStatus.ACTIVE,
        },
    )
