"""Official documents rendered in the layout of GB/T 9704-2012 (党政机关公文格式), as PDF and as DOCX.

Pure Python, no Django: build an `OfficialDocument` and call `render_pdf` or `render_docx`.
"""

from .pdf import render_pdf
from .types import Align, Attachment, Level, OfficialDocument, Paragraph, chinese_date
from .word import render_docx

__all__ = [
    "Align",
    "Attachment",
    "Level",
    "OfficialDocument",
    "Paragraph",
    "chinese_date",
    "render_docx",
    "render_pdf",
]
