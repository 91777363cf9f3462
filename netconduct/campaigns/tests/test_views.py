"""Campaign pages: launching from a document, completion down the tree, the member's own task on a phone,
proxy receipts, exports."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from netconduct import testing
from netconduct.campaigns.models import Campaign, Target
from netconduct.campaigns.tests import factories as f
from netconduct.documents.tests import factories as documents
from netconduct.org import services as org_services

pytestmark = pytest.mark.django_db


def test_convey_a_document_from_its_page_and_launch(client, org, accounts):
    testing.login(client, accounts.unit_admin)
    norms = documents.issued_norms(org.committee, actor=accounts.unit_admin)
    form = client.get(reverse("campaigns:create") + f"?document={norms.pk}").content.decode()
    assert "网络行为规范》宣贯" in form
    response = client.post(
        reverse("campaigns:create"),
        {
            "title": "2026年网络行为规范宣贯",
            "unit": org.committee.pk,
            "documents": [norms.pk],
            "deadline": "2099-06-09",
            "include_party_members": "on",
            "include_employees": "on",
            "requires_read": "on",
            "remind_days_before": 3,
        },
    )
    campaign = Campaign.objects.get()
    assert response.status_code == 302 and not campaign.targets.exists()
    client.post(reverse("campaigns:launch", args=[campaign.pk]))
    assert campaign.targets.count() == 2  # 李书记 and 王职工


def test_the_form_says_what_is_missing(client, org, accounts):
    testing.login(client, accounts.unit_admin)
    response = client.post(
        reverse("campaigns:create"),
        {
            "title": "x",
            "unit": org.committee.pk,
            "deadline": "2099-01-01",
            "requires_read": "on",
            "remind_days_before": 3,
        },
    )
    assert "请至少选择一类人员" in response.content.decode()
    assert not Campaign.objects.exists()


def test_drill_down_from_committee_to_branch_to_people(client, org, accounts):
    campaign = f.campaign(org.committee, actor=accounts.unit_admin)
    testing.login(client, accounts.unit_admin)
    top = client.get(reverse("campaigns:detail", args=[campaign.pk])).content.decode()
    assert "甲醇厂党总支" in top and 'data-figure="total">2<' in top
    plant = client.get(
        reverse("campaigns:detail", args=[campaign.pk]) + f"?unit={org.plant.pk}"
    ).content.decode()
    assert "甲醇厂第一党支部" in plant
    branch = client.get(
        reverse("campaigns:detail", args=[campaign.pk]) + f"?unit={org.branch1.pk}&people=1"
    ).content.decode()
    assert 'data-person="王职工"' in branch and "会议传达代确认" in branch
    other = org_services.unit_create(actor=org.root_user, parent=org.group, name="外公司", kind="company")
    assert (
        client.get(reverse("campaigns:detail", args=[campaign.pk]) + f"?unit={other.pk}").status_code == 404
    )


def test_secretary_sees_only_their_branch(client, org, accounts):
    campaign = f.campaign(org.committee, actor=accounts.unit_admin)
    testing.login(client, accounts.secretary)
    page = client.get(reverse("campaigns:detail", args=[campaign.pk])).content.decode()
    assert "甲醇厂第一党支部" in page and 'data-person="王职工"' in page
    assert "甲醇厂第二党支部" not in page
    assert (
        client.get(reverse("campaigns:detail", args=[campaign.pk]) + f"?unit={org.branch2.pk}").status_code
        == 404
    )


def test_member_reads_and_confirms_on_their_phone(client, org, accounts):
    campaign = f.campaign(org.committee, actor=accounts.unit_admin)
    target = Target.objects.get(campaign=campaign, person=accounts.member.person)
    document = campaign.documents.get()
    testing.login(client, accounts.member)
    home = client.get(reverse("campaigns:list")).content.decode()
    assert campaign.title in home and "待完成" in home
    read_url = reverse("campaigns:my_read", args=[target.pk, document.pk])
    page = client.get(read_url).content.decode()
    assert "第二条" in page and 'id="confirm-read"' in page
    client.post(read_url)
    target.refresh_from_db()
    assert target.read_at is not None and target.done_at is not None
    assert "您已于" in client.get(read_url).content.decode()
    assert client.get(reverse("documents:pdf", args=[document.pk])).status_code == 200  # conveyed to them


def test_proxy_page_requires_a_reason(client, org, accounts):
    campaign = f.campaign(org.committee, actor=accounts.unit_admin)
    target = Target.objects.get(campaign=campaign, person=accounts.member.person)
    testing.login(client, accounts.secretary)
    response = client.post(reverse("campaigns:target_proxy", args=[target.pk]), {"reason": ""})
    assert "这个字段是必填项" in response.content.decode()
    client.post(reverse("campaigns:target_proxy", args=[target.pk]), {"reason": "无智能手机，班前会传达"})
    target.refresh_from_db()
    assert target.read_by_proxy


def test_exports_agree_with_the_page(client, org, accounts):
    campaign = f.campaign(org.committee, actor=accounts.unit_admin)
    testing.login(client, accounts.unit_admin)
    xlsx = client.get(reverse("campaigns:export", args=[campaign.pk]))
    book = load_workbook(io.BytesIO(xlsx.content))
    units = list(book["按单位"].iter_rows(min_row=3, values_only=True))
    assert units[0][0] == "西北能化公司党委" and units[0][2] == 2 and units[0][3] == 0  # the whole scope
    pending = [row[1] for row in book["未完成人员"].iter_rows(min_row=2, values_only=True)]
    assert sorted(pending) == sorted(["李书记", "王职工"])
    pdf = client.get(reverse("campaigns:summary_pdf", args=[campaign.pk]))
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "完成情况" in text and "甲醇厂第一党支部" in text and "应完成2人" in text


def test_detail_query_count_does_not_grow(client, org, accounts, django_assert_max_num_queries):
    campaign = f.campaign(org.committee, actor=accounts.unit_admin)
    testing.login(client, accounts.unit_admin)
    url = reverse("campaigns:detail", args=[campaign.pk])
    plant = url + f"?unit={org.plant.pk}"
    with django_assert_max_num_queries(30) as small:
        client.get(url)
    with django_assert_max_num_queries(30) as small_plant:
        client.get(plant)
    for i in "一二三":
        branch = org_services.unit_create(
            actor=org.root_user, parent=org.plant, name=f"第{i}支部", kind="branch"
        )
        for j in "甲乙丙":
            testing.make_person(branch, name=f"新人{i}{j}")
    from netconduct.campaigns import services

    services.campaign_sync(campaign=campaign)
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(url)
    with django_assert_max_num_queries(len(small_plant.captured_queries)):
        client.get(plant)


def test_a_draft_shows_that_it_is_not_launched_not_a_full_completion(client, org, accounts):
    draft = f.campaign(org.committee, actor=accounts.unit_admin, launch=False)
    launched = f.campaign(org.committee, actor=accounts.unit_admin, title="已发布")
    testing.login(client, accounts.unit_admin)
    page = client.get(reverse("campaigns:detail", args=[draft.pk])).content.decode()
    assert "尚未发布" in page
    assert 'data-figure="percent"' not in page and "bg-success" not in page
    page = client.get(reverse("campaigns:detail", args=[launched.pk])).content.decode()
    assert "尚未发布" not in page and 'data-figure="percent"' in page
