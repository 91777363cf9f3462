"""The audit trail names no report or case to those who may not see it: unit administrators, system administrators
and superusers without an inspector grant on the matter see nothing of reports and violation cases on the audit
page — no number, category, unit, person, nor the named reporter who filed."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from netconduct import testing
from netconduct.core.models import AuditEvent
from netconduct.org.choices import Role
from netconduct.org.selectors import audit_event_list
from netconduct.reports import services

from . import factories as f

pytestmark = pytest.mark.django_db

CATEGORY = "其他"


@pytest.fixture
def matters(org, accounts):
    reporter = testing.make_account("named-reporter", person=testing.make_person(org.branch1, name="实名甲"))
    named = f.file_report(reporter, confidential=False, description="实名举报：某账号泄露内部文件。")
    secret = f.file_report(accounts.member, unit=org.branch2)
    services.report_read(actor=accounts.inspector, report=named.report)
    services.report_advance(actor=accounts.inspector, report=secret.report)
    person = testing.make_person(org.branch1, name="当事人乙")
    case = f.violation(person, actor=accounts.inspector)
    return named.report, secret.report, case


def _page(user) -> str:
    client = Client()
    testing.login(client, user)
    response = client.get(reverse("audit:list"))
    assert response.status_code == 200
    return response.content.decode()


def _assert_nothing_of(text: str, matters) -> None:
    named, secret, case = matters
    for needle in (named.reference, secret.reference, case.reference, "JB20", "AJ20"):
        assert needle not in text, needle
    for label in ("提交举报", "查阅举报", "变更办理状态", "立案"):
        assert label not in text, label


@pytest.mark.parametrize("role", ["unit_admin", "sysadmin"])
def test_staff_without_an_inspector_grant_see_nothing_of_reports_or_cases(org, accounts, matters, role):
    user = getattr(accounts, role)
    events = list(audit_event_list(viewer=user))
    assert events  # they do see the rest of the trail
    assert not [
        e for e in events if e.object_type.startswith("reports.report") or e.action.startswith("report.")
    ]
    assert not [
        e for e in events if e.object_type == "reports.violationcase" or e.action.startswith("violation.")
    ]
    _assert_nothing_of(_page(user), matters)
    assert "只向有权查看该举报或案件的纪检监察员显示" in _page(user)


def test_a_superuser_without_an_inspector_grant_sees_nothing_either(org, accounts, matters):
    root = testing.superuser()
    assert root.is_superuser
    _assert_nothing_of(_page(root), matters)
    # the events exist: the page leaves them out, it does not lose them
    assert AuditEvent.objects.filter(action="report.file").count() == 2


def test_an_inspector_who_is_also_staff_sees_the_matters_in_scope_in_full(org, accounts, matters):
    named, secret, case = matters
    testing.grant(accounts.unit_admin, Role.INSPECTOR, org.branch1)  # inspector on branch 1 only
    text = _page(accounts.unit_admin)
    assert case.reference in text and named.reference in text
    assert secret.reference not in text  # a branch 2 report: not theirs to see


def test_other_pages_audit_history_leaves_them_out_too(org, accounts, matters):
    _, _, case = matters
    events = audit_event_list(
        viewer=accounts.sysadmin, object_type="reports.violationcase", object_id=str(case.pk)
    )
    assert not events.exists()
    testing.grant(accounts.unit_admin, Role.INSPECTOR, org.branch1)
    history = audit_event_list(
        viewer=accounts.unit_admin, object_type="reports.violationcase", object_id=str(case.pk)
    )
    assert history.filter(action="violation.opened").exists() or history.exists()
