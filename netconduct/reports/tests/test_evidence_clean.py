"""Evidence carries nothing but its content: files crafted with every kind of hidden data are filed as a report's
evidence and the stored bytes (decrypted) are checked with Pillow and pypdf; bombs are refused and nothing is written.
"""

from __future__ import annotations

import io

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from netconduct.core import uploads
from netconduct.core.exceptions import ApplicationError
from netconduct.core.tests import crafted
from netconduct.reports import evidence
from netconduct.reports.models import Report, ReportFile

from .factories import file_report


def _stored(report) -> list[bytes]:
    return [evidence.load(f.storage_name, context=f.context) for f in report.files.order_by("position")]


def _files_on_disk() -> set[str]:
    try:
        return {f"reports/{d}" for d in default_storage.listdir("reports")[0]}
    except FileNotFoundError:
        return set()


@pytest.mark.django_db
def test_images_keep_only_their_pixels(org, accounts):
    jpeg, png = crafted.jpeg_with_everything(), crafted.png_with_everything()
    for raw in (jpeg, png):  # the crafted files do carry it all, so that the test can fail
        assert crafted.MARKER.encode() in raw
        with pytest.raises(AssertionError):
            crafted.assert_clean_image(raw)
    filed = file_report(
        accounts.member,
        files=[
            SimpleUploadedFile("gps.jpg", jpeg, content_type="image/jpeg"),
            SimpleUploadedFile("text.png", png, content_type="image/png"),
        ],
    )
    stored = _stored(filed.report)
    assert len(stored) == 2
    for data in stored:
        crafted.assert_clean_image(data)
    with Image.open(io.BytesIO(stored[0])) as kept:
        assert kept.size == (40, 30) and kept.getpixel((5, 5))[0] > 150  # the picture itself is still there


@pytest.mark.django_db
def test_pdfs_are_rebuilt_without_info_xmp_annotations_scripts_attachments_links_or_piece_info(org, accounts):
    raw = crafted.pdf_with_everything()
    with pytest.raises(AssertionError):
        crafted.assert_clean_pdf(raw)
    filed = file_report(
        accounts.member, files=[SimpleUploadedFile("doc.pdf", raw, content_type="application/pdf")]
    )
    (data,) = _stored(filed.report)
    crafted.assert_clean_pdf(data)
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) == 1
    assert abs(float(reader.pages[0].mediabox.width) - 300) < 1  # the page keeps its size


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("炸弹.png", crafted.png_bomb(), "“炸弹.png”尺寸过大"),
        ("宽.png", crafted.png_bomb(100_000, 1_000), "“宽.png”尺寸过大"),
        ("坏.png", crafted.png_bomb()[:40], "“坏.png”无法读取"),
        ("坏.pdf", b"%PDF-1.4\n garbage", "“坏.pdf”已损坏"),
    ],
)
def test_bombs_and_broken_files_are_refused_by_name_and_nothing_is_written(
    org, accounts, name, data, message
):
    before = _files_on_disk()
    with pytest.raises(ApplicationError) as exc:
        file_report(accounts.member, files=[SimpleUploadedFile(name, data)])
    assert message in exc.value.message and exc.value.field == "files"
    assert not Report.objects.exists() and not ReportFile.objects.exists()
    assert _files_on_disk() == before


def test_pillow_bomb_limit_is_set_and_a_huge_pdf_page_is_drawn_small(settings):
    settings.NETCONDUCT_UPLOAD_MAX_PIXELS = 1_000_000
    with pytest.raises(ApplicationError, match="尺寸过大"):
        uploads.open_image(crafted.png_bomb(2000, 1000), label="x.png")
    assert Image.MAX_IMAGE_PIXELS == 1_000_000
    data = uploads.sanitise_pdf(crafted.huge_page_pdf(), label="大.pdf")
    from pypdf import PdfReader

    image = next(iter(PdfReader(io.BytesIO(data)).pages[0].images)).image
    assert image.width * image.height <= 1_000_000


def test_too_many_pdf_pages_are_refused(settings):
    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(3):
        writer.add_blank_page(width=100, height=100)
    out = io.BytesIO()
    writer.write(out)
    settings.NETCONDUCT_UPLOAD_MAX_PDF_PAGES = 2
    with pytest.raises(ApplicationError, match="有3页，超过2页"):
        uploads.sanitise_pdf(out.getvalue(), label="多.pdf")
