"""Writes to documents: drafts, structured norms, attachments and citations, issuing with a document number,
new versions and withdrawal. Each: permission, validation, one audit event, one transaction.

Issued documents never change: a correction is a new version that supersedes the old one when it is issued.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from typing import Any

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.db.models.functions import Greatest
from django.utils import timezone
from django.utils.translation import gettext as _

from netconduct.core import files
from netconduct.core.audit import Change, audit_record
from netconduct.core.exceptions import ApplicationError
from netconduct.org import scoping
from netconduct.org.models import OrgUnit

from .choices import DocumentKind, DocumentStatus, LinkKind, NumberSource
from .models import Document, DocumentFile, DocumentLink, DocumentNumberCounter, NormArticle, NormItem

NUMBER_RE = re.compile(
    r"^\s*(?P<code>[^〔〕\[\]（）()]+?)\s*[〔\[（(](?P<year>\d{4})[〕\]）)]\s*(?P<seq>\d{1,5})\s*号\s*$"
)
DRAFT_FIELDS = (
    "title",
    "kind",
    "issuer_mark",
    "issuer_code",
    "addressees",
    "body",
    "signer_unit",
    "signed_on",
    "printer_unit",
    "printed_on",
)
MAX_FILE_BYTES = 20 * 1024 * 1024


def format_number(code: str, year: int, sequence: int) -> str:
    return f"{code}〔{year}〕{sequence}号"


def parse_number(number: str) -> tuple[str, int, int]:
    """ "西北能化党发〔2023〕36号" → ("西北能化党发", 2023, 36); also accepts [2023], (2023) and （2023） as typed."""
    match = NUMBER_RE.match(number or "")
    if not match:
        raise ApplicationError(
            _("文号“%(number)s”格式不正确，应为“机关代字〔年份〕序号号”，例如：西北能化党发〔2023〕36号。")
            % {"number": number},
            field="number",
        )
    return match["code"].strip(), int(match["year"]), int(match["seq"])


def document_snapshot(document: Document) -> dict[str, Any]:
    data = {name: getattr(document, name) for name in DRAFT_FIELDS}
    data.update(
        number=document.number,
        status=document.status,
        version=document.version,
        issuer=document.issuer.name,
        body=f"{len(document.body)}字，SHA-256 {hashlib.sha256(document.body.encode()).hexdigest()[:16]}",
    )
    return data


def _change(action: str, document: Document, before=None, after=None) -> Change:
    return Change(
        action, "documents.document", document.pk, str(document)[:255], document.issuer.path, before, after
    )


def _clean_fields(fields: dict[str, Any]) -> dict[str, Any]:
    unknown = set(fields) - set(DRAFT_FIELDS)
    if unknown:
        raise ApplicationError(_("不能修改这些字段：%(join)s。") % {"join": "、".join(sorted(unknown))})
    data = {k: (v.strip() if isinstance(v, str) else v) for k, v in fields.items()}
    if "title" in data and not data["title"]:
        raise ApplicationError(_("请填写标题。"), field="title")
    if "kind" in data and data["kind"] not in DocumentKind.values:
        raise ApplicationError(_("文种不正确。"), field="kind")
    code = data.get("issuer_code")
    if code and (re.search(r"[〔〕\[\]\s0-9]", code) or len(code) > 30):
        raise ApplicationError(
            _("发文机关代字只含文字（例如：西北能化党发），不含年份、序号或括号。"), field="issuer_code"
        )
    for field in ("signed_on", "printed_on"):
        value = data.get(field)
        if value and value > timezone.localdate() + dt.timedelta(days=366):
            raise ApplicationError(_("日期不正确。"), field=field)
    return data


@transaction.atomic
def document_create(
    *, actor, issuer: OrgUnit, title: str, kind: str = DocumentKind.NOTICE, **fields: Any
) -> Document:
    """A new draft issued in the name of `issuer`."""
    issuer = OrgUnit.objects.get(pk=issuer.pk)
    scoping.require(actor, "document.manage", issuer.path)
    data = _clean_fields({"title": title, "kind": kind, **fields})
    document = Document(issuer=issuer, created_by=actor, **data)
    if "issuer_code" not in fields and issuer.code:  # the unit's 代字 unless the author chose (or cleared) it
        document.issuer_code = f"{issuer.code}发" if not issuer.code.endswith("发") else issuer.code
    document.full_clean()
    document.save()
    audit_record(actor=actor, change=_change("document.create", document, None, document_snapshot(document)))
    return document


def _draft_for_update(actor, document: Document) -> Document:
    document = Document.objects.select_for_update().select_related("issuer").get(pk=document.pk)
    scoping.require(actor, "document.manage", document.issuer.path)
    if document.status != DocumentStatus.DRAFT:
        raise ApplicationError(_("已印发的文件不能修改；如需更正，请建立新版本。"))
    return document


@transaction.atomic
def document_update(*, actor, document: Document, **fields: Any) -> Document:
    document = _draft_for_update(actor, document)
    before = document_snapshot(document)
    for name, value in _clean_fields(fields).items():
        setattr(document, name, value)
    document.full_clean()
    document.save()
    after = document_snapshot(document)
    changed = {k: v for k, v in after.items() if before.get(k) != v}
    if changed:
        audit_record(
            actor=actor,
            change=_change("document.update", document, {k: before[k] for k in changed}, changed),
        )
    return document


def _structure_rows(structure: dict) -> list[dict]:
    articles = structure.get("articles") or []
    if not articles:
        raise ApplicationError(_("规范中没有识别到任何条文（第一条、第二条……）。"), field="text")
    numbers = [a["number"] for a in articles]
    if numbers != sorted(set(numbers)):
        raise ApplicationError(_("条文编号重复或顺序不对。"), field="text")
    for article in articles:
        item_numbers = [i["number"] for i in article.get("items", [])]
        if item_numbers != sorted(set(item_numbers)):
            raise ApplicationError(
                _("第%(article)s条的项编号重复或顺序不对。") % {"article": article["number"]}, field="text"
            )
    return articles


def _write_norms(document: Document, articles: list[dict]) -> tuple[int, int]:
    """Write checked articles and their items (two inserts); returns how many of each."""
    created = NormArticle.objects.bulk_create(
        [
            NormArticle(
                document=document, number=a["number"], heading=a.get("heading", ""), text=a.get("text", "")
            )
            for a in articles
        ]
    )
    items = NormItem.objects.bulk_create(
        [
            NormItem(article=article, number=i["number"], text=i["text"])
            for article, a in zip(created, articles, strict=True)
            for i in a.get("items", [])
        ]
    )
    return len(created), len(items)


def _link_create(
    document: Document,
    *,
    kind: str,
    target: Document | None,
    cited_number: str,
    cited_title: str,
    position: int,
) -> DocumentLink:
    """A link row; the number and title default to the target's."""
    return DocumentLink.objects.create(
        document=document,
        kind=kind,
        target=target,
        cited_number=cited_number or (target.number if target else ""),
        cited_title=cited_title or (target.title if target else ""),
        position=position,
    )


@transaction.atomic
def document_set_norms(*, actor, document: Document, structure: dict) -> Document:
    """Replace the articles and items of a draft norms document with a parsed structure (see norms_parser)."""
    document = _draft_for_update(actor, document)
    if document.kind != DocumentKind.NORMS:
        raise ApplicationError(_("只有“规范/制度”类文件可以导入条文。"), field="kind")
    articles = _structure_rows(structure)
    before = {"articles": document.articles.count()}
    document.articles.all().delete()
    created, items = _write_norms(document, articles)
    if structure.get("title") and not document.title:
        document.title = structure["title"]
        document.save(update_fields=["title", "updated_at"])
    audit_record(
        actor=actor,
        change=_change("document.set_norms", document, before, {"articles": created, "items": items}),
    )
    return document


@transaction.atomic
def document_add_link(
    *,
    actor,
    document: Document,
    kind: str,
    target: Document | None = None,
    cited_number: str = "",
    cited_title: str = "",
) -> DocumentLink:
    """Attach another document (附件) or record a document this one cites (by number; inside the product or not)."""
    document = _draft_for_update(actor, document)
    if kind not in LinkKind.values:
        raise ApplicationError(_("关联类型不正确。"), field="kind")
    cited_number, cited_title = cited_number.strip(), cited_title.strip().strip("《》")
    if target is None and cited_number:
        parse_number(cited_number)
        target = Document.objects.filter(number=cited_number).exclude(status=DocumentStatus.DRAFT).first()
    if target is None and not cited_title:
        raise ApplicationError(_("请选择文件，或填写被引用文件的标题。"), field="cited_title")
    if target is not None and target.pk == document.pk:
        raise ApplicationError(_("文件不能引用或附带自身。"), field="target")
    position = document.links.filter(kind=kind).count() + 1
    link = _link_create(
        document,
        kind=kind,
        target=target,
        cited_number=cited_number,
        cited_title=cited_title,
        position=position,
    )
    audit_record(
        actor=actor,
        change=_change(
            "document.add_link", document, None, {"kind": kind, "title": link.title, "number": link.number}
        ),
    )
    return link


FILE_TYPES = frozenset({"application/pdf", "image/png", "image/jpeg", "application/zip"})


def _sniff(data: bytes) -> str:
    kind = files.sniff(data[:16])
    if kind is None or kind[0] not in FILE_TYPES:
        raise ApplicationError(_("只能上传 PDF、图片（PNG/JPEG）或 Word/Excel 文件。"), field="file")
    return kind[0]


@transaction.atomic
def document_add_file(*, actor, document: Document, name: str, data: bytes) -> DocumentFile:
    document = _draft_for_update(actor, document)
    if not data:
        raise ApplicationError(_("文件是空的。"), field="file")
    if len(data) > MAX_FILE_BYTES:
        raise ApplicationError(
            _("文件“%(name)s”超过 %(mb)s MB。") % {"name": name, "mb": MAX_FILE_BYTES // 1024 // 1024},
            field="file",
        )
    content_type = _sniff(data)
    digest = hashlib.sha256(data).hexdigest()
    safe = re.sub(r"[\\/:*?\"<>|\s]+", "_", name)[-120:] or "file"
    item = DocumentFile(
        document=document,
        name=name[:200],
        content_type=content_type,
        size=len(data),
        sha256=digest,
        position=document.files.count() + 1,
    )
    item.file.save(safe, ContentFile(data), save=False)
    item.save()
    audit_record(
        actor=actor,
        change=_change(
            "document.add_file", document, None, {"name": item.name, "sha256": digest, "size": len(data)}
        ),
    )
    return item


def _counter(code: str, year: int):
    """The counter row of (code, year), created at 0 if it is not there yet (a concurrent creator is ignored)."""
    DocumentNumberCounter.objects.bulk_create(
        [DocumentNumberCounter(issuer_code=code, year=year, last=0)], ignore_conflicts=True
    )
    return DocumentNumberCounter.objects.filter(issuer_code=code, year=year)


def _allocate_sequence(code: str, year: int) -> int:
    """The next number for (code, year). The UPDATE takes the counter row's lock until the issuing transaction
    ends, so concurrent issues queue up, and a rolled-back issue gives its number back: no gaps, no duplicates."""
    counter = _counter(code, year)
    counter.update(last=F("last") + 1)
    return counter.values_list("last", flat=True).get()


def _check_issuable(document: Document) -> None:
    missing = [_("标题")] if not document.title else []
    if (
        not document.issuer_code and document.kind != DocumentKind.PLEDGE
    ):  # a pledge template carries no number
        missing.append(_("发文机关代字"))
    if document.kind != DocumentKind.PLEDGE and not document.body.strip() and not document.articles.exists():
        missing.append(_("正文"))
    if missing:
        raise ApplicationError(_("印发前请填写：%(join)s。") % {"join": "、".join(missing)})
    if document.kind == DocumentKind.NORMS and not document.articles.exists():
        raise ApplicationError(_("规范/制度类文件印发前请导入条文。"))


@transaction.atomic
def document_issue(*, actor, document: Document, printed_on: dt.date | None = None) -> Document:
    """Issue a draft: allocate its number for the issuer code and this year, freeze it, and supersede the version
    it replaces."""
    document = _draft_for_update(actor, document)
    _check_issuable(document)
    printed_on = printed_on or document.printed_on or timezone.localdate()
    if document.issuer_code:
        year = printed_on.year
        sequence = _allocate_sequence(document.issuer_code, year)
        document.year, document.sequence = year, sequence
        document.number = format_number(document.issuer_code, year, sequence)
        document.number_source = NumberSource.ALLOCATED
    document.printed_on = printed_on
    document.signed_on = document.signed_on or printed_on
    document.status = DocumentStatus.ISSUED
    document.issued_at, document.issued_by = timezone.now(), actor
    document.full_clean()
    document.save()
    _supersede_previous(actor, document)
    audit_record(
        actor=actor,
        change=_change(
            "document.issue",
            document,
            {"status": DocumentStatus.DRAFT},
            {"status": document.status, "number": document.number},
        ),
    )
    return document


def _supersede_previous(actor, document: Document) -> None:
    previous = document.supersedes
    if previous is not None and previous.status == DocumentStatus.ISSUED:
        Document.objects.filter(pk=previous.pk).update(status=DocumentStatus.SUPERSEDED)


@transaction.atomic
def document_record_issued(
    *,
    actor,
    issuer: OrgUnit,
    number: str,
    title: str,
    kind: str = DocumentKind.NOTICE,
    structure: dict | None = None,
    links: list[dict] | None = None,
    **fields: Any,
) -> Document:
    """Register a document already issued outside the product (an earlier notice, the group's norms) under its
    own number; the counter moves past it so the product never hands the same number out."""
    issuer = OrgUnit.objects.get(pk=issuer.pk)
    scoping.require(actor, "document.manage", issuer.path)
    code, year, sequence = parse_number(number)
    data = _clean_fields({"title": title, "kind": kind, **fields})
    if Document.objects.filter(issuer_code=code, year=year, sequence=sequence).exists():
        raise ApplicationError(_("文号“%(number)s”已被使用。") % {"number": number}, field="number")
    document = Document(
        issuer=issuer,
        created_by=actor,
        issuer_code=code,
        year=year,
        sequence=sequence,
        number=format_number(code, year, sequence),
        number_source=NumberSource.RECORDED,
        status=DocumentStatus.ISSUED,
        issued_at=timezone.now(),
        issued_by=actor,
        **{k: v for k, v in data.items() if k != "issuer_code"},
    )
    document.full_clean()
    try:
        with transaction.atomic():
            document.save()
    except IntegrityError as exc:
        raise ApplicationError(_("文号“%(number)s”已被使用。") % {"number": number}, field="number") from exc
    if structure is not None:
        _write_norms(document, _structure_rows(structure))
    _counter(code, year).update(last=Greatest(F("last"), sequence))
    for position, link in enumerate(links or [], start=1):
        _link_create(
            document,
            kind=link["kind"],
            target=link.get("target"),
            cited_number=link.get("cited_number", ""),
            cited_title=link.get("cited_title", ""),
            position=position,
        )
    audit_record(actor=actor, change=_change("document.record", document, None, document_snapshot(document)))
    return document


@transaction.atomic
def document_new_version(*, actor, document: Document) -> Document:
    """A draft copy of an issued document (text, articles, attachments, citations) that supersedes it once issued."""
    document = Document.objects.select_for_update().select_related("issuer").get(pk=document.pk)
    scoping.require(actor, "document.manage", document.issuer.path)
    if document.status != DocumentStatus.ISSUED:
        raise ApplicationError(_("只有现行有效的文件可以建立新版本。"))
    if Document.objects.filter(supersedes=document).exists():
        raise ApplicationError(_("该文件已有新版本（草稿或已印发），请在新版本上修改。"))
    draft = Document.objects.create(
        issuer=document.issuer,
        created_by=actor,
        series=document.series,
        version=document.version + 1,
        supersedes=document,
        **{name: getattr(document, name) for name in DRAFT_FIELDS if name not in ("signed_on", "printed_on")},
    )
    _write_norms(
        draft,
        [
            {
                "number": a.number,
                "heading": a.heading,
                "text": a.text,
                "items": [{"number": i.number, "text": i.text} for i in a.items.all()],
            }
            for a in document.articles.prefetch_related("items")
        ],
    )
    DocumentLink.objects.bulk_create(
        [
            DocumentLink(
                document=draft,
                kind=link.kind,
                target=link.target,
                cited_number=link.cited_number,
                cited_title=link.cited_title,
                position=link.position,
            )
            for link in document.links.all()
        ]
    )
    DocumentFile.objects.bulk_create(
        [
            DocumentFile(
                document=draft,
                file=f.file.name,
                name=f.name,
                content_type=f.content_type,
                size=f.size,
                sha256=f.sha256,
                position=f.position,
            )
            for f in document.files.all()
        ]
    )
    audit_record(
        actor=actor,
        change=_change(
            "document.new_version", draft, None, {"supersedes": document.number, "version": draft.version}
        ),
    )
    return draft


@transaction.atomic
def document_withdraw(*, actor, document: Document, reason: str) -> Document:
    """Withdraw an issued document (撤回); it stays on record, its number is not reused."""
    document = Document.objects.select_for_update().select_related("issuer").get(pk=document.pk)
    scoping.require(actor, "document.manage", document.issuer.path)
    if document.status != DocumentStatus.ISSUED:
        raise ApplicationError(_("只有现行有效的文件可以撤回。"))
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(_("请填写撤回原因。"), field="reason")
    document.status = DocumentStatus.WITHDRAWN
    document.withdrawn_reason = reason[:200]
    document.save(update_fields=["status", "withdrawn_reason", "updated_at"])
    audit_record(
        actor=actor,
        change=_change(
            "document.withdraw",
            document,
            {"status": DocumentStatus.ISSUED},
            {"status": document.status, "reason": reason},
        ),
    )
    return document


@transaction.atomic
def document_delete_draft(*, actor, document: Document) -> None:
    document = _draft_for_update(actor, document)
    snapshot = document_snapshot(document)
    change = _change("document.delete_draft", document, snapshot, None)
    document.delete()
    audit_record(actor=actor, change=change)
