"""`netconduct demo` loads the seed notice, its attachments and this year's campaign."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from netconduct.campaigns.models import Campaign, Target
from netconduct.documents.choices import DocumentKind, DocumentStatus, LinkKind
from netconduct.documents.models import Document

pytestmark = pytest.mark.django_db


def test_demo_loads_the_seed_documents_and_a_launched_campaign_once():
    out = io.StringIO()
    call_command("demo", people=60, stdout=out)
    notice = Document.objects.get(number="西北能化党发〔2023〕36号")
    assert notice.issuer.name == "西北能化公司党委" and str(notice.printed_on) == "2023-06-08"
    assert notice.kind == DocumentKind.NOTICE and notice.status == DocumentStatus.ISSUED
    attachments = [link.target for link in notice.links.filter(kind=LinkKind.ATTACHMENT).order_by("position")]
    norms, pledge = attachments
    assert norms.number == "皖北煤电党发〔2022〕89号" and norms.issuer.name == "皖北煤电集团"
    assert norms.articles.count() == 9
    assert [a.items.count() for a in norms.articles.order_by("number")] == [0, 0, 7, 7, 3, 4, 0, 0, 0]
    assert norms.articles.get(number=4).items.get(number=6).citation == "第四条第（六）项"
    assert pledge.kind == DocumentKind.PLEDGE and "承诺" in pledge.title
    citations = set(notice.links.filter(kind=LinkKind.CITATION).values_list("cited_number", flat=True))
    assert citations == {"皖北煤电党发〔2022〕89号", "皖北煤电党宣字〔2023〕3号"}
    campaign = Campaign.objects.get()
    assert campaign.is_active and Target.objects.filter(campaign=campaign).count() > 0
    assert "人收到任务" in out.getvalue()

    call_command("demo", people=60, stdout=io.StringIO())
    assert Document.objects.filter(number="西北能化党发〔2023〕36号").count() == 1
    assert Campaign.objects.count() == 1
