"""Campaigns: launching, following completion down the tree, a person's own tasks and read receipts, exports."""

from __future__ import annotations

import datetime as dt
import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from netconduct.core.actions import run_action
from netconduct.core.forms import run_service
from netconduct.documents import selectors as document_selectors
from netconduct.documents.choices import DocumentKind, DocumentStatus
from netconduct.org import scoping
from netconduct.org import selectors as org_selectors

from . import exports, selectors, services
from .choices import CampaignStatus
from .forms import CampaignForm, CopyForm, DeadlineForm, ProxyForm

PAGE_SIZE = 50


@login_required
def campaign_list(request: HttpRequest) -> HttpResponse:
    """Staff and secretaries: the campaigns reaching their scope. Everyone: their own tasks first."""
    mine = list(selectors.my_targets(user=request.user)[:20])
    campaigns = None
    if scoping.has_any(request.user, "campaign.view"):
        campaigns = Paginator(selectors.campaign_list(viewer=request.user), PAGE_SIZE).get_page(
            request.GET.get("page")
        )
    return render(
        request,
        "campaigns/campaign_list.html",
        {
            "mine": mine,
            "page": campaigns,
            "can_create": scoping.has_any(request.user, "campaign.manage"),
            "today": timezone.localdate(),
        },
    )


@login_required
def campaign_create(request: HttpRequest) -> HttpResponse:
    scoping.require_any_or_404(request.user, "campaign.manage")
    units = org_selectors.unit_list(viewer=request.user, action="campaign.manage").filter(is_active=True)
    documents = document_selectors.document_list(viewer=request.user, status=DocumentStatus.ISSUED)
    initial = {"deadline": timezone.localdate().replace(month=12, day=31), "unit": units.first()}
    if request.GET.get("document"):
        document = get_object_or_404(documents, pk=request.GET["document"])
        initial.update(title=_("《%s》宣贯") % document.title, documents=[document])
    form = CampaignForm(request.POST or None, units=units, documents=documents, initial=initial)
    if request.method == "POST" and form.is_valid():
        campaign = run_service(form, services.campaign_create, actor=request.user, **form.cleaned_data)
        if campaign:
            messages.success(request, _("活动已建立（草稿）。核对后点“发布”，范围内每个人即收到任务。"))
            return redirect("campaigns:detail", pk=campaign.pk)
    return render(
        request,
        "core/form_page.html",
        {
            "title": _("新建宣贯活动"),
            "form": form,
            "back_url": reverse("campaigns:list"),
            "submit": _("保存草稿"),
        },
    )


@login_required
def campaign_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Completion under a unit (the campaign's own, or the viewer's), one row per child unit; drill down by ?unit=."""
    campaign = selectors.campaign_get_for(viewer=request.user, pk=pk)
    root, focus = _focus(request, campaign)
    rollup = selectors.completion_rollup(campaign=campaign, focus=focus)
    show_people = request.GET.get("people") == "1" or not any(r.has_children for r in rollup.rows)
    documents = list(campaign.documents.all())
    compare = selectors.year_over_year(viewer=request.user, campaign=campaign)
    people = None
    if show_people:
        targets = selectors.target_list(
            viewer=request.user, campaign=campaign, unit=focus, status=request.GET.get("status", "")
        )
        people = Paginator(targets, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "campaign": campaign,
        "rollup": rollup,
        "focus": focus,
        "trail": _trail(root, focus),
        "people": people,
        "can_manage": scoping.scope_for(request.user, "campaign.manage").covers(campaign.unit.path),
        "can_proxy": scoping.scope_for(request.user, "campaign.proxy_receipt").covers(focus.path),
        "documents": documents,
        "old_norms": [
            d for d in documents if d.kind == DocumentKind.NORMS and d.status == DocumentStatus.SUPERSEDED
        ]
        if campaign.status != CampaignStatus.CLOSED
        else [],
        "compare": compare,
        "compare_counts": (compare.lapsed.count(), compare.new.count()) if compare else None,
        "chart": {
            "names": [r.unit.short_name or r.unit.name for r in rollup.rows],
            "done": [r.tally.percent for r in rollup.rows],
        },
    }
    if request.htmx and request.GET.get("fragment") == "people":
        return render(request, "campaigns/_people.html", context)
    return render(request, "campaigns/campaign_detail.html", context)


def _trail(root, focus) -> list:
    """The units from where the viewer's view starts down to `focus`, for the breadcrumb (no query at the start)."""
    if focus.pk == root.pk:
        return [focus]
    return [u for u in org_selectors.unit_ancestors(focus) if u.path.startswith(root.path)] + [focus]


def _managed(request: HttpRequest, pk: int):
    return selectors.campaign_get_for(viewer=request.user, pk=pk, action="campaign.manage")


@login_required
def campaign_edit(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _managed(request, pk)
    form = DeadlineForm(
        request.POST or None,
        initial={
            "title": campaign.title,
            "starts_on": campaign.starts_on,
            "deadline": campaign.deadline,
            "remind_days_before": campaign.remind_days_before,
        },
    )
    if request.method == "POST" and form.is_valid():
        if run_service(
            form, services.campaign_update, actor=request.user, campaign=campaign, **form.cleaned_data
        ):
            messages.success(request, _("已保存。"))
            return redirect("campaigns:detail", pk=pk)
    return render(
        request,
        "core/form_page.html",
        {
            "title": _("修改活动：%s") % campaign.title,
            "form": form,
            "back_url": reverse("campaigns:detail", args=[pk]),
            "submit": _("保存"),
        },
    )


@login_required
@require_POST
def campaign_launch(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _managed(request, pk)
    return run_action(
        request,
        services.campaign_launch,
        actor=request.user,
        campaign=campaign,
        success=lambda result: _("已发布，%d人收到任务。") % result.added,
        to=reverse("campaigns:detail", kwargs={"pk": pk}),
    )


@login_required
@require_POST
def campaign_close(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _managed(request, pk)
    return run_action(
        request,
        services.campaign_close,
        actor=request.user,
        campaign=campaign,
        success=_("活动已结束。"),
        to=reverse("campaigns:detail", kwargs={"pk": pk}),
    )


@login_required
def target_proxy(request: HttpRequest, pk: int) -> HttpResponse:
    """A secretary records that the documents were conveyed to a person in a meeting."""
    target = selectors.target_get_for(viewer=request.user, pk=pk, action="campaign.proxy_receipt")
    form = ProxyForm(request.POST or None, initial={"conveyed_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        if run_service(form, services.read_proxy, actor=request.user, target=target, **form.cleaned_data):
            messages.success(request, _("已记录：%s 已在会议上传达。") % target.person.name)
            return redirect(
                reverse("campaigns:detail", args=[target.campaign_id]) + f"?unit={target.unit_id}&people=1"
            )
    return render(
        request,
        "core/form_page.html",
        {
            "title": _("代为确认阅读：%s") % target.person.name,
            "intro": _(
                "用于没有手机或无法上网的人员：您确认已在会议上向其传达了本活动的全部文件。此记录会标明“会议传达”。"
            ),
            "form": form,
            "back_url": reverse("campaigns:detail", args=[target.campaign_id])
            + f"?unit={target.unit_id}&people=1",
            "submit": _("确认已传达"),
        },
    )


@login_required
def campaign_export(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = selectors.campaign_get_for(viewer=request.user, pk=pk)
    _root, focus = _focus(request, campaign)
    data = exports.rollup_xlsx(viewer=request.user, campaign=campaign, focus=focus)
    response = HttpResponse(
        data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = content_disposition_header(
        True, f"{campaign.title}-完成情况-{focus.name}.xlsx"
    )
    return response


@login_required
def campaign_summary_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = selectors.campaign_get_for(viewer=request.user, pk=pk)
    _root, focus = _focus(request, campaign)
    data = exports.rollup_pdf(campaign=campaign, focus=focus)
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(
        False, f"{campaign.title}-完成情况-{focus.name}.pdf"
    )
    return response


def _focus(request: HttpRequest, campaign):
    """(where the viewer's view of the campaign starts, the unit asked for by ?unit= or that start); 404 outside."""
    roots = selectors.focus_units(viewer=request.user, campaign=campaign)
    if not roots:
        raise Http404
    if not request.GET.get("unit"):
        return roots[0], roots[0]
    focus = org_selectors.unit_get_for(viewer=request.user, pk=request.GET["unit"], action="campaign.view")
    if not focus.path.startswith(campaign.unit.path):
        raise Http404
    return roots[0], focus


# ---------------------------------------------------------------------------------------------------- my tasks


@login_required
def my_task(request: HttpRequest, pk: int) -> HttpResponse:
    """A person's task in a campaign, phone first: each document to open and confirm, and what else is owed."""
    target = selectors.my_target_get(user=request.user, pk=pk)
    receipts = selectors.target_receipts(target)
    documents = list(target.campaign.documents.all())
    rows = [(d, receipts.get(d.pk)) for d in documents]
    return render(
        request,
        "campaigns/my_task.html",
        {"target": target, "campaign": target.campaign, "rows": rows, "today": timezone.localdate()},
    )


@login_required
def my_read(request: HttpRequest, pk: int, document_pk: int) -> HttpResponse:
    """Read one document of one's task on the phone, then confirm at the bottom."""
    target = selectors.my_target_get(user=request.user, pk=pk)
    document = get_object_or_404(target.campaign.documents.all(), pk=document_pk)
    detail = document_selectors.document_detail(document)
    receipt = selectors.target_receipts(target).get(document.pk)
    if request.method == "POST":
        return run_action(
            request,
            services.read_confirm,
            actor=request.user,
            target=target,
            document=document,
            success=_("已确认阅读《%s》。") % document.title,
            to=reverse("campaigns:my_task", kwargs={"pk": target.pk}),
        )
    return render(
        request,
        "campaigns/my_read.html",
        {"target": target, "document": document, "receipt": receipt, **detail},
    )


# ---------------------------------------------------------------------------------------------------- year two


def _next_year_title(title: str, year: int) -> str:
    """ "2024年网络行为规范宣贯" → "2025年网络行为规范宣贯"; a title without its year gets one in front."""
    shifted = re.sub(rf"{year}(?=\s*年)", str(year + 1), title, count=1)
    return shifted if shifted != title else f"{year + 1}年{title}"


def _same_day_next_year(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


@login_required
def campaign_copy(request: HttpRequest, pk: int) -> HttpResponse:
    """Next year's campaign in one step: a draft copy with new dates, then launched as usual."""
    campaign = _managed(request, pk)
    starts = campaign.starts_on or (
        timezone.localdate(campaign.launched_at) if campaign.launched_at else None
    )
    form = CopyForm(
        request.POST or None,
        initial={
            "title": _next_year_title(campaign.title, campaign.year),
            "starts_on": _same_day_next_year(starts) if starts else None,
            "deadline": _same_day_next_year(campaign.deadline),
        },
    )
    if request.method == "POST" and form.is_valid():
        copy = run_service(
            form, services.campaign_copy, actor=request.user, campaign=campaign, **form.cleaned_data
        )
        if copy:
            messages.success(
                request,
                _("已复制为新活动（草稿）。核对文件和范围后点“发布”；下方可查看上年已签、本年未签的人员。"),
            )
            return redirect("campaigns:detail", pk=copy.pk)
    return render(
        request,
        "core/form_page.html",
        {
            "title": _("复制为下一年度活动：%s") % campaign.title,
            "intro": _(
                "新活动沿用原活动的传达范围、人员类别、要求、提醒天数、传达文件（已有新版本的换为现行版本）和签订前测试题，保存为草稿。"
            ),
            "form": form,
            "back_url": reverse("campaigns:detail", args=[pk]),
            "submit": _("复制为草稿"),
        },
    )


COMPARE_LISTS = ("lapsed", "new")


@login_required
def campaign_year_compare(request: HttpRequest, pk: int) -> HttpResponse:
    """Last year's signers who have not signed this year, and who is new this year (paged, exportable)."""
    campaign = selectors.campaign_get_for(viewer=request.user, pk=pk)
    compare = selectors.year_over_year(viewer=request.user, campaign=campaign)
    if compare is None:
        raise Http404
    which = request.GET.get("list") if request.GET.get("list") in COMPARE_LISTS else "lapsed"
    people = Paginator(getattr(compare, which), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "campaigns/year_compare.html",
        {
            "campaign": campaign,
            "compare": compare,
            "which": which,
            "people": people,
            "n_lapsed": compare.lapsed.count() if which != "lapsed" else people.paginator.count,
            "n_new": compare.new.count() if which != "new" else people.paginator.count,
        },
    )


@login_required
def campaign_year_compare_export(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = selectors.campaign_get_for(viewer=request.user, pk=pk)
    compare = selectors.year_over_year(viewer=request.user, campaign=campaign)
    if compare is None:
        raise Http404
    response = HttpResponse(
        exports.year_compare_xlsx(compare),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = content_disposition_header(
        True, _("%(title)s-与上年对比.xlsx") % {"title": campaign.title}
    )
    return response


@login_required
@require_POST
def campaign_repledge(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _managed(request, pk)
    return run_action(
        request,
        services.campaign_require_repledge,
        actor=request.user,
        campaign=campaign,
        success=lambda c: (
            _("已要求按新版规范重新签订承诺书；已签的旧版承诺书仍然有效，范围内人员已收到通知。")
            if c.status == CampaignStatus.ACTIVE
            else _("已改为传达新版规范；发布后按新版本签订承诺书。")
        ),
        to=reverse("campaigns:detail", kwargs={"pk": pk}),
    )
