"""Uploaded images and PDFs reduced to their content: pixels only.

Evidence of reports, study sessions and paper pledge scans is kept for what it shows, never for what else a file
carries (the camera, the GPS position, the author's name in a PDF's information or in an annotation, a script that
runs on opening, an embedded file). Removing those pieces one by one cannot be proven complete, so nothing is kept
but pixels:

- an image is decoded and a new image is made from its pixel values alone (no EXIF, XMP, ICC profile, comments or
  text chunks can follow, because the new image never had an `info` to copy them from);
- a PDF's pages are rendered with PDFium and written into a new PDF of one JPEG per page, built here object by
  object: a catalog, a page tree and pages — no document information, XMP, annotations, actions, names, embedded
  files or page-piece data exist in it to survive.

Sizes are checked before anything is decoded: a file's bytes, an image's declared pixels (a "decompression bomb"
declares 50000×50000 in a few hundred bytes) and a PDF's page count and page area. Every refusal is an
`ApplicationError` with a Chinese message naming the file.
"""

from __future__ import annotations

import io
import math
import threading
import warnings
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _

from netconduct.core.exceptions import ApplicationError

from . import files

IMAGE_TYPES = {"image/jpeg", "image/png", "image/webp"}
PDF_TYPE = "application/pdf"
RENDER_DPI = 150
JPEG_QUALITY = 85
# A rendered page has at most this many pixels (A2 at 150 dpi is 8.7 million): a page declaring a huge size is drawn
# smaller instead of allocating gigabytes.
RENDER_MAX_PIXELS = 12_000_000
# PDFium is not thread-safe and pypdfium2 does not lock: every call into it holds a lock (threaded servers).
# The pledge scans share this lock.
PDFIUM = threading.Lock()


def max_pixels() -> int:
    """Pixels an image may declare, and a rendered page may have (one setting for every upload)."""
    return int(getattr(settings, "NETCONDUCT_UPLOAD_MAX_PIXELS", 50_000_000))


def max_pdf_pages() -> int:
    return int(getattr(settings, "NETCONDUCT_UPLOAD_MAX_PDF_PAGES", 50))


def _pillow_limits():
    """Pillow's own bomb check, set explicitly to our limit: over it Pillow warns, over twice it raises. Both are
    turned into a refusal; our check of the declared size comes first anyway."""
    from PIL import Image

    Image.MAX_IMAGE_PIXELS = max_pixels()
    return Image


@dataclass(frozen=True)
class Sanitised:
    data: bytes
    content_type: str
    extension: str


def _too_large(label: str, width: int, height: int, field: str) -> ApplicationError:
    return ApplicationError(
        _(
            "图片“%(label)s”尺寸过大（%(width)s×%(height)s像素，上限%(value)s百万像素），请截图或缩小后再上传。"
        )
        % {"label": label, "width": width, "height": height, "value": max_pixels() // 1_000_000},
        field=field,
    )


def open_image(data: bytes, *, label: str, field: str = "files", damaged: str = ""):
    """The decoded image, upright (EXIF orientation applied), after its declared size was checked; `damaged` is the
    message for a file that cannot be decoded, when the caller words it its own way."""
    Image = _pillow_limits()
    from PIL import ImageOps, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                if probe.width * probe.height > max_pixels():
                    raise _too_large(label, probe.width, probe.height, field)
                probe.seek(0)
                probe.load()
                return ImageOps.exif_transpose(probe)
    except ApplicationError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ApplicationError(
            _("图片“%(label)s”尺寸过大（超过%(value)s百万像素），请截图或缩小后再上传。")
            % {"label": label, "value": max_pixels() // 1_000_000},
            field=field,
        ) from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError, MemoryError):
        raise ApplicationError(damaged or f"图片“{label}”无法读取，文件可能已损坏。", field=field) from None


def pixels_only(image):
    """A new image holding only `image`'s pixel values: nothing of its `info` (EXIF, XMP, ICC, text) comes along."""
    from PIL import Image

    if image.mode not in {"RGB", "RGBA", "L"}:
        keeps_alpha = image.mode in {"LA", "PA", "RGBa", "La"} or (
            image.mode == "P" and "transparency" in image.info
        )
        image = image.convert("RGBA" if keeps_alpha else "RGB")
    return Image.frombytes(image.mode, image.size, image.tobytes())


def sanitise_image(data: bytes, content_type: str, *, label: str, field: str = "files") -> bytes:
    clean = pixels_only(open_image(data, label=label, field=field))
    out = io.BytesIO()
    if content_type == "image/jpeg":
        clean.convert("RGB").save(out, format="JPEG", quality=90)
    elif content_type == "image/png":
        clean.save(out, format="PNG")
    else:
        clean.save(out, format="WEBP", quality=90)
    return out.getvalue()


def render_scale(width_pt: float, height_pt: float, dpi: int = RENDER_DPI) -> float:
    """The scale at which a page is rendered: `dpi`, or less for a page so large that it would exceed the rendered
    pixels limit (a page of 14400 points square is drawn small rather than allocated in full)."""
    scale = dpi / 72
    limit = min(RENDER_MAX_PIXELS, max_pixels())
    area = max(width_pt, 1.0) * max(height_pt, 1.0)
    if area * scale * scale > limit:
        scale = math.sqrt(limit / area)
    return scale


def pdf_page_count(data: bytes, *, label: str, field: str = "files") -> int:
    import pypdfium2 as pdfium

    try:
        with PDFIUM:
            document = pdfium.PdfDocument(data)
            try:
                return len(document)
            finally:
                document.close()
    except pdfium.PdfiumError:
        raise ApplicationError(
            _("PDF“%(label)s”已损坏或设有密码，无法读取，请去除密码或重新生成后上传。") % {"label": label},
            field=field,
        ) from None


def pdf_pages(data: bytes, *, label: str, field: str = "files", dpi: int = RENDER_DPI):
    """Every page of a PDF as an RGB image (forms and annotations are not drawn: only the page's own content)."""
    import pypdfium2 as pdfium

    try:
        with PDFIUM:
            document = pdfium.PdfDocument(data)
        try:
            count = len(document)
            for number in range(count):
                with PDFIUM:
                    page = document[number]
                    width, height = page.get_size()
                    bitmap = page.render(scale=render_scale(width, height, dpi), may_draw_forms=False)
                    image = bitmap.to_pil().convert("RGB")
                    page.close()
                yield image
        finally:
            with PDFIUM:
                document.close()
    except pdfium.PdfiumError:
        raise ApplicationError(
            _("PDF“%(label)s”已损坏或设有密码，无法读取，请去除密码或重新生成后上传。") % {"label": label},
            field=field,
        ) from None


def jpeg_pdf(pages: list[tuple[bytes, int, int]], dpi: int = RENDER_DPI) -> bytes:
    """A PDF of one JPEG per page, (jpeg bytes, width px, height px) each, written object by object so that it holds
    nothing else: no /Info, no metadata, no annotations, no actions, no names."""
    out = io.BytesIO()
    offsets: list[int] = []

    def obj(number: int, body: bytes, stream: bytes | None = None) -> None:
        offsets.append(out.tell())
        out.write(f"{number} 0 obj\n".encode() + body)
        if stream is not None:
            out.write(b"\nstream\n" + stream + b"\nendstream")
        out.write(b"\nendobj\n")

    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    kids = " ".join(f"{3 + 3 * i} 0 R" for i in range(len(pages)))
    obj(1, b"<< /Type /Catalog /Pages 2 0 R >>")
    obj(2, f"<< /Type /Pages /Kids [{kids}] /Count {len(pages)} >>".encode())
    for i, (jpeg, width, height) in enumerate(pages):
        page, content, image = 3 + 3 * i, 4 + 3 * i, 5 + 3 * i
        w_pt, h_pt = width * 72 / dpi, height * 72 / dpi
        obj(
            page,
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {w_pt:.2f} {h_pt:.2f}] "
            f"/Resources << /XObject << /Im0 {image} 0 R >> >> /Contents {content} 0 R >>".encode(),
        )
        draw = f"q {w_pt:.2f} 0 0 {h_pt:.2f} 0 0 cm /Im0 Do Q".encode()
        obj(content, f"<< /Length {len(draw)} >>".encode(), draw)
        obj(
            image,
            f"<< /Type /XObject /Subtype /Image /Width {width} /Height {height} /ColorSpace /DeviceRGB "
            f"/BitsPerComponent 8 /Filter /DCTDecode /Length {len(jpeg)} >>".encode(),
            jpeg,
        )
    xref = out.tell()
    out.write(f"xref\n0 {len(offsets) + 1}\n0000000000 65535 f \n".encode())
    for offset in offsets:
        out.write(f"{offset:010d} 00000 n \n".encode())
    out.write(f"trailer\n<< /Size {len(offsets) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode())
    return out.getvalue()


def sanitise_pdf(data: bytes, *, label: str, field: str = "files") -> bytes:
    count = pdf_page_count(data, label=label, field=field)
    if count == 0:
        raise ApplicationError(_("PDF“%(label)s”没有页面。") % {"label": label}, field=field)
    if count > max_pdf_pages():
        raise ApplicationError(
            _("PDF“%(label)s”有%(count)s页，超过%(max_pdf_pages)s页，请只上传相关页面。")
            % {"label": label, "count": count, "max_pdf_pages": max_pdf_pages()},
            field=field,
        )
    pages: list[tuple[bytes, int, int]] = []
    for image in pdf_pages(data, label=label, field=field):
        out = io.BytesIO()
        image.save(out, format="JPEG", quality=JPEG_QUALITY)
        pages.append((out.getvalue(), image.width, image.height))
    return jpeg_pdf(pages)


def sanitise_bytes(
    data: bytes,
    *,
    label: str,
    field: str = "files",
    accepted: frozenset[str] | set[str] | None = None,
    wrong_kind: str = "",
) -> Sanitised:
    """Cleaned bytes of one file whose size was already checked; its kind is read from the bytes."""
    accepted = accepted or (IMAGE_TYPES | {PDF_TYPE})
    kind = files.sniff(data[:16])
    if kind is None or kind[0] not in accepted:
        raise ApplicationError(
            wrong_kind or f"文件“{label}”不是 JPG、PNG、WebP 图片或 PDF 文件（按文件内容判断，而非文件名）。",
            field=field,
        )
    content_type, ext = kind
    if content_type == PDF_TYPE:
        return Sanitised(sanitise_pdf(data, label=label, field=field), content_type, ext)
    return Sanitised(sanitise_image(data, content_type, label=label, field=field), content_type, ext)


def read_checked(upload, *, label: str, limit: int, field: str = "files") -> bytes:
    """The upload's bytes after its size was checked against `limit` (never read when too large)."""
    size = upload.size
    if not size:
        raise ApplicationError(_("文件“%(label)s”是空的。") % {"label": label}, field=field)
    if size > limit:
        raise ApplicationError(
            _("文件“%(label)s”有%(value).1f MB，超过%(value2).0f MB，请压缩后再上传。")
            % {"label": label, "value": size / 1048576, "value2": limit / 1048576},
            field=field,
        )
    upload.seek(0)
    return upload.read()
