"""What an uploaded file is, read from its first bytes: the name and the browser's claim are not trusted."""

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
