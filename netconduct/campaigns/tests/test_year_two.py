"""Year two: next year's campaign copied in one step, last year's signers compared with this year's, and campaigns
still conveying norms that a newer version has replaced."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from netconduct import testing
from netconduct.campaigns import selectors, services
from netconduct.campaigns.choices import CampaignStatus
from netconduct.campaigns.models import Campaign, Target
from netconduct.campaigns.tests import factories as f
from netconduct.core.exceptions import ApplicationError, PermissionRefused
from netconduct.core.models import AuditEvent
from netconduct.documents import services as document_services
from netconduct.documents.tests import factories as documents
from netconduct.org import services as org_services
from netconduct.org.choices import PersonStatus

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def new_version(document, *, actor):
    """Issue a new version of an issued document (it supersedes the old one)."""
    draft = document_services.document_new_version(actor=actor, document=document)
    document_services.document_update(actor=actor, document=draft, title=f"{document.title}（修订）")
    return document_services.document_issue(actor=actor, document=draft)


def copy_of(source, *, actor, **fields):
    fields.setdefault("title", f"{source.year + 1}年网络行为规范宣贯")
    fields.setdefault("starts_on", TODAY())
    fields.setdefault("deadline", TODAY() + dt.timedelta(days=30))
    fields.setdefault("year", source.year + 1)
    return services.campaign_copy(actor=actor, campaign=source, **fields)


def mark_pledged(campaign, person):
    services.target_mark_pledged(campaign=campaign, person=person, at=timezone.now())


# ---------------------------------------------------------------------------------------------------- the copy


def test_copy_carries_what_the_campaign_carries_as_a_draft_with_the_norms_now_in_force(org, accounts):
    admin = accounts.unit_admin
    norms = documents.issued_norms(org.committee, actor=admin, issuer_code="规范党发")
    notice = documents.issued(org.committee, actor=admin, issuer_code="通知党发")
    source = f.campaign(
        org.committee,
        actor=admin,
        document=norms,
        title="2026年网络行为规范宣贯",
        include_employees=False,
        requires_study=True,
        remind_days_before=5,
    )
    source.documents.add(notice)
    revised = new_version(norms, actor=admin)
    before = AuditEvent.objects.count()

    copy = copy_of(source, actor=admin, title="2027年网络行为规范宣贯")

    copy = Campaign.objects.get(pk=copy.pk)
    assert copy.status == CampaignStatus.DRAFT and copy.copied_from == source and copy.year == source.year + 1
    assert (copy.starts_on, copy.deadline) == (TODAY(), TODAY() + dt.timedelta(days=30))
    assert (copy.unit, copy.include_party_members, copy.include_cadres, copy.include_employees) == (
        org.committee,
        True,
        True,
        False,
    )
    assert copy.required_actions == ["read", "study"] and copy.remind_days_before == 5
    assert set(copy.documents.all()) == {
        revised,
        notice,
    }  # the superseded norms replaced by the version in force
    assert not Target.objects.filter(campaign=copy).exists()  # nobody has a task until it is launched
    assert AuditEvent.objects.count() == before + 1
    event = AuditEvent.objects.order_by("-seq").first()
    assert event.action == "campaign.copy" and event.after["copied_from"] == source.title
    assert event.after["documents_replaced"] == [f"{norms} → {revised}"]
    result = services.campaign_launch(actor=admin, campaign=copy)  # launched as usual
    assert result.added == Target.objects.filter(campaign=copy).count() > 0


@pytest.mark.parametrize(
    "change, field, message",
    [
        ({"starts_on": TODAY() + dt.timedelta(days=40)}, "starts_on", "开始日期不能晚于完成期限"),
        (
            {"deadline": TODAY() - dt.timedelta(days=1), "starts_on": TODAY() - dt.timedelta(days=9)},
            "deadline",
            "完成期限已过",
        ),
        ({"year": 2020}, "starts_on", "应晚于原活动的年度"),
        ({"title": "网络行为规范宣贯"}, "title", "不能与原活动相同"),
        ({"title": "  "}, "title", "请填写活动名称"),
    ],
)
def test_copy_refuses_bad_input_naming_the_field_and_changes_nothing(org, accounts, change, field, message):
    source = f.campaign(org.committee, actor=accounts.unit_admin)
    campaigns, events = Campaign.objects.count(), AuditEvent.objects.count()
    with pytest.raises(ApplicationError) as exc:
        copy_of(source, actor=accounts.unit_admin, **change)
    assert message in exc.value.message and exc.value.field == field
    assert (Campaign.objects.count(), AuditEvent.objects.count()) == (campaigns, events)


def test_only_managers_of_the_campaign_copy_it_and_drafts_are_not_copied(org, accounts):
    source = f.campaign(org.committee, actor=accounts.unit_admin)
    for who in (accounts.secretary, accounts.inspector, accounts.member):
        with pytest.raises(PermissionRefused):
            copy_of(source, actor=who)
    draft = f.campaign(org.committee, actor=accounts.unit_admin, launch=False, issuer_code="草稿党发")
    with pytest.raises(ApplicationError, match="草稿活动不能复制"):
        copy_of(draft, actor=accounts.unit_admin)


# ---------------------------------------------------------------------------------------------------- last year vs this


def test_who_signed_last_year_and_not_this_year_and_who_is_new(org, accounts):
    admin = accounts.unit_admin
    member = accounts.member.person
    secretary = accounts.secretary.person
    leaver = testing.make_person(org.branch2, name="调走的人")
    source = f.campaign(org.committee, actor=admin, requires_pledge=True, requires_read=False)
    for person in (member, secretary, leaver):
        mark_pledged(source, person)
    services.campaign_close(actor=admin, campaign=source)
    newcomer = testing.make_person(org.branch2, name="新同志")  # after last year's campaign ended
    org_services.person_update(actor=org.root_user, person=leaver, status=PersonStatus.TRANSFERRED)

    copy = copy_of(source, actor=admin)
    compare = selectors.year_over_year(viewer=admin, campaign=copy)
    lapsed = {p.name: p.in_scope_now for p in compare.lapsed}
    assert lapsed == {"王职工": True, "李书记": True, "调走的人": False}
    assert [p.name for p in compare.new] == ["新同志"]

    services.campaign_launch(actor=admin, campaign=copy)
    mark_pledged(copy, member)  # signed this year: no longer listed
    compare = selectors.year_over_year(viewer=admin, campaign=copy)
    assert {p.name: p.in_scope_now for p in compare.lapsed} == {"李书记": True, "调走的人": False}
    assert [p.name for p in compare.new] == [newcomer.name]
    # a secretary sees their branch's people only
    mine = selectors.year_over_year(viewer=accounts.secretary, campaign=copy)
    assert [p.name for p in mine.lapsed] == ["李书记"] and list(mine.new) == []
    assert selectors.year_over_year(viewer=admin, campaign=source) is None  # not a copy: nothing to compare


# ---------------------------------------------------------------------------------------------------- new norms


def test_only_open_campaigns_binding_the_old_version_are_flagged(client, org, accounts):
    admin = accounts.unit_admin
    norms = documents.issued_norms(org.committee, actor=admin, issuer_code="规范党发")
    other = documents.issued_norms(org.committee, actor=admin, issuer_code="另一党发")
    binding = f.campaign(org.committee, actor=admin, document=norms, title="仍传达旧版")
    closed = f.campaign(org.committee, actor=admin, document=norms, title="已结束的")
    services.campaign_close(actor=admin, campaign=closed)
    unrelated = f.campaign(org.committee, actor=admin, document=other, title="别的规范")
    flags = lambda: {c.title: c.binds_old_norms for c in selectors.campaign_list(viewer=admin)}  # noqa: E731
    assert not any(flags().values())

    new_version(norms, actor=admin)

    assert flags() == {"仍传达旧版": True, "已结束的": True, "别的规范": False}
    testing.login(client, admin)
    page = client.get(reverse("campaigns:list")).content.decode()
    flagged = re.findall(
        r'<div class="fw-semibold">([^<]+)</div>\s*<span><span[^>]*data-flag="old-norms"', page
    )
    assert flagged == ["仍传达旧版"]  # the closed one is past caring
    assert 'id="old-norms"' in client.get(reverse("campaigns:detail", args=[binding.pk])).content.decode()
    for quiet in (unrelated, closed):
        assert (
            'id="old-norms"' not in client.get(reverse("campaigns:detail", args=[quiet.pk])).content.decode()
        )


# ---------------------------------------------------------------------------------------------------- pages


def test_copy_page_suggests_next_year_and_makes_the_draft(client, org, accounts):
    source = f.campaign(org.committee, actor=accounts.unit_admin, title=f"{TODAY().year}年网络行为规范宣贯")
    testing.login(client, accounts.unit_admin)
    page = client.get(reverse("campaigns:copy", args=[source.pk])).content.decode()
    assert f'value="{TODAY().year + 1}年网络行为规范宣贯"' in page
    bad = client.post(
        reverse("campaigns:copy", args=[source.pk]),
        {
            "title": "下一年",
            "starts_on": TODAY() + dt.timedelta(days=60),
            "deadline": TODAY() + dt.timedelta(days=30),
        },
    )
    assert bad.status_code == 200 and "开始日期不能晚于完成期限" in bad.content.decode()
    response = client.post(
        reverse("campaigns:copy", args=[source.pk]),
        {
            "title": "下一年",
            "starts_on": dt.date(TODAY().year + 1, 1, 5),  # the year follows the start
            "deadline": dt.date(TODAY().year + 1, 3, 31),
        },
    )
    copy = Campaign.objects.get(copied_from=source)
    assert copy.year == TODAY().year + 1
    assert response.status_code == 302 and response["Location"] == reverse("campaigns:detail", args=[copy.pk])
    detail = client.get(response["Location"]).content.decode()
    assert 'id="year-compare"' in detail and reverse("campaigns:year_compare", args=[copy.pk]) in detail


def _name(k: int) -> str:
    """同志AAB for 1, 同志AEB for 41: names take no digits."""
    return "同志" + "".join("ABCDEFGHIJ"[int(c)] for c in f"{k:03d}")


def _people(unit, n, start):
    return [testing.make_person(unit, name=_name(start + i)) for i in range(n)]


COMPARE_QUERIES = 11  # session, account, grants (2), the campaign, last year's, two counts, the badge, a page of people, the base page's person


def test_compare_page_and_export_with_pinned_queries(client, org, accounts, django_assert_max_num_queries):
    admin = accounts.unit_admin
    source = f.campaign(org.committee, actor=admin, requires_pledge=True, requires_read=False)
    services.campaign_close(actor=admin, campaign=source)
    copy = copy_of(source, actor=admin)
    testing.login(client, admin)
    url = reverse("campaigns:year_compare", args=[copy.pk])

    _people(org.branch1, 2, 0)  # after last year's campaign ended: new this year
    with django_assert_max_num_queries(COMPARE_QUERIES):
        small = client.get(url + "?list=new")
    assert small.status_code == 200 and _name(1) in small.content.decode()
    _people(org.branch1, 40, 2)
    with django_assert_max_num_queries(COMPARE_QUERIES):
        large = client.get(url + "?list=new")
    body = large.content.decode()
    assert _name(41) in body and re.search(r'id="n-new">\d+<', body)
    with django_assert_max_num_queries(COMPARE_QUERIES):
        client.get(url)
    with django_assert_max_num_queries(COMPARE_QUERIES):
        export = client.get(reverse("campaigns:year_compare_export", args=[copy.pk]))
    book = load_workbook(io.BytesIO(export.content))
    assert book.sheetnames == ["上年已签本年未签", "本年新增"]
    names = [r[1] for r in list(book["本年新增"].iter_rows(values_only=True))[2:]]
    assert _name(0) in names and _name(41) in names
    testing.login(client, accounts.member)
    assert client.get(url).status_code == 404


def test_the_copys_page_costs_the_same_queries_at_any_size(client, org, accounts):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    admin = accounts.unit_admin
    source = f.campaign(org.committee, actor=admin, requires_pledge=True, requires_read=False)
    services.campaign_close(actor=admin, campaign=source)
    copy = copy_of(source, actor=admin)
    services.campaign_launch(actor=admin, campaign=copy)
    testing.login(client, admin)
    url = reverse("campaigns:detail", args=[copy.pk])

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert 'id="year-compare"' in client.get(url).content.decode()
        return len(queries)

    small = count()
    _people(org.branch1, 30, 0)
    assert count() == small


def test_a_deadline_moved_before_the_start_is_refused_by_name(client, org, accounts):
    source = f.campaign(org.committee, actor=accounts.unit_admin)
    copy = copy_of(source, actor=accounts.unit_admin, starts_on=TODAY() + dt.timedelta(days=5))
    with pytest.raises(ApplicationError, match="开始日期不能晚于完成期限") as exc:
        services.campaign_update(
            actor=accounts.unit_admin, campaign=copy, deadline=TODAY() + dt.timedelta(days=2)
        )
    assert exc.value.field == "deadline"
    testing.login(client, accounts.unit_admin)
    page = client.post(
        reverse("campaigns:edit", args=[copy.pk]),
        {
            "title": copy.title,
            "starts_on": TODAY() + dt.timedelta(days=5),
            "deadline": TODAY() + dt.timedelta(days=2),
            "remind_days_before": 3,
        },
    )
    assert page.status_code == 200 and "开始日期不能晚于完成期限" in page.content.decode()
    assert Campaign.objects.get(pk=copy.pk).deadline == TODAY() + dt.timedelta(days=30)
