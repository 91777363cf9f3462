"""Documents turned into the renderers' input: who signs, and what the PDF prints for it (GB/T 9704-2012 7.3.5)."""

from __future__ import annotations

import io

import pypdf
import pytest

from netconduct.documents import output, services
from netconduct.documents.choices import DocumentKind
from netconduct.documents.tests import factories as f

pytestmark = pytest.mark.django_db


def pdf_lines(document) -> list[str]:
    reader = pypdf.PdfReader(io.BytesIO(output.document_pdf(document)))
    return [
        line.strip() for page in reader.pages for line in page.extract_text().splitlines() if line.strip()
    ]


def test_a_document_without_a_signer_unit_is_signed_by_its_issuer_above_the_date(org, accounts):
    document = f.issued(org.committee, actor=accounts.unit_admin)
    assert document.signer_unit == "" and document.signed_on is not None
    official = output.official_document(document)
    assert official.signature_unit == org.committee.name
    lines = pdf_lines(document)
    date = f"{document.signed_on.year}年{document.signed_on.month}月{document.signed_on.day}日"
    assert lines[lines.index(date) - 1] == org.committee.name


def test_a_signer_unit_of_its_own_is_printed_instead(org, accounts):
    document = f.issued(org.committee, actor=accounts.unit_admin, signer_unit="中共西北能化公司委员会")
    assert output.official_document(document).signature_unit == "中共西北能化公司委员会"
    assert org.committee.name not in pdf_lines(document)


def test_a_draft_without_a_date_has_no_signature(org, accounts):
    document = f.draft(org.committee, actor=accounts.unit_admin)
    official = output.official_document(document)
    assert (official.signature_unit, official.signed_on) == ("", None)


def test_a_pledge_form_ends_with_its_own_lines_not_the_issuers_date(org, accounts):
    pledge = services.document_create(
        actor=accounts.unit_admin,
        issuer=org.committee,
        title="网络行为规范承诺书",
        kind=DocumentKind.PLEDGE,
        issuer_code="",
        body="本人承诺遵守网络行为规范。\n承诺人签名：",
    )
    pledge = services.document_issue(actor=accounts.unit_admin, document=pledge)
    official = output.official_document(pledge)
    assert (official.signature_unit, official.signed_on) == ("", None)
    lines = pdf_lines(pledge)
    date = f"{pledge.signed_on.year}年{pledge.signed_on.month}月{pledge.signed_on.day}日"
    assert "承诺人签名：" in lines and date not in lines  # the 版记's "…日印发" stays
    assert org.committee.name not in lines
