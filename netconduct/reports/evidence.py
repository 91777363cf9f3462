"""Evidence files of reports and cases: type read from the bytes, size checked, metadata removed, sealed on disk.

Images are rebuilt from their pixels and PDFs from their rendered pages (`core.uploads`): nothing but what the
file shows survives — no EXIF position, XMP, ICC profile, comment, text chunk, PDF information, annotation author,
script, action, embedded file or link. The result is sealed with AES-GCM (`core.crypto.encrypt_bytes`) and written under the data folder's media; it is only
ever served, decrypted, through a view that checks the reader and audits the reading.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils.translation import gettext as _

from netconduct.core import crypto, uploads

ACCEPTED = {"image/jpeg", "image/png", "image/webp", "application/pdf"}


def max_bytes() -> int:
    return int(settings.NETCONDUCT_REPORT_MAX_FILE_BYTES)


@dataclass(frozen=True)
class Clean:
    data: bytes
    content_type: str
    extension: str


def _label(upload, index: int) -> str:
    return os.path.basename(getattr(upload, "name", "") or "") or _("第%(index)s个文件") % {"index": index}


def clean(upload, *, index: int = 1) -> Clean:
    """Check one uploaded file and return its cleaned bytes (pixels only, see `core.uploads`); a refusal names the
    file and the reason."""
    label = _label(upload, index)
    data = uploads.read_checked(upload, label=label, limit=max_bytes())
    cleaned = uploads.sanitise_bytes(data, label=label, accepted=ACCEPTED)
    return Clean(cleaned.data, cleaned.content_type, cleaned.extension)


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
