"""Cases (article 9): commendation, protection and support, violation cases taken through due process in order."""

from __future__ import annotations

import datetime as dt

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.utils import timezone

from netconduct.core.audit import audit_verify
from netconduct.core.exceptions import ApplicationError, PermissionRefused
from netconduct.core.models import AuditEvent
from netconduct.notifications.models import Notification
from netconduct.reports import case_selectors, case_services
from netconduct.reports.choices import AppealOutcome, CaseStep, Decision, SupportKind
from netconduct.reports.models import CaseEntry, ViolationCase

from . import factories as f

pytestmark = pytest.mark.django_db


def test_a_commendation_shows_on_the_persons_record_to_those_who_may_see_it(org, accounts):
    person = accounts.member.person
    case_services.commendation_create(
        actor=accounts.secretary,
        person=person,
        reason="主动澄清网络谣言",
        granted_by="甲醇厂第一党支部",
        granted_on=timezone.localdate(),
    )
    template = Template("{% load reports_tags %}{% person_commendations person %}")

    def shown(user) -> bool:
        request = RequestFactory().get("/")
        request.user = user
        return "主动澄清网络谣言" in template.render(Context({"request": request, "person": person}))

    assert (
        shown(accounts.secretary) and shown(accounts.unit_admin) and shown(accounts.member)
    )  # and the person
    assert not shown(accounts.outsider_secretary)
    with pytest.raises(PermissionRefused):
        case_services.commendation_create(
            actor=accounts.outsider_secretary,
            person=person,
            reason="不在范围内",
            granted_by="某支部",
            granted_on=timezone.localdate(),
        )
    with pytest.raises(ApplicationError) as exc:
        case_services.commendation_create(
            actor=accounts.secretary,
            person=person,
            reason="事由写清楚",
            granted_by="",
            granted_on=timezone.localdate(),
        )
    assert exc.value.field == "granted_by"


def test_protection_records_what_happened_the_support_given_and_the_outcome(org, accounts):
    case = case_services.protection_create(
        actor=accounts.secretary,
        person=accounts.member.person,
        happened="发表正面评论后遭到围攻辱骂",
        links="https://example.com/a\nhttps://example.com/b",
        support=[SupportKind.PLATFORM, SupportKind.CLARIFICATION],
    )
    assert case.support == ["clarification", "platform"]
    with pytest.raises(ApplicationError) as exc:
        case_services.protection_update(
            actor=accounts.secretary, case=case, support=["legal"], support_notes="", outcome="", close=True
        )
    assert exc.value.field == "outcome"
    case = case_services.protection_update(
        actor=accounts.secretary,
        case=case,
        support=["legal", "platform"],
        support_notes="联系公司法律顾问",
        outcome="平台已删除侮辱性内容",
        close=True,
    )
    assert case.status == "closed" and case.closed_on == timezone.localdate()
    with pytest.raises(ApplicationError):
        case_services.protection_update(
            actor=accounts.secretary, case=case, support=[], support_notes="", outcome="x"
        )


def test_a_violation_case_cites_the_issued_norms(org, accounts):
    case = f.violation(
        accounts.member.person,
        actor=accounts.inspector,
        citations=["第二条第（二）项", "2.1", "第二条（一）"],
    )
    assert case.citation_labels == ["第二条第（二）项", "第二条第（一）项"]
    with pytest.raises(ApplicationError) as exc:
        f.violation(accounts.member.person, actor=accounts.inspector, citations=["第二条第（九）项"])
    assert "现行规范中没有第二条第（九）项" in exc.value.message
    with pytest.raises(ApplicationError) as exc:
        f.violation(accounts.member.person, actor=accounts.inspector, citations=["随便写的"])
    assert "不是条款引用" in exc.value.message


def test_due_process_in_order_with_the_person_told_answering_and_appealing(org, accounts):
    inspector, member = accounts.inspector, accounts.member
    case = f.violation(member.person, actor=inspector)
    adv = case_services.violation_advance
    # no decision before the person has been heard
    with pytest.raises(ApplicationError) as exc:
        adv(actor=inspector, case=case, to=CaseStep.DECIDED, decision=Decision.TALK, text="理由充分")
    assert "不能直接进入" in exc.value.message
    case = adv(actor=inspector, case=case, to=CaseStep.INVESTIGATING)
    case = adv(
        actor=inspector,
        case=case,
        to=CaseStep.STATEMENT_REQUESTED,
        text="反映您在微信群转发内部文件截图，请说明。",
    )
    assert case.statement_due == timezone.localdate() + dt.timedelta(days=7)
    note = Notification.objects.get(user=member)
    assert note.url.endswith(f"/reports/cases/mine/{case.pk}/") and "转发内部文件" not in note.body
    with pytest.raises(ApplicationError):  # the deadline has not passed
        adv(actor=inspector, case=case, to=CaseStep.STATEMENT_LAPSED)
    with pytest.raises(PermissionRefused):  # only the person answers with their own account
        case_services.case_statement(actor=accounts.secretary, case=case, text="不是本人")
    case = case_services.case_statement(actor=member, case=case, text="截图是公开通知，并非内部文件。")
    assert case.step == CaseStep.STATEMENT_RECEIVED
    with pytest.raises(ApplicationError) as exc:
        adv(
            actor=inspector,
            case=case,
            to=CaseStep.DECIDED,
            decision=Decision.PARTY_DISCIPLINE,
            text="情节严重",
        )
    assert exc.value.field == "decision_ref"
    case = adv(
        actor=inspector,
        case=case,
        to=CaseStep.DECIDED,
        decision=Decision.CRITICISM,
        text="经核实截图含内部信息。",
    )
    assert case.appeal_due == timezone.localdate() + dt.timedelta(days=30)
    with pytest.raises(ApplicationError):  # cannot close while the appeal window is open
        adv(actor=inspector, case=case, to=CaseStep.CLOSED)
    case = case_services.case_appeal(actor=member, case=case, text="我认为截图内容已公开发布。")
    case = adv(
        actor=inspector,
        case=case,
        to=CaseStep.APPEAL_DECIDED,
        appeal_outcome=AppealOutcome.CHANGED,
        decision=Decision.TALK,
        text="部分内容已公开，改为谈话提醒。",
    )
    assert case.decision == Decision.TALK and case.appeal_outcome == AppealOutcome.CHANGED
    case = adv(actor=inspector, case=case, to=CaseStep.CLOSED, text="已谈话提醒。")
    assert case.step == CaseStep.CLOSED and case.closed_at
    steps = list(
        AuditEvent.objects.filter(object_type="reports.violationcase")
        .order_by("seq")
        .values_list("action", flat=True)
    )
    assert steps == [
        "violation.open",
        "violation.investigating",
        "violation.statement_requested",
        "violation.statement",
        "violation.decided",
        "violation.appeal",
        "violation.appeal_decided",
        "violation.closed",
    ]
    # the audit trail says which step, never what was said nor about whom
    trail = str(
        list(AuditEvent.objects.filter(object_type="reports.violationcase").values("after", "object_repr"))
    )
    assert "内部文件" not in trail and "王职工" not in trail
    for body in CaseEntry.objects.values_list("body_enc", flat=True):
        assert "截图" not in body
    seen = case_selectors.case_entries(case, for_person=True)
    assert {e.kind for e in seen} == {"notice", "statement", "decision", "appeal", "appeal_decision"}
    assert len(Notification.objects.filter(user=member)) == 3  # told, decision, appeal outcome
    assert audit_verify().ok


def test_a_lapsed_statement_lets_the_case_go_on(org, accounts):
    inspector = accounts.inspector
    case = f.violation(accounts.member.person, actor=inspector)
    case = case_services.violation_advance(actor=inspector, case=case, to=CaseStep.INVESTIGATING)
    case = case_services.violation_advance(
        actor=inspector, case=case, to=CaseStep.STATEMENT_REQUESTED, text="请就转发行为作出书面说明。"
    )
    ViolationCase.objects.filter(pk=case.pk).update(statement_due=timezone.localdate() - dt.timedelta(days=1))
    case.refresh_from_db()
    case = case_services.violation_advance(actor=inspector, case=case, to=CaseStep.STATEMENT_LAPSED)
    case = case_services.violation_advance(
        actor=inspector, case=case, to=CaseStep.DECIDED, decision=Decision.NO_VIOLATION, text="查无实据。"
    )
    case = case_services.violation_advance(actor=inspector, case=case, to=CaseStep.CLOSED)
    assert case.step == CaseStep.CLOSED


def test_a_case_opened_from_a_report_keeps_its_number(org, accounts):
    report = f.file_report(accounts.member).report
    case = f.violation(
        accounts.member.person, actor=accounts.inspector, source="report", source_report=report
    )
    assert case.source_ref == report.reference
    other = f.inspector(org.branch2, "branch2-inspector")
    with pytest.raises((ApplicationError, PermissionRefused)):
        f.violation(accounts.member.person, actor=other, source="report", source_report=report)


def test_violation_cases_are_only_for_inspectors_of_the_unit_and_above(org, accounts):
    case = f.violation(accounts.member.person, actor=accounts.inspector)
    branch2 = f.inspector(org.branch2, "inspector-two")
    branch1 = f.inspector(org.branch1, "inspector-one")
    assert list(case_selectors.violation_list(viewer=branch1)) == [case]
    for viewer in (
        branch2,
        accounts.unit_admin,
        accounts.sysadmin,
        accounts.secretary,
        org.root_user,
        accounts.member,
    ):
        assert not case_selectors.violation_list(viewer=viewer).exists()
    with pytest.raises(PermissionRefused):
        case_services.violation_advance(actor=branch2, case=case, to=CaseStep.INVESTIGATING)


def test_demo_load_makes_one_commendation_and_one_protection_once(org, accounts):
    from netconduct import testing
    from netconduct.reports.demo import demo_load
    from netconduct.reports.models import Commendation, ProtectionCase

    testing.make_person(org.branch2, name="周党员", categories=["party_member"])
    assert demo_load(actor=org.root_user, group=org.group) == {"commendations": 1, "protections": 1}
    assert demo_load(actor=org.root_user, group=org.group) == {"commendations": 0, "protections": 0}
    assert Commendation.objects.count() == 1 and ProtectionCase.objects.count() == 1
