"""Referral to outside regulators (移交网信等监管部门): recorded on a report or a case by those who handle it, with
its reply later; audited as the report's or case's own events, so nobody else sees them; the reply is sealed."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from netconduct import testing
from netconduct.core.exceptions import ApplicationError, PermissionRefused
from netconduct.core.models import AuditEvent
from netconduct.org.selectors import audit_event_list
from netconduct.reports import policies, referrals, services
from netconduct.reports.models import Referral

from . import factories as f

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def _refer(actor, **kw):
    fields = {
        "receiver": "属地网信办",
        "sent_on": TODAY(),
        "channel": "document",
        "reference": "西北能化纪〔2026〕3号",
    }
    fields.update(kw)
    return referrals.referral_create(actor=actor, **fields)


@pytest.fixture
def report(org, accounts):
    return f.file_report(accounts.member, unit=org.branch1).report


def test_a_handler_refers_a_report_and_records_the_reply(org, accounts, report):
    referral = _refer(accounts.inspector, report=report)
    assert (referral.receiver, referral.channel, referral.reference) == (
        "属地网信办",
        "document",
        "西北能化纪〔2026〕3号",
    )
    event = AuditEvent.objects.filter(action="report.refer").get()
    assert (event.object_type, event.object_id) == ("reports.report", str(report.pk))
    assert event.after["receiver"] == "属地网信办" and event.after["channel"] == "公文/函件"

    referrals.referral_reply(
        actor=accounts.inspector,
        referral=referral,
        reply_on=TODAY(),
        summary="已依法约谈账号主体并删除相关信息。",
    )
    [shown] = referrals.referrals_of(report)
    assert shown.reply_on == TODAY() and shown.reply_text == "已依法约谈账号主体并删除相关信息。"
    # the reply is sealed in the database and never in the audit trail
    with connection.cursor() as cursor:
        cursor.execute("SELECT reply_enc FROM reports_referral")
        [(stored,)] = cursor.fetchall()
    assert "约谈" not in stored
    reply_event = AuditEvent.objects.filter(action="report.referral_reply").get()
    assert "约谈" not in str(reply_event.after) and reply_event.after["reply_on"] == TODAY().isoformat()


def test_a_case_is_referred_too(org, accounts):
    person = testing.make_person(org.branch1, name="当事人丙")
    case = f.violation(person, actor=accounts.inspector)
    referral = _refer(accounts.inspector, case=case, channel="in_person", reference="")
    assert referral.case_id == case.pk and referral.report_id is None
    assert AuditEvent.objects.filter(
        action="violation.refer", object_type="reports.violationcase", object_id=str(case.pk)
    ).exists()


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"receiver": "  "}, "receiver", "请填写接收部门"),
        ({"sent_on": None}, "sent_on", "请填写移交日期"),
        ({"sent_on": dt.date(2999, 1, 1)}, "sent_on", "不能晚于今天"),
        ({"channel": "fax"}, "channel", "请选择移交方式"),
        ({"channel": "document", "reference": ""}, "reference", "请填写文号"),
        ({"reference": "号" * 61}, "reference", "最多60字"),
    ],
)
def test_bad_input_names_the_field_and_changes_nothing(accounts, report, fields, field, message):
    with pytest.raises(ApplicationError) as exc:
        _refer(accounts.inspector, report=report, **fields)
    assert exc.value.field == field and message in exc.value.message
    assert not Referral.objects.exists() and not AuditEvent.objects.filter(action="report.refer").exists()


def test_reply_rules(accounts, report):
    referral = _refer(accounts.inspector, report=report, sent_on=TODAY() - dt.timedelta(days=3))
    for kw, field, message in (
        ({"reply_on": TODAY() - dt.timedelta(days=5), "summary": "已处置"}, "reply_on", "不能早于移交日期"),
        ({"reply_on": None, "summary": "已处置"}, "reply_on", "请填写回复日期"),
        ({"reply_on": TODAY(), "summary": " "}, "summary", "请填写回复摘要"),
    ):
        with pytest.raises(ApplicationError) as exc:
            referrals.referral_reply(actor=accounts.inspector, referral=referral, **kw)
        assert exc.value.field == field and message in exc.value.message
    referrals.referral_reply(actor=accounts.inspector, referral=referral, reply_on=TODAY(), summary="已处置")
    with pytest.raises(ApplicationError, match="已登记回复"):
        referrals.referral_reply(
            actor=accounts.inspector, referral=referral, reply_on=TODAY(), summary="再次"
        )


@pytest.mark.parametrize("role", ["sysadmin", "unit_admin", "secretary", "member", "outsider_secretary"])
def test_only_the_reports_handlers_refer(accounts, report, role):
    with pytest.raises(PermissionRefused):
        _refer(getattr(accounts, role), report=report)
    assert not Referral.objects.exists()


def test_an_inspector_of_another_branch_may_not_refer(org, report):
    with pytest.raises(PermissionRefused):
        _refer(f.inspector(org.branch2, "inspector-branch2"), report=report)


def test_staff_without_an_inspector_grant_see_nothing_of_referrals_in_the_audit_trail(accounts, report):
    referral = _refer(accounts.inspector, report=report)
    referrals.referral_reply(actor=accounts.inspector, referral=referral, reply_on=TODAY(), summary="已处置")
    for user in (accounts.unit_admin, accounts.sysadmin):
        actions = {e.action for e in audit_event_list(viewer=user)}
        assert not {"report.refer", "report.referral_reply"} & actions
    # the report's inspector is not hidden from them (the audit page needs audit.view, which inspectors lack)
    mine = AuditEvent.objects.exclude(policies.audit_hidden(accounts.inspector))
    assert mine.filter(action__in=["report.refer", "report.referral_reply"]).count() == 2


def test_the_report_page_records_a_referral_and_its_reply(org, accounts, report):
    client = Client()
    testing.login(client, accounts.inspector)
    url = reverse("reports:handle_refer", args=[report.pk])
    response = client.post(
        url, {"receiver": "", "sent_on": TODAY().isoformat(), "channel": "platform"}, follow=True
    )
    assert "请填写接收部门" in response.content.decode() and not Referral.objects.exists()
    client.post(
        url,
        {
            "receiver": "12377违法和不良信息举报中心",
            "sent_on": TODAY().isoformat(),
            "channel": "platform",
            "reference": "A-778",
        },
    )
    referral = Referral.objects.get()
    page = client.get(reverse("reports:handle_detail", args=[report.pk])).content.decode()
    assert "12377违法和不良信息举报中心" in page and "A-778" in page and "待回复" in page
    client.post(
        reverse("reports:handle_referral_reply", args=[report.pk, referral.pk]),
        {"reply_on": TODAY().isoformat(), "summary": "平台已删除相关帖文。"},
    )
    page = client.get(reverse("reports:handle_detail", args=[report.pk])).content.decode()
    assert "平台已删除相关帖文。" in page and "已回复" in page and "移交监管部门" in page


def test_a_referral_of_another_report_is_404(org, accounts, report):
    other = f.file_report(accounts.member, unit=org.branch2).report
    referral = _refer(accounts.inspector, report=other)
    client = Client()
    testing.login(client, accounts.inspector)
    response = client.post(
        reverse("reports:handle_referral_reply", args=[report.pk, referral.pk]),
        {"reply_on": TODAY().isoformat(), "summary": "不该成功"},
    )
    assert response.status_code == 404


def test_rekey_reseals_replies(accounts, report, settings):
    referral = _refer(accounts.inspector, report=report)
    referrals.referral_reply(
        actor=accounts.inspector, referral=referral, reply_on=TODAY(), summary="已处置完毕"
    )
    counts = services.reports_rekey()
    assert counts["texts"] >= 0
    assert referrals.referrals_of(report)[0].reply_text == "已处置完毕"


def test_the_reporter_following_their_report_sees_nothing_of_the_referral(accounts, org):
    filed = f.file_report(accounts.member, unit=org.branch1)
    referral = _refer(accounts.inspector, report=filed.report, receiver="属地网信办甲")
    referrals.referral_reply(
        actor=accounts.inspector, referral=referral, reply_on=TODAY(), summary="回复摘要乙"
    )
    client = Client()
    response = client.post(reverse("reports:follow"), {"code": filed.code, "passphrase": f.PASSPHRASE})
    page = response.content.decode()
    assert response.status_code == 200 and filed.report.get_state_display() in page
    assert "属地网信办甲" not in page and "回复摘要乙" not in page
