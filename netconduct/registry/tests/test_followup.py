"""Article 7 follow-through: changes filed late (list, export, the branch secretary's reminder), the yearly
review's requests to close (approved through the close service, or rejected with a reason), and size declarations
(self-declared, counted by unit, "yes" opening a filled-in filing application)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from netconduct import testing
from netconduct.campaigns.tests import factories as campaign_factories
from netconduct.core.exceptions import ApplicationError, PermissionRefused
from netconduct.core.models import AuditEvent
from netconduct.notifications.jobs import daily_run
from netconduct.notifications.models import Notification
from netconduct.registry import declarations, late, policies, reviews, selectors, services
from netconduct.registry.choices import AccountStatus, CloseRequest, ReviewAnswer
from netconduct.registry.models import Declaration
from netconduct.registry.tests import factories as f

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def _client(user) -> Client:
    client = Client()
    testing.login(client, user)
    return client


def _change(applicant, account, *, days_ago: int, submit: bool):
    application = services.change_start(actor=applicant, account=account)
    application = services.application_update(
        actor=applicant,
        application=application,
        changed_on=TODAY() - dt.timedelta(days=days_ago),
        change_note="更换管理员",
    )
    if submit:
        application = services.application_submit(actor=applicant, application=application)
    return application


# ---------------------------------------------------------------------------------------------------- late changes


@pytest.fixture
def late_world(org, accounts):
    member = accounts.member
    filed_late = _change(member, f.filed(member, name="逾期提交的号"), days_ago=40, submit=True)
    unfiled = _change(member, f.filed(member, name="逾期未提交的号"), days_ago=35, submit=False)
    _change(member, f.filed(member, name="按时提交的号"), days_ago=10, submit=True)
    _change(member, f.filed(member, name="未到期的草稿"), days_ago=20, submit=False)
    withdrawn = _change(member, f.filed(member, name="撤回的号"), days_ago=50, submit=True)
    services.application_withdraw(actor=member, application=withdrawn)
    return filed_late, unfiled


def test_late_changes_are_those_submitted_or_still_waiting_past_the_days(org, accounts, late_world):
    filed_late, unfiled = late_world
    found = list(late.late_changes(viewer=accounts.unit_admin))
    assert [a.pk for a in found] == [filed_late.pk, unfiled.pk]
    rows = {r.application.account.name: r for r in late.late_rows(found)}
    assert rows["逾期提交的号"].days_late == 10 and not rows["逾期提交的号"].unfiled
    assert rows["逾期未提交的号"].days_late == 5 and rows["逾期未提交的号"].unfiled
    assert [a.pk for a in late.late_changes(viewer=accounts.unit_admin, which=late.UNFILED)] == [unfiled.pk]
    assert [a.pk for a in late.late_changes(viewer=accounts.unit_admin, which=late.FILED_LATE)] == [
        filed_late.pk
    ]
    # scoped: the branch secretary sees their branch, another branch's secretary and members nothing
    assert late.late_changes(viewer=accounts.secretary).count() == 2
    assert late.late_changes(viewer=accounts.outsider_secretary).count() == 0
    assert late.late_changes(viewer=accounts.member).count() == 0


def test_the_late_page_and_its_export(org, accounts, late_world):
    client = _client(accounts.secretary)
    page = client.get(reverse("registry:late")).content.decode()
    assert "逾期提交的号" in page and "逾期未提交的号" in page and "按时提交的号" not in page
    response = client.get(reverse("registry:late_export") + "?which=unfiled")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    names = [row[1] for row in values]
    assert "逾期未提交的号" in names and "逾期提交的号" not in names
    assert _client(accounts.member).get(reverse("registry:late")).status_code == 404


@pytest.mark.parametrize("name", ["registry:late", "registry:late_export"])
def test_late_list_queries_do_not_grow(org, accounts, django_assert_max_num_queries, name):
    member = accounts.member

    def add(n):
        for i in range(n):
            _change(member, f.filed(member, name=f"号{n}-{i}"), days_ago=31 + i, submit=bool(i % 2))

    client = _client(accounts.secretary)
    add(2)
    with django_assert_max_num_queries(10):
        assert client.get(reverse(name)).status_code == 200
    add(12)
    with django_assert_max_num_queries(10):
        assert client.get(reverse(name)).status_code == 200


def test_the_branch_secretary_is_reminded_once_a_week_in_the_daily_run(org, accounts, late_world):
    report = daily_run(dispatch=False)
    job = report.jobs["registry_late"]
    # the withdrawn one is not late; the filed-late one still waits for its decision, the draft for submission
    assert job.late == 2 and job.secretaries == 1
    note = Notification.objects.get(user=accounts.secretary, key__startswith="registry:late:")
    assert "2个账号" in note.title and note.url == reverse("registry:late")
    assert daily_run(dispatch=False).jobs["registry_late"].notifications == 0
    assert AuditEvent.objects.filter(action="registry.late_remind").count() == 1
    # other branches' secretaries are not told
    assert not Notification.objects.filter(user=accounts.outsider_secretary, key__startswith="registry:late:")


# ---------------------------------------------------------------------------------------------------- close requests


@pytest.fixture
def close_request(org, accounts):
    account = f.filed(accounts.member, name="不再使用的号")
    review = reviews.review_open(
        actor=accounts.unit_admin, unit=org.committee, year=2026, deadline=TODAY() + dt.timedelta(days=20)
    )
    item = reviews.review_answer(
        actor=accounts.member,
        item=review.items.get(account=account),
        answer=ReviewAnswer.CLOSE,
        note="项目结束",
    )
    assert item.close_status == CloseRequest.PENDING
    return item


def test_asking_to_close_opens_the_closing_step_and_approval_closes_the_account(org, accounts, close_request):
    assert [i.pk for i in selectors.close_requests(viewer=accounts.unit_admin)] == [close_request.pk]
    assert not selectors.close_requests(
        viewer=accounts.secretary
    ).exists()  # secretaries do not close accounts
    with pytest.raises(PermissionRefused):
        reviews.close_request_approve(actor=accounts.secretary, item=close_request)
    reviews.close_request_approve(actor=accounts.unit_admin, item=close_request)
    close_request.refresh_from_db()
    account = close_request.account
    account.refresh_from_db()
    assert close_request.close_status == CloseRequest.APPROVED and account.status == AccountStatus.CLOSED
    event = AuditEvent.objects.filter(action="registry.close").get()
    assert event.after["review"] == close_request.round.title and "项目结束" in event.after["reason"]
    assert Notification.objects.filter(user=accounts.member, title__contains="已注销").exists()
    assert not selectors.close_requests(viewer=accounts.unit_admin).exists()
    with pytest.raises(ApplicationError, match="已处理"):
        reviews.close_request_reject(actor=accounts.unit_admin, item=close_request, reason="晚了")
    # the answer can no longer be changed once the staff decided
    with pytest.raises(ApplicationError, match="已由管理人员处理"):
        reviews.review_answer(actor=accounts.member, item=close_request, answer=ReviewAnswer.CONFIRMED)


def test_rejecting_records_why_and_keeps_the_account(org, accounts, close_request):
    with pytest.raises(ApplicationError) as exc:
        reviews.close_request_reject(actor=accounts.unit_admin, item=close_request, reason=" ")
    assert exc.value.field == "reason" and "理由" in exc.value.message
    reviews.close_request_reject(actor=accounts.unit_admin, item=close_request, reason="仍承担宣传任务")
    close_request.refresh_from_db()
    assert (
        close_request.close_status == CloseRequest.REJECTED and close_request.close_reason == "仍承担宣传任务"
    )
    assert close_request.account.status == AccountStatus.ACTIVE
    event = AuditEvent.objects.filter(action="registry.close_request_reject").get()
    assert event.after["reason"] == "仍承担宣传任务"
    assert Notification.objects.filter(user=accounts.member, body__contains="仍承担宣传任务").exists()
    history = _client(accounts.member).get(reverse("registry:account", args=[close_request.account_id]))
    assert "不同意年检注销申请" in history.content.decode() and "仍承担宣传任务" in history.content.decode()


def test_changing_the_answer_back_withdraws_the_request(org, accounts, close_request):
    reviews.review_answer(actor=accounts.member, item=close_request, answer=ReviewAnswer.CONFIRMED)
    close_request.refresh_from_db()
    assert (
        close_request.close_status == "" and not selectors.close_requests(viewer=accounts.unit_admin).exists()
    )


def test_the_close_requests_page(org, accounts, close_request):
    client = _client(accounts.unit_admin)
    page = client.get(reverse("registry:close_requests")).content.decode()
    assert "不再使用的号" in page and "项目结束" in page
    response = client.post(
        reverse("registry:close_request_reject", args=[close_request.pk]), {"reason": ""}, follow=True
    )
    assert "请填写不同意注销的理由" in response.content.decode()
    client.post(
        reverse("registry:close_request_approve", args=[close_request.pk]), {"on": TODAY().isoformat()}
    )
    close_request.refresh_from_db()
    assert close_request.close_status == CloseRequest.APPROVED
    assert _client(accounts.secretary).get(reverse("registry:close_requests")).status_code == 404


# ---------------------------------------------------------------------------------------------------- declarations


@pytest.fixture
def declaration_round(org, accounts):
    campaign = campaign_factories.campaign(org.committee, actor=org.root_user, issuer_code="西北能化党发")
    return declarations.declaration_round_open(
        actor=accounts.unit_admin, campaign=campaign, follower_threshold=5000, group_threshold=200
    )


def test_opening_a_round_is_for_staff_over_the_campaign_and_once(org, accounts):
    campaign = campaign_factories.campaign(org.committee, actor=org.root_user, issuer_code="西北能化党发")
    with pytest.raises(PermissionRefused):
        declarations.declaration_round_open(actor=accounts.secretary, campaign=campaign)
    with pytest.raises(ApplicationError) as exc:
        declarations.declaration_round_open(actor=accounts.unit_admin, campaign=campaign, group_threshold=0)
    assert exc.value.field == "group_threshold" and "群成员数标准" in exc.value.message
    round_ = declarations.declaration_round_open(actor=accounts.unit_admin, campaign=campaign)
    # sizes left empty are the committee's
    assert (round_.follower_threshold, round_.group_threshold) == policies.thresholds_for(org.committee)
    with pytest.raises(ApplicationError, match="已经发起"):
        declarations.declaration_round_open(actor=accounts.unit_admin, campaign=campaign)
    assert AuditEvent.objects.filter(action="registry.declaration_open").count() == 1


def test_the_member_declares_and_yes_opens_a_filled_in_application(org, accounts, declaration_round):
    member = accounts.member
    assert [r.pk for r in declarations.my_pending_rounds(user=member)] == [declaration_round.pk]
    home = _client(member).get("/").content.decode()
    assert (
        "申报个人账号、群组规模" in home and reverse("registry:declare", args=[declaration_round.pk]) in home
    )

    with pytest.raises(ApplicationError) as exc:
        declarations.declaration_submit(
            actor=member,
            round=declaration_round,
            answer="yes",
            platform="douyin",
            account_kind="account",
            name="安全小课堂",
            audience=3000,
        )
    assert exc.value.field == "audience" and "未超过标准5000" in exc.value.message
    with pytest.raises(ApplicationError) as exc:
        declarations.declaration_submit(
            actor=member,
            round=declaration_round,
            answer="yes",
            platform="douyin",
            account_kind="account",
            name="",
            audience=8000,
        )
    assert exc.value.field == "name"
    assert not Declaration.objects.exists()

    client = _client(member)
    url = reverse("registry:declare", args=[declaration_round.pk])
    assert "平台不会查询" in client.get(url).content.decode()
    response = client.post(
        url,
        {
            "answer": "yes",
            "platform": "wechat_group",
            "account_kind": "group",
            "name": "老乡群",
            "audience": "350",
        },
    )
    declaration = Declaration.objects.get()
    assert (
        response.status_code == 302
        and response.url == f"{reverse('registry:apply')}?declaration={declaration.pk}"
    )
    form = client.get(response.url).content.decode()
    assert 'value="老乡群"' in form and 'value="350"' in form and "已按您的规模申报填好" in form
    assert not declarations.my_pending_rounds(user=member).exists()
    assert "申报个人账号、群组规模" not in _client(member).get("/").content.decode()
    assert AuditEvent.objects.filter(action="registry.declare", actor=member).exists()

    # someone the campaign does not ask cannot declare, and their page is 404
    with pytest.raises(PermissionRefused):
        declarations.declaration_submit(
            actor=accounts.outsider_secretary, round=declaration_round, answer="no"
        )
    assert _client(accounts.unit_admin).get(url).status_code == 404


def test_declarations_are_counted_by_unit_within_scope(org, accounts, declaration_round):
    declarations.declaration_submit(actor=accounts.member, round=declaration_round, answer="no")
    declarations.declaration_submit(
        actor=accounts.secretary,
        round=declaration_round,
        answer="yes",
        platform="weibo",
        account_kind="account",
        name="李书记说安全",
        audience=9000,
    )
    counts = declarations.declaration_counts(viewer=accounts.unit_admin, round_=declaration_round)
    branch = {r.unit.name: r for r in counts.rows}[org.branch1.name]
    assert (branch.yes, branch.no) == (1, 1)
    assert counts.total.asked >= 2 and counts.total.unanswered == counts.total.asked - 2
    # a secretary sees their branch only; another branch's secretary none of branch 1
    mine = declarations.declaration_counts(viewer=accounts.secretary, round_=declaration_round)
    assert {r.unit.pk for r in mine.rows} <= {org.branch1.pk}
    other = declarations.declaration_counts(viewer=accounts.outsider_secretary, round_=declaration_round)
    assert org.branch1.pk not in {r.unit.pk for r in other.rows}

    client = _client(accounts.unit_admin)
    page = client.get(reverse("registry:declaration_round", args=[declaration_round.pk])).content.decode()
    assert "李书记说安全" in page and org.branch1.name in page
    book = load_workbook(
        io.BytesIO(client.get(reverse("registry:declaration_export", args=[declaration_round.pk])).content)
    )
    assert [ws.title for ws in book.worksheets] == ["按单位统计", "申报有的人员"]
    assert any(
        "李书记说安全" in [str(c) for c in row] for row in book.worksheets[1].iter_rows(values_only=True)
    )


@pytest.mark.parametrize("name", ["registry:declaration_round", "registry:declaration_export"])
@pytest.mark.parametrize("people", [2, 14])
def test_declaration_counts_queries_do_not_grow(org, accounts, django_assert_max_num_queries, name, people):
    users = []
    for i in range(people):
        unit = org.branch1 if i % 2 else org.branch2
        users.append(
            testing.make_account(
                f"declarer{i}",
                person=testing.make_person(unit, name="人员" + "甲乙丙丁戊己庚辛壬癸子丑寅卯"[i]),
            )
        )
    campaign = campaign_factories.campaign(org.committee, actor=org.root_user, issuer_code="西北能化党发")
    round_ = declarations.declaration_round_open(actor=accounts.unit_admin, campaign=campaign)
    for i, user in enumerate(users):
        if i % 3:
            declarations.declaration_submit(actor=user, round=round_, answer="no")
        else:
            declarations.declaration_submit(
                actor=user,
                round=round_,
                answer="yes",
                platform="wechat_group",
                account_kind="group",
                name=f"群{i}",
                audience=round_.group_threshold + 1,
            )
    client = _client(accounts.unit_admin)
    with django_assert_max_num_queries(13):
        assert client.get(reverse(name, args=[round_.pk])).status_code == 200


@pytest.mark.parametrize("requests", [1, 8])
def test_close_requests_list_queries_do_not_grow(org, accounts, django_assert_max_num_queries, requests):
    filed = [f.filed(accounts.member, name=f"号{i}") for i in range(requests)]
    review = reviews.review_open(
        actor=accounts.unit_admin, unit=org.committee, year=2026, deadline=TODAY() + dt.timedelta(days=20)
    )
    for account in filed:
        reviews.review_answer(
            actor=accounts.member,
            item=review.items.get(account=account),
            answer=ReviewAnswer.CLOSE,
            note="停用",
        )
    client = _client(accounts.unit_admin)
    with django_assert_max_num_queries(10):
        page = client.get(reverse("registry:close_requests")).content.decode()
    assert page.count("data-close-approve") == requests


@pytest.mark.parametrize("rounds", [1, 6])
def test_declaration_rounds_list_queries_do_not_grow(org, accounts, django_assert_max_num_queries, rounds):
    for _ in range(rounds):
        campaign = campaign_factories.campaign(org.committee, actor=org.root_user, issuer_code="西北能化党发")
        declarations.declaration_round_open(actor=accounts.unit_admin, campaign=campaign)
    client = _client(accounts.secretary)  # a secretary follows the committee's rounds over their branch
    with django_assert_max_num_queries(9):
        page = client.get(reverse("registry:declaration_rounds")).content.decode()
    assert page.count('href="/registry/declarations/') >= rounds


def test_the_round_is_opened_from_its_form_with_the_committees_sizes(org, accounts):
    campaign = campaign_factories.campaign(org.committee, actor=org.root_user, issuer_code="西北能化党发")
    client = _client(accounts.unit_admin)
    url = reverse("registry:declaration_round_create")
    followers, group = policies.thresholds_for(org.committee)
    form = client.get(url).content.decode()
    assert f'value="{followers}"' in form and f'value="{group}"' in form and campaign.title in form
    response = client.post(
        url, {"campaign": campaign.pk, "follower_threshold": "0", "group_threshold": "300", "note": ""}
    )
    assert response.status_code == 200 and "账号粉丝数标准" in response.content.decode()
    response = client.post(
        url,
        {
            "campaign": campaign.pk,
            "follower_threshold": "8000",
            "group_threshold": "300",
            "note": "请如实申报",
        },
    )
    round_ = campaign.declaration_round
    assert response.status_code == 302 and (round_.follower_threshold, round_.group_threshold) == (8000, 300)
