"""A document in the official format (GB/T 9704-2012), as PDF and DOCX: the models turned into the renderers'
plain input, attachments that are documents printed after the main text on new pages."""

from __future__ import annotations

import re

from .choices import DocumentKind, DocumentStatus, LinkKind
from .models import Document
from .rendering.types import Attachment, Level, OfficialDocument, Paragraph

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
H1 = re.compile(r"^[一二三四五六七八九十]+、")
H2 = re.compile(r"^[（(][一二三四五六七八九十]+[）)]")
H3 = re.compile(r"^\d+[.．、]")


def body_paragraphs(text: str) -> list[Paragraph]:
    paragraphs = []
    for line in (text or "").splitlines():
        line = line.strip()
        if not line:
            continue
        level = (
            Level.H1
            if H1.match(line)
            else Level.H2
            if H2.match(line)
            else Level.H3
            if H3.match(line)
            else Level.BODY
        )
        paragraphs.append(Paragraph(line, level))
    return paragraphs


def _norms_paragraphs(document: Document) -> list[Paragraph]:
    paragraphs = []
    for article in document.articles.prefetch_related("items"):
        head = f"{article.citation}　{article.heading}".rstrip()
        if article.text and article.heading:
            paragraphs.append(Paragraph(head))
            paragraphs.append(Paragraph(article.text))
        else:
            paragraphs.append(Paragraph(f"{head}{'　' if article.heading else '　'}{article.text}".rstrip()))
        paragraphs.extend(Paragraph(f"{item.label}{item.text}") for item in article.items.all())
    return paragraphs


def content_paragraphs(document: Document) -> list[Paragraph]:
    if document.articles.exists():
        return body_paragraphs(document.body) + _norms_paragraphs(document)
    return body_paragraphs(document.body)


def official_document(document: Document) -> OfficialDocument:
    links = list(
        document.links.filter(kind=LinkKind.ATTACHMENT).select_related("target").order_by("position")
    )
    titles = [link.title for link in links] + [f.name for f in document.files.all()]
    attachments = []
    for index, link in enumerate(links, start=1):
        if link.target_id is None:
            continue
        label = "附件" if len(titles) == 1 else f"附件{index}"
        body = content_paragraphs(link.target) or [Paragraph(link.target.title)]
        attachments.append(Attachment(label=label, title=link.target.title, body=body))
    body = content_paragraphs(document) or [Paragraph(document.title)]
    signature_unit, signed_on = document.signer_unit, document.signed_on
    if document.kind == DocumentKind.PLEDGE and not signature_unit:
        signed_on = None  # a pledge form ends with the lines its signer fills in, not with the issuer's date
    elif signed_on and not signature_unit:
        signature_unit = (
            document.issuer.name
        )  # 7.3.5.2: 发文机关署名 above the 成文日期, the issuer's by default
    return OfficialDocument(
        issuer_mark=document.issuer_mark or f"{document.issuer.name}文件",
        number=document.number,
        title=document.title,
        addressees=document.addressees,
        body=body,
        attachments_list=titles,
        signature_unit=signature_unit,
        signed_on=signed_on,
        printer_unit=document.printer_unit,
        printed_on=document.printed_on,
        attachments=attachments,
        draft=document.status == DocumentStatus.DRAFT,
    )


def document_pdf(document: Document) -> bytes:
    from .rendering import render_pdf

    return render_pdf(official_document(document))


def document_docx(document: Document) -> bytes:
    from .rendering import render_docx

    return render_docx(official_document(document))


def download_name(document: Document, extension: str) -> str:
    name = f"{document.number or '草稿'}-{document.title}.{extension}"
    name = re.sub(r'[\\/:*?"<>|]+', "_", name)
    return name
