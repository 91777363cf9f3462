"""Evidence files of reports and cases: type read from the bytes, size checked, metadata removed, sealed on disk.

Images are decoded and encoded again with Pillow, which drops EXIF (GPS position, camera, time) and any text
chunks; the orientation is applied first so that the picture still stands the right way up. PDFs are rewritten page
by page with pypdf, which leaves the document information (author, producer, dates) and XMP metadata behind. The
result is sealed with AES-GCM (`core.crypto.encrypt_bytes`) and written under the data folder's media; it is only
ever served, decrypted, through a view that checks the reader and audits the reading.
"""

from __future__ import annotations

import io
import os
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from netconduct.core import crypto, files
from netconduct.core.exceptions import ApplicationError

ACCEPTED = {"image/jpeg", "image/png", "image/webp", "application/pdf"}
MAX_PIXELS = 50_000_000


def max_bytes() -> int:
    return int(settings.NETCONDUCT_REPORT_MAX_FILE_BYTES)


@dataclass(frozen=True)
class Clean:
    data: bytes
    content_type: str
    extension: str


def _label(upload, index: int) -> str:
    return os.path.basename(getattr(upload, "name", "") or "") or f"第{index}个文件"


def _image(data: bytes, content_type: str, label: str) -> bytes:
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.width * probe.height > MAX_PIXELS:
                raise ApplicationError(f"图片“{label}”尺寸过大，请截图或缩小后再上传。", field="files")
            probe.load()
            image = ImageOps.exif_transpose(probe)
    except ApplicationError:
        raise
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        raise ApplicationError(f"图片“{label}”无法读取，文件可能已损坏。", field="files") from None
    out = io.BytesIO()
    if content_type == "image/jpeg":
        image.convert("RGB").save(out, format="JPEG", quality=90)
    elif content_type == "image/png":
        image.save(out, format="PNG", optimize=False)
    else:
        image.save(out, format="WEBP", quality=90)
    return out.getvalue()


def _pdf(data: bytes, label: str) -> bytes:
    from pypdf import PdfReader, PdfWriter
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise ApplicationError(f"PDF“{label}”设有密码，请去除密码后再上传。", field="files")
        writer = PdfWriter()
        for page in reader.pages:
            writer.add_page(page)
        writer.add_metadata({"/Producer": ""})
        out = io.BytesIO()
        writer.write(out)
    except ApplicationError:
        raise
    except (PyPdfError, OSError, ValueError, KeyError, TypeError):
        raise ApplicationError(f"PDF“{label}”无法读取，文件可能已损坏。", field="files") from None
    return out.getvalue()


def clean(upload, *, index: int = 1) -> Clean:
    """Check one uploaded file and return its cleaned bytes; a refusal names the file and the reason."""
    label = _label(upload, index)
    size = upload.size
    limit = max_bytes()
    if not size:
        raise ApplicationError(f"文件“{label}”是空的。", field="files")
    if size > limit:
        raise ApplicationError(
            f"文件“{label}”有{size / 1048576:.1f} MB，超过{limit / 1048576:.0f} MB，请压缩后再上传。",
            field="files",
        )
    upload.seek(0)
    data = upload.read()
    kind = files.sniff(data[:16])
    if kind is None or kind[0] not in ACCEPTED:
        raise ApplicationError(
            f"文件“{label}”不是 JPG、PNG、WebP 图片或 PDF 文件（按文件内容判断，而非文件名）。", field="files"
        )
    content_type, ext = kind
    cleaned = _pdf(data, label) if content_type == "application/pdf" else _image(data, content_type, label)
    return Clean(cleaned, content_type, ext)


def store(cleaned: Clean, *, folder: str, context: str) -> str:
    """Seal and write; returns the storage name (random, says nothing of the content)."""
    name = f"{folder}/{secrets.token_hex(16)}.bin"
    return default_storage.save(name, ContentFile(crypto.encrypt_bytes(cleaned.data, context=context)))


def load(storage_name: str, *, context: str) -> bytes:
    with default_storage.open(storage_name, "rb") as handle:
        return crypto.decrypt_bytes(handle.read(), context=context)


def rewrite(storage_name: str, *, context: str) -> bool:
    """Re-seal a file under the current key; True when it was under an older one."""
    with default_storage.open(storage_name, "rb") as handle:
        blob = handle.read()
    if crypto.bytes_key_id(blob) == crypto.current_key_id():
        return False
    data = crypto.decrypt_bytes(blob, context=context)
    path = default_storage.path(storage_name)
    tmp = path + ".tmp"
    with open(tmp, "wb") as handle:
        handle.write(crypto.encrypt_bytes(data, context=context))
    os.replace(tmp, path)
    return True


def delete(storage_name: str) -> None:
    if storage_name and default_storage.exists(storage_name):
        default_storage.delete(storage_name)
