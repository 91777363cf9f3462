"""Pages of the paper path and of tracking: a campaign's pledges by unit and person, printing the forms, uploading
the scans and assigning their pages, the exports."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from netconduct.campaigns.choices import CampaignStatus
from netconduct.core.actions import run_action
from netconduct.core.exceptions import ApplicationError
from netconduct.core.forms import Form, run_service
from netconduct.core.xlsx import XLSX_TYPE
from netconduct.org import scoping
from netconduct.org import selectors as org_selectors
from netconduct.org.models import Person
from netconduct.org.scoping import subtree_q

from . import exports, paper, scans, tracking
from .choices import ScanPageStatus

PAGE_SIZE = 50


def _tracking_url(campaign_pk: int, unit_pk: int | None = None, **params) -> str:
    url = reverse("pledges:tracking", args=[campaign_pk])
    query = {"unit": unit_pk, **params} if unit_pk else params
    parts = [f"{k}={v}" for k, v in query.items() if v not in (None, "")]
    return url + ("?" + "&".join(parts) if parts else "")


def _can_paper(user, campaign, unit) -> bool:
    return campaign.status == CampaignStatus.ACTIVE and scoping.scope_for(user, "pledge.paper").covers(
        unit.path
    )


@login_required
def campaigns(request: HttpRequest) -> HttpResponse:
    """The campaigns asking for the pledge that reach the viewer's scope: where following them starts."""
    scoping.require_any_or_404(request.user, "pledge.view")
    page = Paginator(tracking.pledge_campaigns(viewer=request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "pledges/tracking_campaigns.html", {"page": page, "today": timezone.localdate()})


@login_required
def tracking_detail(request: HttpRequest, campaign_pk: int) -> HttpResponse:
    """Pledges under a unit: figures, one row per child unit, drill-down to the people; print, upload, export."""
    campaign = tracking.tracking_campaign_get(viewer=request.user, pk=campaign_pk)
    root, focus = tracking.tracking_focus(
        viewer=request.user, campaign=campaign, unit_pk=request.GET.get("unit")
    )
    rollup = tracking.pledge_rollup(campaign=campaign, focus=focus)
    status = request.GET.get("status", "")
    if status not in tracking.STATUS_FILTERS:
        status = ""
    show_people = (
        bool(status) or request.GET.get("people") == "1" or not any(r.has_children for r in rollup.rows)
    )
    people = None
    if show_people:
        people = Paginator(
            tracking.pledge_people(viewer=request.user, campaign=campaign, unit=focus, status=status),
            PAGE_SIZE,
        ).get_page(request.GET.get("page"))
    uploads = list(
        scans.scan_uploads(viewer=request.user, campaign=campaign).filter(
            subtree_q("unit__path", focus.path)
        )[:10]
    )
    trail = [u for u in org_selectors.unit_ancestors(focus) if u.path.startswith(root.path)] + [focus]
    return render(
        request,
        "pledges/tracking_detail.html",
        {
            "campaign": campaign,
            "rollup": rollup,
            "focus": focus,
            "trail": trail,
            "people": people,
            "status": status,
            "uploads": uploads,
            "can_paper": _can_paper(request.user, campaign, focus),
            "today": timezone.localdate(),
        },
    )


# ---------------------------------------------------------------------------------------------------- printing


@login_required
@require_http_methods(["GET", "POST"])
def paper_print(request: HttpRequest, campaign_pk: int) -> HttpResponse:
    """GET: what printing the forms of a unit would cover. POST: the PDF, for the unit or for the chosen people."""
    scoping.require_any_or_404(request.user, "pledge.paper")
    campaign = tracking.tracking_campaign_get(viewer=request.user, pk=campaign_pk)
    _root, focus = tracking.tracking_focus(
        viewer=request.user, campaign=campaign, unit_pk=request.POST.get("unit") or request.GET.get("unit")
    )
    if not scoping.scope_for(request.user, "pledge.paper").covers(focus.path):
        raise Http404
    back = _tracking_url(campaign.pk, focus.pk)
    if request.method == "POST":
        chosen = request.POST.getlist("person")
        try:
            if request.POST.get("selection") and not chosen:
                raise ApplicationError(_("请先勾选要打印承诺书的人员。"))
            if chosen:
                people = list(
                    scoping.visible(
                        Person.objects.filter(pk__in=[int(pk) for pk in chosen if pk.isdigit()]),
                        request.user,
                        "pledge.paper",
                        path_field="unit__path",
                    )
                )
                if len(people) != len(set(chosen)):
                    raise Http404
                printed = paper.paper_forms_print(actor=request.user, campaign=campaign, people=people)
            else:
                printed = paper.paper_forms_print(actor=request.user, campaign=campaign, unit=focus)
        except ApplicationError as exc:
            messages.error(request, exc.message)
            return redirect(back)
        note = _("已生成%(n)d人的承诺书（共%(p)d页，每人本人留存、组织留存各一份）。") % {
            "n": printed.count,
            "p": printed.pages,
        }
        if printed.skipped:
            note += _("另有%d人已签订，未打印。") % printed.skipped
        messages.success(request, note)
        response = HttpResponse(printed.pdf, content_type="application/pdf")
        response["Content-Disposition"] = content_disposition_header(True, printed.filename)
        response["Cache-Control"] = "private, no-store"
        return response
    counts = paper.printable_people(viewer=request.user, campaign=campaign, unit=focus)
    return render(
        request,
        "pledges/paper_print.html",
        {
            "campaign": campaign,
            "focus": focus,
            "counts": counts,
            "back": back,
            "open": campaign.status == CampaignStatus.ACTIVE,
        },
    )


# ---------------------------------------------------------------------------------------------------- scans


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault(
            "widget", MultipleFileInput(attrs={"accept": "application/pdf,image/jpeg,image/png,image/webp"})
        )
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(d, initial) for d in data]
        return [super().clean(data, initial)] if data else []


class ScanUploadForm(Form):
    files = MultipleFileField(
        label=gettext_lazy("扫描件"),
        required=False,
        help_text=format_lazy(
            gettext_lazy(
                "多页 PDF（扫描仪）或手机拍的照片（JPG、PNG），可一次选择多个文件；每页一份承诺书，一次最多{n}页。"
            ),
            n=scans.MAX_PAGES,
        ),
    )
    signed_on = forms.DateField(
        label=gettext_lazy("签订日期"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=gettext_lazy("纸质承诺书上填写的日期。"),
    )


@login_required
@require_http_methods(["GET", "POST"])
def scan_upload(request: HttpRequest, campaign_pk: int) -> HttpResponse:
    scoping.require_any_or_404(request.user, "pledge.paper")
    campaign = tracking.tracking_campaign_get(viewer=request.user, pk=campaign_pk)
    _root, focus = tracking.tracking_focus(
        viewer=request.user, campaign=campaign, unit_pk=request.GET.get("unit")
    )
    if not scoping.scope_for(request.user, "pledge.paper").covers(focus.path):
        raise Http404
    form = ScanUploadForm(
        request.POST or None, request.FILES or None, initial={"signed_on": timezone.localdate()}
    )
    if request.method == "POST" and form.is_valid():
        upload = run_service(
            form,
            scans.scan_upload,
            actor=request.user,
            campaign=campaign,
            unit=focus,
            files=request.FILES.getlist("files"),
            signed_on=form.cleaned_data["signed_on"],
        )
        if upload is not None:
            counts = dict.fromkeys(ScanPageStatus, 0)
            for status in upload.pages.values_list("status", flat=True):
                counts[status] += 1
            messages.success(
                request,
                _("已上传%(n)d页：识别并录入%(m)d页，待人工指定%(u)d页，已忽略%(i)d页。")
                % {
                    "n": upload.page_count,
                    "m": counts[ScanPageStatus.MATCHED],
                    "u": counts[ScanPageStatus.UNMATCHED],
                    "i": counts[ScanPageStatus.IGNORED],
                },
            )
            return redirect("pledges:scan_detail", pk=upload.pk)
    return render(
        request,
        "pledges/paper_upload.html",
        {
            "campaign": campaign,
            "focus": focus,
            "form": form,
            "back": _tracking_url(campaign.pk, focus.pk),
            "open": campaign.status == CampaignStatus.ACTIVE,
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
def scan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """An upload's pages: what each was matched to, and the unmatched ones to assign by hand or ignore."""
    upload = scans.scan_upload_get_for(viewer=request.user, pk=pk)
    pages = scans.scan_pages(upload)
    can_paper = _can_paper(request.user, upload.campaign, upload.unit)
    open_pages = [
        p
        for p in pages
        if p.status == ScanPageStatus.UNMATCHED or (p.status == "ignored" and not p.pledge_id)
    ]
    people = scans.assignable_people(viewer=request.user, upload=upload) if can_paper and open_pages else []
    counts = dict.fromkeys(ScanPageStatus, 0)
    for page in pages:
        counts[page.status] += 1
    return render(
        request,
        "pledges/paper_scan.html",
        {
            "upload": upload,
            "campaign": upload.campaign,
            "pages": pages,
            "counts": {str(k.value): v for k, v in counts.items()},
            "people": people,
            "can_paper": can_paper,
            "back": _tracking_url(upload.campaign_id, upload.unit_id),
        },
    )


@login_required
def scan_page_image(request: HttpRequest, pk: int) -> HttpResponse:
    page = scans.scan_page_get_for(viewer=request.user, pk=pk)
    response = FileResponse(scans.default_storage.open(page.image_name, "rb"), content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=3600"
    return response


@login_required
@require_POST
def scan_page_assign(request: HttpRequest, pk: int) -> HttpResponse:
    page = scans.scan_page_get_for(viewer=request.user, pk=pk, action="pledge.paper")
    back = reverse("pledges:scan_detail", args=[page.upload_id]) + f"#page-{page.index}"
    if not request.POST.get("person"):
        messages.error(request, _("第%d页：请选择这份承诺书的签订人。") % page.index)
        return redirect(back)
    person = scans.person_for_assignment(
        viewer=request.user, upload=page.upload, person_id=request.POST["person"]
    )
    try:
        pledge = scans.scan_page_assign(actor=request.user, page=page, person=person)
    except ApplicationError as exc:
        messages.error(request, _("第%(i)d页：%(m)s") % {"i": page.index, "m": exc.message})
    else:
        messages.success(
            request,
            _("第%(i)d页已指定为%(n)s的承诺书，已录入。") % {"i": page.index, "n": pledge.person.name},
        )
    return redirect(back)


@login_required
@require_POST
def scan_page_ignore(request: HttpRequest, pk: int) -> HttpResponse:
    page = scans.scan_page_get_for(viewer=request.user, pk=pk, action="pledge.paper")
    return run_action(
        request,
        scans.scan_page_ignore,
        actor=request.user,
        page=page,
        success=_("第%d页已忽略。") % page.index,
        to=reverse("pledges:scan_detail", args=[page.upload_id]) + f"#page-{page.index}",
    )


# ---------------------------------------------------------------------------------------------------- exports


@login_required
def tracking_export(request: HttpRequest, campaign_pk: int) -> HttpResponse:
    campaign = tracking.tracking_campaign_get(viewer=request.user, pk=campaign_pk)
    _root, focus = tracking.tracking_focus(
        viewer=request.user, campaign=campaign, unit_pk=request.GET.get("unit")
    )
    data = exports.pledges_xlsx(viewer=request.user, campaign=campaign, focus=focus)
    response = HttpResponse(data, content_type=XLSX_TYPE)
    response["Content-Disposition"] = content_disposition_header(
        True, f"{campaign.title}-承诺书签订情况-{focus.name}.xlsx"
    )
    return response


@login_required
def archive_zip(request: HttpRequest, campaign_pk: int) -> HttpResponse:
    campaign = tracking.tracking_campaign_get(viewer=request.user, pk=campaign_pk)
    _root, focus = tracking.tracking_focus(
        viewer=request.user, campaign=campaign, unit_pk=request.GET.get("unit")
    )
    try:
        result = exports.archive_zip(viewer=request.user, campaign=campaign, unit=focus)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect(_tracking_url(campaign.pk, focus.pk))
    return FileResponse(
        result.file,
        as_attachment=True,
        filename=f"{campaign.title}-承诺书存档-{focus.name}.zip",
        content_type="application/zip",
    )
