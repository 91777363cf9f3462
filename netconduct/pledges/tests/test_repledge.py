"""New norms, new pledge: a campaign asked to re-pledge against a new version of the norms keeps the pledges signed
against the old one valid, and counts only the new ones; next year's copy carries the quiz."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from netconduct import testing
from netconduct.campaigns import services as campaign_services
from netconduct.campaigns.models import Campaign, Target
from netconduct.core.exceptions import ApplicationError, PermissionRefused
from netconduct.core.models import AuditEvent
from netconduct.documents import services as document_services
from netconduct.documents.choices import DocumentKind, DocumentStatus
from netconduct.notifications.models import Notification
from netconduct.pledges import services, tracking, verification
from netconduct.pledges.choices import PledgeStatus, VerdictStatus
from netconduct.pledges.models import Pledge, QuizQuestion

from . import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def campaign(org, accounts):
    return factories.pledge_campaign(org.committee, actor=accounts.unit_admin)


def norms_of(campaign):
    return campaign.documents.get(kind=DocumentKind.NORMS)


def revise(document, *, actor):
    draft = document_services.document_new_version(actor=actor, document=document)
    return document_services.document_issue(actor=actor, document=draft)


def sign(campaign, user, capture):
    with capture(execute=True):
        pledge, created = factories.sign(Campaign.objects.get(pk=campaign.pk), user)
    pledge.refresh_from_db()
    return pledge, created


def signed_count(campaign, org):
    return tracking.pledge_rollup(campaign=Campaign.objects.get(pk=campaign.pk), focus=org.committee).total


def test_after_a_repledge_old_pledges_still_verify_and_only_new_ones_count(
    org, accounts, campaign, django_capture_on_commit_callbacks
):
    admin = accounts.unit_admin
    old_norms = norms_of(campaign)
    first, _ = sign(campaign, accounts.member, django_capture_on_commit_callbacks)
    target = lambda: Target.objects.get(campaign=campaign, person=accounts.member.person)  # noqa: E731
    assert target().pledged_at is not None and target().done_at is not None
    old_pdf = services.pledge_pdf_bytes(first)
    new_norms = revise(old_norms, actor=admin)
    Notification.objects.all().delete()

    with django_capture_on_commit_callbacks(execute=True):
        campaign_services.campaign_require_repledge(actor=admin, campaign=campaign)

    campaign.refresh_from_db()
    assert campaign.pledge_round == 2 and norms_of(campaign) == new_norms
    # the pledge made to the old version is untouched and verifies as before
    first.refresh_from_db()
    assert (first.status, first.norms, first.round) == (PledgeStatus.SIGNED, old_norms, 1)
    assert verification.pledge_verify_file(old_pdf).ok
    assert verification.pledge_verify_code(first.code).status == VerdictStatus.VALID
    # but the campaign no longer counts it: the member owes a pledge to the new version, and is told so
    assert (target().pledged_at, target().done_at) == (None, None)
    assert signed_count(campaign, org).signed == 0
    told = Notification.objects.get(user=accounts.member)
    assert told.key.endswith(":r2") and "重新签订" in told.body
    event = AuditEvent.objects.filter(action="campaign.repledge").get()
    assert event.before["pledge_round"] == 1 and event.after["pledges_reset"] == 1

    second, created = sign(campaign, accounts.member, django_capture_on_commit_callbacks)
    assert created and second.pk != first.pk
    assert (second.round, second.norms, second.year) == (2, new_norms, campaign.year)
    assert target().pledged_at == second.signed_at and target().done_at is not None
    assert signed_count(campaign, org).signed == 1
    assert verification.pledge_verify_file(services.pledge_pdf_bytes(second)).ok
    assert Pledge.objects.filter(campaign=campaign, person=accounts.member.person).count() == 2


def test_repledge_is_refused_with_the_reason_and_changes_nothing(org, accounts, campaign):
    admin = accounts.unit_admin
    events = AuditEvent.objects.count()
    with pytest.raises(ApplicationError, match="已是现行版本") as exc:
        campaign_services.campaign_require_repledge(actor=admin, campaign=campaign)
    assert exc.value.field == "documents"
    draft = document_services.document_new_version(actor=admin, document=norms_of(campaign))
    with pytest.raises(ApplicationError, match="已是现行版本"):  # a draft version supersedes nothing yet
        campaign_services.campaign_require_repledge(actor=admin, campaign=campaign)
    document_services.document_issue(actor=admin, document=draft)
    for who in (accounts.secretary, accounts.inspector, accounts.member):
        with pytest.raises(PermissionRefused):
            campaign_services.campaign_require_repledge(actor=who, campaign=campaign)
    no_pledge = factories.pledge_campaign(
        org.committee, actor=admin, requires_pledge=False, requires_read=True, issuer_code="阅读党发"
    )
    revise(norms_of(no_pledge), actor=admin)
    with pytest.raises(ApplicationError, match="不要求签订承诺书") as exc:
        campaign_services.campaign_require_repledge(actor=admin, campaign=no_pledge)
    assert exc.value.field == "requires_pledge"
    campaign.refresh_from_db()
    assert campaign.pledge_round == 1 and norms_of(campaign).status == DocumentStatus.SUPERSEDED
    assert AuditEvent.objects.filter(action="campaign.repledge").count() == 0
    assert AuditEvent.objects.count() > events  # only the documents' own events


def test_repledge_from_the_campaign_page(client, org, accounts, campaign):
    revise(norms_of(campaign), actor=accounts.unit_admin)
    testing.login(client, accounts.unit_admin)
    detail = reverse("campaigns:detail", args=[campaign.pk])
    page = client.get(detail).content.decode()
    assert 'id="old-norms"' in page and reverse("campaigns:repledge", args=[campaign.pk]) in page
    response = client.post(reverse("campaigns:repledge", args=[campaign.pk]))
    assert response.status_code == 302 and response["Location"] == detail
    assert 'id="old-norms"' not in client.get(detail).content.decode()
    assert Campaign.objects.get(pk=campaign.pk).pledge_round == 2


def test_next_years_copy_carries_the_quiz(org, accounts, campaign):
    admin = accounts.unit_admin
    services.quiz_set(
        actor=admin,
        campaign=campaign,
        questions=[
            services.QuestionInput("能否在朋友圈转发内部文件？", ["能", "不能"], 1, "第二条第（二）项")
        ],
    )
    copy = campaign_services.campaign_copy(
        actor=admin,
        campaign=campaign,
        title="下一年度承诺书签订",
        starts_on=timezone.localdate(),
        deadline=timezone.localdate() + dt.timedelta(days=30),
        year=campaign.year + 1,
    )
    question = QuizQuestion.objects.get(campaign=copy)
    assert (question.text, question.options, question.correct, question.citation) == (
        "能否在朋友圈转发内部文件？",
        ["能", "不能"],
        1,
        "第二条第（二）项",
    )
    assert QuizQuestion.objects.filter(campaign=campaign).count() == 1  # last year's stays
    assert AuditEvent.objects.get(action="campaign.copy").after["questions"] == ["能否在朋友圈转发内部文件？"]
    assert copy.requires_pledge and {d.kind for d in copy.documents.all()} == {
        DocumentKind.NORMS,
        DocumentKind.PLEDGE,
    }


def test_after_a_repledge_paper_forms_are_printed_afresh_for_the_new_version(
    org, accounts, campaign, django_capture_on_commit_callbacks
):
    from netconduct.pledges import paper, selectors

    admin = accounts.unit_admin
    first, _ = sign(campaign, accounts.member, django_capture_on_commit_callbacks)
    old_forms = paper.paper_forms_print(actor=accounts.secretary, campaign=campaign, unit=org.branch1)
    assert old_forms.skipped == 1  # the member signed online
    printed_old = Pledge.objects.get(status=PledgeStatus.PRINTED)
    new_norms = revise(norms_of(campaign), actor=admin)
    campaign_services.campaign_require_repledge(actor=admin, campaign=campaign)

    forms = paper.paper_forms_print(actor=accounts.secretary, campaign=campaign, unit=org.branch1)
    assert forms.skipped == 0 and forms.count == 2  # the member owes the new version too
    fresh = Pledge.objects.filter(campaign=campaign, round=2)
    assert fresh.count() == 2 and {p.norms for p in fresh} == {new_norms}
    assert set(fresh.values_list("code", flat=True)).isdisjoint({first.code, printed_old.code})
    # the forms printed for the old version are no longer outstanding
    outstanding = {pk: n for pk, _t, n in selectors.paper_outstanding(viewer=accounts.secretary)}
    assert outstanding == {campaign.pk: 2}
