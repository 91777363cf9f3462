"""Case pages: commendations and protection (case.support), violation cases (inspectors of the unit and above), and
the page where the person concerned reads what they are told, answers and appeals with their own account."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from netconduct.core.actions import run_action
from netconduct.core.forms import run_service
from netconduct.org import scoping
from netconduct.org.models import Person

from . import case_selectors as selectors
from . import case_services as services
from . import policies
from . import selectors as report_selectors
from .choices import CASE_MOVES, CaseSource, CaseStep, SupportKind
from .forms import (
    CaseAdvanceForm,
    CaseNoteForm,
    CommendationForm,
    ProtectionForm,
    ProtectionUpdateForm,
    StatementForm,
    ViolationForm,
)
from .models import CaseFile
from .referral_views import referral_context

PAGE_SIZE = 30


def _private(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "same-origin"
    return response


def _resolve_person(request: HttpRequest, form, action: str) -> Person | None:
    """The one person the typed employee number or name points to, within the viewer's scope."""
    text = form.cleaned_data.get("person", "")
    found = selectors.people_matching(viewer=request.user, action=action, text=text)
    if not found:
        form.add_error("person", _("在您的范围内没有找到“%s”，请输入工号或完整姓名。") % text)
        return None
    if len(found) > 1:
        names = _("、").join(
            _("%(name)s（%(unit)s，工号%(no)s）")
            % {"name": p.name, "unit": p.unit.name, "no": p.employee_no or _("无")}
            for p in found[:5]
        )
        form.add_error("person", _("“%(t)s”对应多人：%(n)s。请改用工号。") % {"t": text, "n": names})
        return None
    return found[0]


def _form_page(request, *, title: str, form, back_url: str, submit: str, intro: str = "", status: int = 200):
    return render(
        request,
        "core/form_page.html",
        {"title": title, "form": form, "back_url": back_url, "submit": submit, "intro": intro},
        status=status,
    )


# ---------------------------------------------------------------------------------------------------- support


@login_required
def support_list(request: HttpRequest) -> HttpResponse:
    scoping.require_any_or_404(request.user, "case.support")
    commendations, protections = selectors.support_list(viewer=request.user)
    return render(
        request,
        "reports/support_list.html",
        {
            "commendations": Paginator(commendations, PAGE_SIZE).get_page(request.GET.get("page")),
            "protections": list(protections[:100]),
            "support_labels": dict(SupportKind.choices),
        },
    )


def _prefill_person(request: HttpRequest, action: str) -> dict:
    pk = request.GET.get("person")
    if pk and pk.isdigit():
        person = Person.objects.filter(pk=pk).only("employee_no", "name").first()
        if person:
            return {"person": person.employee_no or person.name}
    return {}


@login_required
def commendation_create(request: HttpRequest) -> HttpResponse:
    scoping.require_any_or_404(request.user, "case.support")
    form = CommendationForm(
        request.POST or None,
        initial={"granted_on": timezone.localdate(), **_prefill_person(request, "case.support")},
    )
    if request.method == "POST" and form.is_valid():
        person = _resolve_person(request, form, "case.support")
        if person and run_service(
            form,
            services.commendation_create,
            actor=request.user,
            person=person,
            reason=form.cleaned_data["reason"],
            granted_by=form.cleaned_data["granted_by"],
            granted_on=form.cleaned_data["granted_on"],
        ):
            messages.success(request, _("已记录对%s的肯定鼓励。") % person.name)
            return redirect("reports:support_list")
    return _form_page(
        request,
        title=_("肯定鼓励"),
        intro=_(
            "对在网络活动中以身作则、表现突出的党员干部，充分肯定、热情鼓励（第九条）。记录将显示在其人员档案中。"
        ),
        form=form,
        back_url=_url("reports:support_list"),
        submit=_("保存"),
        status=400 if request.method == "POST" else 200,
    )


def _url(name: str, **kwargs) -> str:
    from django.urls import reverse

    return reverse(name, kwargs=kwargs or None)


@login_required
def protection_create(request: HttpRequest) -> HttpResponse:
    scoping.require_any_or_404(request.user, "case.support")
    form = ProtectionForm(request.POST or None, initial=_prefill_person(request, "case.support"))
    if request.method == "POST" and form.is_valid():
        person = _resolve_person(request, form, "case.support")
        case = person and run_service(
            form,
            services.protection_create,
            actor=request.user,
            person=person,
            happened=form.cleaned_data["happened"],
            links=form.cleaned_data["links"],
            support=form.cleaned_data["support"],
            support_notes=form.cleaned_data["support_notes"],
        )
        if case:
            messages.success(request, _("已登记。"))
            return redirect("reports:protection_detail", pk=case.pk)
    return _form_page(
        request,
        title=_("保护和支持"),
        intro=_("对坚持正确立场、传播正能量而遭到围攻的党员干部，旗帜鲜明地给予保护和支持（第九条）。"),
        form=form,
        back_url=_url("reports:support_list"),
        submit=_("登记"),
        status=400 if request.method == "POST" else 200,
    )


@login_required
def protection_detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = selectors.protection_get_for(viewer=request.user, pk=pk)
    form = ProtectionUpdateForm(
        request.POST or None,
        initial={"support": case.support, "support_notes": case.support_notes, "outcome": case.outcome},
    )
    if request.method == "POST" and form.is_valid():
        if run_service(form, services.protection_update, actor=request.user, case=case, **form.cleaned_data):
            messages.success(request, _("已保存。"))
            return redirect("reports:protection_detail", pk=case.pk)
    return render(
        request,
        "reports/protection_detail.html",
        {"case": case, "form": form, "support_labels": dict(SupportKind.choices)},
        status=400 if request.method == "POST" else 200,
    )


# ---------------------------------------------------------------------------------------------------- violations


@login_required
def violation_list(request: HttpRequest) -> HttpResponse:
    if not policies.inspector_paths(request.user):
        raise Http404
    open_only = request.GET.get("open") == "1"
    cases = selectors.violation_list(viewer=request.user, open_only=open_only)
    return render(
        request,
        "reports/violation_list.html",
        {"page": Paginator(cases, PAGE_SIZE).get_page(request.GET.get("page")), "open_only": open_only},
    )


@login_required
def violation_create(request: HttpRequest) -> HttpResponse:
    if not policies.inspector_paths(request.user):
        raise Http404
    report = None
    report_pk = request.GET.get("report")
    if report_pk:
        report = report_selectors.report_get_for(viewer=request.user, pk=report_pk)
    initial = {"source": CaseSource.REPORT if report else CaseSource.INSPECTION}
    if report and report.category_article:
        initial["citations"] = report.category_label
    form = ViolationForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        person = _resolve_person(request, form, "case.violation")
        case = person and run_service(
            form,
            services.violation_open,
            actor=request.user,
            person=person,
            citations=form.cleaned_data["citations"].splitlines(),
            source=form.cleaned_data["source"],
            summary=form.cleaned_data["summary"],
            source_report=report,
        )
        if case:
            messages.success(request, _("已立案：%s。") % case.reference)
            return redirect("reports:violation_detail", pk=case.pk)
    intro = _("立案后依次：调查核实 → 告知本人并听取说明 → 作出决定 → 申诉 → 结案。每一步都会记入审计。")
    if report:
        intro = _("来源举报：%s。") % report.reference + intro
    return _form_page(
        request,
        title=_("违规案件立案"),
        intro=intro,
        form=form,
        back_url=_url("reports:violation_list"),
        submit=_("立案"),
        status=400 if request.method == "POST" else 200,
    )


def _next_steps(case) -> list[tuple[str, str]]:
    return [(s, CaseStep(s).label) for s in CASE_MOVES[CaseStep(case.step)]]


@login_required
def violation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = selectors.violation_get_for(viewer=request.user, pk=pk)
    steps = _next_steps(case)
    return _private(
        render(
            request,
            "reports/violation_detail.html",
            {
                "case": case,
                "summary": selectors.case_summary(case),
                "entries": selectors.case_entries(case),
                "files": selectors.case_files(case),
                "advance_form": CaseAdvanceForm(steps=steps) if steps else None,
                "note_form": CaseNoteForm() if case.step != CaseStep.CLOSED else None,
                "all_steps": [s for s in CaseStep if s not in (CaseStep.STATEMENT_LAPSED,)],
                **referral_context(case),
            },
        )
    )


@login_required
@require_POST
def violation_advance(request: HttpRequest, pk: int) -> HttpResponse:
    case = selectors.violation_get_for(viewer=request.user, pk=pk)
    form = CaseAdvanceForm(request.POST, steps=_next_steps(case))
    if form.is_valid() and run_service(
        form,
        services.violation_advance,
        actor=request.user,
        case=case,
        to=form.cleaned_data["step"],
        text=form.cleaned_data["text"],
        decision=form.cleaned_data["decision"],
        decision_ref=form.cleaned_data["decision_ref"],
        appeal_outcome=form.cleaned_data["appeal_outcome"],
    ):
        messages.success(request, _("已进入“%s”。") % CaseStep(form.cleaned_data["step"]).label)
    for errors in form.errors.values():
        for e in errors:
            messages.error(request, e)
    return redirect("reports:violation_detail", pk=case.pk)


@login_required
@require_POST
def violation_note(request: HttpRequest, pk: int) -> HttpResponse:
    case = selectors.violation_get_for(viewer=request.user, pk=pk)
    form = CaseNoteForm(request.POST, request.FILES)
    if form.is_valid() and run_service(
        form,
        services.violation_note,
        actor=request.user,
        case=case,
        text=form.cleaned_data["text"],
        files=form.cleaned_data["files"],
    ):
        messages.success(request, _("已记录。"))
    for errors in form.errors.values():
        for e in errors:
            messages.error(request, e)
    return redirect("reports:violation_detail", pk=case.pk)


@login_required
def violation_file(request: HttpRequest, pk: int, file_pk: int) -> HttpResponse:
    case = selectors.violation_get_for(viewer=request.user, pk=pk)
    try:
        file = CaseFile.objects.select_related("case").get(pk=file_pk, case=case)
    except CaseFile.DoesNotExist:
        raise Http404 from None
    data = services.case_file_read(actor=request.user, case=case, file=file)
    response = HttpResponse(data, content_type=file.content_type)
    # Always a download: evidence is never rendered by the browser in the product's origin.
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=f"{case.reference}-{file.name}"
    )
    response["X-Content-Type-Options"] = "nosniff"
    return _private(response)


# ---------------------------------------------------------------------------------------------------- the person


@login_required
def my_case(request: HttpRequest, pk: int) -> HttpResponse:
    """The person concerned: what they are told, their statement, the decision and their appeal."""
    case = selectors.own_case_get(user=request.user, pk=pk)
    can_answer = case.step == CaseStep.STATEMENT_REQUESTED
    can_appeal = case.can_appeal
    form = StatementForm(request.POST or None)
    if request.method == "POST" and (can_answer or can_appeal) and form.is_valid():
        service = services.case_statement if can_answer else services.case_appeal
        if run_service(form, service, actor=request.user, case=case, text=form.cleaned_data["text"]):
            messages.success(request, _("已提交。") if can_answer else _("申诉已提交。"))
            return redirect("reports:my_case", pk=case.pk)
    if can_appeal:
        form.fields["text"].label = _("申诉理由")
    return _private(
        render(
            request,
            "reports/my_case.html",
            {
                "case": case,
                "entries": selectors.case_entries(case, for_person=True),
                "form": form if (can_answer or can_appeal) else None,
                "can_answer": can_answer,
                "can_appeal": can_appeal,
            },
            status=400 if request.method == "POST" else 200,
        )
    )


@login_required
@require_POST
def violation_waive(request: HttpRequest, pk: int) -> HttpResponse:
    """An inspector records a waiver of the appeal that the person gave in writing."""
    case = selectors.violation_get_for(viewer=request.user, pk=pk)
    return run_action(
        request,
        services.case_waive_appeal,
        actor=request.user,
        case=case,
        text=request.POST.get("text", ""),
        success=_("已记录本人放弃申诉，可以结案。"),
        to=reverse("reports:violation_detail", args=[case.pk]),
    )


@login_required
@require_POST
def my_case_waive(request: HttpRequest, pk: int) -> HttpResponse:
    """The person concerned gives up the appeal."""
    case = selectors.own_case_get(user=request.user, pk=pk)
    return run_action(
        request,
        services.case_waive_appeal,
        actor=request.user,
        case=case,
        success=_("您已放弃申诉。"),
        to=reverse("reports:my_case", args=[case.pk]),
    )
