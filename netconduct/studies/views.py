"""Study-session pages: the branch's record, attendance, evidence, QR sign-in, the committee's review and the
yearly rule. Reads go through session_selectors, writes through session_services; anything outside the viewer's
scope is a 404."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from netconduct.core.actions import run_action
from netconduct.core.exceptions import ApplicationError
from netconduct.core.forms import run_service
from netconduct.core.links import absolute_url
from netconduct.org import scoping
from netconduct.org.choices import PersonStatus
from netconduct.org.models import OrgUnit, Person
from netconduct.org.selectors import audit_event_list

from . import exports, selectors, services, signin
from .choices import AttendanceStatus, SessionStatus
from .forms import EvidenceForm, ReviewForm, SessionFilterForm, StudySessionForm, YearForm
from .models import StudySession

PAGE_SIZE = 30
SCAN_KEY = "campaigns.signin_scan"


def _can(request: HttpRequest, action: str, session: StudySession) -> bool:
    return scoping.scope_for(request.user, action).covers(session.unit.path)


def _detail(session: StudySession) -> HttpResponse:
    return redirect("studies:session_detail", pk=session.pk)


def _private(response: HttpResponse) -> HttpResponse:
    """Pages carrying a sign-in token: never cached, and the URL sent to no other site."""
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "same-origin"
    return response


def _editable_or_back(request: HttpRequest, session: StudySession) -> HttpResponse | None:
    if session.is_editable:
        return None
    messages.error(
        request, _("本次学习记录%s，不能再修改；如需更正，请联系党委退回。") % session.get_status_display()
    )
    return _detail(session)


# ---------------------------------------------------------------------------------------------------- list & record


@login_required
def session_list(request: HttpRequest) -> HttpResponse:
    scoping.require_any_or_404(request.user, "session.view")
    units = selectors.session_units(viewer=request.user, action="session.view")
    form = SessionFilterForm(request.GET or None, units=units)
    filters = form.cleaned_data if form.is_valid() else {}
    unit = filters.get("unit")
    sessions = selectors.session_list(
        viewer=request.user, unit=unit, year=filters.get("year"), status=filters.get("status") or None
    )
    page = Paginator(sessions, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    record_scope = scoping.scope_for(request.user, "session.record")
    if unit is not None and record_scope.covers(unit.path):
        create_units = [unit]
    else:
        create_units = list(selectors.session_units(viewer=request.user, action="session.record")[:9])
    return render(
        request,
        "studies/session_list.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "create_units": create_units[:8],
            "too_many_units": len(create_units) > 8,
            "can_review": scoping.has_any(request.user, "session.review"),
        },
    )


def _form_page(request, *, title: str, form, unit: OrgUnit, cancel_url: str, session=None) -> HttpResponse:
    return render(
        request,
        "studies/session_form.html",
        {"title": title, "form": form, "unit": unit, "cancel_url": cancel_url, "session": session},
    )


@login_required
def session_create(request: HttpRequest, unit_pk: int) -> HttpResponse:
    unit = scoping.get_visible_or_404(
        OrgUnit.objects.all(), request.user, "session.record", path_field="path", pk=unit_pk
    )
    if unit.kind not in services.SESSION_UNIT_KINDS or not unit.is_active:
        messages.error(request, _("“%s”不登记学习记录：请选择党支部、党小组或党总支。") % unit.name)
        return redirect("studies:session_list")
    form = StudySessionForm(request.POST or None, unit=unit)
    if request.method == "POST" and form.is_valid():
        session = run_service(
            form, services.session_create, actor=request.user, unit=unit, **form.service_fields()
        )
        if session:
            messages.success(request, _("已建立学习记录。学习开始时可展示签到二维码，或直接登记出席情况。"))
            return _detail(session)
    return _form_page(
        request,
        title=_("登记学习：%s") % unit.name,
        form=form,
        unit=unit,
        cancel_url=reverse("studies:session_list"),
    )


def _history(request: HttpRequest, session: StudySession) -> list:
    if not scoping.has_any(request.user, "audit.view"):
        return []
    events = audit_event_list(
        viewer=request.user, object_type="studies.studysession", object_id=str(session.pk)
    )
    return list(events.select_related("actor")[:20])


def _qr_context(request: HttpRequest, session: StudySession) -> dict:
    live = session.status == SessionStatus.DRAFT
    context = {"session": session, "live": live}
    if live:
        path = signin.signin_path(session)
        url = absolute_url(path) or request.build_absolute_uri(path)  # phones scan it: the public address
        context |= {"signin_url": url, "qr": mark_safe(signin.qr_svg(url))}  # noqa: S308 - segno's own SVG
    return context


@login_required
def session_detail(request: HttpRequest, pk: int) -> HttpResponse:
    session = selectors.session_get_for(viewer=request.user, pk=pk)
    can_record = _can(request, "session.record", session)
    can_review = _can(request, "session.review", session) and session.status == SessionStatus.SUBMITTED
    context = {
        "session": session,
        "documents": list(session.documents.all()),
        "summary": selectors.attendance_summary(session),
        "evidence": selectors.evidence_list(session),
        "can_edit": can_record and session.is_editable,
        "can_record": can_record,
        "review_form": ReviewForm() if can_review else None,
        "history": _history(request, session),
    }
    if can_record and session.status == SessionStatus.DRAFT:
        context |= _qr_context(request, session)
        context["signed_in"] = selectors.signed_in(session)
    return _private(render(request, "studies/session_detail.html", context))


@login_required
def session_edit(request: HttpRequest, pk: int) -> HttpResponse:
    session = selectors.session_get_for(viewer=request.user, pk=pk, action="session.record")
    if (back := _editable_or_back(request, session)) is not None:
        return back
    form = StudySessionForm(request.POST or None, unit=session.unit, session=session)
    if request.method == "POST" and form.is_valid():
        fields = form.service_fields()
        documents = fields.pop("documents")
        if run_service(
            form, services.session_update, actor=request.user, session=session, documents=documents, **fields
        ):
            messages.success(request, _("已保存。"))
            return _detail(session)
    return _form_page(
        request,
        title=_("修改学习记录"),
        form=form,
        unit=session.unit,
        session=session,
        cancel_url=reverse("studies:session_detail", kwargs={"pk": session.pk}),
    )


# ---------------------------------------------------------------------------------------------------- attendance


def _posted_marks(request: HttpRequest) -> list[services.Mark]:
    marks = []
    for key, value in request.POST.items():
        if key.startswith("status_") and key[7:].isdigit():
            pid = int(key[7:])
            marks.append(services.Mark(pid, value, request.POST.get(f"reason_{pid}", "")))
    return marks


@login_required
def session_attendance(request: HttpRequest, pk: int) -> HttpResponse:
    session = selectors.session_get_for(viewer=request.user, pk=pk, action="session.record")
    if (back := _editable_or_back(request, session)) is not None:
        return back
    error = ""
    lines = selectors.attendance_sheet(session)
    if request.method == "POST":
        try:
            changed = services.attendance_set(
                actor=request.user, session=session, marks=_posted_marks(request)
            )
        except ApplicationError as exc:
            error = exc.message
            error_person = exc.extra.get("person_id")
            for line in lines:
                line.has_error = line.person.pk == error_person  # show what was typed, not what is stored
                line.posted_status = request.POST.get(f"status_{line.person.pk}", "")
                line.posted_reason = request.POST.get(f"reason_{line.person.pk}", "")
        else:
            if changed:
                messages.success(request, _("已保存出席情况（%d人有变化）。") % changed)
            else:
                messages.info(request, _("出席情况没有变化。"))
            return _detail(session)
    else:
        for line in lines:
            line.posted_status = line.attendance.status if line.attendance else ""
            line.posted_reason = line.attendance.reason if line.attendance else ""
    return render(
        request,
        "studies/session_attendance.html",
        {
            "session": session,
            "lines": lines,
            "error": error,
            "statuses": AttendanceStatus.choices,
        },
        status=400 if error else 200,
    )


@login_required
def session_qr(request: HttpRequest, pk: int) -> HttpResponse:
    """The QR code as an htmx fragment (polled every 20 seconds), or full screen for a projector."""
    session = selectors.session_get_for(viewer=request.user, pk=pk, action="session.record")
    context = _qr_context(request, session)
    if request.htmx:
        return _private(render(request, "studies/session_qr_fragment.html", context))
    context["signed_in"] = selectors.signed_in(session)
    return _private(render(request, "studies/session_qr.html", context))


@login_required
def session_signins(request: HttpRequest, pk: int) -> HttpResponse:
    """Who has scanned in so far (an htmx fragment polled beside the QR code)."""
    session = selectors.session_get_for(viewer=request.user, pk=pk, action="session.record")
    return render(
        request,
        "studies/session_signins_fragment.html",
        {"session": session, "signed_in": selectors.signed_in(session), "live": session.status == "draft"},
    )


# ---------------------------------------------------------------------------------------------------- QR sign-in


def _scan_time(request: HttpRequest, session: StudySession, token: str) -> dt.datetime | None:
    """When this browser first brought this code, if that was within the grace period (kept in its session, which
    survives logging in)."""
    scan = request.session.get(SCAN_KEY) or {}
    if scan.get("session") != session.pk or scan.get("token") != token:
        return None
    try:
        at = dt.datetime.fromisoformat(scan["at"])
    except (KeyError, TypeError, ValueError):
        return None
    return at if timezone.now() - at <= services.SCAN_GRACE else None


def _signin_page(request, context: dict, status: int = 200) -> HttpResponse:
    return _private(render(request, "studies/session_signin.html", context, status=status))


@never_cache
@require_http_methods(["GET", "POST"])
def session_signin(request: HttpRequest, pk: int, token: str) -> HttpResponse:
    """Where a member's phone lands after scanning: log in if needed, then tap 签到."""
    session = StudySession.objects.select_related("unit").filter(pk=pk).first()
    scanned_at = _scan_time(request, session, token) if session else None
    try:
        if session is None:
            raise signin.TokenRefused(_("二维码无效，请重新扫描会场上的签到二维码。"))
        signin.check_token(session, token, at=scanned_at)
    except signin.TokenRefused as exc:
        return _signin_page(request, {"error": exc.message}, status=400)
    if scanned_at is None:
        scanned_at = timezone.now()
        request.session[SCAN_KEY] = {"session": session.pk, "token": token, "at": scanned_at.isoformat()}
    if not request.user.is_authenticated:
        messages.info(request, _("请先登录，登录后将回到签到页面。"))
        return redirect_to_login(request.get_full_path())
    person = Person.objects.filter(user=request.user).select_related("unit").first()
    if (
        person is None
        or person.status != PersonStatus.ACTIVE
        or not person.unit.path.startswith(session.unit.path)
    ):
        return _signin_page(
            request,
            {"error": _("您不在“%s”的名册中，不能在此签到。如有疑问请联系支部书记。") % session.unit.name},
            status=404,
        )
    context = {"session": session, "person": person}
    if request.method == "POST":
        try:
            row = services.attendance_sign_in(
                actor=request.user, session=session, token=token, scanned_at=scanned_at
            )
        except ApplicationError as exc:
            context["error"] = exc.message
        else:
            request.session.pop(SCAN_KEY, None)
            context["signed"] = row
            return _signin_page(request, context)
    context["signed"] = session.attendance.filter(person=person, status=AttendanceStatus.PRESENT).first()
    context["closed"] = session.status != SessionStatus.DRAFT
    return _signin_page(request, context)


# ---------------------------------------------------------------------------------------------------- evidence


@login_required
def session_evidence(request: HttpRequest, pk: int) -> HttpResponse:
    session = selectors.session_get_for(viewer=request.user, pk=pk, action="session.record")
    if (back := _editable_or_back(request, session)) is not None:
        return back
    max_mb = services.evidence_max_bytes() // (1024 * 1024)
    form = EvidenceForm(request.POST or None, request.FILES or None, max_mb=max_mb)
    if request.method == "POST" and form.is_valid():
        saved: list = []
        try:
            with transaction.atomic():  # all the chosen files, or none of them
                for upload in form.cleaned_data["files"]:
                    saved.append(
                        services.evidence_add(
                            actor=request.user, session=session, file=upload, name=upload.name
                        )
                    )
        except ApplicationError as exc:
            for evidence in saved:  # their rows rolled back; their files go too
                evidence.file.delete(save=False)
            form.add_error("files", exc.message)
        else:
            messages.success(request, _("已上传%d个文件。") % len(saved))
            return _detail(session)
    return render(
        request,
        "studies/session_evidence.html",
        {"session": session, "form": form, "evidence": selectors.evidence_list(session)},
        status=400 if form.errors else 200,
    )


@login_required
def session_evidence_file(request: HttpRequest, pk: int, evidence_pk: int) -> HttpResponse:
    evidence = selectors.evidence_get_for(viewer=request.user, session_pk=pk, pk=evidence_pk)
    try:
        handle = evidence.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(handle, content_type=evidence.content_type)
    response["Content-Disposition"] = content_disposition_header(
        True, evidence.name
    )  # never rendered as a page of ours
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    return response


# ---------------------------------------------------------------------------------------------------- submit & review


@login_required
@require_POST
def session_submit(request: HttpRequest, pk: int) -> HttpResponse:
    session = selectors.session_get_for(viewer=request.user, pk=pk, action="session.record")
    return run_action(
        request,
        services.session_submit,
        actor=request.user,
        session=session,
        success=_("已提交，等待党委审核。"),
        to=reverse("studies:session_detail", kwargs={"pk": session.pk}),
    )


@login_required
def session_review(request: HttpRequest, pk: int) -> HttpResponse:
    session = selectors.session_get_for(viewer=request.user, pk=pk, action="session.review")
    form = ReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        reviewed = run_service(
            form, services.session_review, actor=request.user, session=session, **form.cleaned_data
        )
        if reviewed:
            messages.success(
                request,
                _("已通过。") if reviewed.status == SessionStatus.ACCEPTED else _("已退回支部，并附上说明。"),
            )
            return _detail(session)
    if session.status != SessionStatus.SUBMITTED and request.method == "GET":
        messages.info(request, _("本次学习记录%s，无需审核。") % session.get_status_display())
        return _detail(session)
    return render(
        request,
        "studies/session_review.html",
        {
            "session": session,
            "form": form,
            "summary": selectors.attendance_summary(session),
            "evidence": selectors.evidence_list(session),
            "documents": list(session.documents.all()),
        },
        status=400 if form.errors else 200,
    )


# ---------------------------------------------------------------------------------------------------- yearly rule


@login_required
def yearly_rule(request: HttpRequest) -> HttpResponse:
    scoping.require_any_or_404(request.user, "session.view")
    this_year = timezone.localdate().year
    form = YearForm(request.GET or None, initial={"year": this_year})
    year = form.cleaned_data["year"] if request.GET and form.is_valid() else this_year
    rule = selectors.yearly_rule(viewer=request.user, year=year)
    only_missing = request.GET.get("missing") == "1"
    rows = [r for r in rule.rows if not r.held] if only_missing else rule.rows
    return render(
        request,
        "studies/yearly_rule.html",
        {
            "rule": rule,
            "rows": rows,
            "form": form,
            "year": year,
            "years": range(this_year + 1, 2017, -1),
            "only_missing": only_missing,
        },
    )


@login_required
def yearly_rule_export(request: HttpRequest) -> HttpResponse:
    scoping.require_any_or_404(request.user, "session.view")
    this_year = timezone.localdate().year
    form = YearForm(request.GET or None, initial={"year": this_year})
    year = form.cleaned_data["year"] if request.GET and form.is_valid() else this_year
    data = exports.yearly_rule_xlsx(viewer=request.user, year=year)
    response = HttpResponse(
        data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = content_disposition_header(
        True, _("%(year)s年度专题学习情况.xlsx") % {"year": year}
    )
    return response
