"""Scanned paper pledges: pages split from a PDF or taken from photos, matched to pledges by their QR code.

An upload goes in two steps, so that nothing slow runs inside a transaction (SQLite holds its write lock for the
whole of one):

1. Without writing anything: every file is checked (kind by its first bytes, size, readable, page count), each page
   is rendered (PDF, 150 dpi) or decoded (photo, turned upright by its EXIF and scaled down), its QR code is read and
   the page is kept as a JPEG in a temporary folder; pages are matched to this campaign's pledges in the uploader's
   scope, and for every matched pledge not yet signed the archive copy is built and sealed: the page of the
   组织留存 copy (or of the 本人留存 copy when only that one was scanned) and an evidence page.
2. In one transaction: the upload and its pages are written, the page images stored under
   `pledges/scans/<upload id>/`, and each matched pledge is recorded as signed on paper (its target locked first, as
   signing online does, so a pledge signed online a moment ago is left alone and its page marked as such) with its
   sealed archive copy. Any error removes the files written.

Pages without a readable or known code stay UNMATCHED; the secretary assigns them to a person by hand
(`scan_page_assign`, which records that person's pledge the same way) or ignores them (`scan_page_ignore`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.conf import settings
from django.core.files.base import File
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from netconduct.accounts.selectors import normalize_code
from netconduct.campaigns.models import Campaign, Target
from netconduct.campaigns.services import target_mark_pledged
from netconduct.core import uploads
from netconduct.core.audit import Change, audit_record, audit_record_many
from netconduct.core.events import event_emit
from netconduct.core.exceptions import ApplicationError, PermissionRefused
from netconduct.core.files import sniff
from netconduct.org import scoping
from netconduct.org.models import OrgUnit, Person, person_choice_label
from netconduct.org.scoping import subtree_q

from . import render, sealing, services
from .choices import PaperCopy, PledgeMethod, PledgeStatus, ScanPageStatus
from .models import Pledge, ScanPage, ScanUpload
from .paper import check_campaign_open

SCAN_DPI = 150  # PDF pages are rendered at this resolution: the QR's modules are 3–4 pixels, the text legible
PHOTO_MAX_SIDE = 2400  # photos are kept at most this large (a 12-megapixel photo is 4000 pixels wide)
MAX_PAGES = 200  # pages in one upload: about 20 s of reading and sealing, well inside a request's time
JPEG_QUALITY = 80
ACCEPTED = {"application/pdf": "pdf", "image/jpeg": "image", "image/png": "image", "image/webp": "image"}
MB = 1024 * 1024
# PDFium is not thread-safe and pypdfium2 does not lock: every call into it holds this lock (threaded servers),
# the same one as every other upload's.
PDFIUM = uploads.PDFIUM

EVIDENCE_HEADING = "纸质签订录入证据页"
EVIDENCE_NOTE = (
    "前页为承诺人在纸质承诺书上手写签订后的扫描件，本页记录其录入情况。本文件由平台以组织电子签章（PAdES）认证，"
    "签章后任何改动都会使签章失效。扫描二维码或在验证页面输入验证码、上传本文件，即可核验真伪。"
)


# ---------------------------------------------------------------------------------------------------- reading pages


@dataclass
class _Source:
    name: str
    kind: str  # "pdf" or "image"
    data: bytes
    pages: int


@dataclass
class _Page:
    index: int
    source: str  # where the page came from, in words
    path: Path  # the page's JPEG in the temporary folder
    sha256: str
    code: str = ""
    copy: str = ""
    status: str = ScanPageStatus.UNMATCHED
    note: str = ""
    pledge: Pledge | None = None
    stored_name: str = ""


def _limit() -> int:
    return int(getattr(settings, "NETCONDUCT_SCAN_MAX_BYTES", 50 * MB))


def _read_sources(files: Sequence) -> list[_Source]:
    """Every file checked before anything is written: its kind (by content), its size and that it can be read."""
    import pypdfium2 as pdfium

    if not files:
        raise ApplicationError(_("请选择要上传的扫描件（PDF 文件或照片）。"), field="files")
    limit = _limit()
    total = 0
    sources: list[_Source] = []
    for upload in files:
        name = getattr(upload, "name", "") or "未命名文件"
        size = upload.size
        if not size:
            raise ApplicationError(_("文件“%(name)s”是空文件。") % {"name": name}, field="files")
        if size > limit:
            raise ApplicationError(
                _("文件“%(name)s”超过 %(n)s MB，请分批上传或降低扫描分辨率。")
                % {"name": name, "n": limit // MB},
                field="files",
            )
        total += size
        if total > limit:
            raise ApplicationError(
                _("本次上传的文件合计超过 %(n)s MB，请分批上传。") % {"n": limit // MB}, field="files"
            )
        upload.seek(0)
        data = upload.read()
        kind = ACCEPTED.get((sniff(data[:16]) or ("", ""))[0])
        if kind is None:
            raise ApplicationError(
                _(
                    "文件“%(name)s”不是 PDF、JPG、PNG 或 WebP 文件（苹果手机的 HEIC 照片请在相机设置中选“兼容性最佳”）。"
                )
                % {"name": name},
                field="files",
            )
        if kind == "pdf":
            try:
                with PDFIUM:
                    document = pdfium.PdfDocument(data)
                    pages = len(document)
                    document.close()
            except pdfium.PdfiumError:
                raise ApplicationError(
                    _("文件“%(name)s”已损坏或设有密码，无法读取，请重新扫描。") % {"name": name},
                    field="files",
                ) from None
            if pages == 0:
                raise ApplicationError(_("文件“%(name)s”没有页面。") % {"name": name}, field="files")
        else:
            # The declared size is checked before decoding and the same pixel limit as all uploads applies: a
            # decompression bomb is refused with a message (core.uploads), not a server error.
            uploads.open_image(
                data, label=name, damaged=_("照片“%(name)s”已损坏，无法读取，请重新拍摄。") % {"name": name}
            ).close()
            pages = 1
        sources.append(_Source(name, kind, data, pages))
    count = sum(s.pages for s in sources)
    if count > MAX_PAGES:
        raise ApplicationError(
            _("本次上传共%(count)s页，一次最多%(MAX_PAGES)s页，请分批上传。")
            % {"count": count, "MAX_PAGES": MAX_PAGES},
            field="files",
        )
    return sources


def _images(sources: Sequence[_Source]) -> Iterator[tuple[object, str]]:
    """(PIL image in RGB, where it came from) for every page, one at a time."""
    import pypdfium2 as pdfium

    for source in sources:
        if source.kind == "pdf":
            with PDFIUM:
                document = pdfium.PdfDocument(source.data)
            try:
                for number in range(source.pages):
                    with PDFIUM:
                        page = document[number]
                        scale = uploads.render_scale(*page.get_size(), dpi=SCAN_DPI)
                        image = page.render(scale=scale).to_pil().convert("RGB")
                        page.close()
                    label = f"{source.name} 第{number + 1}页" if source.pages > 1 else source.name
                    yield image, label
            finally:
                with PDFIUM:
                    document.close()
        else:
            # Pixels only: a photo's EXIF (position, phone), ICC profile and comments stay behind.
            image = uploads.pixels_only(uploads.open_image(source.data, label=source.name)).convert("RGB")
            if max(image.size) > PHOTO_MAX_SIDE:
                image.thumbnail((PHOTO_MAX_SIDE, PHOTO_MAX_SIDE))
            yield image, source.name


@cache
def _qr_marker() -> str:
    """What every pledge QR code carries before the code: the path of the verification page ("/pledges/v/")."""
    sentinel = "ZZZZ"
    return reverse("pledges:verify_code", args=[sentinel]).split(sentinel)[0]


def parse_qr(text: str) -> tuple[str, str] | None:
    """(code, copy letter) from a pledge QR code's text, or None for any other QR code."""
    marker = _qr_marker()
    at = text.find(marker)
    if at < 0:
        return None
    rest = text[at + len(marker) :]
    raw = re.split(r"[/#?]", rest, maxsplit=1)[0]
    code = normalize_code(raw)
    if not code:
        return None
    copy = text.rsplit("#", 1)[1].strip().upper() if "#" in rest else ""
    return code[:40], copy if copy in PaperCopy.values else ""


def read_qr(image) -> tuple[str, int] | None:
    """(text, orientation in degrees) of the pledge QR code on a page image, or None.

    zxing-cpp already looks at rotated and downscaled versions; a phone photo in poor light also gets a tries with
    its contrast stretched and at half size."""
    import zxingcpp
    from PIL import ImageOps

    def attempts():
        yield image
        gray = ImageOps.autocontrast(image.convert("L"), cutoff=2)
        yield gray
        if max(image.size) > 1600:
            yield gray.reduce(2)
        else:
            yield gray.resize((gray.width * 2, gray.height * 2))

    for candidate in attempts():
        for result in zxingcpp.read_barcodes(candidate, formats=zxingcpp.BarcodeFormat.QRCode):
            if _qr_marker() in result.text:
                return result.text, int(result.orientation)
    return None


def _upright(image, orientation: int):
    """Turn a page photographed sideways or upside down upright again, judged by its QR code."""
    quarter = round(orientation / 90) * 90
    if quarter % 360 == 0 or abs(orientation - quarter) > 15:
        return image
    return image.rotate(quarter, expand=True)


def _jpeg(image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True)
    return out.getvalue()


def _split_and_read(sources: Sequence[_Source], folder: Path) -> list[_Page]:
    pages: list[_Page] = []
    for index, (image, label) in enumerate(_images(sources), start=1):
        found = read_qr(image)
        code = copy = ""
        if found is not None:
            text, orientation = found
            image = _upright(image, orientation)
            parsed = parse_qr(text)
            if parsed is not None:
                code, copy = parsed
        data = _jpeg(image)
        path = folder / f"{index}.jpg"
        path.write_bytes(data)
        pages.append(_Page(index, label[:200], path, hashlib.sha256(data).hexdigest(), code=code, copy=copy))
    return pages


# ---------------------------------------------------------------------------------------------------- matching


def _signed(pledge: Pledge) -> str:
    when = timezone.localtime(pledge.signed_at).strftime("%Y-%m-%d") if pledge.signed_at else ""
    how = "线上签订" if pledge.method == PledgeMethod.ONLINE else "以纸质方式录入"
    return f"已于{when}{how}"


def _signed_note(pledge: Pledge) -> str:
    return f"该承诺书{_signed(pledge)}，本页未重复录入。"


def _match(*, actor, campaign: Campaign, pages: Sequence[_Page]) -> None:
    """Set each page's pledge, status and note from its code: this campaign's pledges in the actor's scope only."""
    scope = scoping.scope_for(actor, "pledge.paper")
    codes = {p.code for p in pages if p.code}
    pledges = {
        p.code: p
        for p in Pledge.objects.filter(code__in=codes).select_related(
            "person", "unit", "template", "norms", "printed_by"
        )
    }
    for page in pages:
        if not page.code:
            page.note = _("未识别到承诺书二维码，请人工指定。")
            continue
        pledge = pledges.get(page.code)
        if pledge is None:
            page.note = _("二维码中的验证码不存在，请人工指定。")
        elif pledge.campaign_id != campaign.pk:
            page.note = _("该页是其他活动的承诺书，请人工指定或忽略。")
        elif pledge.round != campaign.pledge_round and not pledge.is_signed:
            page.note = _("该页是按旧版规范打印的承诺书，规范修订后须按新版本重新签订，请重新打印。")
        elif not scope.covers(pledge.unit.path):
            page.note = _("该页承诺书不在您的管理范围内。")
        elif pledge.is_signed:
            page.status, page.pledge, page.note = ScanPageStatus.IGNORED, pledge, _signed_note(pledge)
        else:
            page.status, page.pledge = ScanPageStatus.MATCHED, pledge


def _archive_pages(pages: Sequence[_Page]) -> list[_Page]:
    """The page kept in the archive copy: the 组织留存 copy, else the 本人留存 one, else the first."""
    for copy in (PaperCopy.ARCHIVE, PaperCopy.SIGNER):
        for page in pages:
            if page.copy == copy:
                return [page]
    return [pages[0]]


# ---------------------------------------------------------------------------------------------------- the archive


def noon(day: dt.date) -> dt.datetime:
    """The time recorded for a pledge signed on paper on `day`: the paper carries a date, not a time."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time(12, 0)))


def user_label(user) -> str:
    if user is None:
        return "—"
    person = getattr(user, "person", None)
    name = person.name if person is not None else (user.get_full_name() or "")
    return f"{name}（{user.get_username()}）" if name else user.get_username()


@dataclass(frozen=True)
class ScanRef:
    """A scanned page as the evidence page names it."""

    upload_label: str  # who uploaded it when, for which unit
    source: str
    copy: str
    sha256: str

    def describe(self) -> str:
        copy = f"，{PaperCopy(self.copy).label}" if self.copy else ""
        return f"{self.upload_label}：{self.source}{copy}；图像 SHA-256 {self.sha256}"


def upload_label(*, unit: OrgUnit, uploaded_by, uploaded_at: dt.datetime) -> str:
    return f"{timezone.localtime(uploaded_at):%Y-%m-%d %H:%M} {user_label(uploaded_by)}上传（{unit.name}）"


def paper_evidence_rows(
    pledge: Pledge, *, signed_on: dt.date, recorded_by, recorded_at: dt.datetime, scans: Sequence[ScanRef]
) -> list[tuple[str, str]]:
    rows = [r for r in services.evidence_rows(pledge) if r[0] != "签订时间"]
    rows.append(("签订日期", f"{render.chinese_date(signed_on)}（录入人登记）"))
    rows.append(("签订方式", "纸质签订（本人手写签名，扫描件见前页）"))
    if pledge.printed_at:
        rows.append(
            (
                "打印",
                f"{timezone.localtime(pledge.printed_at):%Y-%m-%d %H:%M} {user_label(pledge.printed_by)}打印预填承诺书",
            )
        )
    local = timezone.localtime(recorded_at)
    rows.append(("录入人", user_label(recorded_by)))
    rows.append(("录入时间", f"{local:%Y-%m-%d %H:%M:%S} (UTC{local:%z})"))
    for k, scan in enumerate(scans, start=1):
        rows.append(("扫描件" if len(scans) == 1 else f"扫描件{k}", scan.describe()))
    rows.append(("验证码", render.code_display(pledge.code)))
    return rows


def render_paper_pdf(pledge: Pledge, images: Sequence[bytes], rows: Sequence[tuple[str, str]]) -> bytes:
    """The scanned page(s), each fitted on an A4 page, then the evidence page. Not yet sealed."""
    from reportlab.lib.utils import ImageReader

    from netconduct.documents.rendering.layout import MM, PAGE_HEIGHT, PAGE_WIDTH

    title, paragraphs = render.template_parts(pledge.template.title, pledge.template.body)
    extra = "".join(label + value for label, value in rows) + EVIDENCE_HEADING + EVIDENCE_NOTE
    buffer = io.BytesIO()
    with render.fonts_for(title, paragraphs, extra) as fonts:
        canvas = render.new_canvas(buffer, title=title, author=pledge.person.name)
        margin = 6 * MM
        for data in images:
            reader = ImageReader(io.BytesIO(data))  # a JPEG goes into the PDF as it is, not re-encoded
            width, height = reader.getSize()
            scale = min((PAGE_WIDTH - 2 * margin) / width, (PAGE_HEIGHT - 2 * margin) / height)
            w, h = width * scale, height * scale
            canvas.drawImage(reader, (PAGE_WIDTH - w) / 2, (PAGE_HEIGHT - h) / 2, w, h)
            canvas.showPage()
        render.draw_evidence_page(
            canvas, fonts, heading=EVIDENCE_HEADING, rows=rows, code=pledge.code, note=EVIDENCE_NOTE
        )
        canvas.showPage()
        canvas.save()
    return buffer.getvalue()


def _sealed_archive(
    pledge: Pledge,
    *,
    signed_on: dt.date,
    recorded_by,
    recorded_at: dt.datetime,
    scans: Sequence[ScanRef],
    images: Sequence[bytes],
) -> bytes:
    """The archive copy of a paper pledge, sealed. `pledge` is shown as it will be once recorded."""
    pledge.status, pledge.method = PledgeStatus.SIGNED, PledgeMethod.PAPER
    pledge.signed_at, pledge.recorded_by = noon(signed_on), recorded_by
    rows = paper_evidence_rows(
        pledge, signed_on=signed_on, recorded_by=recorded_by, recorded_at=recorded_at, scans=scans
    )
    try:
        return sealing.seal_pdf(
            render_paper_pdf(pledge, images, rows),
            reason=f"纸质承诺书录入（验证码 {render.code_display(pledge.code)}）",
            signer_name=pledge.person.name,
        )
    except sealing.TimestampUnavailable:
        # Nothing is written yet: the secretary uploads again later, rather than an archive without trusted time.
        raise ApplicationError(
            _("可信时间戳服务暂时无法访问，扫描件未录入（没有保存任何内容），请稍后重新上传。")
        ) from None


def _record(*, actor, pledge_id: int, signed_on: dt.date, sealed: bytes) -> tuple[Pledge, bool]:
    """Inside the caller's transaction: record the pledge as signed on paper with its sealed archive copy.
    Returns (pledge, False) and changes nothing when it was signed in the meantime."""
    pledge = Pledge.objects.select_related("person", "unit", "campaign").get(pk=pledge_id)
    # The same lock as signing online: whichever comes second finds the first one's signature.
    list(
        Target.objects.select_for_update().filter(campaign_id=pledge.campaign_id, person_id=pledge.person_id)
    )
    pledge = Pledge.objects.select_for_update().select_related("person", "unit", "campaign").get(pk=pledge_id)
    if pledge.is_signed:
        return pledge, False
    pledge.status = PledgeStatus.SIGNED
    pledge.method = PledgeMethod.PAPER
    pledge.signed_at = noon(signed_on)
    pledge.recorded_by = actor
    pledge.save(update_fields=["status", "method", "signed_at", "recorded_by"])
    target_mark_pledged(campaign=pledge.campaign, person=pledge.person, at=pledge.signed_at)
    if not services._store_sealed(pledge, sealed):
        raise ApplicationError(_("该承诺书已有存档文件，请刷新后重试。"))
    event_emit("pledge.signed", pledge)  # signed on paper and sealed in one step
    event_emit("pledge.sealed", pledge)
    return pledge, True


def _sign_change(pledge: Pledge, *, signed_on: dt.date, pages: Sequence[int], how: str) -> Change:
    return Change(
        "pledge.sign",
        "pledges.pledge",
        pledge.pk,
        str(pledge),
        pledge.unit.path,
        None,
        {
            "campaign": pledge.campaign.title,
            "method": "paper",
            "signed_on": signed_on,
            "scan_pages": list(pages),
            "matched_by": how,
            "pdf_sha256": pledge.pdf_sha256,
        },
    )


def _delete_files(names: Sequence[str]) -> None:
    for name in names:
        default_storage.delete(name)


# ---------------------------------------------------------------------------------------------------- services


def _check_signed_on(campaign: Campaign, signed_on: dt.date | None) -> dt.date:
    today = timezone.localdate()
    if signed_on is None:
        raise ApplicationError(_("请填写签订日期。"), field="signed_on")
    if signed_on > today:
        raise ApplicationError(_("签订日期不能晚于今天。"), field="signed_on")
    launched = timezone.localdate(campaign.launched_at) if campaign.launched_at else None
    if launched and signed_on < launched:
        raise ApplicationError(
            _("签订日期早于活动发布日期（%(chinese_date)s），请核对。")
            % {"chinese_date": render.chinese_date(launched)},
            field="signed_on",
        )
    return signed_on


def scan_upload(
    *, actor, campaign: Campaign, unit: OrgUnit, files: Sequence, signed_on: dt.date
) -> ScanUpload:
    """Upload the scans of signed paper pledges for `unit`; pages whose QR code names one of this campaign's
    pledges in the actor's scope record that pledge as signed on paper on `signed_on`."""
    scoping.require(actor, "pledge.paper", unit.path)
    campaign = Campaign.objects.select_related("unit").get(pk=campaign.pk)
    if not (unit.path.startswith(campaign.unit.path) or campaign.unit.path.startswith(unit.path)):
        raise ApplicationError(_("“%(name)s”不在本次活动的范围内。") % {"name": unit.name}, field="unit")
    check_campaign_open(campaign)
    signed_on = _check_signed_on(campaign, signed_on)
    sources = _read_sources(files)
    now = timezone.now()
    label = upload_label(unit=unit, uploaded_by=actor, uploaded_at=now)

    with tempfile.TemporaryDirectory(prefix="netconduct-scan-") as folder:
        pages = _split_and_read(sources, Path(folder))
        _match(actor=actor, campaign=campaign, pages=pages)
        by_pledge: dict[int, list[_Page]] = {}
        for page in pages:
            if page.status == ScanPageStatus.MATCHED:
                by_pledge.setdefault(page.pledge.pk, []).append(page)
        sealed: dict[int, bytes] = {}
        for pledge_id, group in by_pledge.items():
            chosen = _archive_pages(group)
            sealed[pledge_id] = _sealed_archive(
                group[0].pledge,
                signed_on=signed_on,
                recorded_by=actor,
                recorded_at=now,
                scans=[ScanRef(label, p.source, p.copy, p.sha256) for p in chosen],
                images=[p.path.read_bytes() for p in chosen],
            )

        written: list[str] = []
        try:
            with transaction.atomic():
                upload = ScanUpload.objects.create(
                    campaign=campaign,
                    unit=unit,
                    uploaded_by=actor,
                    signed_on=signed_on,
                    original_names=[s.name for s in sources],
                    page_count=len(pages),
                )
                ScanUpload.objects.filter(pk=upload.pk).update(uploaded_at=now)
                upload.uploaded_at = now
                for page in pages:
                    with page.path.open("rb") as f:
                        page.stored_name = default_storage.save(
                            f"pledges/scans/{upload.pk}/{page.index}.jpg", File(f)
                        )
                    written.append(page.stored_name)
                changes: list[Change] = []
                recorded = 0
                for pledge_id, group in by_pledge.items():
                    pledge, done = _record(
                        actor=actor, pledge_id=pledge_id, signed_on=signed_on, sealed=sealed[pledge_id]
                    )
                    if not done:
                        for page in group:
                            page.status, page.note = ScanPageStatus.IGNORED, _signed_note(pledge)
                        continue
                    written.append(pledge.pdf_name)
                    recorded += 1
                    changes.append(
                        _sign_change(pledge, signed_on=signed_on, pages=[p.index for p in group], how="qr")
                    )
                ScanPage.objects.bulk_create(
                    [
                        ScanPage(
                            upload=upload,
                            index=p.index,
                            source=p.source,
                            image_name=p.stored_name,
                            image_sha256=p.sha256,
                            code_read=p.code,
                            copy=p.copy,
                            status=p.status,
                            note=p.note,
                            pledge=p.pledge,
                        )
                        for p in pages
                    ]
                )
                counts = {status: sum(1 for p in pages if p.status == status) for status in ScanPageStatus}
                audit_record_many(
                    actor=actor,
                    changes=[
                        Change(
                            "pledge.scan_upload",
                            "pledges.scanupload",
                            upload.pk,
                            str(upload),
                            unit.path,
                            None,
                            {
                                "campaign": campaign.title,
                                "files": [s.name for s in sources],
                                "pages": len(pages),
                                "signed_on": signed_on,
                                "recorded": recorded,
                                **{f"pages_{k.value}": v for k, v in counts.items()},
                            },
                        ),
                        *changes,
                    ],
                )
        except BaseException:
            _delete_files(written)
            raise
    return upload


def _page_for_update(page: ScanPage) -> ScanPage:
    return ScanPage.objects.select_related(
        "upload__campaign__unit", "upload__unit", "upload__uploaded_by"
    ).get(pk=page.pk)


def _check_page_open(page: ScanPage) -> None:
    if page.status in (ScanPageStatus.MATCHED, ScanPageStatus.ASSIGNED) or page.pledge_id:
        raise ApplicationError(_("第%(index)s页已对应承诺书，不能再指定或忽略。") % {"index": page.index})


def scan_page_assign(*, actor, page: ScanPage, person: Person) -> Pledge:
    """Assign an unmatched (or ignored) page to the person whose pledge it is, by hand: their pledge is recorded as
    signed on paper on the upload's date, with this page as its archive copy."""
    page = _page_for_update(page)
    upload = page.upload
    scoping.require(actor, "pledge.paper", upload.unit.path)
    _check_page_open(page)
    campaign = upload.campaign
    check_campaign_open(campaign)
    target = (
        Target.objects.filter(campaign=campaign, person=person, in_scope=True).select_related("unit").first()
    )
    if target is None:
        raise ApplicationError(
            _("“%(name)s”不是本次活动的签订对象。") % {"name": person.name}, field="person"
        )
    if not scoping.scope_for(actor, "pledge.paper").covers(target.unit.path):
        raise PermissionRefused(_("您无权为“%(name)s”录入承诺书。") % {"name": person.name})
    pledge = (
        Pledge.objects.filter(campaign=campaign, person=person, round=campaign.pledge_round)
        .select_related("person", "unit", "template", "norms", "printed_by")
        .first()
    )
    if pledge is not None and pledge.is_signed:
        raise ApplicationError(
            _("“%(name)s”的承诺书%(signed)s，不能再指定本页。")
            % {"name": person.name, "signed": _signed(pledge)},
            field="person",
        )
    new = pledge is None
    if new:
        pledge = Pledge(
            campaign=campaign,
            person=person,
            round=campaign.pledge_round,
            unit=target.unit,
            unit_label=services.unit_labels([target.unit])[target.unit_id],
            template=services.pledge_template_for(campaign),
            norms=services.pledge_norms_for(campaign),
            year=campaign.year,
            code=services.new_code(),
        )
    now = timezone.now()
    with default_storage.open(page.image_name, "rb") as f:
        image = f.read()
    label = upload_label(unit=upload.unit, uploaded_by=upload.uploaded_by, uploaded_at=upload.uploaded_at)
    sealed = _sealed_archive(
        pledge,
        signed_on=upload.signed_on,
        recorded_by=actor,
        recorded_at=now,
        scans=[ScanRef(label, page.source, page.copy, page.image_sha256)],
        images=[image],
    )
    written: list[str] = []
    try:
        with transaction.atomic():
            if new:
                pledge.status, pledge.method, pledge.signed_at, pledge.recorded_by = (
                    PledgeStatus.PRINTED,
                    "",
                    None,
                    None,
                )
                try:
                    with transaction.atomic():
                        pledge.save()
                except IntegrityError:
                    raise ApplicationError(
                        _("“%(name)s”的承诺书刚刚被他人处理，请刷新后重试。") % {"name": person.name},
                        field="person",
                    ) from None
            recorded, done = _record(
                actor=actor, pledge_id=pledge.pk, signed_on=upload.signed_on, sealed=sealed
            )
            if not done:
                raise ApplicationError(
                    _("“%(name)s”的承诺书%(signed)s。") % {"name": person.name, "signed": _signed(recorded)},
                    field="person",
                )
            written.append(recorded.pdf_name)
            locked = ScanPage.objects.select_for_update().get(pk=page.pk)
            _check_page_open(locked)
            locked.status = ScanPageStatus.ASSIGNED
            locked.pledge = recorded
            locked.note = ""
            locked.assigned_by = actor
            locked.assigned_at = now
            locked.save(update_fields=["status", "pledge", "note", "assigned_by", "assigned_at"])
            audit_record(
                actor=actor,
                change=_sign_change(recorded, signed_on=upload.signed_on, pages=[page.index], how="hand"),
            )
    except BaseException:
        _delete_files(written)
        raise
    return recorded


def scan_page_ignore(*, actor, page: ScanPage) -> ScanPage:
    """Set aside a page that is not a pledge (a blank page, a cover sheet, a duplicate)."""
    page = _page_for_update(page)
    scoping.require(actor, "pledge.paper", page.upload.unit.path)
    with transaction.atomic():
        page = ScanPage.objects.select_for_update().get(pk=page.pk)
        if page.status != ScanPageStatus.UNMATCHED:
            raise ApplicationError(_("第%(index)s页不是待指定的页面。") % {"index": page.index})
        page.status = ScanPageStatus.IGNORED
        page.note = _("%(user_label)s标记为忽略。") % {"user_label": user_label(actor)}
        page.assigned_by = actor
        page.assigned_at = timezone.now()
        page.save(update_fields=["status", "note", "assigned_by", "assigned_at"])
        audit_record(
            actor=actor,
            change=Change(
                "pledge.scan_ignore",
                "pledges.scanpage",
                page.pk,
                f"{page.upload} {page}",
                page.upload.unit.path,
                {"status": ScanPageStatus.UNMATCHED},
                {"status": ScanPageStatus.IGNORED},
            ),
        )
    return page


# ---------------------------------------------------------------------------------------------------- reads


def scan_uploads(*, viewer, campaign: Campaign) -> QuerySet[ScanUpload]:
    """The campaign's uploads in the viewer's scope, with their pages counted by status."""
    uploads = scoping.visible(
        ScanUpload.objects.filter(campaign=campaign), viewer, "pledge.view", path_field="unit__path"
    )
    return uploads.select_related("unit", "uploaded_by").annotate(
        **{f"n_{status.value}": Count("pages", filter=Q(pages__status=status)) for status in ScanPageStatus}
    )


def scan_upload_get_for(*, viewer, pk, action: str = "pledge.view") -> ScanUpload:
    return scoping.get_visible_or_404(
        ScanUpload.objects.select_related("campaign", "campaign__unit", "unit", "uploaded_by"),
        viewer,
        action,
        path_field="unit__path",
        pk=pk,
    )


def scan_page_get_for(*, viewer, pk, action: str = "pledge.view") -> ScanPage:
    return scoping.get_visible_or_404(
        ScanPage.objects.select_related("upload", "upload__unit", "upload__campaign"),
        viewer,
        action,
        path_field="upload__unit__path",
        pk=pk,
    )


def scan_pages(upload: ScanUpload) -> list[ScanPage]:
    return list(upload.pages.select_related("pledge", "pledge__person", "assigned_by").order_by("index"))


@dataclass
class Assignable:
    person_id: int
    name: str
    unit_name: str
    printed: bool
    employee_no: str | None = None

    @property
    def label(self) -> str:
        return person_choice_label(self.name, self.employee_no, self.unit_name)


def assignable_people(*, viewer, upload: ScanUpload, limit: int = 1000) -> list[Assignable]:
    """People under the upload's unit whose pledge is not signed yet, for assigning pages by hand."""
    this_round = {"campaign_id": upload.campaign_id, "round": OuterRef("campaign__pledge_round")}
    signed = Pledge.objects.filter(**this_round, person_id=OuterRef("person_id"), status=PledgeStatus.SIGNED)
    printed = Pledge.objects.filter(
        **this_round, person_id=OuterRef("person_id"), status=PledgeStatus.PRINTED
    )
    targets = (
        scoping.visible(
            Target.objects.filter(campaign_id=upload.campaign_id, in_scope=True).filter(
                subtree_q("unit__path", upload.unit.path)
            ),
            viewer,
            "pledge.paper",
            path_field="unit__path",
        )
        .filter(~Exists(signed))
        .annotate(printed=Exists(printed))
        .order_by("person__name_pinyin", "person_id")
        .values_list("person_id", "person__name", "unit__name", "printed", "person__employee_no")[:limit]
    )
    return [Assignable(*row) for row in targets]


def person_for_assignment(*, viewer, upload: ScanUpload, person_id) -> Person:
    """The person a page is assigned to, from the form: one of the upload unit's people in scope, else 404."""
    try:
        return scoping.get_visible_or_404(
            Person.objects.filter(subtree_q("unit__path", upload.unit.path)),
            viewer,
            "pledge.paper",
            path_field="unit__path",
            pk=int(person_id),
        )
    except (TypeError, ValueError):
        raise Http404 from None


def scan_image_bytes(page: ScanPage) -> bytes:
    with default_storage.open(page.image_name, "rb") as f:
        return f.read()


# ---------------------------------------------------------------------------------------------------- demo


def demo_paper_load(*, actor, campaign: Campaign, unit: OrgUnit, signed: int = 3) -> ScanUpload | None:
    """Demo data: print `unit`'s forms and bring back the 组织留存 pages of its first `signed` people as a scanned
    PDF, plus one more page whose QR code is covered (left to assign by hand). Once per campaign and unit."""
    import pypdfium2 as pdfium
    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import ImageDraw

    from .paper import paper_forms_print

    if ScanUpload.objects.filter(campaign=campaign, unit=unit).exists():
        return None
    forms = paper_forms_print(actor=actor, campaign=campaign, unit=unit)
    with PDFIUM:
        document = pdfium.PdfDocument(forms.pdf)
        count = min(signed + 1, forms.count)
        images = [
            document[2 * k + 1].render(scale=SCAN_DPI / 72).to_pil().convert("RGB") for k in range(count)
        ]
        document.close()
    if count > signed:
        last = images[-1]
        ImageDraw.Draw(last).rectangle(
            (int(last.width * 0.78), int(last.height * 0.8), last.width, last.height), fill="white"
        )
    out = io.BytesIO()
    images[0].save(out, format="PDF", save_all=True, append_images=images[1:], resolution=SCAN_DPI)
    return scan_upload(
        actor=actor,
        campaign=campaign,
        unit=unit,
        files=[SimpleUploadedFile("扫描件.pdf", out.getvalue(), content_type="application/pdf")],
        signed_on=timezone.localdate(),
    )
