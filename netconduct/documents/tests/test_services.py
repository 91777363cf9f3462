"""Documents: drafting, numbering without gaps or duplicates, immutability, versions, scoping."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection, transaction

from netconduct.core.exceptions import ApplicationError, PermissionRefused
from netconduct.core.models import AuditEvent
from netconduct.documents import selectors, services
from netconduct.documents.choices import DocumentKind, DocumentStatus, LinkKind
from netconduct.documents.models import Document, DocumentNumberCounter
from netconduct.documents.tests import factories as f
from netconduct.org import services as org_services

pytestmark = pytest.mark.django_db


def test_issuing_allocates_numbers_per_issuer_code_and_year(org, accounts):
    admin = accounts.unit_admin
    first = f.issued(org.committee, actor=admin)
    second = f.issued(org.committee, actor=admin)
    other = f.issued(org.committee, actor=admin, issuer_code="西北能化党宣字")
    year = first.printed_on.year
    assert first.number == f"西北能化党发〔{year}〕1号"
    assert second.number == f"西北能化党发〔{year}〕2号"
    assert other.number == f"西北能化党宣字〔{year}〕1号"
    assert first.status == DocumentStatus.ISSUED and first.issued_by == admin


def test_a_failed_issue_gives_its_number_back(org, accounts):
    admin = accounts.unit_admin
    document = f.draft(org.committee, actor=admin)
    with pytest.raises(RuntimeError), transaction.atomic():
        services.document_issue(actor=admin, document=document)
        raise RuntimeError("the request failed after numbering")
    document.refresh_from_db()
    assert document.status == DocumentStatus.DRAFT and not document.number
    again = services.document_issue(actor=admin, document=document)
    assert again.sequence == 1  # no gap


def test_recorded_numbers_are_never_handed_out_again(org, accounts):
    admin = accounts.unit_admin
    services.document_record_issued(
        actor=admin, issuer=org.committee, number="西北能化党发〔2026〕36号", title="旧通知", body="正文"
    )
    with pytest.raises(ApplicationError, match="已被使用"):
        services.document_record_issued(
            actor=admin, issuer=org.committee, number="西北能化党发[2026]36号", title="重复", body="正文"
        )
    document = f.draft(org.committee, actor=admin)
    issued = services.document_issue(actor=admin, document=document, printed_on=dt.date(2026, 7, 1))
    assert issued.number == "西北能化党发〔2026〕37号"


@pytest.mark.parametrize("number", ["西北能化党发2023年36号", "〔2023〕36号", "西北能化党发〔23〕36号", ""])
def test_malformed_numbers_are_refused_with_the_expected_form(org, accounts, number):
    with pytest.raises(ApplicationError, match="格式不正确") as exc:
        services.document_record_issued(
            actor=accounts.unit_admin, issuer=org.committee, number=number, title="x"
        )
    assert exc.value.field == "number"
    assert not Document.objects.exists()


def test_issued_documents_do_not_change_and_a_new_version_supersedes(org, accounts):
    admin = accounts.unit_admin
    norms = f.issued_norms(org.committee, actor=admin)
    with pytest.raises(ApplicationError, match="不能修改"):
        services.document_update(actor=admin, document=norms, title="改标题")
    with pytest.raises(ApplicationError, match="不能修改"):
        services.document_set_norms(actor=admin, document=norms, structure=f.NORMS)
    draft = services.document_new_version(actor=admin, document=norms)
    assert draft.version == 2 and draft.series == norms.series and draft.is_draft
    assert draft.articles.count() == norms.articles.count() == 2
    assert [i.citation for i in draft.articles.get(number=2).items.all()] == [
        "第二条第（一）项",
        "第二条第（二）项",
    ]
    with pytest.raises(ApplicationError, match="已有新版本"):
        services.document_new_version(actor=admin, document=norms)
    services.document_update(actor=admin, document=draft, title="网络行为规范（修订）")
    issued = services.document_issue(actor=admin, document=draft)
    norms.refresh_from_db()
    assert norms.status == DocumentStatus.SUPERSEDED
    assert issued.status == DocumentStatus.ISSUED and issued.number != norms.number


def test_norms_need_articles_before_issuing_and_cite_their_items(org, accounts):
    admin = accounts.unit_admin
    norms = f.draft(org.committee, actor=admin, kind=DocumentKind.NORMS, title="规范", body="")
    with pytest.raises(ApplicationError, match="正文|条文"):
        services.document_issue(actor=admin, document=norms)
    services.document_set_norms(actor=admin, document=norms, structure=f.NORMS)
    item = norms.articles.get(number=2).items.get(number=1)
    assert item.citation == "第二条第（一）项" and item.label == "（一）"
    bad = {"articles": [{"number": 2, "items": []}, {"number": 1, "items": []}]}
    with pytest.raises(ApplicationError, match="顺序"):
        services.document_set_norms(actor=admin, document=norms, structure=bad)
    assert norms.articles.count() == 2  # unchanged


def test_links_cite_by_number_inside_and_outside_the_product(org, accounts):
    admin = accounts.unit_admin
    norms = f.issued_norms(org.group, actor=accounts.sysadmin, issuer_code="皖北煤电党发")
    notice = f.draft(org.committee, actor=admin)
    inside = services.document_add_link(
        actor=admin, document=notice, kind=LinkKind.CITATION, cited_number=norms.number
    )
    assert inside.target == norms
    outside = services.document_add_link(
        actor=admin,
        document=notice,
        kind=LinkKind.CITATION,
        cited_number="皖北煤电党宣字〔2023〕3号",
        cited_title="《关于进一步规范集团公司党员干部职工网络行为的通知》",
    )
    assert outside.target is None and outside.cited_title.startswith("关于")
    with pytest.raises(ApplicationError, match="标题"):
        services.document_add_link(actor=admin, document=notice, kind=LinkKind.CITATION)


def test_files_are_checked_by_content(org, accounts):
    admin = accounts.unit_admin
    notice = f.draft(org.committee, actor=admin)
    with pytest.raises(ApplicationError, match="只能上传"):
        services.document_add_file(actor=admin, document=notice, name="病毒.exe", data=b"MZ\x90\x00")
    with pytest.raises(ApplicationError, match="空"):
        services.document_add_file(actor=admin, document=notice, name="空.pdf", data=b"")
    item = services.document_add_file(actor=admin, document=notice, name="照片.png", data=f.PNG)
    assert item.content_type == "image/png" and len(item.sha256) == 64


def test_permissions_and_one_audit_event_per_write(org, accounts):
    with pytest.raises(PermissionRefused):
        f.draft(org.committee, actor=accounts.secretary)
    with pytest.raises(PermissionRefused):
        f.draft(org.company, actor=accounts.unit_admin)  # above the admin's unit
    before = AuditEvent.objects.count()
    document = f.draft(org.committee, actor=accounts.unit_admin)
    services.document_issue(actor=accounts.unit_admin, document=document)
    actions = list(AuditEvent.objects.order_by("seq").values_list("action", flat=True)[before:])
    assert actions == ["document.create", "document.issue"]


def test_visibility_subtree_and_issued_documents_from_above(org, accounts):
    root = org.root_user
    from_group = f.issued(org.group, actor=root, issuer_code="皖北煤电党发")
    group_draft = f.draft(org.group, actor=root, issuer_code="皖北煤电党发")
    own = f.draft(org.committee, actor=accounts.unit_admin)
    sibling_company = org_services.unit_create(actor=root, parent=org.group, name="其他公司", kind="company")
    elsewhere = f.issued(sibling_company, actor=root, issuer_code="其他党发")
    visible = set(selectors.document_list(viewer=accounts.secretary).values_list("pk", flat=True))
    assert from_group.pk in visible and group_draft.pk not in visible and elsewhere.pk not in visible
    assert own.pk not in visible  # a draft of the committee is not the branch's to see
    assert own.pk in set(selectors.document_list(viewer=accounts.unit_admin).values_list("pk", flat=True))


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="concurrent writers need a server database")
def test_concurrent_issuing_gives_distinct_consecutive_numbers(org, accounts):
    admin = accounts.unit_admin
    drafts = [f.draft(org.committee, actor=admin, title=f"通知{i}") for i in range(8)]
    errors: list[Exception] = []
    barrier = threading.Barrier(len(drafts))

    def issue(document):
        try:
            barrier.wait()
            services.document_issue(actor=admin, document=document)
        except Exception as exc:  # noqa: BLE001 - collected for the assertion
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=issue, args=(d,)) for d in drafts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    sequences = sorted(Document.objects.filter(issuer_code="西北能化党发").values_list("sequence", flat=True))
    assert sequences == list(range(1, 9))
    assert DocumentNumberCounter.objects.get(issuer_code="西北能化党发").last == 8
