"""What an uploaded file is, read from its first bytes (the name and the browser's claim are not trusted); and safe
names for the files the product writes from data."""

from __future__ import annotations

MAGIC = (
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
    (b"%PDF-", "application/pdf", ".pdf"),
    (b"PK\x03\x04", "application/zip", ".zip"),  # .docx, .xlsx and other Office Open XML files
)


def sniff(head: bytes) -> tuple[str, str] | None:
    """(content type, extension) of a file from its first 16 bytes, or None for a kind not listed here."""
    for magic, content_type, ext in MAGIC:
        if head.startswith(magic):
            return content_type, ext
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp", ".webp"
    return None


_UNSAFE_IN_NAMES = frozenset('/\\:*?"<>|')


def safe_name_part(name: str, *, limit: int = 80) -> str:
    """One component of a file or zip entry name made from data (a unit's or a person's name): no separators,
    no control characters, no leading dots (so never `.` or `..`), never empty. Unzipping cannot then write
    outside the folder it unpacks into, whatever the names hold."""
    text = "".join("_" if ch in _UNSAFE_IN_NAMES or ord(ch) < 32 or ord(ch) == 127 else ch for ch in name)
    text = text.strip().lstrip(".").strip()[:limit].rstrip(". ")
    return text or "_"


def zip_entry_name(*parts: str) -> str:
    """A relative zip entry path of safe components joined by `/`."""
    return "/".join(safe_name_part(p) for p in parts)
