"""Each role's home page shows what they owe or what waits for them, and only that; its query count is pinned per
role and does not grow with the organisation."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from netconduct import testing
from netconduct.campaigns.tests import factories as campaigns
from netconduct.notifications.choices import DeliveryStatus
from netconduct.notifications.models import Delivery
from netconduct.org import services as org_services
from netconduct.org.choices import UnitKind
from netconduct.pledges.paper import paper_forms_print
from netconduct.pledges.tests import factories as pledges
from netconduct.registry.tests import factories as registry
from netconduct.reports import case_services
from netconduct.reports.choices import CaseStep
from netconduct.reports.tests import factories as reports
from netconduct.studies import services as study_services
from netconduct.studies.tests.test_services import make_session, ready_to_submit

pytestmark = pytest.mark.django_db

NAMES = "甲乙丙丁戊己庚辛壬癸"


def home(user) -> str:
    client = Client()
    testing.login(client, user)
    response = client.get("/")
    assert response.status_code == 200
    return response.content.decode()


def world(org, accounts, *, extra_branches: int = 0):
    """A pledge campaign, a returned and a submitted session, an application, a report, a case, a failed e-mail;
    `extra_branches` more branches with people (and their own records) for the larger organisation."""
    for i in range(extra_branches):
        unit = org_services.unit_create(
            actor=org.root_user, parent=org.plant, name=f"{NAMES[i]}队党支部", kind=UnitKind.BRANCH
        )
        for j in range(3):
            testing.make_person(unit, name=f"{NAMES[i]}{NAMES[j]}同志")
        extra = make_session(accounts.unit_admin, unit, topic=f"{NAMES[i]}队学习")
        ready_to_submit(accounts.unit_admin, extra, unit.people.first())
        study_services.session_submit(actor=accounts.unit_admin, session=extra)
    campaign = pledges.pledge_campaign(org.committee, actor=accounts.unit_admin)
    campaigns.campaign(org.committee, actor=accounts.unit_admin, title="第二次宣贯", issuer_code="第二党发")
    paper_forms_print(actor=accounts.secretary, campaign=campaign, unit=org.branch1)
    returned = make_session(accounts.secretary, org.branch1, topic="五月主题党日")
    ready_to_submit(accounts.secretary, returned, accounts.member.person)
    study_services.session_submit(actor=accounts.secretary, session=returned)
    study_services.session_review(
        actor=accounts.unit_admin, session=returned, decision="return", opinion="请补充照片"
    )
    make_session(
        accounts.secretary, org.branch1, topic="下周的学习", starts_at=timezone.now() + dt.timedelta(days=3)
    )
    registry.submitted(accounts.member, name="王职工安全随手拍")
    reports.file_report(accounts.secretary, unit=org.branch2, description="某人在群里转发未经核实的消息。")
    case = reports.violation(accounts.member.person, actor=accounts.inspector)
    case = case_services.violation_advance(actor=accounts.inspector, case=case, to=CaseStep.INVESTIGATING)
    case_services.violation_advance(
        actor=accounts.inspector,
        case=case,
        to=CaseStep.STATEMENT_REQUESTED,
        text="反映您在微信群转发内部文件截图。",
    )
    Delivery.objects.create(
        key="x:email",
        channel="email",
        unit=org.committee,
        recipient="bounce@example.com",
        subject="提醒",
        body="",
        status=DeliveryStatus.FAILED,
        last_error="550 mailbox unavailable",
    )
    return campaign


def test_a_member_sees_what_they_owe_newest_first_and_what_they_did(org, accounts):
    world(org, accounts)
    page = home(accounts.member)
    assert "我的待办" in page
    owed = page[page.index('data-testid="owed"') :]
    # newest first: the statement asked last, then the second campaign, then the first (read and pledge)
    assert owed.index('data-kind="statement"') < owed.index("第二次宣贯") < owed.index('data-kind="pledge"')
    assert owed.count('data-kind="read"') == 1 and "下周的学习" in owed and "到场后扫描现场二维码签到" in owed
    assert "年已完成" in page
    # nothing of anyone else's work
    for other in ("学习记录待审核", "发送失败的提醒", "举报待办", "纸质承诺书未收回", "五月主题党日"):
        assert other not in page


def test_a_secretary_sees_their_branch_and_not_the_others(org, accounts):
    world(org, accounts)
    testing.make_person(org.branch2, name="外支部")
    page = home(accounts.secretary)
    assert "进行中的宣贯活动" in page and "未完成的人员" in page and "王职工" in page
    assert "外支部" not in page  # branch2 is not theirs
    assert "五月主题党日" in page and "请补充照片" in page and "退回修改" in page
    assert "纸质承诺书未收回" in page and "份" in page
    assert "账号备案待审批" in page and "王职工安全随手拍" in page
    assert "发送失败的提醒" not in page and "举报待办" not in page
    outsider = home(accounts.outsider_secretary)
    assert "王职工安全随手拍" not in outsider and "五月主题党日" not in outsider


def test_staff_see_campaigns_reviews_applications_and_failures(org, accounts):
    world(org, accounts)
    page = home(accounts.unit_admin)
    assert "学习记录待审核" in page and "发送失败的提醒" in page and "bounce@example.com" in page
    assert "进行中的宣贯活动" in page and "第二次宣贯" in page
    assert "举报待办" not in page and "我的待办" not in page


def test_an_inspector_sees_counts_and_links_but_no_report_content(org, accounts):
    world(org, accounts)
    page = home(accounts.inspector)
    assert "举报待办" in page and "新 1" in page and "/reports/handle/" in page
    assert "案件办理" in page and "已告知，待本人说明" in page
    assert "未经核实" not in page and "微信群" not in page
    assert "举报待办" not in home(accounts.secretary)


def _queries(user) -> int:
    client = Client()
    testing.login(client, user)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get("/").status_code == 200
    return len(ctx)


# Queries per role on the home page; the same for a small and a larger organisation.
# (+1 each for member and secretary: the size declarations a campaign asks of them, registry.declarations)
PINNED = {"member": 16, "secretary": 25, "unit_admin": 17, "inspector": 12}


@pytest.mark.parametrize("extra", [0, 4])
def test_home_query_counts_are_pinned_and_do_not_grow(org, accounts, extra):
    world(org, accounts, extra_branches=extra)
    counts = {role: _queries(getattr(accounts, role)) for role in PINNED}
    assert counts == PINNED


def test_every_role_s_home_page_in_english_shows_chinese_only_in_data(org, accounts):
    """The home pages with something in every box: the to-dos, deadlines, review queues and cases, in English."""
    from netconduct.home.tests.test_english import stored_strings, untranslated

    world(org, accounts)
    data = stored_strings()
    failures = {}
    for role, user in accounts.all().items():
        type(user).objects.filter(pk=user.pk).update(language="en")
        page = home(user)
        assert '<html lang="en">' in page
        if runs := untranslated(page, data):
            failures[role] = runs
    assert not failures, failures
