"""The registry's services: applications through their approval steps, filing numbers without gaps, one decision
per step under concurrency, policies, successors and delegation, changes and hand-overs, lifecycle, scoping."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection, transaction
from django.utils import timezone

from netconduct import testing
from netconduct.core.exceptions import ApplicationError, PermissionRefused
from netconduct.core.models import AuditEvent
from netconduct.notifications.models import Notification
from netconduct.org import services as org_services
from netconduct.org.choices import PersonStatus, Role
from netconduct.org.models import RoleGrant
from netconduct.registry import policies, selectors, services
from netconduct.registry.choices import (
    AccountKind,
    AccountStatus,
    ApplicationStatus,
    Decision,
    FilingBasis,
    OwnerKind,
    Platform,
    StepLevel,
)
from netconduct.registry.models import Account, ApplicationDecision, FilingCounter
from netconduct.registry.tests import factories as f

pytestmark = pytest.mark.django_db
YEAR = None


def _year() -> int:
    return timezone.localdate().year


def test_a_person_applies_the_branch_then_the_committee_approve_and_it_is_filed_with_a_number(org, accounts):
    member, secretary, admin = accounts.member, accounts.secretary, accounts.unit_admin
    application = f.submitted(member, name="王职工安全随手拍", platform=Platform.DOUYIN)
    assert application.status == ApplicationStatus.SUBMITTED
    assert [s["label"] for s in application.steps] == ["党支部书记审核", "党委办公室审批"]
    assert application.current_unit == org.branch1 and application.unit == org.branch1
    # The branch secretary was told.
    assert Notification.objects.filter(
        user=secretary, url__endswith=f"/applications/{application.pk}/"
    ).exists()
    assert application in selectors.approval_queue(viewer=secretary)
    assert application not in selectors.approval_queue(viewer=admin)

    application = services.application_decide(
        actor=secretary, application=application, decision=Decision.APPROVE, version=application.version
    )
    assert application.status == ApplicationStatus.SUBMITTED and application.current_unit == org.committee
    assert application in selectors.approval_queue(viewer=admin)
    application = services.application_decide(
        actor=admin,
        application=application,
        decision=Decision.APPROVE,
        comment="同意开通",
        version=application.version,
    )
    assert application.status == ApplicationStatus.APPROVED
    account = application.account
    assert account.filing_number == f"西北能化网备〔{_year()}〕1号"
    assert account.owner_user == member and account.owner_kind == OwnerKind.PERSON
    assert [a.name for a in account.admins.all()] == ["赵管理"]
    second = f.filed(member, secretary, admin, name="第二个账号")
    assert second.filing_number == f"西北能化网备〔{_year()}〕2号"
    assert Notification.objects.filter(user=member, title__contains="已通过并备案").count() == 2
    # Every step is one audit event of the application.
    actions = list(
        AuditEvent.objects.filter(object_type="registry.application", object_id=str(application.pk))
        .order_by("seq")
        .values_list("action", flat=True)
    )
    assert actions == ["registry.apply", "registry.submit", "registry.decide", "registry.decide"]


def test_steps_are_decided_in_order_by_their_approvers_only(org, accounts):
    application = f.submitted(accounts.member)
    for outsider in (accounts.unit_admin, accounts.outsider_secretary, accounts.inspector, accounts.member):
        with pytest.raises(PermissionRefused):
            services.application_decide(
                actor=outsider,
                application=application,
                decision=Decision.APPROVE,
                version=application.version,
            )
    assert not ApplicationDecision.objects.exists()


def test_a_stale_second_decision_is_refused_and_only_one_is_recorded(org, accounts):
    application = f.submitted(accounts.member)
    version = application.version
    services.application_decide(
        actor=accounts.secretary, application=application, decision=Decision.APPROVE, version=version
    )
    # The system administrator may decide this step too, but decides on the page they loaded before.
    with pytest.raises(ApplicationError, match="您的决定没有保存") as refused:
        services.application_decide(
            actor=accounts.sysadmin,
            application=application,
            decision=Decision.REJECT,
            comment="不同意",
            version=version,
        )
    assert "同意" in refused.value.message
    assert ApplicationDecision.objects.filter(application=application).count() == 1
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED and application.step_index == 1


def test_return_for_changes_then_resubmit_starts_again_and_reject_needs_a_reason(org, accounts):
    member, secretary = accounts.member, accounts.secretary
    application = f.submitted(member)
    with pytest.raises(ApplicationError, match="请填写理由"):
        services.application_decide(
            actor=secretary, application=application, decision=Decision.RETURN, version=application.version
        )
    application = services.application_decide(
        actor=secretary,
        application=application,
        decision=Decision.RETURN,
        comment="请补充内容审核安排",
        version=application.version,
    )
    assert application.status == ApplicationStatus.RETURNED
    services.application_update(
        actor=member, application=application, content_review="发布前由支部书记和厂长两级审核"
    )
    application = services.application_submit(actor=member, application=application)
    assert application.round == 2 and application.step_index == 0
    application = services.application_decide(
        actor=secretary,
        application=application,
        decision=Decision.REJECT,
        comment="用途与工作无关",
        version=application.version,
    )
    assert application.status == ApplicationStatus.REJECTED and application.account is None
    with pytest.raises(ApplicationError, match="不能修改"):
        services.application_update(actor=member, application=application, name="改个名")


def test_withdraw_only_before_the_first_decision(org, accounts):
    application = f.submitted(accounts.member)
    with pytest.raises(PermissionRefused):
        services.application_withdraw(actor=accounts.secretary, application=application)
    withdrawn = services.application_withdraw(actor=accounts.member, application=application)
    assert withdrawn.status == ApplicationStatus.WITHDRAWN
    assert withdrawn not in selectors.approval_queue(viewer=accounts.secretary)

    other = f.submitted(accounts.member, name="另一个")
    services.application_decide(
        actor=accounts.secretary, application=other, decision=Decision.APPROVE, version=other.version
    )
    with pytest.raises(ApplicationError, match="不能再撤回"):
        services.application_withdraw(actor=accounts.member, application=other)


def test_incomplete_applications_are_not_submitted_and_bad_administrators_are_named(org, accounts):
    member = accounts.member
    application = f.draft(member, purpose="", content_review="")
    with pytest.raises(ApplicationError, match="用途、内容审核安排"):
        services.application_submit(actor=member, application=application)
    with pytest.raises(ApplicationError, match="管理员第2行.*12345"):
        f.draft(member, admins=[services.AdminInput("甲", "13700001111"), services.AdminInput("乙", "12345")])
    with pytest.raises(ApplicationError, match="境外平台或其他平台请填写平台名称"):
        f.draft(member, platform=Platform.OVERSEAS)
    assert (
        f.draft(member, platform=Platform.OVERSEAS, platform_name="Facebook").platform_label
        == "境外平台（Facebook）"
    )


def test_administrators_are_matched_to_the_roster_and_their_phones_are_sealed(org, accounts):
    member = accounts.member
    account = f.filed(
        member, admins=[f.admin_of(member.person), services.AdminInput("外聘编辑", "+86 137-0000-2222")]
    )
    first, second = account.admins.order_by("position")
    assert first.person == member.person and first.person_unit == org.branch1
    assert second.person is None
    assert second.phone == "13700002222" and second.phone_masked == "137****2222"
    assert "13700002222" not in second.phone_enc
    events = AuditEvent.objects.filter(object_type="registry.application").values_list("after", flat=True)
    assert not any("13700002222" in str(after) for after in events)


def test_a_failed_approval_gives_its_filing_number_back(org, accounts):
    application = f.submitted(accounts.member)
    application = services.application_decide(
        actor=accounts.secretary,
        application=application,
        decision=Decision.APPROVE,
        version=application.version,
    )
    with pytest.raises(RuntimeError), transaction.atomic():
        services.application_decide(
            actor=accounts.unit_admin,
            application=application,
            decision=Decision.APPROVE,
            version=application.version,
        )
        raise RuntimeError("the request failed after numbering")
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED and not Account.objects.exists()
    filed = f.approve_all(application, accounts.unit_admin).account
    assert filed.filing_seq == 1  # no gap
    assert FilingCounter.objects.get(code="西北能化网备", year=_year()).last == 1


def test_policy_from_the_nearest_unit_with_steps_and_a_configurable_filing_code(org, accounts):
    root = org.root_user
    # Default without any policy.
    assert [(s["role"], s["unit_id"]) for s in policies.resolve_steps(org.branch1)] == [
        (Role.SECRETARY, org.branch1.pk),
        (Role.UNIT_ADMIN, org.committee.pk),
    ]
    services.policy_set(
        actor=accounts.unit_admin,
        unit=org.committee,
        filing_code="能化网备",
        steps=[
            services.StepInput(Role.SECRETARY, StepLevel.BRANCH, label="支部书记"),
            services.StepInput(Role.SECRETARY, StepLevel.UNIT, unit=org.plant, label="党总支书记"),
            services.StepInput(Role.UNIT_ADMIN, StepLevel.COMMITTEE, label="党委办公室"),
        ],
    )
    steps = policies.resolve_steps(org.branch1)
    assert [s["label"] for s in steps] == ["支部书记", "党总支书记", "党委办公室"]
    assert steps[1]["unit_id"] == org.plant.pk
    # A nearer unit's own steps win; its filing code is inherited.
    services.policy_set(
        actor=root,
        unit=org.plant,
        steps=[services.StepInput(Role.UNIT_ADMIN, StepLevel.COMMITTEE, label="直报党委")],
    )
    assert [s["label"] for s in policies.resolve_steps(org.branch2)] == ["直报党委"]
    assert [s["label"] for s in policies.resolve_steps(org.office)] == [
        "支部书记",
        "党总支书记",
        "党委办公室",
    ]
    account = f.filed(accounts.member, root)
    assert account.filing_number == f"能化网备〔{_year()}〕1号"
    with pytest.raises(ApplicationError, match="备案代字只含文字"):
        services.policy_set(actor=root, unit=org.committee, filing_code="能化〔2026〕", steps=[])
    with pytest.raises(PermissionRefused):
        services.policy_set(actor=accounts.secretary, unit=org.branch1, steps=[])


def test_the_default_filing_code_comes_from_the_committee(org, accounts):
    assert policies.filing_code_for(org.branch1) == "西北能化网备"
    org_services.unit_update(actor=org.root_user, unit=org.committee, name=org.committee.name, code="")
    assert policies.filing_code_for(org.branch1) == "西北能化网备"  # from 西北能化公司党委 less its suffix


def test_a_successor_in_the_role_inherits_pending_items(org, accounts):
    application = f.submitted(accounts.member)
    successor = testing.make_account("newsecretary")
    grant = RoleGrant.objects.get(user=accounts.secretary, role=Role.SECRETARY)
    org_services.grant_revoke(actor=org.root_user, grant=grant)
    testing.grant(successor, Role.SECRETARY, org.branch1)
    assert list(selectors.approval_queue(viewer=successor)) == [application]
    policies.forget_standings(accounts.secretary)
    with pytest.raises(PermissionRefused):
        services.application_decide(
            actor=accounts.secretary,
            application=application,
            decision=Decision.APPROVE,
            version=application.version,
        )
    decided = services.application_decide(
        actor=successor, application=application, decision=Decision.APPROVE, version=application.version
    )
    assert decided.step_index == 1


def test_an_approver_delegates_while_away(org, accounts):
    secretary, stand_in = accounts.secretary, accounts.outsider_secretary
    application = f.submitted(accounts.member)
    assert application not in selectors.approval_queue(viewer=stand_in)
    today = timezone.localdate()
    with pytest.raises(ApplicationError, match="不能委托给自己"):
        services.delegation_create(actor=secretary, to_user=secretary, starts_on=today, ends_on=today)
    with pytest.raises(PermissionRefused):
        services.delegation_create(actor=accounts.member, to_user=stand_in, starts_on=today, ends_on=today)
    delegation = services.delegation_create(
        actor=secretary,
        to_user=stand_in,
        starts_on=today,
        ends_on=today + dt.timedelta(days=7),
        reason="出差",
    )
    policies.forget_standings(stand_in)
    assert application in selectors.approval_queue(viewer=stand_in)
    assert selectors.application_get_for(viewer=stand_in, pk=application.pk) == application
    decided = services.application_decide(
        actor=stand_in, application=application, decision=Decision.APPROVE, version=application.version
    )
    decision = decided.decisions.get()
    assert decision.actor == stand_in and decision.on_behalf_of == secretary

    second = f.submitted(accounts.member, name="第二个")
    services.delegation_revoke(actor=secretary, delegation=delegation)
    policies.forget_standings(stand_in)
    with pytest.raises(PermissionRefused):
        services.application_decide(
            actor=stand_in, application=second, decision=Decision.APPROVE, version=second.version
        )
    assert (
        AuditEvent.objects.filter(action__in=["registry.delegate", "registry.delegation_revoke"]).count() == 2
    )


@pytest.mark.parametrize(
    ("platform", "kind", "audience", "basis"),
    [
        (Platform.WEIBO, AccountKind.ACCOUNT, 150_000, FilingBasis.SIZE),
        (Platform.WEIBO, AccountKind.ACCOUNT, 90_000, FilingBasis.VOLUNTARY),
        (Platform.WECHAT_GROUP, AccountKind.GROUP, 450, FilingBasis.SIZE),
        (Platform.QQ_GROUP, AccountKind.GROUP, 300, FilingBasis.VOLUNTARY),
    ],
)
def test_personal_accounts_above_the_committees_sizes_are_flagged(
    org, accounts, platform, kind, audience, basis
):
    application = f.draft(
        accounts.member, platform=platform, account_kind=kind, audience=audience, official_capacity=False
    )
    assert application.basis == basis


def test_thresholds_are_set_per_unit(org, accounts):
    services.policy_set(actor=org.root_user, unit=org.committee, steps=[], group_threshold=200)
    application = f.draft(
        accounts.member,
        platform=Platform.QQ_GROUP,
        account_kind=AccountKind.GROUP,
        audience=300,
        official_capacity=False,
    )
    assert application.basis == FilingBasis.SIZE


def test_unit_applications_need_the_unit_in_reach(org, accounts):
    f.draft(accounts.secretary, owner_kind=OwnerKind.UNIT, unit=org.branch1, name="一支部工作群")
    f.draft(
        accounts.member, owner_kind=OwnerKind.UNIT, unit=org.plant, name="甲醇厂公众号"
    )  # their own unit's line
    with pytest.raises(PermissionRefused):
        f.draft(accounts.member, owner_kind=OwnerKind.UNIT, unit=org.office, name="机关群")
    with pytest.raises(ApplicationError, match="没有关联人员档案"):
        f.draft(accounts.unit_admin, name="无档案")


def test_an_administrator_who_leaves_flags_the_account_until_a_change_names_a_new_one(
    org, accounts, django_capture_on_commit_callbacks
):
    member = accounts.member
    keeper = testing.make_person(org.branch1, name="孙管理", mobile="13600001111")
    account = f.filed(member, admins=[f.admin_of(keeper)])
    with django_capture_on_commit_callbacks(execute=True):
        org_services.person_update(actor=org.root_user, person=keeper, status=PersonStatus.TRANSFERRED)
    account.refresh_from_db()
    assert account.handover_needed and "孙管理已调离" in account.handover_reason
    assert account in selectors.account_list(viewer=member, filters=selectors.AccountFilter(handover=True))

    change = services.change_start(actor=member, account=account)
    with pytest.raises(ApplicationError, match="未办结的变更申请"):
        services.change_start(actor=member, account=account)
    services.application_update(
        actor=member,
        application=change,
        admins=[f.admin_of(member.person)],
        change_note="孙管理调离，由王职工接任管理员",
        changed_on=timezone.localdate(),
    )
    change = f.approve_all(services.application_submit(actor=member, application=change), org.root_user)
    account.refresh_from_db()
    assert change.account == account and account.filing_number.endswith("1号")  # the number stays
    assert not account.handover_needed
    assert [a.name for a in account.admins.all()] == ["王职工"]


def test_a_move_to_another_unit_is_a_hand_over_too(org, accounts, django_capture_on_commit_callbacks):
    keeper = testing.make_person(org.branch1, name="周管理", mobile="13600002222")
    account = f.filed(accounts.member, admins=[f.admin_of(keeper)])
    with django_capture_on_commit_callbacks(execute=True):
        org_services.person_update(actor=org.root_user, person=keeper, unit=org.branch2)
    account.refresh_from_db()
    assert account.handover_needed and "调动至甲醇厂第二党支部" in account.handover_reason


def test_changes_filed_late_are_marked(org, accounts):
    account = f.filed(accounts.member)
    change = services.change_start(actor=accounts.member, account=account)
    services.application_update(
        actor=accounts.member, application=change, changed_on=timezone.localdate() - dt.timedelta(days=45)
    )
    change = services.application_submit(actor=accounts.member, application=change)
    assert services.change_overdue(change, 30)


def test_suspend_and_close_keep_the_account_in_the_registry(org, accounts):
    account = f.filed(accounts.member)
    with pytest.raises(PermissionRefused):
        services.account_close(actor=accounts.secretary, account=account, reason="不再使用")
    with pytest.raises(ApplicationError, match="请填写原因"):
        services.account_suspend(actor=accounts.unit_admin, account=account, reason=" ")
    services.account_suspend(actor=accounts.unit_admin, account=account, reason="整改期间暂停")
    services.account_resume(actor=accounts.unit_admin, account=account)
    closed = services.account_close(
        actor=accounts.unit_admin, account=account, reason="活动结束", on=dt.date(2026, 1, 5)
    )
    assert closed.status == AccountStatus.CLOSED and closed.status_on == dt.date(2026, 1, 5)
    assert closed in selectors.account_list(viewer=accounts.unit_admin)
    with pytest.raises(ApplicationError, match="已注销的账号不能变更"):
        services.change_start(actor=accounts.member, account=closed)
    history = [e.action for e in selectors.account_history(account=closed)]
    assert history[-3:] == ["registry.suspend", "registry.resume", "registry.close"]


def test_a_filed_account_cannot_be_applied_for_twice(org, accounts):
    f.filed(accounts.member, name="重复号", platform_ref="dup001")
    with pytest.raises(ApplicationError, match="该账号已备案"):
        f.submitted(accounts.member, name="换了名字", platform_ref="dup001")


def test_who_sees_what(org, accounts):
    mine = f.filed(accounts.member, name="王职工的号")
    other_person = testing.make_person(org.branch2, name="钱职工", mobile="13500001111")
    other_user = testing.make_account("qian", person=other_person)
    theirs = f.filed(other_user, name="二支部的号")

    def seen(user):
        return set(selectors.account_list(viewer=user).values_list("name", flat=True))

    assert seen(accounts.member) == {"王职工的号"}
    assert seen(other_user) == {"二支部的号"}
    assert seen(accounts.secretary) == {"王职工的号"}
    assert seen(accounts.outsider_secretary) == {"二支部的号"}
    assert seen(accounts.unit_admin) == seen(accounts.inspector) == {"王职工的号", "二支部的号"}
    assert mine.pk and theirs.pk
    # An administrator who is not the applicant (from another unit: found by employee number) sees it too.
    keeper_user = testing.make_account(
        "keeper",
        person=testing.make_person(org.office, name="郑管理", mobile="13500002222", employee_no="B2001"),
    )
    shared = f.filed(other_user, name="共管的号", admins=[f.admin_of(keeper_user.person)])
    assert shared.pk in set(selectors.account_list(viewer=keeper_user).values_list("pk", flat=True))
    assert services.may_file_change(keeper_user, shared)


# ---------------------------------------------------------------------------------------------------- concurrency


def _run_together(fns):
    errors: list[Exception] = []
    barrier = threading.Barrier(len(fns))

    def run(fn):
        try:
            barrier.wait()
            fn()
        except Exception as exc:  # noqa: BLE001 - collected for the assertion
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(fn,)) for fn in fns]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="concurrent writers need a server database")
def test_concurrent_filings_get_distinct_consecutive_numbers(org, accounts):
    root = org.root_user
    applications = [f.submitted(accounts.member, name=f"并发账号{'甲乙丙丁戊己庚辛'[i]}") for i in range(8)]
    applications = [
        services.application_decide(actor=root, application=a, decision=Decision.APPROVE, version=a.version)
        for a in applications
    ]

    def approve(application):
        return lambda: services.application_decide(
            actor=root, application=application, decision=Decision.APPROVE, version=application.version
        )

    assert not _run_together([approve(a) for a in applications])
    sequences = sorted(Account.objects.values_list("filing_seq", flat=True))
    assert sequences == list(range(1, 9))
    assert FilingCounter.objects.get(code="西北能化网备").last == 8


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="concurrent writers need a server database")
def test_two_approvers_at_the_same_moment_make_one_decision(org, accounts):
    application = f.submitted(accounts.member)

    def decide(actor, decision):
        return lambda: services.application_decide(
            actor=actor,
            application=application,
            decision=decision,
            comment="意见",
            version=application.version,
        )

    errors = _run_together(
        [decide(accounts.secretary, Decision.APPROVE), decide(accounts.sysadmin, Decision.RETURN)]
    )
    assert len(errors) == 1 and "您的决定没有保存" in str(errors[0])
    assert ApplicationDecision.objects.filter(application=application).count() == 1
