"""Pages: isolation by URL between branches, query counts of the lists, bad input on the forms, the receipt shown
once, and what the committee's figures show."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from netconduct import testing
from netconduct.core.url_matrix import iter_url_names
from netconduct.reports import case_services, referrals
from netconduct.reports.models import Report

from . import factories as f

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    testing.login(client, user)
    return client


def test_a_handler_of_branch_a_cannot_read_any_report_or_case_of_branch_b_by_any_url(org, accounts):
    handler_a = f.inspector(org.branch1, "handler-a")
    handler_b = f.inspector(org.branch2, "handler-b")
    person_b = testing.make_person(org.branch2, name="赵职工", employee_no="B2001")
    filed = f.file_report(accounts.member, unit=org.branch2, files=[f.png_upload()])
    report_b = filed.report
    case_b = f.violation(person_b, actor=handler_b)
    case_services.violation_note(actor=handler_b, case=case_b, text="证据", files=[f.png_upload()])
    protection_b = case_services.protection_create(
        actor=org.root_user, person=person_b, happened="遭到围攻辱骂。"
    )
    referral_b = referrals.referral_create(
        actor=handler_b,
        report=report_b,
        receiver="属地网信办",
        sent_on=timezone.localdate(),
        channel="platform",
    )
    case_referral_b = referrals.referral_create(
        actor=handler_b, case=case_b, receiver="属地网信办", sent_on=timezone.localdate(), channel="in_person"
    )
    kwargs = {
        "handle_detail": {"pk": report_b.pk},
        "handle_assign": {"pk": report_b.pk},
        "handle_advance": {"pk": report_b.pk},
        "handle_message": {"pk": report_b.pk},
        "handle_nuisance": {"pk": report_b.pk},
        "handle_file": {"pk": report_b.pk, "file_pk": report_b.files.get().pk},
        "violation_detail": {"pk": case_b.pk},
        "violation_advance": {"pk": case_b.pk},
        "violation_note": {"pk": case_b.pk},
        "violation_file": {"pk": case_b.pk, "file_pk": case_b.files.get().pk},
        "violation_waive": {"pk": case_b.pk},
        "my_case": {"pk": case_b.pk},
        "my_case_waive": {"pk": case_b.pk},
        "protection_detail": {"pk": protection_b.pk},
        "handle_refer": {"pk": report_b.pk},
        "handle_referral_reply": {"pk": report_b.pk, "referral_pk": referral_b.pk},
        "violation_refer": {"pk": case_b.pk},
        "violation_referral_reply": {"pk": case_b.pk, "referral_pk": case_referral_b.pk},
    }
    with_object = {n.split(":")[1] for n in iter_url_names() if n.startswith("reports:")} - {
        "home",
        "file",
        "follow",
        "follow_add",
        "handle_list",
        "stats",
        "violation_list",
        "violation_create",
        "support_list",
        "commendation_create",
        "protection_create",
    }
    assert with_object == set(kwargs), "a new URL with an object needs a line here"
    client = _client(handler_a)
    for name, kw in kwargs.items():
        url = reverse(f"reports:{name}", kwargs=kw)
        assert client.get(url).status_code in (404, 405), name
        assert (
            client.post(url, {"step": "investigating", "text": "x" * 12, "kind": "reply"}).status_code == 404
        ), name
    assert client.get(reverse("reports:violation_create") + f"?report={report_b.pk}").status_code == 404
    page = client.get(reverse("reports:handle_list")).content.decode()
    assert report_b.reference not in page
    assert case_b.reference not in client.get(reverse("reports:violation_list")).content.decode()
    report_b.refresh_from_db()
    assert report_b.state == "received" and not report_b.messages.exists()


def test_handler_list_queries_do_not_grow_with_rows(org, accounts, django_assert_max_num_queries):
    client = _client(accounts.inspector)
    f.file_report(accounts.member)
    client.get(reverse("reports:handle_list"))
    with django_assert_max_num_queries(8) as few:
        client.get(reverse("reports:handle_list"))
    for i in range(12):
        filed = f.file_report(accounts.member, unit=org.branch2 if i % 2 else org.office)
        if i % 3 == 0:
            from netconduct.reports import services

            services.report_assign(actor=accounts.inspector, report=filed.report, handler=accounts.inspector)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("reports:handle_list"))
    assert response.content.decode().count("data-report=") == 13


def test_stats_page_shows_counts_without_contents(org, accounts, django_assert_max_num_queries):
    f.file_report(accounts.member, description="统计页不应出现的举报内容")
    client = _client(accounts.unit_admin)
    with django_assert_max_num_queries(10):
        page = client.get(reverse("reports:stats")).content.decode()
    assert "甲醇厂第一党支部" in page and "统计页不应出现" not in page and "JB" not in page
    assert client.get(reverse("reports:handle_list")).status_code == 404
    report = Report.objects.get()
    assert client.get(reverse("reports:handle_detail", args=[report.pk])).status_code == 404


def test_the_filing_form_names_what_is_wrong_and_files_nothing(org, accounts):
    client = _client(accounts.member)
    once = client.get(reverse("reports:file")).context["form"]["once"].value()
    response = client.post(
        reverse("reports:file"),
        {
            "category": "other",
            "platform": "wechat",
            "description": "太短了",
            "confidential": "1",
            "unit_basis": "mine",
            "passphrase": "long-enough-1",
            "passphrase2": "different-2",
            "once": once,
        },
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "两次输入的查询密码不一致" in page
    assert not Report.objects.exists()


def test_the_receipt_code_is_shown_once_and_a_resubmission_files_nothing_twice(org, accounts):
    client = _client(accounts.member)
    once = client.get(reverse("reports:file")).context["form"]["once"].value()
    data = {
        "category": "other",
        "platform": "weibo",
        "description": "有人冒用单位名义发布不实信息",
        "confidential": "0",
        "unit_basis": "mine",
        "passphrase": "long-enough-1",
        "passphrase2": "long-enough-1",
        "once": once,
    }
    first = client.post(reverse("reports:file"), data)
    assert first.status_code == 200 and first.context["filed"].code_display in first.content.decode()
    again = client.post(reverse("reports:file"), data)
    assert again.status_code == 302 and Report.objects.count() == 1


def test_handler_pages_walk_a_report_to_closed(org, accounts):
    report = f.file_report(
        accounts.member, confidential=False, description="实名举报：有人在群里传播谣言"
    ).report
    client = _client(accounts.inspector)
    page = client.get(reverse("reports:handle_detail", args=[report.pk])).content.decode()
    assert "实名举报" in page and "王职工" in page
    client.post(reverse("reports:handle_assign", args=[report.pk]), {"handler": accounts.inspector.pk})
    client.post(reverse("reports:handle_advance", args=[report.pk]), {"reply": "已开始核查"})
    client.post(reverse("reports:handle_advance", args=[report.pk]), {"disposition": "unfounded"})
    client.post(
        reverse("reports:handle_advance", args=[report.pk]), {"summary": "经核查，所反映情况不属实。"}
    )
    report.refresh_from_db()
    assert (
        report.state == "closed"
        and report.disposition == "unfounded"
        and report.handler == accounts.inspector
    )


def test_the_person_concerned_answers_on_their_own_page(org, accounts):
    case = f.violation(accounts.member.person, actor=accounts.inspector)
    case = case_services.violation_advance(actor=accounts.inspector, case=case, to="investigating")
    case = case_services.violation_advance(
        actor=accounts.inspector,
        case=case,
        to="statement_requested",
        text="反映您转发未经核实的信息，请说明。",
    )
    client = _client(accounts.member)
    page = client.get(reverse("reports:my_case", args=[case.pk])).content.decode()
    assert (
        "反映您转发未经核实的信息" in page and "在微信群中转发内部文件截图" not in page
    )  # the summary is internal
    response = client.post(reverse("reports:my_case", args=[case.pk]), {"text": "我转发前不知道是谣言。"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.step == "statement_received"
