"""Document pages: the register, drafting, importing norms with a preview, issuing, output."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from docx import Document as Docx

from netconduct import testing
from netconduct.documents.choices import DocumentStatus
from netconduct.documents.models import Document
from netconduct.documents.tests import factories as f

pytestmark = pytest.mark.django_db

NORMS_TEXT = """网络行为规范
第一条 为规范网络行为，制定本规范。
第二条 严禁以下违反保密规定的行为
(一)泄露党和国家秘密、工作
秘密；
- （二）泄露单位内部文件。
"""


def test_draft_import_norms_with_preview_then_issue(client, org, accounts):
    testing.login(client, accounts.unit_admin)
    response = client.post(
        reverse("documents:create"), {"kind": "norms", "title": "网络行为规范", "issuer_code": "西北能化党发"}
    )
    document = Document.objects.get()
    assert response.status_code == 302 and document.issuer == org.committee
    url = reverse("documents:norms_import", args=[document.pk])
    preview = client.post(url, {"text": NORMS_TEXT, "action": "preview"})
    assert "识别出 2 条" in preview.content.decode()
    assert "泄露党和国家秘密、工作秘密；" in preview.content.decode()  # joined across the break
    assert document.articles.count() == 0  # a preview saves nothing
    client.post(url, {"text": NORMS_TEXT, "action": "save"})
    assert document.articles.get(number=2).items.count() == 2
    client.post(reverse("documents:issue", args=[document.pk]))
    document.refresh_from_db()
    assert document.status == DocumentStatus.ISSUED and document.number.startswith("西北能化党发〔")
    page = client.get(reverse("documents:detail", args=[document.pk])).content.decode()
    assert 'id="art-2-1"' in page and "第二条第（一）项" in page


def test_a_bad_norms_text_says_why_and_saves_nothing(client, org, accounts):
    testing.login(client, accounts.unit_admin)
    document = f.draft(org.committee, actor=accounts.unit_admin, kind="norms", title="规范")
    response = client.post(
        reverse("documents:norms_import", args=[document.pk]),
        {"text": "第一条 甲。\n第三条 丙。\n第二条 乙。", "action": "save"},
    )
    body = response.content.decode()
    assert response.status_code == 200 and "第三条" in body and "alert-danger" in body
    assert document.articles.count() == 0


def test_a_bad_number_code_is_refused_on_the_form(client, org, accounts):
    testing.login(client, accounts.unit_admin)
    response = client.post(
        reverse("documents:create"),
        {"kind": "notice", "title": "通知", "issuer_code": "西北能化党发〔2023〕"},
    )
    assert "发文机关代字只含文字" in response.content.decode()
    assert not Document.objects.exists()


def test_issued_documents_cannot_be_edited_through_the_page(client, org, accounts):
    testing.login(client, accounts.unit_admin)
    document = f.issued(org.committee, actor=accounts.unit_admin)
    response = client.post(reverse("documents:edit", args=[document.pk]), {"kind": "notice", "title": "改"})
    assert response.status_code == 302
    document.refresh_from_db()
    assert document.title != "改"


def test_docx_and_pdf_downloads(client, org, accounts):
    testing.login(client, accounts.unit_admin)
    document = f.issued(org.committee, actor=accounts.unit_admin)
    pdf = client.get(reverse("documents:pdf", args=[document.pk]))
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    docx = client.get(reverse("documents:docx", args=[document.pk]))
    text = "\n".join(p.text for p in Docx(io.BytesIO(docx.content)).paragraphs)
    assert document.number in text and document.title in text


def test_document_list_query_count_does_not_grow(client, org, accounts, django_assert_max_num_queries):
    testing.login(client, accounts.unit_admin)
    f.issued(org.committee, actor=accounts.unit_admin)
    with django_assert_max_num_queries(12) as small:
        client.get(reverse("documents:list"))
    for i in range(15):
        f.issued(org.committee, actor=accounts.unit_admin, title=f"通知{i}")
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(reverse("documents:list"))
    assert response.content.decode().count('class="list-group-item list-group-item-action"') == 16
