"""The registry pages: the register and each account's page, applications and their approval, lifecycle,
policies, delegations, yearly reviews, import and export. Thin: reads through selectors, writes through services."""

from __future__ import annotations

import datetime as dt
import json
import re
import secrets
import time
from pathlib import Path
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_POST

from netconduct.core.actions import run_action
from netconduct.core.exceptions import ApplicationError
from netconduct.core.forms import run_service
from netconduct.org import scoping
from netconduct.org import selectors as org_selectors
from netconduct.org.models import OrgUnit, Person

from . import declarations, exports, imports, policies, reviews, selectors, services
from .choices import (
    EDITABLE_STATUSES,
    ApplicationKind,
    ApplicationStatus,
    OwnerKind,
    ReviewAnswer,
    RoundStatus,
)
from .forms import (
    ApplicationForm,
    DecideForm,
    DelegationForm,
    FilterForm,
    ImportForm,
    PolicyForm,
    ReviewAnswerForm,
    ReviewOpenForm,
    StatusForm,
    admins_text,
)
from .models import Account, RegistryPolicy, ReviewItem

PAGE_SIZE = 50
HISTORY_LABELS = {
    "registry.apply": pgettext_lazy("registry history", "填写申请"),
    "registry.application_update": pgettext_lazy("registry history", "修改申请"),
    "registry.submit": pgettext_lazy("registry history", "提交审批"),
    "registry.withdraw": pgettext_lazy("registry history", "撤回申请"),
    "registry.decide": pgettext_lazy("registry history", "审批"),
    "registry.change_start": pgettext_lazy("registry history", "发起变更备案"),
    "registry.suspend": pgettext_lazy("registry history", "暂停使用"),
    "registry.resume": pgettext_lazy("registry history", "恢复使用"),
    "registry.close": pgettext_lazy("registry history", "注销"),
    "registry.handover_flag": pgettext_lazy("registry history", "管理员变动，待交接"),
    "registry.review_answer": pgettext_lazy("registry history", "年检答复"),
    "registry.import": pgettext_lazy("registry history", "导入台账"),
    "registry.close_request_approve": pgettext_lazy("registry history", "同意年检注销申请"),
    "registry.close_request_reject": pgettext_lazy("registry history", "不同意年检注销申请"),
}
DECISION_LABELS = {
    "approve": gettext_lazy("同意"),
    "return": gettext_lazy("退回修改"),
    "reject": gettext_lazy("不同意"),
}


def _nav(user) -> dict:
    """What the registry's sub-navigation shows."""
    return {
        "is_reader": scoping.has_any(user, "registry.view"),
        "can_manage": scoping.has_any(user, "registry.manage"),
        "can_delegate": policies.may_approve_anything(user),
        "queue_count": selectors.approval_queue(viewer=user).count(),
    }


def _form_page(request, form, *, title, back_url, submit, intro="", danger=False):
    return render(
        request,
        "registry/form_page.html",
        {
            "title": title,
            "form": form,
            "back_url": back_url,
            "submit": submit,
            "intro": intro,
            "danger": danger,
        },
    )


# ---------------------------------------------------------------------------------------------------- registry


def _filters(request: HttpRequest, units) -> tuple[FilterForm, selectors.AccountFilter]:
    form = FilterForm(request.GET or None, units=units)
    f = selectors.AccountFilter()
    if form.is_valid():
        d = form.cleaned_data
        f = selectors.AccountFilter(
            q=d["q"],
            unit=d["unit"],
            platform=d["platform"],
            kind=d["kind"],
            status=d["status"],
            admin=d["admin"],
            handover=d["handover"],
            basis=d["basis"],
        )
    return form, f


def _filter_units(user):
    return (
        org_selectors.unit_list(viewer=user, action="registry.view")
        .filter(is_active=True)
        .order_by("path")[:500]
    )


@login_required
def registry_list(request: HttpRequest) -> HttpResponse:
    """The register: every filed account the viewer may see, searchable and filterable; plus the viewer's own
    to-dos (applications to decide, reviews to answer)."""
    user = request.user
    is_reader = scoping.has_any(user, "registry.view")
    form, filters = _filters(request, _filter_units(user) if is_reader else OrgUnit.objects.none())
    page = Paginator(selectors.account_list(viewer=user, filters=filters), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    query = urlencode({k: v for k, v in request.GET.items() if k != "page" and v})
    return render(
        request,
        "registry/registry_list.html",
        {
            **_nav(user),
            "form": form,
            "page": page,
            "query": query,
            "my_reviews": list(selectors.my_review_items(viewer=user)[:10]),
            "my_open": selectors.application_list(viewer=user, mine=True)
            .filter(status__in=selectors.open_statuses())
            .count(),
            "policy_unit": org_selectors.unit_list(viewer=user, action="registry.manage")
            .order_by("path")
            .first()
            if scoping.has_any(user, "registry.manage")
            else None,
        },
    )


@login_required
def account_detail(request: HttpRequest, pk: int) -> HttpResponse:
    account = selectors.account_get_for(viewer=request.user, pk=pk)
    admins = list(account.admins.select_related("person__unit"))
    show_phones = selectors.may_see_phones(request.user, account)
    applications = list(account.applications.select_related("applicant").order_by("-created_at"))
    history = list(selectors.account_history(account=account))
    for event in history:
        event.label = HISTORY_LABELS.get(event.action, event.action)
        after = event.after or {}
        event.summary = _summary(event.action, event.before or {}, after)
    return render(
        request,
        "registry/account_detail.html",
        {
            "account": account,
            "admins": admins,
            "show_phones": show_phones,
            "applications": applications,
            "history": history,
            "can_manage": scoping.scope_for(request.user, "registry.manage").covers(account.unit.path),
            "can_change": services.may_file_change(request.user, account),
            "change_days": settings.NETCONDUCT_REGISTRY_CHANGE_DAYS,
            "reviews": list(
                account.review_items.select_related("round", "answered_by").order_by("-round__year")
            ),
        },
    )


def _summary(action: str, before: dict, after: dict) -> str:
    parts = []
    if action == "registry.decide":
        parts.append(
            _("%(step)s：%(decision)s")
            % {"step": before.get("step", ""), "decision": DECISION_LABELS.get(after.get("decision"), "")}
        )
        if after.get("comment"):
            parts.append(after["comment"])
        if after.get("filing_number"):
            parts.append(_("备案编号 %(after)s") % {"after": after["filing_number"]})
    elif action in ("registry.suspend", "registry.close"):
        parts.append(f"{after.get('date', '')} {after.get('reason', '')}")
    elif action == "registry.close_request_reject":
        parts.append(f"{after.get('review', '')}：{after.get('reason', '')}")
    elif action == "registry.handover_flag":
        parts.append(after.get("handover_reason", ""))
    elif action == "registry.submit":
        parts.append(" → ".join(after.get("steps", [])))
    elif action == "registry.review_answer":
        answer = dict(ReviewAnswer.choices).get(after.get("answer"), "")
        parts.append(
            _("%(step)s：%(decision)s") % {"step": after.get("review", ""), "decision": answer}
            + f" {after.get('note', '')}"
        )
    elif action == "registry.application_update":
        parts.append(_("、").join(str(k) for k in after))
    elif action in ("registry.apply", "registry.import"):
        parts.append(
            _("%(get)s（管理员：%(join)s）")
            % {"get": after.get("name", ""), "join": "、".join(after.get("admins", []))}
        )
    return _("；").join(p.strip() for p in parts if p and p.strip())


def _managed_account(request: HttpRequest, pk: int) -> Account:
    account = selectors.account_get_for(viewer=request.user, pk=pk)
    if not scoping.scope_for(request.user, "registry.manage").covers(account.unit.path):
        raise Http404
    return account


STATUS_ACTIONS = {
    "suspend": (
        gettext_lazy("暂停使用：%s"),
        gettext_lazy("暂停使用"),
        services.account_suspend,
        gettext_lazy("已暂停使用。"),
    ),
    "close": (
        gettext_lazy("注销：%s"),
        gettext_lazy("注销账号"),
        services.account_close,
        gettext_lazy("已注销。注销的账号仍保留在台账中。"),
    ),
}


def _status_view(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    account = _managed_account(request, pk)
    title, submit, service, done = STATUS_ACTIONS[action]
    form = StatusForm(request.POST or None, initial={"on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        if run_service(
            form,
            service,
            actor=request.user,
            account=account,
            reason=form.cleaned_data["reason"],
            on=form.cleaned_data["on"],
        ):
            messages.success(request, done)
            return redirect("registry:account", pk=pk)
    return _form_page(
        request,
        form,
        title=title % account.name,
        back_url=reverse("registry:account", args=[pk]),
        submit=submit,
        danger=action == "close",
    )


@login_required
def account_suspend(request: HttpRequest, pk: int) -> HttpResponse:
    return _status_view(request, pk, "suspend")


@login_required
def account_close(request: HttpRequest, pk: int) -> HttpResponse:
    return _status_view(request, pk, "close")


@login_required
@require_POST
def account_resume(request: HttpRequest, pk: int) -> HttpResponse:
    account = _managed_account(request, pk)
    return run_action(
        request,
        services.account_resume,
        actor=request.user,
        account=account,
        success=_("已恢复使用。"),
        to=reverse("registry:account", kwargs={"pk": pk}),
    )


@login_required
@require_POST
def account_change(request: HttpRequest, pk: int) -> HttpResponse:
    account = selectors.account_get_for(viewer=request.user, pk=pk)
    if not services.may_file_change(request.user, account):
        raise Http404
    return run_action(
        request,
        services.change_start,
        actor=request.user,
        account=account,
        success=_("已按现有备案内容生成变更申请，请修改后提交。"),
        to=lambda application: reverse("registry:application_edit", kwargs={"pk": application.pk}),
        on_error=reverse("registry:account", kwargs={"pk": pk}),
    )


def _export_accounts(request: HttpRequest):
    scoping.require_any_or_404(request.user, "registry.view")
    _form, filters = _filters(request, _filter_units(request.user))
    return selectors.account_list(viewer=request.user, filters=filters)


@login_required
def export_xlsx(request: HttpRequest) -> HttpResponse:
    data = exports.registry_xlsx(viewer=request.user, accounts=_export_accounts(request))
    response = HttpResponse(
        data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = content_disposition_header(
        True, f"备案台账-{timezone.localdate():%Y%m%d}.xlsx"
    )
    response["Cache-Control"] = "no-store"
    return response


@login_required
def export_pdf(request: HttpRequest) -> HttpResponse:
    data = exports.registry_pdf(viewer=request.user, accounts=_export_accounts(request))
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(
        False, f"备案台账-{timezone.localdate():%Y%m%d}.pdf"
    )
    response["Cache-Control"] = "no-store"
    return response


# ---------------------------------------------------------------------------------------------------- applications


@login_required
def application_list(request: HttpRequest) -> HttpResponse:
    tab = request.GET.get("tab") or (
        "queue" if selectors.approval_queue(viewer=request.user).exists() else "mine"
    )
    if tab == "queue":
        qs = selectors.approval_queue(viewer=request.user)
    elif tab == "all" and scoping.has_any(request.user, "registry.view"):
        qs = selectors.application_list(viewer=request.user, status=request.GET.get("status", ""))
    else:
        tab = "mine"
        qs = selectors.application_list(viewer=request.user, mine=True)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "registry/application_list.html",
        {**_nav(request.user), "page": page, "tab": tab},
    )


def _apply_units(user):
    """Units the user may apply for in a unit's name: those in registry.apply_unit scope and their own unit's line."""
    scope = scoping.scope_for(user, "registry.apply_unit")
    query = scope.q("path") if not scope.empty else Q(pk__in=[])
    person = Person.objects.filter(user=user).select_related("unit").first()
    if person is not None:
        p = person.unit.path
        query |= Q(path__in=[p[:i] for i in range(OrgUnit.steplen, len(p) + 1, OrgUnit.steplen)])
    return OrgUnit.objects.filter(query, is_active=True).order_by("path")[:500]


def _form_data(form) -> dict:
    data = dict(form.cleaned_data)
    for key in ("owner_kind", "unit"):
        data.pop(key, None)
    return data


@login_required
def application_create(request: HttpRequest) -> HttpResponse:
    units = _apply_units(request.user)
    initial = {"official_capacity": True, "owner_kind": OwnerKind.PERSON}
    declared = declarations.my_declaration(user=request.user, pk=request.GET.get("declaration") or 0)
    if declared is not None:  # from a size declaration: a personal account, filled in with what was declared
        initial.update(
            official_capacity=False,
            platform=declared.platform,
            account_kind=declared.account_kind,
            name=declared.name,
            audience=declared.audience,
        )
    form = ApplicationForm(request.POST or None, units=units, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = _form_data(form)
        application = run_service(
            form,
            services.application_create,
            actor=request.user,
            owner_kind=form.cleaned_data["owner_kind"],
            unit=form.cleaned_data.get("unit"),
            **data,
        )
        if application:
            if request.POST.get("then") == "submit":
                try:
                    services.application_submit(actor=request.user, application=application)
                except ApplicationError as exc:
                    messages.error(
                        request, _("已保存草稿，但未能提交：%(message)s") % {"message": exc.message}
                    )
                    return redirect("registry:application_edit", pk=application.pk)
                messages.success(request, _("申请已提交，等待审批。"))
            else:
                messages.success(request, _("已保存草稿。"))
            return redirect("registry:application", pk=application.pk)
    return render(
        request,
        "registry/application_form.html",
        {
            "form": form,
            "title": _("申请账号/群组备案"),
            "back_url": reverse("registry:list"),
            "declared": declared,
        },
    )


def _own_application(request: HttpRequest, pk: int):
    application = selectors.application_get_for(viewer=request.user, pk=pk)
    if application.applicant_id != request.user.pk:
        raise Http404
    return application


@login_required
def application_edit(request: HttpRequest, pk: int) -> HttpResponse:
    application = _own_application(request, pk)
    if application.status not in EDITABLE_STATUSES:
        messages.info(
            request,
            _("申请当前为“%(get_status_display)s”，不能修改。")
            % {"get_status_display": application.get_status_display()},
        )
        return redirect("registry:application", pk=pk)
    change = application.kind == ApplicationKind.CHANGE
    initial = {name: getattr(application, name) for name in services.FIELDS}
    initial.update(
        admins=admins_text(application.admins.select_related("person")),
        planned_open_on=application.planned_open_on,
        changed_on=application.changed_on,
        change_note=application.change_note,
    )
    form = ApplicationForm(request.POST or None, initial=initial, change=change, creating=False)
    if request.method == "POST" and form.is_valid():
        saved = run_service(
            form, services.application_update, actor=request.user, application=application, **_form_data(form)
        )
        if saved:
            if request.POST.get("then") == "submit":
                try:
                    services.application_submit(actor=request.user, application=saved)
                except ApplicationError as exc:
                    form.add_error(None, exc.message)
                else:
                    messages.success(request, _("申请已提交，等待审批。"))
                    return redirect("registry:application", pk=pk)
            else:
                messages.success(request, _("已保存。"))
                return redirect("registry:application", pk=pk)
    title = f"{application.get_kind_display()}：{application.name}"
    return render(
        request,
        "registry/application_form.html",
        {
            "form": form,
            "title": title,
            "application": application,
            "back_url": reverse("registry:application", args=[pk]),
        },
    )


@login_required
def application_detail(request: HttpRequest, pk: int) -> HttpResponse:
    application = selectors.application_get_for(viewer=request.user, pk=pk)
    may_decide, on_behalf_of = policies.decider_for(request.user, application)
    decide_form = DecideForm(initial={"version": application.version}) if may_decide else None
    return _application_page(request, application, decide_form, on_behalf_of)


def _application_page(request, application, decide_form, on_behalf_of=None, status=200):
    on_behalf_name = ""
    if on_behalf_of:
        from django.contrib.auth import get_user_model

        other = get_user_model().objects.filter(pk=on_behalf_of).first()
        on_behalf_name = other.get_full_name() or other.get_username() if other else ""
    decisions = list(selectors.decisions_of(application))
    steps = []
    for i, step in enumerate(application.steps):
        done = next(
            (d for d in reversed(decisions) if d.round == application.round and d.step_index == i), None
        )
        state = (
            "done"
            if done
            else (
                "current"
                if application.status == ApplicationStatus.SUBMITTED and i == application.step_index
                else "todo"
            )
        )
        steps.append(
            {"label": step["label"], "unit": step.get("unit_name", ""), "state": state, "decision": done}
        )
    return render(
        request,
        "registry/application_detail.html",
        {
            "application": application,
            "admins": list(application.admins.all()),
            "show_phones": selectors.may_see_phones(request.user, application),
            "decisions": decisions,
            "steps": steps,
            "decide_form": decide_form,
            "on_behalf_name": on_behalf_name,
            "is_applicant": application.applicant_id == request.user.pk,
            "can_withdraw": application.applicant_id == request.user.pk
            and application.status == ApplicationStatus.SUBMITTED
            and not any(d.round == application.round for d in decisions),
            "editable": application.status in EDITABLE_STATUSES,
            "late": services.change_overdue(application, settings.NETCONDUCT_REGISTRY_CHANGE_DAYS),
            "change_days": settings.NETCONDUCT_REGISTRY_CHANGE_DAYS,
        },
        status=status,
    )


@login_required
@require_POST
def application_submit(request: HttpRequest, pk: int) -> HttpResponse:
    application = _own_application(request, pk)
    return run_action(
        request,
        services.application_submit,
        actor=request.user,
        application=application,
        success=_("申请已提交，等待审批。"),
        to=reverse("registry:application", kwargs={"pk": pk}),
    )


@login_required
@require_POST
def application_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    application = _own_application(request, pk)
    return run_action(
        request,
        services.application_withdraw,
        actor=request.user,
        application=application,
        success=_("申请已撤回。"),
        to=reverse("registry:application", kwargs={"pk": pk}),
    )


@login_required
@require_POST
def application_decide(request: HttpRequest, pk: int) -> HttpResponse:
    application = selectors.application_get_for(viewer=request.user, pk=pk)
    may_decide, on_behalf_of = policies.decider_for(request.user, application)
    if not may_decide:
        # Not (or no longer) this step's approver: say what happened if another decision just moved it on.
        if application.status != ApplicationStatus.SUBMITTED or str(application.version) != request.POST.get(
            "version"
        ):
            messages.error(request, services.stale_error(application.pk).message)
            return redirect("registry:application", pk=pk)
        raise Http404
    form = DecideForm(request.POST)
    if form.is_valid():
        decided = run_service(
            form,
            services.application_decide,
            actor=request.user,
            application=application,
            decision=form.cleaned_data["decision"],
            comment=form.cleaned_data["comment"],
            version=form.cleaned_data["version"],
        )
        if decided:
            if decided.status == ApplicationStatus.APPROVED and decided.account_id:
                messages.success(
                    request,
                    _("已通过并备案：%(filing_number)s。") % {"filing_number": decided.account.filing_number},
                )
            else:
                messages.success(request, _("审批意见已保存。"))
            return redirect("registry:application", pk=pk)
        application.refresh_from_db()
    return _application_page(request, application, form, on_behalf_of, status=200)


# ---------------------------------------------------------------------------------------------------- policies, delegation


@login_required
def policy_edit(request: HttpRequest, unit_pk: int) -> HttpResponse:
    unit = org_selectors.unit_get_for(viewer=request.user, pk=unit_pk, action="registry.manage")
    if request.method == "GET" and request.GET.get("unit"):  # the unit picker on the page
        other = org_selectors.unit_get_for(
            viewer=request.user, pk=request.GET["unit"], action="registry.manage"
        )
        return redirect("registry:policy", unit_pk=other.pk)
    policy = RegistryPolicy.objects.filter(unit=unit).prefetch_related("steps").first()
    initial = {}
    if policy:
        initial = {
            "filing_code": policy.filing_code,
            "follower_threshold": policy.follower_threshold,
            "group_threshold": policy.group_threshold,
        }
        for n, step in enumerate(policy.steps.all(), start=1):
            initial.update(
                {
                    f"step{n}_role": step.role,
                    f"step{n}_level": step.level,
                    f"step{n}_unit": step.unit_id,
                    f"step{n}_label": step.label,
                }
            )
    units = (
        org_selectors.unit_list(viewer=request.user, action="registry.manage")
        .filter(is_active=True)
        .order_by("path")[:500]
    )
    form = PolicyForm(request.POST or None, initial=initial, units=units)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        saved = run_service(
            form,
            services.policy_set,
            actor=request.user,
            unit=unit,
            steps=form.steps(),
            filing_code=d["filing_code"],
            follower_threshold=d["follower_threshold"],
            group_threshold=d["group_threshold"],
        )
        if saved:
            messages.success(request, _("备案设置已保存；已提交的申请仍按提交时的步骤审批。"))
            return redirect("registry:policy", unit_pk=unit.pk)
    _specs, source = policies.step_specs(unit)
    return render(
        request,
        "registry/policy.html",
        {
            "unit": unit,
            "form": form,
            "effective": policies.resolve_steps(unit),
            "source": source,
            "filing_code": policies.filing_code_for(unit),
            "thresholds": policies.thresholds_for(unit),
            "units": units,
        },
    )


@login_required
def delegation_list(request: HttpRequest) -> HttpResponse:
    can_delegate = policies.may_approve_anything(request.user)
    delegations = list(selectors.delegations_of(viewer=request.user))
    if not can_delegate and not delegations:
        raise Http404
    today = timezone.localdate()
    form = (
        DelegationForm(request.POST or None, initial={"starts_on": today, "ends_on": today})
        if can_delegate
        else None
    )
    if request.method == "POST" and form is not None and form.is_valid():
        d = form.cleaned_data
        if run_service(
            form,
            services.delegation_create,
            actor=request.user,
            to_user=d["to_user"],
            starts_on=d["starts_on"],
            ends_on=d["ends_on"],
            reason=d["reason"],
        ):
            messages.success(request, _("委托已生效：期间受托人可以审批您待审批的备案申请。"))
            return redirect("registry:delegations")
    return render(
        request,
        "registry/delegations.html",
        {
            **_nav(request.user),
            "form": form,
            "delegations": delegations,
            "today": today,
            "user_pk": request.user.pk,
        },
    )


@login_required
@require_POST
def delegation_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    delegation = selectors.delegation_get_for(viewer=request.user, pk=pk)
    if delegation.from_user_id != request.user.pk:
        raise Http404
    return run_action(
        request,
        services.delegation_revoke,
        actor=request.user,
        delegation=delegation,
        success=_("委托已撤销。"),
        to="registry:delegations",
    )


# ---------------------------------------------------------------------------------------------------- reviews


@login_required
def review_list(request: HttpRequest) -> HttpResponse:
    scoping.require_any_or_404(request.user, "registry.view")
    return render(
        request,
        "registry/review_list.html",
        {**_nav(request.user), "rounds": list(selectors.review_list(viewer=request.user)[:100])},
    )


@login_required
def review_create(request: HttpRequest) -> HttpResponse:
    scoping.require_any_or_404(request.user, "registry.manage")
    # Not sliced: the choice field validates by filtering its queryset, which a sliced one refuses (every choice
    # was "not valid"). The scope's open units are what the field offers.
    units = (
        org_selectors.unit_list(viewer=request.user, action="registry.manage")
        .filter(is_active=True)
        .order_by("path")
    )
    today = timezone.localdate()
    form = ReviewOpenForm(
        request.POST or None,
        units=units,
        initial={
            "year": today.year,
            "deadline": today + dt.timedelta(days=30),
            "unit": units.first(),
        },
    )
    if request.method == "POST" and form.is_valid():
        review = run_service(form, reviews.review_open, actor=request.user, **form.cleaned_data)
        if review:
            messages.success(
                request, _("年检已开启，共%(count)s个账号待答复。") % {"count": review.items.count()}
            )
            return redirect("registry:review", pk=review.pk)
    return _form_page(
        request,
        form,
        title=_("开启年检"),
        back_url=reverse("registry:reviews"),
        submit=_("开启年检"),
        intro=_(
            "范围内每个未注销的账号都会生成一条年检答复：由申请人或管理员确认账号仍在使用、符合规范，或申请注销。"
        ),
    )


@login_required
def review_detail(request: HttpRequest, pk: int) -> HttpResponse:
    review = selectors.review_get_for(viewer=request.user, pk=pk)
    answer = request.GET.get("answer", ReviewAnswer.PENDING)
    if answer not in ReviewAnswer.values and answer != "all":
        answer = ReviewAnswer.PENDING
    items = selectors.review_items(
        viewer=request.user, review=review, answer="" if answer == "all" else answer
    )
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "registry/review_detail.html",
        {
            "review": review,
            "page": page,
            "answer": answer,
            "tally": selectors.review_tally(viewer=request.user, review=review),
            "can_manage": scoping.scope_for(request.user, "registry.manage").covers(review.unit.path),
            "answers": [
                ("pending", _("未答复")),
                ("confirmed", _("确认在用")),
                ("close", _("申请注销")),
                ("all", _("全部")),
            ],
            "query": f"answer={answer}",
            "overdue": review.status == RoundStatus.OPEN and timezone.localdate() > review.deadline,
        },
    )


@login_required
@require_POST
def review_remind(request: HttpRequest, pk: int) -> HttpResponse:
    review = selectors.review_get_for(viewer=request.user, pk=pk, action="registry.manage")
    report = reviews.review_remind(review=review, actor=request.user)
    messages.success(
        request,
        _("未答复%(pending)s个：新发站内提醒%(notifications)s条、邮件%(emails)s封")
        % {"pending": report.pending, "notifications": report.notifications, "emails": report.emails}
        + (
            _("；%(unreached)s个账号找不到可提醒的人") % {"unreached": report.unreached}
            if report.unreached
            else ""
        )
        + _("（同一周内不重复提醒）。"),
    )
    return redirect("registry:review", pk=pk)


@login_required
@require_POST
def review_close(request: HttpRequest, pk: int) -> HttpResponse:
    review = selectors.review_get_for(viewer=request.user, pk=pk, action="registry.manage")
    return run_action(
        request,
        reviews.review_close,
        actor=request.user,
        review=review,
        success=_("年检已结束。"),
        to=reverse("registry:review", kwargs={"pk": pk}),
    )


@login_required
def review_answer(request: HttpRequest, pk: int) -> HttpResponse:
    item: ReviewItem = selectors.review_item_get_for(viewer=request.user, pk=pk)
    if not reviews.may_answer(request.user, item):
        raise Http404
    form = ReviewAnswerForm(
        request.POST or None,
        initial={
            "answer": item.answer if item.answer != ReviewAnswer.PENDING else ReviewAnswer.CONFIRMED,
            "note": item.note,
            "audience": item.audience or item.account.audience,
        },
    )
    if request.method == "POST" and form.is_valid():
        if run_service(form, reviews.review_answer, actor=request.user, item=item, **form.cleaned_data):
            messages.success(request, _("年检答复已提交，谢谢。"))
            return redirect("registry:account", pk=item.account_id)
    account = item.account
    return _form_page(
        request,
        form,
        title=_("%(step)s：%(decision)s") % {"step": item.round.title, "decision": account.name},
        intro=_(
            "%(platform_label)s · %(get_account_kind_display)s · %(filing_number)s。请确认该账号仍在使用且符合《网络行为规范》，或申请注销。答复期限：%(deadline)s。"
        )
        % {
            "platform_label": account.platform_label,
            "get_account_kind_display": account.get_account_kind_display(),
            "filing_number": account.filing_number,
            "deadline": date_format(item.round.deadline, "DATE_FORMAT"),
        },
        back_url=reverse("registry:account", args=[account.pk]),
        submit=_("提交答复"),
    )


# ---------------------------------------------------------------------------------------------------- import

UPLOAD_DIR = "registry-uploads"
SESSION_KEY = "registry_uploads"
STALE_AFTER = 24 * 60 * 60
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{32}$")


def _upload_path(token: str) -> Path:
    return Path(settings.MEDIA_ROOT) / UPLOAD_DIR / token


def _sweep() -> None:
    cutoff = time.time() - STALE_AFTER
    for path in (Path(settings.MEDIA_ROOT) / UPLOAD_DIR).glob("*"):
        try:
            if path.is_file() and path.stat().st_mtime < cutoff:
                path.unlink(missing_ok=True)
        except OSError:
            continue


@login_required
def import_upload(request: HttpRequest) -> HttpResponse:
    scoping.require_any_or_404(request.user, "registry.manage")
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        directory = Path(settings.MEDIA_ROOT) / UPLOAD_DIR
        directory.mkdir(parents=True, exist_ok=True)
        _sweep()
        token = secrets.token_urlsafe(24)
        path = _upload_path(token)
        with path.open("xb") as handle:
            for chunk in upload.chunks():
                handle.write(chunk)
        path.chmod(0o600)
        try:
            result = imports.registry_import(
                actor=request.user, path=path, filename=upload.name, dry_run=True
            )
        except ApplicationError as exc:
            path.unlink(missing_ok=True)
            form.add_error("file", exc.message)
        else:
            path.with_name(f"{token}.json").write_text(
                json.dumps(result.as_dict(), ensure_ascii=False), encoding="utf-8"
            )
            uploads = request.session.get(SESSION_KEY, {})
            uploads[token] = {"user": request.user.pk, "filename": upload.name}
            request.session[SESSION_KEY] = uploads
            return redirect("registry:import_preview", token=token)
    return render(request, "registry/import_upload.html", {**_nav(request.user), "form": form})


@login_required
def import_preview(request: HttpRequest, token: str) -> HttpResponse:
    scoping.require_any_or_404(request.user, "registry.manage")
    if not _TOKEN.match(token):
        raise Http404
    record = request.session.get(SESSION_KEY, {}).get(token)
    path = _upload_path(token)
    report = path.with_name(f"{token}.json")
    if not record or record.get("user") != request.user.pk or not path.is_file() or not report.is_file():
        raise Http404
    result = imports.ImportResult.from_dict(json.loads(report.read_text(encoding="utf-8")))
    if request.method == "POST":
        try:
            done = imports.registry_import(
                actor=request.user, path=path, filename=record["filename"], dry_run=False
            )
        except ApplicationError as exc:
            messages.error(request, _("导入未完成，没有做任何改动：%(message)s") % {"message": exc.message})
        else:
            uploads = request.session.get(SESSION_KEY, {})
            uploads.pop(token, None)
            request.session[SESSION_KEY] = uploads
            path.unlink(missing_ok=True)
            report.unlink(missing_ok=True)
            messages.success(
                request,
                _("已导入%(created)s个账号（其中%(numbered)s个新编备案编号）。")
                % {"created": done.created, "numbered": done.numbered},
            )
            return redirect("registry:list")
    return render(request, "registry/import_preview.html", {"result": result, "token": token})
