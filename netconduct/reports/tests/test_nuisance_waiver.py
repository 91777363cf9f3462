"""A nuisance mark keeps the report and counts it; the person may waive the appeal so the case closes early;
evidence is always a download."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from netconduct import testing
from netconduct.core.exceptions import ApplicationError, PermissionRefused
from netconduct.core.models import AuditEvent
from netconduct.reports import case_services, selectors, services
from netconduct.reports.choices import CaseStep, Decision, EntryKind
from netconduct.reports.models import Report

from . import factories as f

pytestmark = pytest.mark.django_db


def test_an_inspector_marks_a_nuisance_which_is_kept_counted_and_audited(org, accounts):
    filed = f.file_report(accounts.member)
    client = Client()
    testing.login(client, accounts.inspector)
    response = client.post(reverse("reports:handle_nuisance", args=[filed.report.pk]), {"nuisance": "1"})
    assert response.status_code == 302
    report = Report.objects.get(pk=filed.report.pk)  # kept
    assert report.nuisance and not report.is_overdue
    event = AuditEvent.objects.get(action="report.nuisance")
    assert event.actor == accounts.inspector and event.object_id == str(report.pk)
    figures = selectors.report_stats(viewer=accounts.sysadmin)
    assert sum(fig.total for fig in figures) == 1 and sum(fig.nuisance for fig in figures) == 1
    page = client.get(reverse("reports:handle_detail", args=[report.pk])).content.decode()
    assert "nuisance-badge" in page
    with pytest.raises(ApplicationError, match="已标记"):
        services.report_mark_nuisance(actor=accounts.inspector, report=report)
    services.report_mark_nuisance(actor=accounts.inspector, report=report, nuisance=False)
    assert not Report.objects.get(pk=report.pk).nuisance
    for outsider in (accounts.secretary, accounts.unit_admin, accounts.sysadmin):  # not inspectors
        with pytest.raises(PermissionRefused):
            services.report_mark_nuisance(actor=outsider, report=report)
        other = Client()
        testing.login(other, outsider)
        assert other.post(reverse("reports:handle_nuisance", args=[report.pk])).status_code == 404
    assert AuditEvent.objects.filter(action="report.nuisance").count() == 2


def _decided(accounts, decision=Decision.CRITICISM):
    inspector, member = accounts.inspector, accounts.member
    case = f.violation(member.person, actor=inspector)
    adv = case_services.violation_advance
    case = adv(actor=inspector, case=case, to=CaseStep.INVESTIGATING)
    case = adv(
        actor=inspector, case=case, to=CaseStep.STATEMENT_REQUESTED, text="反映您在群里转发截图，请说明。"
    )
    case = case_services.case_statement(actor=member, case=case, text="情况属实。")
    return adv(actor=inspector, case=case, to=CaseStep.DECIDED, decision=decision, text="经核实情况属实。")


def test_the_person_waives_the_appeal_and_the_case_closes_before_30_days(org, accounts):
    case = _decided(accounts)
    with pytest.raises(ApplicationError, match="申诉期"):
        case_services.violation_advance(actor=accounts.inspector, case=case, to=CaseStep.CLOSED)
    with pytest.raises(PermissionRefused):  # somebody else cannot waive it for them
        case_services.case_waive_appeal(actor=accounts.secretary, case=case)
    client = Client()
    testing.login(client, accounts.member)
    assert "waive-form" in client.get(reverse("reports:my_case", args=[case.pk])).content.decode()
    response = client.post(reverse("reports:my_case_waive", args=[case.pk]))
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.appeal_waived_on is not None and not case.can_appeal
    assert case.entries.filter(kind=EntryKind.WAIVER).exists()
    event = AuditEvent.objects.get(action="violation.waive_appeal")
    assert event.actor == accounts.member
    with pytest.raises(ApplicationError):  # an appeal after waiving it
        case_services.case_appeal(actor=accounts.member, case=case, text="我又想申诉了。")
    with pytest.raises(ApplicationError):  # and waiving twice
        case_services.case_waive_appeal(actor=accounts.member, case=case)
    closed = case_services.violation_advance(actor=accounts.inspector, case=case, to=CaseStep.CLOSED)
    assert closed.step == CaseStep.CLOSED


def test_an_inspector_records_a_written_waiver_with_a_note(org, accounts):
    case = _decided(accounts)
    with pytest.raises(ApplicationError) as exc:
        case_services.case_waive_appeal(actor=accounts.inspector, case=case, text="")
    assert exc.value.field == "text"
    client = Client()
    testing.login(client, accounts.inspector)
    response = client.post(
        reverse("reports:violation_waive", args=[case.pk]), {"text": "本人于今日签署放弃申诉声明。"}
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.appeal_waived_on is not None
    assert (
        case_services.violation_advance(actor=accounts.inspector, case=case, to=CaseStep.CLOSED).step
        == "closed"
    )


def test_evidence_is_always_a_download(org, accounts):
    filed = f.file_report(accounts.member, files=[f.png_upload()])
    file = filed.report.files.get()
    client = Client()
    testing.login(client, accounts.inspector)
    for query in ("", "?download=0", "?download=1"):
        response = client.get(reverse("reports:handle_file", args=[filed.report.pk, file.pk]) + query)
        assert response.status_code == 200
        assert response["Content-Disposition"].startswith("attachment;")
        assert response["X-Content-Type-Options"] == "nosniff"
    case = f.violation(accounts.member.person, actor=accounts.inspector)
    case_services.violation_note(actor=accounts.inspector, case=case, text="截图", files=[f.png_upload()])
    response = client.get(reverse("reports:violation_file", args=[case.pk, case.files.get().pk]))
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
