"""The seed notice as real documents: the group's norms (attachment 1) with all nine articles, the pledge template
(attachment 2), and the committee's notice 西北能化党发〔2023〕36号 that attaches both and cites the group's
documents. Loaded by `netconduct demo` through the services, like any user's work."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from netconduct.org.models import OrgUnit

from . import services
from .choices import DocumentKind, LinkKind
from .models import Document
from .seed import load_seed_notice, seed_path

NORMS_NUMBER = "皖北煤电党发〔2022〕89号"
GROUP_ISSUER_MARK = "中共皖北煤电集团公司委员会文件"


@dataclass
class SeedDocuments:
    notice: Document
    norms: Document
    pledge: Document
    created: bool


def pledge_text(pledge) -> str:
    lines = [pledge.preamble, *(f"{p.number}. {p.text}" for p in pledge.points), *pledge.closing]
    return "\n".join(lines)


@transaction.atomic
def seed_documents_load(*, actor, group: OrgUnit, committee: OrgUnit) -> SeedDocuments:
    """Load the seed's three documents once; a second call finds them and writes nothing."""
    seed = load_seed_notice(seed_path().read_text(encoding="utf-8"))
    existing = Document.objects.filter(number=str(seed.number)).first()
    if existing is not None:
        norms = Document.objects.get(number=NORMS_NUMBER)
        pledge = Document.objects.filter(kind=DocumentKind.PLEDGE, issuer=group).order_by("pk").first()
        return SeedDocuments(existing, norms, pledge, created=False)

    norms_title = seed.attachments[0] if seed.attachments else seed.norms.title
    norms = services.document_record_issued(
        actor=actor,
        issuer=group,
        number=NORMS_NUMBER,
        title=norms_title,
        kind=DocumentKind.NORMS,
        issuer_mark=GROUP_ISSUER_MARK,
        structure=seed.norms.to_dict(),
    )
    pledge = services.document_create(
        actor=actor,
        issuer=group,
        title=seed.pledge.title,
        kind=DocumentKind.PLEDGE,
        issuer_code="",
        body=pledge_text(seed.pledge),
    )
    pledge = services.document_issue(actor=actor, document=pledge, printed_on=seed.printed_on)
    links = [
        {"kind": LinkKind.ATTACHMENT, "target": norms},
        {"kind": LinkKind.ATTACHMENT, "target": pledge},
    ]
    for cited in seed.cited_documents:
        target = norms if cited.number == NORMS_NUMBER else None
        links.append(
            {
                "kind": LinkKind.CITATION,
                "target": target,
                "cited_number": cited.number,
                "cited_title": cited.title,
            }
        )
    notice = services.document_record_issued(
        actor=actor,
        issuer=committee,
        number=str(seed.number),
        title=seed.title,
        kind=DocumentKind.NOTICE,
        issuer_mark=seed.issuer_mark,
        addressees="、".join(seed.addressees),
        body="\n".join(seed.body),
        signer_unit="",
        printer_unit=seed.printing_unit,
        printed_on=seed.printed_on,
        signed_on=seed.printed_on,
        links=links,
    )
    return SeedDocuments(notice, norms, pledge, created=True)
