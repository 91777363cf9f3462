"""Documents: the register, one document with its norms, attachments, versions and output, drafting and issuing.
Reads go through selectors, writes through services; a document outside the viewer's reach is a 404."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from netconduct.core.actions import run_action
from netconduct.core.forms import run_service
from netconduct.core.params import int_param
from netconduct.org import scoping
from netconduct.org import selectors as org_selectors
from netconduct.org.selectors import audit_event_list

from . import output, selectors, services
from .choices import DocumentStatus
from .forms import DocumentFilterForm, DocumentForm, FileForm, LinkForm, NormsImportForm, ReasonForm
from .models import Document, DocumentFile
from .norms_parser import NormsParseError, cite, parse_norms, read_text_file

PAGE_SIZE = 30


def _form_page(request, *, title, form, back_url, submit=None, intro="", danger=False):
    return render(
        request,
        "core/form_page.html",
        {
            "title": title,
            "form": form,
            "back_url": back_url,
            "submit": submit or _("保存"),
            "intro": intro,
            "danger": danger,
        },
    )


@login_required
def document_list(request: HttpRequest) -> HttpResponse:
    scoping.require_any_or_404(request.user, "document.view")
    form = DocumentFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    documents = selectors.document_list(
        viewer=request.user,
        q=filters.get("q", ""),
        kind=filters.get("kind", ""),
        status=filters.get("status", ""),
    )
    page = Paginator(documents, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "documents/document_list.html",
        {"page": page, "form": form, "can_create": scoping.has_any(request.user, "document.manage")},
    )


@login_required
def document_create(request: HttpRequest) -> HttpResponse:
    scoping.require_any_or_404(request.user, "document.manage")
    units = org_selectors.unit_list(viewer=request.user, action="document.manage").filter(is_active=True)
    unit_pk = int_param(request, "unit")
    if request.GET.get("unit") and unit_pk is None:
        raise Http404
    unit = get_object_or_404(units, pk=unit_pk) if unit_pk is not None else units.first()
    if unit is None:
        raise Http404
    form = DocumentForm(request.POST or None, initial={"addressees": "各党支部"})
    if request.method == "POST" and form.is_valid():
        document = run_service(
            form, services.document_create, actor=request.user, issuer=unit, **form.cleaned_data
        )
        if document:
            messages.success(request, _("草稿已建立。"))
            return redirect("documents:detail", pk=document.pk)
    return _form_page(
        request,
        title=_("起草文件（%s）") % unit.name,
        form=form,
        back_url=reverse("documents:list"),
        submit=_("保存草稿"),
    )


@login_required
def document_detail(request: HttpRequest, pk: int) -> HttpResponse:
    scoping.require_any_or_404(request.user, "document.view")
    document = selectors.document_get_for(viewer=request.user, pk=pk)
    can_manage = scoping.scope_for(request.user, "document.manage").covers(document.issuer.path)
    history = []
    if scoping.has_any(request.user, "audit.view"):
        history = list(
            audit_event_list(
                viewer=request.user, object_type="documents.document", object_id=str(document.pk)
            ).select_related("actor")[:20]
        )
    context = {
        "document": document,
        "can_manage": can_manage,
        "can_convey": document.status == DocumentStatus.ISSUED
        and scoping.has_any(request.user, "campaign.manage"),
        "history": history,
        **selectors.document_detail(document),
    }
    return render(request, "documents/document_detail.html", context)


def _managed(request: HttpRequest, pk: int) -> Document:
    return selectors.document_get_for(viewer=request.user, pk=pk, action="document.manage")


@login_required
def document_edit(request: HttpRequest, pk: int) -> HttpResponse:
    document = _managed(request, pk)
    if not document.is_draft:
        messages.error(request, _("已印发的文件不能修改；如需更正，请建立新版本。"))
        return redirect("documents:detail", pk=pk)
    initial = {name: getattr(document, name) for name in services.DRAFT_FIELDS}
    form = DocumentForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        if run_service(
            form, services.document_update, actor=request.user, document=document, **form.cleaned_data
        ):
            messages.success(request, _("已保存。"))
            return redirect("documents:detail", pk=pk)
    return _form_page(
        request,
        title=_("修改草稿：%s") % document.title,
        form=form,
        back_url=reverse("documents:detail", args=[pk]),
    )


@login_required
def norms_import(request: HttpRequest, pk: int) -> HttpResponse:
    """Paste or upload the norms, see how they were read, correct the text, then save the articles and items."""
    document = _managed(request, pk)
    form = NormsImportForm(request.POST or None, request.FILES or None)
    structure = None
    if request.method == "POST" and form.is_valid():
        text = form.cleaned_data["text"]
        upload = form.cleaned_data.get("file")
        try:
            if upload is not None:
                if upload.size > 5 * 1024 * 1024:
                    raise NormsParseError(_("文件超过 5 MB。"))
                text = read_text_file(upload.name, upload.read())
            if not text.strip():
                raise NormsParseError(_("请粘贴规范全文或上传文件。"))
            structure = parse_norms(text).to_dict()
            for article in structure["articles"]:
                article["citation"] = cite(article["number"])
                for item in article["items"]:
                    item["citation"] = cite(article["number"], item["number"])
        except NormsParseError as exc:
            form.add_error(None, str(exc))
        else:
            if request.POST.get("action") == "save":
                if run_service(
                    form,
                    services.document_set_norms,
                    actor=request.user,
                    document=document,
                    structure=structure,
                ):
                    messages.success(request, _("已导入%d条。") % len(structure["articles"]))
                    return redirect("documents:detail", pk=pk)
            form = NormsImportForm(initial={"text": text})
    return render(
        request, "documents/norms_import.html", {"document": document, "form": form, "structure": structure}
    )


@login_required
@require_POST
def document_issue(request: HttpRequest, pk: int) -> HttpResponse:
    document = _managed(request, pk)
    return run_action(
        request,
        services.document_issue,
        actor=request.user,
        document=document,
        success=lambda document: _("已印发，文号：%s") % document.number,
        to=reverse("documents:detail", kwargs={"pk": pk}),
    )


@login_required
@require_POST
def document_new_version(request: HttpRequest, pk: int) -> HttpResponse:
    document = _managed(request, pk)
    return run_action(
        request,
        services.document_new_version,
        actor=request.user,
        document=document,
        success=lambda draft: _("已建立第%d版草稿；印发后替代原文件。") % draft.version,
        to=lambda draft: reverse("documents:detail", kwargs={"pk": draft.pk}),
        on_error=reverse("documents:detail", kwargs={"pk": pk}),
    )


@login_required
def document_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    document = _managed(request, pk)
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if run_service(
            form,
            services.document_withdraw,
            actor=request.user,
            document=document,
            reason=form.cleaned_data["reason"],
        ):
            messages.success(request, _("文件已撤回。"))
            return redirect("documents:detail", pk=pk)
    return _form_page(
        request,
        title=_("撤回文件：%s") % document,
        form=form,
        back_url=reverse("documents:detail", args=[pk]),
        submit=_("撤回"),
        danger=True,
        intro=_("撤回后文件仍保留在记录中，文号不再使用。"),
    )


@login_required
def document_add_link(request: HttpRequest, pk: int) -> HttpResponse:
    document = _managed(request, pk)
    targets = selectors.document_list(viewer=request.user).exclude(status=DocumentStatus.DRAFT).exclude(pk=pk)
    form = LinkForm(
        request.POST or None, targets=targets, initial={"kind": request.GET.get("kind", "attachment")}
    )
    if request.method == "POST" and form.is_valid():
        if run_service(
            form, services.document_add_link, actor=request.user, document=document, **form.cleaned_data
        ):
            messages.success(request, _("已添加。"))
            return redirect("documents:detail", pk=pk)
    return _form_page(
        request,
        title=_("添加附件或引用文件"),
        form=form,
        back_url=reverse("documents:detail", args=[pk]),
        intro=_("选择本系统中的文件；或填写系统外文件的文号和标题（例如上级文件）。"),
    )


@login_required
def document_add_file(request: HttpRequest, pk: int) -> HttpResponse:
    document = _managed(request, pk)
    form = FileForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        data = upload.read(services.MAX_FILE_BYTES + 1)
        if run_service(
            form,
            services.document_add_file,
            actor=request.user,
            document=document,
            name=upload.name,
            data=data,
        ):
            messages.success(request, _("已上传。"))
            return redirect("documents:detail", pk=pk)
    return _form_page(
        request, title=_("上传附件文件"), form=form, back_url=reverse("documents:detail", args=[pk])
    )


@login_required
def document_file(request: HttpRequest, pk: int, file_pk: int) -> HttpResponse:
    scoping.require_any_or_404(request.user, "document.view")
    document = selectors.document_get_for(viewer=request.user, pk=pk)
    item = get_object_or_404(DocumentFile, document=document, pk=file_pk)
    return FileResponse(
        item.file.open("rb"), as_attachment=True, filename=item.name, content_type=item.content_type
    )


def _output_allowed(request: HttpRequest, pk: int) -> Document:
    """Staff and secretaries through their scope; a person through a campaign that conveys the document to them."""
    if scoping.has_any(request.user, "document.view"):
        try:
            return selectors.document_get_for(viewer=request.user, pk=pk)
        except Http404:
            pass
    return selectors.document_get_for_reader(user=request.user, pk=pk)


@login_required
def document_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    document = _output_allowed(request, pk)
    data = output.document_pdf(document)
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(False, output.download_name(document, "pdf"))
    return response


@login_required
def document_docx(request: HttpRequest, pk: int) -> HttpResponse:
    document = _output_allowed(request, pk)
    data = output.document_docx(document)
    response = HttpResponse(data, content_type=output.DOCX_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, output.download_name(document, "docx"))
    return response
