"""Documents for tests, made through the services."""

from __future__ import annotations

from netconduct.documents import services
from netconduct.documents.choices import DocumentKind

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)

NORMS = {
    "title": "网络行为规范",
    "articles": [
        {"number": 1, "heading": "", "text": "为规范网络行为，制定本规范。", "items": []},
        {
            "number": 2,
            "heading": "严禁以下违反保密规定的行为",
            "text": "",
            "items": [
                {"number": 1, "text": "泄露党和国家秘密、工作秘密；"},
                {"number": 2, "text": "泄露内部文件。"},
            ],
        },
    ],
}


def draft(
    unit, *, actor, title: str = "关于开展网络行为规范学习的通知", kind: str = DocumentKind.NOTICE, **fields
):
    fields.setdefault("issuer_code", "西北能化党发")
    fields.setdefault("body", "各党支部要认真组织学习。\n一、提高认识\n要高度重视。")
    fields.setdefault("addressees", "各党支部")
    return services.document_create(actor=actor, issuer=unit, title=title, kind=kind, **fields)


def issued(unit, *, actor, **fields):
    document = draft(unit, actor=actor, **fields)
    if document.kind == DocumentKind.NORMS:
        services.document_set_norms(actor=actor, document=document, structure=NORMS)
    return services.document_issue(actor=actor, document=document)


def issued_norms(unit, *, actor, **fields):
    return issued(unit, actor=actor, kind=DocumentKind.NORMS, title="网络行为规范", **fields)
