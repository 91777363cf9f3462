"""Who is told of a new report and of case steps: the inspectors who receive it, with no content in the message,
once each; the person concerned of the steps that ask something of them."""

from __future__ import annotations

import pytest

from netconduct.notifications.models import Delivery, Notification
from netconduct.reports import case_services
from netconduct.reports.choices import CaseStep
from netconduct.reports.notify import NEW_REPORT, report_tell_inspectors
from netconduct.reports.tests import factories as f

pytestmark = pytest.mark.django_db


def test_a_new_report_tells_the_inspectors_who_receive_it_and_no_one_else(org, accounts):
    branch_inspector = f.inspector(org.branch1, "jj_branch1")
    other_inspector = f.inspector(org.branch2, "jj_branch2")
    accounts.inspector.email = "jj@example.com"
    accounts.inspector.save()
    filed = f.file_report(accounts.member, description="某某在微信群里转发未经核实的消息。")
    notes = Notification.objects.filter(title=NEW_REPORT)
    assert set(notes.values_list("user_id", flat=True)) == {accounts.inspector.pk, branch_inspector.pk}
    assert not notes.filter(user=other_inspector).exists()
    assert not notes.filter(user__in=[accounts.sysadmin, accounts.unit_admin, accounts.secretary]).exists()
    for note in notes:
        assert "微信" not in note.title + note.body and "某某" not in note.body
        assert note.url.endswith(f"/reports/handle/{filed.report.pk}/")
    mail = Delivery.objects.get(recipient="jj@example.com")
    assert "微信" not in mail.subject + mail.body
    assert report_tell_inspectors(filed.report) == 0  # a second run tells nobody again
    assert notes.count() == 2


def test_case_steps_tell_the_other_inspectors_and_the_person(org, accounts):
    colleague = f.inspector(org.plant, "jj_plant")
    f.inspector(org.office, "jj_office")  # the office's inspector does not cover branch1
    member = accounts.member
    case = f.violation(member.person, actor=accounts.inspector)
    steps = Notification.objects.filter(key__startswith=f"reports.case:{case.pk}:")
    # the inspector who opened it is not told of their own step; the colleague who covers the unit is
    assert set(steps.values_list("user_id", flat=True)) == {colleague.pk}
    case = case_services.violation_advance(actor=accounts.inspector, case=case, to=CaseStep.INVESTIGATING)
    case = case_services.violation_advance(
        actor=colleague,
        case=case,
        to=CaseStep.STATEMENT_REQUESTED,
        text="反映您在微信群转发内部文件截图，请说明。",
    )
    assert steps.filter(user=member).count() == 1  # asked for a statement
    case_services.case_statement(actor=member, case=case, text="截图是公开通知，并非内部文件。")
    answered = steps.filter(key__contains=":statement_by_person:")
    assert set(answered.values_list("user_id", flat=True)) == {accounts.inspector.pk, colleague.pk}
    assert all("公开通知" not in n.body for n in answered)
    per_user = list(steps.values_list("user_id", "key"))
    assert len(per_user) == len(set(per_user))
