"""Report pages: filing (any account), following by code and passphrase (no login), handling (inspectors) and the
committee's figures (staff).

The filing and follow pages keep nothing about the visitor: the receipt code is shown in the response to the
filing request itself (no redirect, nothing put in the session), and the follow page carries a short-lived signed
token in its own form instead of a session. Both are sent with `Cache-Control: no-store` and no referrer.
"""

from __future__ import annotations

import secrets

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.cache import cache
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_POST

from netconduct.core.actions import run_action
from netconduct.core.exceptions import ApplicationError
from netconduct.core.forms import run_service
from netconduct.core.params import int_param
from netconduct.org import scoping

from . import clients, selectors, services
from .choices import Disposition, MessageKind, Platform, ReportState, UnitChoice
from .forms import (
    AddInformationForm,
    AdvanceForm,
    AssignForm,
    FollowForm,
    MessageForm,
    ReportFilterForm,
    ReportForm,
)
from .models import Report, ReportFile
from .referral_views import referral_context

PAGE_SIZE = 30
FOLLOW_SALT = "reports.follow"
FOLLOW_MAX_AGE = 60 * 60


def _private(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "same-origin"  # "no-referrer" would send Origin: null and fail CSRF
    return response


# ---------------------------------------------------------------------------------------------------- filing


def report_file(request: HttpRequest) -> HttpResponse:
    """Anyone may file, without signing in. On the anonymous path nothing touches a session: no message is queued
    (the notice is in the page), nothing is stored in the session, and the CSRF token lives in its cookie only."""
    signed_in = request.user.is_authenticated
    form = ReportForm(
        request.POST or None,
        request.FILES or None,
        initial={"once": secrets.token_urlsafe(16)},
        anonymous=not signed_in,
    )
    notice = ""
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        once_key = f"reports:once:{data['once']}"
        if not cache.add(once_key, 1, timeout=24 * 60 * 60):
            notice = _("这份举报已经提交过了。查询码只在提交时显示一次。")
            if signed_in:  # a message needs a session: only for those who already have one
                messages.info(request, notice)
                return redirect("reports:file")
            form = ReportForm(initial={"once": secrets.token_urlsafe(16)}, anonymous=not signed_in)
            return _private(
                render(
                    request,
                    "reports/file.html",
                    {"form": form, "has_person": _has_person(request), "notice": notice},
                    status=409,
                )
            )
        filed = run_service(
            form,
            services.report_file,
            actor=request.user if signed_in else None,
            category=data["category"],
            platform=data["platform"],
            link=data["link"],
            seen_on=data["seen_on"],
            subject=data["subject"],
            description=data["description"],
            confidential=data["confidential"] if signed_in else True,
            unit_basis=data["unit_basis"] if signed_in else UnitChoice.REPORTED,
            reported_unit=data["reported_unit"],
            passphrase=data["passphrase"],
            files=data["files"],
            address=clients.client_address(request),
        )
        if filed:
            return _private(render(request, "reports/receipt.html", {"filed": filed}))
        cache.delete(once_key)
    if request.method == "POST":
        form.data = form.data.copy()
        form.data["once"] = secrets.token_urlsafe(16)
    return _private(
        render(
            request,
            "reports/file.html",
            {
                "form": form,
                "has_person": _has_person(request),
                "norms_missing": not selectors.norm_choices(),
                "notice": notice,
            },
            status=400 if request.method == "POST" else 200,
        )
    )


def _has_person(request: HttpRequest) -> bool:
    return request.user.is_authenticated and getattr(request.user, "person", None) is not None


# ---------------------------------------------------------------------------------------------------- following


def _follow_token(report: Report) -> str:
    return signing.dumps(str(report.uuid), salt=FOLLOW_SALT)


def _follow_page(request: HttpRequest, report: Report, *, add_form=None, status: int = 200, notice: str = ""):
    content = selectors.report_content(report)
    context = {
        "report": report,
        "content": content,
        "platform_label": Platform(content.platform).label if content.platform in Platform.values else "",
        "messages_list": selectors.report_messages(report, for_reporter=True),
        "files": list(report.files.all()),
        "summary": selectors.report_summary(report) if report.state == ReportState.CLOSED else "",
        "add_form": add_form or AddInformationForm(initial={"token": _follow_token(report)}),
        "notice": notice,
        "states": ReportState,
    }
    return _private(render(request, "reports/follow_report.html", context, status=status))


@csrf_protect
def report_follow(request: HttpRequest) -> HttpResponse:
    """Anyone with the receipt code and passphrase; no login. Refusals never say whether the code exists."""
    form = FollowForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            report = services.report_follow(
                code=form.cleaned_data["code"],
                passphrase=form.cleaned_data["passphrase"],
                address=clients.client_address(request),
            )
        except ApplicationError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            return _follow_page(request, report)
    status = 400 if request.method == "POST" else 200
    return _private(render(request, "reports/follow.html", {"form": form}, status=status))


@require_POST
@csrf_protect
def report_follow_add(request: HttpRequest) -> HttpResponse:
    form = AddInformationForm(request.POST, request.FILES)
    try:
        uuid = signing.loads(request.POST.get("token", ""), salt=FOLLOW_SALT, max_age=FOLLOW_MAX_AGE)
        report = Report.objects.select_related("unit").get(uuid=uuid)
    except (signing.BadSignature, Report.DoesNotExist, ValueError):
        # Said in the page, not with a message: a message would need a cookie or a session on the anonymous path.
        notice = _("页面已过期，请重新输入查询码和查询密码。")
        return _private(
            render(request, "reports/follow.html", {"form": FollowForm(), "notice": notice}, status=400)
        )
    if form.is_valid():
        done = run_service(
            form,
            services.report_add_information,
            report=report,
            text=form.cleaned_data["text"],
            files=form.cleaned_data["files"],
        )
        if done:
            return _follow_page(request, report, notice=_("已补充，处理人员会看到。"))
    form.data = form.data.copy()
    form.data["token"] = _follow_token(report)
    return _follow_page(request, report, add_form=form, status=400)


# ---------------------------------------------------------------------------------------------------- handling


@login_required
def handle_list(request: HttpRequest) -> HttpResponse:
    scoping.require_any_or_404(request.user, "report.handle")
    form = ReportFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    reports = selectors.report_list(
        viewer=request.user,
        state=filters.get("state") or None,
        overdue=bool(filters.get("overdue")),
        mine=bool(filters.get("mine")),
    )
    page = Paginator(reports, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "reports/handle_list.html",
        {"form": form, "page": page, "query": query.urlencode(), "now": timezone.now()},
    )


@login_required
def handle_detail(request: HttpRequest, pk: int) -> HttpResponse:
    report = selectors.report_get_for(viewer=request.user, pk=pk)
    services.report_read(actor=request.user, report=report)
    candidates = selectors.handler_candidates(viewer=request.user, report=report) if report.is_open else []
    context = {
        "report": report,
        "content": selectors.report_content(report),
        "platform_label": "",
        "files": list(report.files.all()),
        "messages_list": selectors.report_messages(report),
        "summary": selectors.report_summary(report),
        "readings": selectors.report_readings(report),
        "assign_form": AssignForm(candidates=candidates, initial={"handler": report.handler_id})
        if candidates
        else None,
        "advance_form": AdvanceForm() if report.is_open else None,
        "message_form": MessageForm() if report.is_open else None,
        "can_open_case": scoping.has_any(request.user, "case.violation"),
        "dispositions": Disposition,
        "states": ReportState,
        **referral_context(report),
    }
    content = context["content"]
    context["platform_label"] = (
        Platform(content.platform).label if content.platform in Platform.values else ""
    )
    return _private(render(request, "reports/handle_detail.html", context))


def _back(report: Report) -> HttpResponse:
    return redirect("reports:handle_detail", pk=report.pk)


def _error(request: HttpRequest, form) -> None:
    for errors in form.errors.values():
        for e in errors:
            messages.error(request, e)


@login_required
@require_POST
def handle_assign(request: HttpRequest, pk: int) -> HttpResponse:
    report = selectors.report_get_for(viewer=request.user, pk=pk)
    candidates = selectors.handler_candidates(viewer=request.user, report=report)
    form = AssignForm(request.POST, candidates=candidates)
    if form.is_valid():
        handler = get_user_model().objects.filter(pk=form.cleaned_data["handler"]).first()
        if run_service(form, services.report_assign, actor=request.user, report=report, handler=handler):
            messages.success(request, _("已指定承办人。"))
            if handler != request.user:
                return redirect("reports:handle_list")
    _error(request, form)
    return _back(report)


@login_required
@require_POST
def handle_advance(request: HttpRequest, pk: int) -> HttpResponse:
    report = selectors.report_get_for(viewer=request.user, pk=pk)
    form = AdvanceForm(request.POST)
    if form.is_valid() and run_service(
        form,
        services.report_advance,
        actor=request.user,
        report=report,
        disposition=form.cleaned_data["disposition"],
        summary=form.cleaned_data["summary"],
        reply=form.cleaned_data["reply"],
    ):
        report.refresh_from_db()
        messages.success(request, _("状态已改为“%s”。") % report.get_state_display())
    _error(request, form)
    return _back(report)


@login_required
@require_POST
def handle_message(request: HttpRequest, pk: int) -> HttpResponse:
    report = selectors.report_get_for(viewer=request.user, pk=pk)
    form = MessageForm(request.POST)
    if form.is_valid() and run_service(
        form,
        services.report_message,
        actor=request.user,
        report=report,
        kind=form.cleaned_data["kind"],
        text=form.cleaned_data["text"],
    ):
        messages.success(
            request,
            _("已答复，举报人凭查询码可以看到。")
            if form.cleaned_data["kind"] == MessageKind.REPLY
            else _("已记录。"),
        )
    _error(request, form)
    return _back(report)


@login_required
@require_POST
def handle_nuisance(request: HttpRequest, pk: int) -> HttpResponse:
    report = selectors.report_get_for(viewer=request.user, pk=pk)
    nuisance = request.POST.get("nuisance", "1") == "1"
    return run_action(
        request,
        services.report_mark_nuisance,
        actor=request.user,
        report=report,
        nuisance=nuisance,
        success=_("已标记为无效骚扰（保留并计入统计）。") if nuisance else _("已取消无效骚扰标记。"),
        to=reverse("reports:handle_detail", args=[report.pk]),
    )


@login_required
def handle_file(request: HttpRequest, pk: int, file_pk: int) -> HttpResponse:
    report = selectors.report_get_for(viewer=request.user, pk=pk)
    try:
        file = ReportFile.objects.select_related("report").get(pk=file_pk, report=report)
    except ReportFile.DoesNotExist:
        raise Http404 from None
    data = services.report_file_read(actor=request.user, report=report, file=file)
    response = HttpResponse(data, content_type=file.content_type)
    # Always a download: evidence is never rendered by the browser in the product's origin.
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=f"{report.reference}-{file.name}"
    )
    response["X-Content-Type-Options"] = "nosniff"
    return _private(response)


# ---------------------------------------------------------------------------------------------------- statistics


@login_required
def report_stats(request: HttpRequest) -> HttpResponse:
    scoping.require_any_or_404(request.user, "report.stats")
    year = int_param(request, "year", low=2000, high=2100)
    figures = selectors.report_stats(viewer=request.user, year=year)
    totals = {
        "total": sum(f.total for f in figures),
        "open": sum(f.open for f in figures),
        "overdue": sum(f.overdue for f in figures),
    }
    return render(
        request,
        "reports/stats.html",
        {
            "figures": figures,
            "totals": totals,
            "year": year,
            "states": ReportState,
            "years": [timezone.localdate().year - i for i in range(5)],
        },
    )


@login_required
def report_home(request: HttpRequest) -> HttpResponse:
    """举报: file or follow, and the handler's and committee's entries for those who have them."""
    return render(
        request,
        "reports/home.html",
        {
            "can_handle": scoping.has_any(request.user, "report.handle"),
            "can_stats": scoping.has_any(request.user, "report.stats"),
            "can_cases": scoping.has_any(request.user, "case.violation"),
            "can_support": scoping.has_any(request.user, "case.support"),
        },
    )
