"""The self-check page (everyone) and the keyword list (staff).

What a person checks is never stored: an upload is held in memory only (never in a temporary file, and not read
past the size limit), the text is not logged, not put in the session and not in an audit event. What is kept is
one anonymous tally per day and kind (`services.tally_record`).
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import RequestDataTooBig
from django.core.files.uploadedfile import InMemoryUploadedFile
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST

from netconduct.core.actions import run_action
from netconduct.core.forms import run_service
from netconduct.org import scoping

from . import selectors, services
from .citations import item_text
from .engine import Finding, redact
from .extract import MAX_BYTES, DocxText, ExtractError, extension, extract_text, text_to_docx
from .forms import CheckForm, KeywordAddForm, KeywordSearchForm
from .kinds import LABELS, SEVERITY_LABELS

# The engine and kinds.py stay free of Django (and fast): their labels and reasons are Chinese constants, marked here
# for the English catalog and translated when a page shows them.
_DISPLAYED = (
    gettext_noop("身份证号"),
    gettext_noop("手机号码"),
    gettext_noop("固定电话"),
    gettext_noop("银行卡号"),
    gettext_noop("电子邮箱"),
    gettext_noop("IP地址"),
    gettext_noop("车牌号"),
    gettext_noop("护照/通行证号"),
    gettext_noop("住址"),
    gettext_noop("姓名"),
    gettext_noop("密级标志"),
    gettext_noop("内部标识"),
    gettext_noop("发文字号"),
    gettext_noop("保密关键词"),
    gettext_noop("高"),
    gettext_noop("中"),
    gettext_noop("低"),
    gettext_noop("往来港澳通行证号码"),
    gettext_noop("港澳居民来往内地通行证（回乡证）号码"),
    gettext_noop("护照号码"),
    gettext_noop("电子邮箱地址"),
    gettext_noop("IPv6地址"),
    gettext_noop("新能源汽车号牌"),
    gettext_noop("机动车号牌"),
    gettext_noop("本组织（或上级）的发文字号：内部文件的文号和内容不得公开"),
    gettext_noop("发文字号：引用的如是内部文件，其文号和内容不得公开"),
    gettext_noop("内部文件标识：标注内部的资料不得外传"),
    gettext_noop("保密关键词：内部项目或系统名称"),
    gettext_noop("花名册中的人员姓名"),
    gettext_noop("详细地址（具体到门牌号）"),
    gettext_noop("标注为姓名的内容"),
    gettext_noop("姓名（后接称谓）"),
    gettext_noop("与个人信息相邻的姓名"),
    gettext_noop("括号中的姓名"),
    gettext_noop("姓名（言谈中提及）"),
    gettext_noop("姓名（与其他姓名并列）"),
    gettext_noop("15位居民身份证号码（出生日期有效）"),
    gettext_noop("居民身份证号码（出生日期与校验码有效）"),
    gettext_noop("银行卡号（长度与Luhn校验有效）"),
    gettext_noop("带区号的固定电话号码"),
)
_MARK_REASON = re.compile(r"^密级标志（(?P<word>[^）]*)）：")


def reason_text(reason: str) -> str:
    """A finding's reason in the active language (the engine writes it in Chinese)."""
    m = _MARK_REASON.match(reason)
    if m:
        return _("密级标志（%(word)s）：标有密级的内容属于国家秘密，严禁在网上发布") % {"word": m["word"]}
    return _(reason)  # noqa: INT001 — translated from the catalog entries marked in _DISPLAYED


# The page shows at most this much of a long text highlighted, and this many findings in its list; the redacted
# copy and the counts always cover everything.
SHOWN_CHARS = 200_000
SHOWN_FINDINGS = 500
KEYWORDS_PER_PAGE = 100

# ---------------------------------------------------------------------------------------------------- uploads


class _MemoryOnlyUpload(FileUploadHandler):
    """Keeps an upload in memory, never in a temporary file, and stops reading it past MAX_BYTES."""

    def new_file(self, *args, **kwargs) -> None:
        super().new_file(*args, **kwargs)
        self.buffer = io.BytesIO()
        self.size = 0

    def receive_data_chunk(self, raw_data: bytes, start: int):
        self.size += len(raw_data)
        if self.size > MAX_BYTES:
            self.request.selfcheck_upload_too_large = True
            self.buffer = io.BytesIO()
            raise SkipFile
        self.buffer.write(raw_data)
        return None

    def file_complete(self, file_size: int):
        self.buffer.seek(0)
        return InMemoryUploadedFile(
            self.buffer, self.field_name, self.file_name, self.content_type, file_size, self.charset
        )


def memory_only_uploads(view):
    """Set the upload handler before anything reads the body, then check CSRF (as Django's docs show)."""
    protected = csrf_protect(view)

    @wraps(view)
    @csrf_exempt
    def wrapper(request: HttpRequest, *args, **kwargs):
        request.upload_handlers = [_MemoryOnlyUpload(request)]
        return protected(request, *args, **kwargs)

    return wrapper


@dataclass
class _Source:
    text: str
    filename: str = ""  # the uploaded file's name; "" for pasted text
    data: bytes = b""


def _bound_form(request: HttpRequest) -> tuple[CheckForm, str | None]:
    """The form bound to the request, and an error that came before validation (body or file too large)."""
    try:
        form = CheckForm(request.POST, request.FILES)
    except RequestDataTooBig:
        return CheckForm(), _("提交的文字过长，请分段检查或改为上传文件。")
    if getattr(request, "selfcheck_upload_too_large", False):
        return form, _("文件过大：不能超过 %(mb)d MB。") % {"mb": MAX_BYTES // (1024 * 1024)}
    return form, None


def _source(form: CheckForm) -> _Source:
    upload = form.cleaned_data.get("file")
    if upload:
        data = upload.read()
        return _Source(extract_text(upload.name, data), upload.name, data)
    return _Source(form.cleaned_data["text"])


# ---------------------------------------------------------------------------------------------------- the page


@dataclass
class _Row:
    number: int
    finding: Finding
    label: str
    severity_label: str
    item: str
    reason: str


def _results_context(source: _Source, findings: list[Finding]) -> dict:
    shown = source.text[:SHOWN_CHARS]
    segments: list[tuple[str, _Row | None]] = []
    rows = [
        _Row(
            i, f, _(LABELS[f.kind]), _(SEVERITY_LABELS[f.severity]), item_text(f.kind), reason_text(f.reason)
        )
        for i, f in enumerate(findings, start=1)
    ]
    pos = 0
    for row in rows:
        f = row.finding
        if f.start >= len(shown):
            break
        segments.append((shown[pos : f.start], None))
        segments.append((shown[f.start : min(f.end, len(shown))], row))
        pos = min(f.end, len(shown))
    segments.append((shown[pos:], None))
    by_kind: dict[str, int] = {}
    for f in findings:
        label = _(LABELS[f.kind])  # noqa: INT001
        by_kind[label] = by_kind.get(label, 0) + 1
    return {
        "checked": True,
        "source": source,
        "findings": findings,
        "rows": rows[:SHOWN_FINDINGS],
        "more_rows": max(len(rows) - SHOWN_FINDINGS, 0),
        "segments": segments,
        "truncated": len(source.text) > SHOWN_CHARS,
        "redacted": redact(source.text, findings) if findings else "",
        "by_kind": sorted(by_kind.items(), key=lambda kv: -kv[1]),
        "high": sum(1 for f in findings if f.severity == "high"),
        "is_docx": extension(source.filename) == ".docx",
    }


@login_required
@memory_only_uploads
def check(request: HttpRequest) -> HttpResponse:
    context: dict = {"max_mb": MAX_BYTES // (1024 * 1024)}
    if request.method == "POST":
        form, early_error = _bound_form(request)
        if early_error:
            form.add_error(None, early_error)
        elif form.is_valid():
            try:
                source = _source(form)
            except ExtractError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                findings = selectors.configured_engine().check(source.text)
                services.tally_record(findings=findings)
                context.update(_results_context(source, findings))
                if source.filename and not request.htmx:
                    # Without htmx the page reloads and the browser forgets the chosen file: put its text in the
                    # box, so that the download buttons still have something to send.
                    form = CheckForm(initial={"text": source.text})
    else:
        form = CheckForm()
    context["form"] = form
    template = "selfcheck/_results.html" if request.htmx else "selfcheck/check.html"
    response = render(request, template, context)
    response["Cache-Control"] = "no-store"  # the page may hold personal information: never in a cache
    return response


@login_required
@require_POST
@memory_only_uploads
def download(request: HttpRequest) -> HttpResponse:
    """A redacted copy (.txt, or .docx — the original document masked in place when a .docx was uploaded). The
    text or file comes again with the request and is checked again here; nothing was kept from the first check."""
    form, early_error = _bound_form(request)
    fmt = request.POST.get("format", "txt") if not early_error else "txt"
    if early_error or not form.is_valid() or fmt not in ("txt", "docx"):
        return _download_refused(request, form, early_error)
    try:
        source = _source(form)
    except ExtractError as exc:
        return _download_refused(request, form, exc.message)
    findings = selectors.configured_engine().check(source.text)
    stem = source.filename.rsplit(".", 1)[0] if source.filename else _("自查文本")
    if fmt == "txt":
        body = redact(source.text, findings).encode("utf-8")
        content_type, name = "text/plain; charset=utf-8", f"{stem}（已脱敏）.txt"
    else:
        try:
            body = (
                DocxText.read(source.data).redact(findings)
                if extension(source.filename) == ".docx"
                else text_to_docx(redact(source.text, findings), title=_("脱敏副本"))
            )
        except ExtractError as exc:
            return _download_refused(request, form, exc.message)
        content_type = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        name = f"{stem}（已脱敏）.docx"
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=name)
    response["Cache-Control"] = "no-store"
    return response


def _download_refused(request: HttpRequest, form: CheckForm, message: str | None) -> HttpResponse:
    if message:
        form.add_error(None, message)
    response = render(
        request, "selfcheck/check.html", {"form": form, "max_mb": MAX_BYTES // (1024 * 1024)}, status=400
    )
    response["Cache-Control"] = "no-store"
    return response


# ---------------------------------------------------------------------------------------------------- keywords


@login_required
def keywords(request: HttpRequest) -> HttpResponse:
    if not scoping.has_any(request.user, selectors.MANAGE):
        raise Http404
    units = selectors.manageable_units(viewer=request.user)
    form = KeywordAddForm(request.POST or None, units=units)
    if request.method == "POST" and form.is_valid():
        created = run_service(form, services.keyword_add, actor=request.user, **form.cleaned_data)
        if created:
            messages.success(request, _("已添加 %(n)d 个关键词。") % {"n": len(created)})
            return redirect("selfcheck:keywords")
    search = KeywordSearchForm(request.GET or None)
    q = search.cleaned_data.get("q", "") if search.is_valid() else ""
    page = Paginator(selectors.keyword_list(viewer=request.user, q=q), KEYWORDS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    context = {
        "form": form,
        "search": search,
        "page": page,
        "q": q,
        "tallies": selectors.tally_summary(days=30),
    }
    return render(request, "selfcheck/keywords.html", context)


@login_required
@require_POST
def keyword_delete(request: HttpRequest, pk: int) -> HttpResponse:
    keyword = selectors.keyword_get_for(viewer=request.user, pk=pk)
    return run_action(
        request,
        services.keyword_delete,
        actor=request.user,
        keyword=keyword,
        success=_("已删除关键词“%(term)s”。") % {"term": keyword.term},
        to="selfcheck:keywords",
    )
