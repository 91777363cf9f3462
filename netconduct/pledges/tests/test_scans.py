"""Uploading scans of signed paper pledges: pages matched by QR code, recorded with a sealed archive copy; the rest
assigned by hand. The scans are made from the printed PDF itself, as a scanner or a phone would see it."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image, ImageDraw

from netconduct import testing
from netconduct.campaigns.models import Target
from netconduct.core.exceptions import ApplicationError, PermissionRefused
from netconduct.core.models import AuditEvent
from netconduct.core.tests import crafted
from netconduct.core.tests.crafted import png_bomb
from netconduct.pledges import paper, scans, sealing, services, verification
from netconduct.pledges.choices import PledgeMethod, PledgeStatus, ScanPageStatus
from netconduct.pledges.models import Pledge, ScanPage, ScanUpload

from . import factories

# ---------------------------------------------------------------------------------------------------- helpers


def page_images(pdf: bytes, *, dpi: int = 200) -> list[Image.Image]:
    """What a scanner makes of the printed pages: one RGB image per page."""
    document = pdfium.PdfDocument(pdf)
    try:
        return [document[i].render(scale=dpi / 72).to_pil().convert("RGB") for i in range(len(document))]
    finally:
        document.close()


def as_photo(image: Image.Image, *, angle: int = 90) -> Image.Image:
    """A phone photo of a page: turned, a little skewed, smaller, greyer, with a shadow across one side."""
    photo = image.rotate(angle, expand=True, fillcolor="white").rotate(
        3, expand=True, fillcolor=(200, 200, 190)
    )
    photo = photo.resize((photo.width * 3 // 4, photo.height * 3 // 4))
    shade = Image.linear_gradient("L").resize(photo.size).point(lambda v: 170 + v * 85 // 255)
    return Image.composite(photo, Image.new("RGB", photo.size, (60, 60, 60)), shade)


def blank_qr(image: Image.Image) -> Image.Image:
    """Cover the QR code at the foot of a page (lower right) with a white box: unreadable."""
    out = image.copy()
    w, h = out.size
    ImageDraw.Draw(out).rectangle((int(w * 0.78), int(h * 0.80), w, h), fill="white")
    return out


def pdf_of(images: list[Image.Image]) -> bytes:
    """A multi-page PDF of page images, as a scanner's PDF is."""
    out = io.BytesIO()
    images[0].save(out, format="PDF", save_all=True, append_images=images[1:], resolution=200)
    return out.getvalue()


def jpeg_of(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=85)
    return out.getvalue()


def upload_file(name: str, data: bytes, content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def media_files(folder: str) -> list[Path]:
    root = Path(settings.MEDIA_ROOT) / folder
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


@pytest.fixture
def branch(org, accounts):
    """Three more people of branch 1 without accounts (people who sign on paper)."""
    return [testing.make_person(org.branch1, name=n) for n in ("赵纸质", "钱纸质", "孙纸质")]


@pytest.fixture
def campaign(org, accounts, branch):
    return factories.pledge_campaign(org.committee, actor=accounts.unit_admin)


def printed_for(campaign, accounts, people) -> tuple[bytes, dict[int, Pledge]]:
    forms = paper.paper_forms_print(actor=accounts.secretary, campaign=campaign, people=people)
    pledges = {p.person_id: p for p in Pledge.objects.filter(campaign=campaign)}
    return forms.pdf, pledges


def pages_by_person(pdf: bytes, people, *, dpi: int = 200) -> dict[int, tuple[Image.Image, Image.Image]]:
    """Person id -> (本人留存, 组织留存) page images; forms are printed in pinyin order within a unit."""
    images = page_images(pdf, dpi=dpi)
    ordered = sorted(people, key=lambda p: (p.unit.path, p.name_pinyin, p.pk))
    return {p.pk: (images[2 * k], images[2 * k + 1]) for k, p in enumerate(ordered)}


def assert_sealed_paper_pledge(pledge: Pledge, *, recorder, signed_on: dt.date) -> bytes:
    pledge.refresh_from_db()
    assert pledge.status == PledgeStatus.SIGNED and pledge.method == PledgeMethod.PAPER
    assert pledge.recorded_by == recorder and pledge.signer is None
    assert timezone.localtime(pledge.signed_at) == timezone.make_aware(
        dt.datetime.combine(signed_on, dt.time(12))
    )
    target = Target.objects.get(campaign=pledge.campaign, person=pledge.person)
    assert target.pledged_at == pledge.signed_at
    data = services.pledge_pdf_bytes(pledge)
    assert hashlib.sha256(data).hexdigest() == pledge.pdf_sha256
    assert sealing.verify_pdf(data).ok
    result = verification.pledge_verify_file(data)
    assert result.ok and result.pledge == pledge
    return data


def pdf_text(data: bytes) -> list[str]:
    document = pdfium.PdfDocument(data)
    try:
        # lines of a table cell wrap: read each page as one run of text
        return ["".join(document[i].get_textpage().get_text_range().split()) for i in range(len(document))]
    finally:
        document.close()


# ---------------------------------------------------------------------------------------------------- matching


def test_scanned_pages_are_matched_by_qr_and_recorded_as_paper_pledges(campaign, accounts, branch, org):
    zhao, qian, sun = branch
    pdf, pledges = printed_for(campaign, accounts, branch)
    pages = pages_by_person(pdf, branch)
    scanner = pdf_of([*pages[zhao.pk], blank_qr(pages[sun.pk][1])])  # both of zhao's copies; sun's with no QR
    photo = jpeg_of(as_photo(pages[qian.pk][0]))  # only qian's own copy, photographed sideways
    signed_on = timezone.localdate()

    upload = scans.scan_upload(
        actor=accounts.secretary,
        campaign=campaign,
        unit=org.branch1,
        files=[upload_file("扫描.pdf", scanner), upload_file("IMG_0001.jpg", photo)],
        signed_on=signed_on,
    )

    got = {p.index: p for p in ScanPage.objects.filter(upload=upload)}
    assert upload.page_count == 4 and len(got) == 4
    assert [(got[i].status, got[i].copy) for i in (1, 2, 4)] == [
        (ScanPageStatus.MATCHED, "A"),
        (ScanPageStatus.MATCHED, "B"),
        (ScanPageStatus.MATCHED, "A"),
    ]
    assert got[1].pledge_id == got[2].pledge_id == pledges[zhao.pk].pk
    assert got[4].pledge_id == pledges[qian.pk].pk and got[4].source == "IMG_0001.jpg"
    assert got[3].status == ScanPageStatus.UNMATCHED and got[3].pledge is None and "未识别到" in got[3].note
    assert got[1].source == "扫描.pdf 第1页"

    # The photo was turned upright again by its QR code before it was kept.
    with scans.default_storage.open(got[4].image_name) as f:
        kept = Image.open(f)
        assert kept.height > kept.width

    zhao_pdf = assert_sealed_paper_pledge(pledges[zhao.pk], recorder=accounts.secretary, signed_on=signed_on)
    text = pdf_text(zhao_pdf)
    assert len(text) == 2  # the 组织留存 page, then the evidence page
    evidence = text[1]
    assert "纸质签订" in evidence and "李书记" in evidence and "扫描.pdf第2页" in evidence
    assert "组织留存" in evidence and got[2].image_sha256 in evidence
    qian_pdf = assert_sealed_paper_pledge(pledges[qian.pk], recorder=accounts.secretary, signed_on=signed_on)
    assert "本人留存" in pdf_text(qian_pdf)[1]  # only the signer's copy was scanned: it is the archive

    assert Pledge.objects.get(pk=pledges[sun.pk].pk).status == PledgeStatus.PRINTED
    assert AuditEvent.objects.filter(action="pledge.scan_upload", object_id=str(upload.pk)).count() == 1
    assert AuditEvent.objects.filter(action="pledge.sign", after__method="paper").count() == 2


def test_a_photo_is_turned_by_its_exif_and_kept_without_it(campaign, accounts, branch, org):
    """Phones save the picture sideways with an orientation tag, and often the place it was taken."""
    zhao = branch[0]
    pdf, pledges = printed_for(campaign, accounts, [zhao])
    sideways = page_images(pdf, dpi=150)[1].rotate(90, expand=True)  # as the sensor saw it
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: turn 90° clockwise to view
    exif[0x8825] = {1: "N", 2: (31.0, 52.0, 0.0)}  # GPS
    exif[0x013B] = crafted.MARKER  # Artist
    out = io.BytesIO()
    sideways.save(
        out,
        format="JPEG",
        quality=85,
        exif=exif,
        comment=crafted.MARKER.encode(),
        xmp=crafted.XMP.encode(),
        icc_profile=crafted._icc(),
    )
    upload = scans.scan_upload(
        actor=accounts.secretary,
        campaign=campaign,
        unit=org.branch1,
        files=[upload_file("IMG_0002.jpg", out.getvalue())],
        signed_on=timezone.localdate(),
    )
    page = upload.pages.get()
    assert page.status == ScanPageStatus.MATCHED and page.copy == "B"
    with scans.default_storage.open(page.image_name) as f:
        data = f.read()
    kept = Image.open(io.BytesIO(data))
    assert kept.height > kept.width
    crafted.assert_clean_image(data)  # no EXIF, XMP, ICC profile or comment


def test_an_unreadable_page_is_assigned_by_hand(campaign, accounts, branch, org):
    sun = branch[2]
    pdf, pledges = printed_for(campaign, accounts, [sun])
    signed_on = timezone.localdate()
    upload = scans.scan_upload(
        actor=accounts.secretary,
        campaign=campaign,
        unit=org.branch1,
        files=[upload_file("sun.pdf", pdf_of([blank_qr(page_images(pdf)[1])]))],
        signed_on=signed_on,
    )
    page = upload.pages.get()
    assert page.status == ScanPageStatus.UNMATCHED

    with pytest.raises(PermissionRefused):
        scans.scan_page_assign(actor=accounts.outsider_secretary, page=page, person=sun)
    pledge = scans.scan_page_assign(actor=accounts.secretary, page=page, person=sun)
    page.refresh_from_db()
    assert (
        page.status == ScanPageStatus.ASSIGNED
        and page.pledge == pledge
        and page.assigned_by == accounts.secretary
    )
    assert pledge.pk == pledges[sun.pk].pk  # the printed row, with its code
    assert_sealed_paper_pledge(pledge, recorder=accounts.secretary, signed_on=signed_on)
    with pytest.raises(ApplicationError, match="已对应承诺书"):
        scans.scan_page_assign(actor=accounts.secretary, page=page, person=sun)


def test_a_page_can_be_assigned_to_someone_whose_form_was_not_printed_here(campaign, accounts, branch, org):
    """A branch that printed the template itself: no code on the paper, every page assigned by hand."""
    zhao = branch[0]
    sheet = Image.new("RGB", (1240, 1754), "white")
    ImageDraw.Draw(sheet).text((100, 100), "pledge", fill="black")
    upload = scans.scan_upload(
        actor=accounts.secretary,
        campaign=campaign,
        unit=org.branch1,
        files=[upload_file("page.png", _png(sheet))],
        signed_on=timezone.localdate(),
    )
    page = upload.pages.get()
    pledge = scans.scan_page_assign(actor=accounts.secretary, page=page, person=zhao)
    assert pledge.printed_at is None and len(pledge.code) == 16
    assert_sealed_paper_pledge(pledge, recorder=accounts.secretary, signed_on=timezone.localdate())


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def test_a_page_of_a_pledge_signed_online_is_not_recorded_again(
    campaign, accounts, org, django_capture_on_commit_callbacks
):
    pdf, pledges = printed_for(campaign, accounts, [accounts.member.person])
    with django_capture_on_commit_callbacks(execute=True):
        online, _ = factories.sign(campaign, accounts.member)
    assert (
        online.pk == pledges[accounts.member.person.pk].pk
    )  # signing online took the printed row and its code
    online.refresh_from_db()
    before = (online.signed_at, online.pdf_sha256)

    upload = scans.scan_upload(
        actor=accounts.secretary,
        campaign=campaign,
        unit=org.branch1,
        files=[upload_file("member.pdf", pdf_of(page_images(pdf, dpi=150)[1:]))],
        signed_on=timezone.localdate(),
    )
    page = upload.pages.get()
    assert page.status == ScanPageStatus.IGNORED and page.pledge == online
    assert "线上签订" in page.note and "未重复录入" in page.note
    online.refresh_from_db()
    assert (online.method, online.signed_at, online.pdf_sha256) == (PledgeMethod.ONLINE, *before)
    with pytest.raises(ApplicationError, match="已对应承诺书"):
        scans.scan_page_assign(actor=accounts.secretary, page=page, person=accounts.member.person)
    # Nor can an unreadable page be assigned to them by hand.
    blank = scans.scan_upload(
        actor=accounts.secretary,
        campaign=campaign,
        unit=org.branch1,
        files=[upload_file("blank.jpg", jpeg_of(Image.new("RGB", (600, 800), "white")))],
        signed_on=timezone.localdate(),
    ).pages.get()
    with pytest.raises(ApplicationError, match="“王职工”的承诺书已于.*线上签订，不能再指定本页"):
        scans.scan_page_assign(actor=accounts.secretary, page=blank, person=accounts.member.person)
    blank.refresh_from_db()
    assert blank.status == ScanPageStatus.UNMATCHED


def test_a_pledge_signed_online_while_the_scans_were_read_is_left_alone(
    campaign, accounts, org, monkeypatch, django_capture_on_commit_callbacks
):
    """The race: the member signs on the phone after the page was matched but before it is recorded."""
    pdf, _pledges = printed_for(campaign, accounts, [accounts.member.person])
    original = scans._sealed_archive

    def meanwhile(pledge, **kw):
        sealed = original(pledge, **kw)
        with django_capture_on_commit_callbacks(execute=True):
            factories.sign(campaign, accounts.member)
        return sealed

    monkeypatch.setattr(scans, "_sealed_archive", meanwhile)
    upload = scans.scan_upload(
        actor=accounts.secretary,
        campaign=campaign,
        unit=org.branch1,
        files=[upload_file("member.pdf", pdf_of(page_images(pdf, dpi=150)[1:]))],
        signed_on=timezone.localdate(),
    )
    page = upload.pages.get()
    pledge = Pledge.objects.get(campaign=campaign, person=accounts.member.person)
    assert pledge.method == PledgeMethod.ONLINE and page.status == ScanPageStatus.IGNORED
    assert "线上签订" in page.note
    assert sealing.verify_pdf(services.pledge_pdf_bytes(pledge)).ok
    # only the online archive copy exists: the paper one built meanwhile was never stored
    assert [f.name for f in media_files(f"pledges/{pledge.year}") if pledge.code in f.name] == [
        Path(pledge.pdf_name).name
    ]


def test_a_failure_while_recording_leaves_no_files_behind(campaign, accounts, branch, org, monkeypatch):
    pdf, pledges = printed_for(campaign, accounts, branch[:1])
    before = set(media_files("pledges"))

    def broken(**kw):
        raise RuntimeError("disk full")

    monkeypatch.setattr(scans, "audit_record_many", broken)
    with pytest.raises(RuntimeError):
        scans.scan_upload(
            actor=accounts.secretary,
            campaign=campaign,
            unit=org.branch1,
            files=[upload_file("x.pdf", pdf_of(page_images(pdf, dpi=150)))],
            signed_on=timezone.localdate(),
        )
    _nothing_written(campaign)
    assert set(media_files("pledges")) == before
    assert Target.objects.get(campaign=campaign, person=branch[0]).pledged_at is None


def test_pages_outside_the_uploaders_scope_are_not_recorded(campaign, accounts, branch, org):
    pdf, pledges = printed_for(campaign, accounts, branch[:1])
    upload = scans.scan_upload(
        actor=accounts.outsider_secretary,  # branch 2's secretary with branch 1's page
        campaign=campaign,
        unit=org.branch2,
        files=[upload_file("x.pdf", pdf_of(page_images(pdf, dpi=150)[1:]))],
        signed_on=timezone.localdate(),
    )
    page = upload.pages.get()
    assert page.status == ScanPageStatus.UNMATCHED and "不在您的管理范围" in page.note
    assert Pledge.objects.get(pk=pledges[branch[0].pk].pk).status == PledgeStatus.PRINTED


def test_ignoring_a_page(campaign, accounts, org):
    blank, webp = Image.new("RGB", (800, 1100), "white"), io.BytesIO()
    blank.save(webp, format="WEBP")  # what some Android phones send
    upload = scans.scan_upload(
        actor=accounts.secretary,
        campaign=campaign,
        unit=org.branch1,
        files=[upload_file("cover.webp", webp.getvalue())],
        signed_on=timezone.localdate(),
    )
    page = scans.scan_page_ignore(actor=accounts.secretary, page=upload.pages.get())
    assert page.status == ScanPageStatus.IGNORED and "李书记" in page.note
    assert AuditEvent.objects.filter(action="pledge.scan_ignore").count() == 1
    with pytest.raises(ApplicationError, match="不是待指定"):
        scans.scan_page_ignore(actor=accounts.secretary, page=page)


# ---------------------------------------------------------------------------------------------------- bad input


def _nothing_written(campaign):
    assert not ScanUpload.objects.exists() and not ScanPage.objects.exists()
    assert not Pledge.objects.filter(status=PledgeStatus.SIGNED).exists()
    assert not AuditEvent.objects.filter(action__startswith="pledge.scan").exists()
    assert not AuditEvent.objects.filter(action="pledge.sign").exists()


@pytest.mark.parametrize(
    "files, message",
    [
        (
            lambda good: [upload_file("好的.pdf", good), upload_file("坏的.pdf", b"%PDF-1.4\n garbage")],
            "“坏的.pdf”已损坏",
        ),
        (
            lambda good: [upload_file("照片.jpg", jpeg_of(Image.new("RGB", (50, 50)))[:60])],
            "照片“照片.jpg”已损坏",
        ),
        (
            lambda good: [upload_file("承诺书.docx", b"PK\x03\x04 word")],
            "“承诺书.docx”不是 PDF、JPG、PNG 或 WebP",
        ),
        (
            lambda good: [upload_file("照片.heic", b"\x00\x00\x00\x18ftypheic")],
            "“照片.heic”不是 PDF、JPG、PNG 或 WebP",
        ),
        (lambda good: [upload_file("空.pdf", b"")], "“空.pdf”是空文件"),
        (lambda good: [], "请选择要上传的扫描件"),
        (lambda good: [upload_file("炸弹.png", png_bomb())], "图片“炸弹.png”尺寸过大"),
    ],
    ids=["corrupt-pdf", "truncated-photo", "docx", "heic", "empty", "none", "png-bomb"],
)
def test_bad_files_are_refused_by_name_and_nothing_is_written(
    campaign, accounts, branch, org, files, message
):
    pdf, _ = printed_for(campaign, accounts, branch[:1])
    before = set(media_files("pledges"))
    with pytest.raises(ApplicationError) as exc:
        scans.scan_upload(
            actor=accounts.secretary,
            campaign=campaign,
            unit=org.branch1,
            files=files(pdf_of(page_images(pdf, dpi=100))),
            signed_on=timezone.localdate(),
        )
    assert message in exc.value.message and exc.value.field == "files"
    _nothing_written(campaign)
    assert set(media_files("pledges")) == before


def test_size_limit_date_and_campaign_are_checked(campaign, accounts, org, settings):
    photo = upload_file("大.jpg", jpeg_of(Image.new("RGB", (400, 400), "white")))
    settings.NETCONDUCT_SCAN_MAX_BYTES = 1000
    with pytest.raises(ApplicationError, match="“大.jpg”超过"):
        scans.scan_upload(
            actor=accounts.secretary,
            campaign=campaign,
            unit=org.branch1,
            files=[photo],
            signed_on=timezone.localdate(),
        )
    settings.NETCONDUCT_SCAN_MAX_BYTES = 50 * 1024 * 1024
    with pytest.raises(ApplicationError, match="不能晚于今天"):
        scans.scan_upload(
            actor=accounts.secretary,
            campaign=campaign,
            unit=org.branch1,
            files=[photo],
            signed_on=timezone.localdate() + dt.timedelta(days=1),
        )
    with pytest.raises(PermissionRefused):
        scans.scan_upload(
            actor=accounts.inspector,
            campaign=campaign,
            unit=org.branch1,
            files=[photo],
            signed_on=timezone.localdate(),
        )
    from netconduct.campaigns import services as campaign_services

    campaign_services.campaign_close(actor=accounts.unit_admin, campaign=campaign)
    with pytest.raises(ApplicationError, match="活动已结束"):
        scans.scan_upload(
            actor=accounts.secretary,
            campaign=campaign,
            unit=org.branch1,
            files=[photo],
            signed_on=timezone.localdate(),
        )
    _nothing_written(campaign)


def test_qr_text_is_parsed_for_code_and_copy():
    code = "ABCDEFGHJKLMNPQR"
    assert scans.parse_qr(f"https://nc.example.cn/pledges/v/{code}/#B") == (code, "B")
    assert scans.parse_qr(f"/pledges/v/{code}/") == (code, "")
    assert scans.parse_qr(f"/pledges/v/{code.lower()}/#a") == (code, "A")
    assert scans.parse_qr("https://weixin.qq.com/r/abc") is None


def test_demo_paper_load(campaign, accounts, branch, org):
    upload = scans.demo_paper_load(actor=accounts.unit_admin, campaign=campaign, unit=org.branch1, signed=2)
    statuses = list(upload.pages.order_by("index").values_list("status", flat=True))
    assert statuses == [ScanPageStatus.MATCHED, ScanPageStatus.MATCHED, ScanPageStatus.UNMATCHED]
    assert Pledge.objects.filter(method=PledgeMethod.PAPER).count() == 2
    assert scans.demo_paper_load(actor=accounts.unit_admin, campaign=campaign, unit=org.branch1) is None
