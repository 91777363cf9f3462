"""Referral pages: the forms on a report's and a case's page post here (移交监管部门 and its reply)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from netconduct.core.forms import run_service

from . import case_selectors, referrals, selectors
from .forms import ReferralForm, ReferralReplyForm


def _errors(request: HttpRequest, form) -> None:
    for errors in form.errors.values():
        for e in errors:
            messages.error(request, e)


def _create(request: HttpRequest, *, report=None, case=None) -> None:
    form = ReferralForm(request.POST)
    if form.is_valid() and run_service(
        form, referrals.referral_create, actor=request.user, report=report, case=case, **form.cleaned_data
    ):
        messages.success(request, _("已登记移交。收到回复后请在此登记。"))
    _errors(request, form)


def _reply(request: HttpRequest, referral) -> None:
    form = ReferralReplyForm(request.POST)
    if form.is_valid() and run_service(
        form, referrals.referral_reply, actor=request.user, referral=referral, **form.cleaned_data
    ):
        messages.success(request, _("已登记回复。"))
    _errors(request, form)


@login_required
@require_POST
def report_refer(request: HttpRequest, pk: int) -> HttpResponse:
    report = selectors.report_get_for(viewer=request.user, pk=pk)
    _create(request, report=report)
    return redirect("reports:handle_detail", pk=report.pk)


@login_required
@require_POST
def report_referral_reply(request: HttpRequest, pk: int, referral_pk: int) -> HttpResponse:
    referral = referrals.referral_get_for(viewer=request.user, pk=referral_pk, report_pk=pk)
    _reply(request, referral)
    return redirect("reports:handle_detail", pk=pk)


@login_required
@require_POST
def case_refer(request: HttpRequest, pk: int) -> HttpResponse:
    case = case_selectors.violation_get_for(viewer=request.user, pk=pk)
    _create(request, case=case)
    return redirect("reports:violation_detail", pk=case.pk)


@login_required
@require_POST
def case_referral_reply(request: HttpRequest, pk: int, referral_pk: int) -> HttpResponse:
    referral = referrals.referral_get_for(viewer=request.user, pk=referral_pk, case_pk=pk)
    _reply(request, referral)
    return redirect("reports:violation_detail", pk=pk)


def referral_context(subject) -> dict:
    """What the report's or case's page needs for its referral card."""
    return {
        "referrals": referrals.referrals_of(subject),
        "referral_form": ReferralForm(initial={"sent_on": timezone.localdate()}),
        "referral_reply_form": ReferralReplyForm(initial={"reply_on": timezone.localdate()}),
        "referral_receivers": referrals.RECEIVERS,
    }
