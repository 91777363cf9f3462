"""A committee with one year's work for the norms: a campaign (read, study, pledge) launched over it, a signed and
sealed pledge, a study session with attendance, an absence with its reason and a photo."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from netconduct import testing
from netconduct.campaigns import services as campaign_services
from netconduct.campaigns.models import Target
from netconduct.pledges.tests import factories as pledge_factories
from netconduct.studies import services as study_services
from netconduct.studies.tests.url_cases import PNG


@dataclass
class Year:
    campaign: object
    session: object
    pledge: object
    absent: object
    year: int


def make_year(org, accounts, capture) -> Year:
    admin = accounts.unit_admin
    with capture(execute=True):
        campaign = pledge_factories.pledge_campaign(
            org.committee,
            actor=admin,
            title="2026年网络行为规范宣贯",
            requires_read=True,
            requires_study=True,
        )
    campaign.refresh_from_db()
    absent = testing.make_person(org.branch1, name="赵请假", categories=["party_member"])
    with capture(execute=True):
        campaign_services.campaign_sync(campaign=campaign)
        pledge, _created = pledge_factories.sign(campaign, accounts.member)
    pledge.refresh_from_db()
    target = Target.objects.get(campaign=campaign, person=accounts.member.person)
    for document in campaign.documents.all():
        campaign_services.read_confirm(actor=accounts.member, target=target, document=document)
    root = org.root_user
    session = study_services.session_create(
        actor=root,
        unit=org.branch1,
        form="theme_day",
        topic="学习《员工网络行为规范》",
        starts_at=timezone.now() - dt.timedelta(days=2),
        place="三楼会议室",
        host=accounts.secretary.person,
        minutes="传达学习了规范全文。",
        campaign=campaign,
    )
    study_services.attendance_set(
        actor=root,
        session=session,
        marks=[
            study_services.Mark(accounts.member.person.pk, "present"),
            study_services.Mark(absent.pk, "leave", "外出培训"),
        ],
    )
    study_services.evidence_add(actor=root, session=session, file=ContentFile(PNG, name="会场.png"))
    with capture(execute=True):
        study_services.session_submit(actor=root, session=session)
    return Year(campaign, session, pledge, absent, campaign.year)


@pytest.fixture
def year(org, accounts, django_capture_on_commit_callbacks) -> Year:
    return make_year(org, accounts, django_capture_on_commit_callbacks)
