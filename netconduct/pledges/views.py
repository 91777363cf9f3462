"""Pledge pages: 我的承诺书, signing on a phone, the signer's copy, the public verification page, the quiz."""

from __future__ import annotations

import base64
import binascii

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.storage import default_storage
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from netconduct.accounts import signin
from netconduct.accounts.selectors import mask_name, normalize_code
from netconduct.campaigns import selectors as campaign_selectors
from netconduct.campaigns.models import Campaign
from netconduct.core.exceptions import ApplicationError
from netconduct.org import scoping

from . import selectors, services, verification
from .choices import PledgeStatus, SignatureKind, VerdictStatus
from .models import Pledge, QuizQuestion
from .render import template_parts, text_sha256

VERIFY_UPLOAD_MAX = 20 * 1024 * 1024


def auth_method(request: HttpRequest) -> str:
    """How the signer's session was authenticated, in words for the evidence page: the method accounts.signin
    stored on the session at login (sessions from before methods were stored were all password logins)."""
    key = signin.signin_method_of(request) or signin.LOCAL
    if key == signin.LOCAL:
        method = "账号密码登录（手机号、工号或用户名）"
    else:
        method = f"{signin.signin_method_label(key)}登录"
    is_verified = getattr(request.user, "is_verified", None)
    if callable(is_verified) and is_verified():
        method += " + 动态口令（TOTP）"
    return method


def _signing_context(request: HttpRequest) -> services.SigningContext:
    return services.SigningContext(
        ip=request.META.get("REMOTE_ADDR") or None,
        user_agent=request.META.get("HTTP_USER_AGENT", ""),
        auth_method=auth_method(request),
    )


def _decode_signature(data_url: str) -> bytes:
    prefix = "data:image/png;base64,"
    if not data_url.startswith(prefix):
        return b""
    try:
        return base64.b64decode(data_url[len(prefix) :], validate=True)
    except (binascii.Error, ValueError):
        return b""


def _quiz_answers(request: HttpRequest) -> dict[int, int]:
    """The answers posted (`q<question id>`: option index); the service checks them against the campaign's quiz,
    so the questions need not be read here too."""
    answers: dict[int, int] = {}
    for key, raw in request.POST.items():
        number = key[1:]
        if key[:1] == "q" and number.isascii() and number.isdigit() and raw.isascii() and raw.isdigit():
            answers[int(number)] = int(raw)
    return answers


@login_required
def my_pledges(request: HttpRequest) -> HttpResponse:
    mine = selectors.my_pledges(user=request.user)
    return render(
        request,
        "pledges/my_pledges.html",
        {
            "to_sign": mine.to_sign,
            "signed": mine.signed,
            "today": timezone.localdate(),
            "can_track": scoping.has_any(request.user, "pledge.view"),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def sign(request: HttpRequest, target_pk: int) -> HttpResponse:
    """Read the whole pledge, tick, (answer the quiz,) sign with a finger or type the name."""
    target = campaign_selectors.my_target_get(user=request.user, pk=target_pk)
    campaign = target.campaign
    error: ApplicationError | None = None
    if request.method == "POST":
        kind = request.POST.get("signature_kind", "")
        signature = services.Signature(
            kind=kind,
            png=_decode_signature(request.POST.get("signature", "")) if kind == SignatureKind.DRAWN else None,
            typed_name=request.POST.get("typed_name", ""),
        )
        try:
            pledge, _created = services.pledge_sign_online(
                actor=request.user,
                campaign=campaign,
                shown_sha256=request.POST.get("text_sha256", ""),
                read_to_end=request.POST.get("read_to_end") == "1",
                acknowledged=request.POST.get("acknowledged") == "on",
                signature=signature,
                context=_signing_context(request),
                quiz_answers=_quiz_answers(request),
            )
        except ApplicationError as exc:
            error = exc
        else:
            messages.success(request, _("承诺书已签订。签章文件生成后可随时下载。"))
            return redirect("pledges:detail", pk=pledge.pk)
    else:
        existing = Pledge.objects.filter(
            campaign=campaign,
            person_id=target.person_id,
            round=campaign.pledge_round,
            status=PledgeStatus.SIGNED,
        ).first()
        if existing is not None:
            return redirect("pledges:detail", pk=existing.pk)
    # The text shown is worked out only for the page itself: a successful signature never renders it.
    try:
        template, label, text = services.pledge_text_for(
            campaign=campaign, person=target.person, on=timezone.localdate()
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("campaigns:my_task", pk=target.pk)
    title, paragraphs = template_parts(template.title, template.body)
    questions = list(QuizQuestion.objects.filter(campaign=campaign))
    return render(
        request,
        "pledges/sign.html",
        {
            "target": target,
            "campaign": campaign,
            "title": title,
            "paragraphs": paragraphs,
            "unit_label": label,
            "person": target.person,
            "today": timezone.localdate(),
            "text_sha256": text_sha256(text),
            "questions": questions,
            "error": error,
            "posted": request.POST if request.method == "POST" else {},
        },
        status=400 if error else 200,
    )


@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    pledge = selectors.pledge_get_for(user=request.user, pk=pk)
    own = getattr(request.user, "person", None) is not None and pledge.person_id == request.user.person.pk
    return render(request, "pledges/detail.html", {"pledge": pledge, "own": own})


@login_required
def status_fragment(request: HttpRequest, pk: int) -> HttpResponse:
    """Polled by htmx on the detail page until the sealed PDF exists."""
    pledge = selectors.pledge_get_for(user=request.user, pk=pk)
    return render(request, "pledges/_pdf_status.html", {"pledge": pledge})


@login_required
def pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The sealed archive copy: the signer's copy is the very same bytes."""
    pledge = selectors.pledge_get_for(user=request.user, pk=pk)
    if not pledge.is_sealed:
        messages.info(request, _("签章文件正在生成，请稍后再试。"))
        return redirect("pledges:detail", pk=pledge.pk)
    response = FileResponse(default_storage.open(pledge.pdf_name, "rb"), content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=request.GET.get("inline") != "1",
        filename=f"承诺书-{pledge.person.name}-{pledge.year}.pdf",
    )
    response["Cache-Control"] = "private, no-store"
    return response


# ---------------------------------------------------------------------------------------------------- public


def _public_facts(pledge) -> dict:
    return {
        "name": mask_name(pledge.person.name),
        "unit": pledge.unit_label,
        "year": pledge.year,
        "signed_at": pledge.signed_at,
        "method": pledge.get_method_display(),
        "status": pledge.get_status_display(),
        "signed": pledge.is_signed,
        "template": pledge.template.title,
        "norms": pledge.norms,
        "code": pledge.code_display,
    }


def _verdict_context(verdict: verification.Verdict, **extra) -> dict:
    return {"verdict": verdict, "facts": _public_facts(verdict.pledge) if verdict.pledge else None, **extra}


@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    """Public: a verification code, or an uploaded PDF, checked without logging in (`verification` answers)."""
    context: dict = {}
    if request.method == "POST":
        upload = request.FILES.get("file")
        code = request.POST.get("code", "").strip()
        if upload is not None:
            if upload.size > VERIFY_UPLOAD_MAX:
                context["error"] = _("文件过大（超过 20 MB），不是本平台生成的承诺书。")
            else:
                verdict = verification.pledge_verify_file(upload.read())
                context = _verdict_context(verdict, file_name=upload.name)
        elif code:
            return redirect("pledges:verify_code", code=normalize_code(code) or "0")
        else:
            context["error"] = _("请输入验证码或选择要验证的 PDF 文件。")
    return render(request, "pledges/verify.html", context, status=400 if context.get("error") else 200)


def verify_code(request: HttpRequest, code: str) -> HttpResponse:
    verdict = verification.pledge_verify_code(code)
    context = _verdict_context(verdict, code=code)
    found = verdict.status != VerdictStatus.UNKNOWN_CODE
    return render(request, "pledges/verify.html", context, status=200 if found else 404)


# ---------------------------------------------------------------------------------------------------- quiz

QUIZ_MAX_QUESTIONS = 20


@login_required
@require_http_methods(["GET", "POST"])
def quiz(request: HttpRequest, campaign_pk: int) -> HttpResponse:
    """Staff set the campaign's quiz: one question per block of lines (question, options, answer, citation)."""
    campaign = scoping.get_visible_or_404(
        Campaign.objects.select_related("unit"),
        request.user,
        "campaign.manage",
        path_field="unit__path",
        pk=campaign_pk,
    )
    questions = list(QuizQuestion.objects.filter(campaign=campaign))
    raw_count = request.POST.get("count", "")
    if request.method == "POST" and not (raw_count.isascii() and raw_count.isdigit() and len(raw_count) <= 3):
        # Only a tampered form sends this: saving what came would wipe the quiz (a negative count posts none).
        messages.error(
            request, _("提交的表单不完整（题目数量不正确），测试题未做任何修改。请刷新页面后重试。")
        )
    elif request.method == "POST":
        inputs = []
        for k in range(min(int(raw_count), QUIZ_MAX_QUESTIONS)):
            text = request.POST.get(f"text{k}", "")
            if not text.strip():
                continue
            options = [request.POST.get(f"option{k}_{j}", "") for j in range(4)]
            raw = request.POST.get(f"correct{k}", "")
            inputs.append(
                services.QuestionInput(
                    text=text,
                    options=options,
                    correct=int(raw) if raw.isdigit() else -1,
                    citation=request.POST.get(f"citation{k}", ""),
                )
            )
        try:
            services.quiz_set(actor=request.user, campaign=campaign, questions=inputs)
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("测试题已保存（%d题）。") % len(inputs))
            return redirect("campaigns:detail", pk=campaign.pk)
    rows = [
        {
            "text": q.text,
            "options": (q.options + ["", "", "", ""])[:4],
            "correct": q.correct,
            "citation": q.citation,
        }
        for q in questions
    ]
    while len(rows) < max(3, len(questions) + 1):
        rows.append({"text": "", "options": ["", "", "", ""], "correct": -1, "citation": ""})
    return render(request, "pledges/quiz.html", {"campaign": campaign, "rows": rows})
