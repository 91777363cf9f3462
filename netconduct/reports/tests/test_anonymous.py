"""Filing needs no account: anyone files from the public page, and on that path nothing ties the report to a
session or an account. Filing is limited per client and overall; inspectors may mark a flood as nuisance."""

from __future__ import annotations

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from netconduct import testing
from netconduct.core.exceptions import ApplicationError
from netconduct.org.choices import UnitKind
from netconduct.reports import services
from netconduct.reports.choices import UnitChoice
from netconduct.reports.models import Report

from . import factories as f

pytestmark = pytest.mark.django_db


def _post(client: Client, org, **extra):
    page = client.get(reverse("reports:file"))
    assert page.status_code == 200
    data = {
        "category": "other",
        "platform": "weibo",
        "description": "某账号冒用本单位名义发布不实信息。",
        "reported_unit": org.branch2.pk,
        "passphrase": f.PASSPHRASE,
        "passphrase2": f.PASSPHRASE,
        "once": page.context["form"]["once"].value(),
    }
    data.update(extra)
    return client.post(reverse("reports:file"), data, **{"REMOTE_ADDR": "198.51.100.7"})


def test_anyone_files_without_an_account_and_no_session_is_made_or_touched(org):
    f.norms(org.committee, actor=org.root_user)
    client = Client(enforce_csrf_checks=True)
    page = client.get(reverse("reports:file"))
    assert page.status_code == 200 and "anonymous-note" in page.content.decode()
    assert 'name="confidential"' not in page.content.decode()  # no choice to make: it is confidential
    token = page.cookies["csrftoken"].value  # the CSRF token is a cookie of its own, tied to no account
    response = client.post(
        reverse("reports:file"),
        {
            "category": "other",
            "platform": "weibo",
            "description": "某账号冒用本单位名义发布不实信息。",
            "reported_unit": org.branch2.pk,
            "passphrase": f.PASSPHRASE,
            "passphrase2": f.PASSPHRASE,
            "once": page.context["form"]["once"].value(),
            "csrfmiddlewaretoken": token,
        },
    )
    assert response.status_code == 200, response.content.decode()[:1500]
    report = Report.objects.get()
    assert report.confidential and report.unit == org.branch2
    assert "sessionid" not in response.cookies and "messages" not in response.cookies
    assert "sessionid" not in client.cookies and "messages" not in client.cookies
    assert not Session.objects.exists()
    # the same form again: told in the page, still no session or message cookie
    again = client.post(
        reverse("reports:file"),
        {
            "category": "other",
            "platform": "weibo",
            "description": "某账号冒用本单位名义发布不实信息。",
            "reported_unit": org.branch2.pk,
            "passphrase": f.PASSPHRASE,
            "passphrase2": f.PASSPHRASE,
            "once": page.context["form"]["once"].value(),
            "csrfmiddlewaretoken": token,
        },
    )
    assert again.status_code == 409 and "已经提交过了" in again.content.decode()
    assert "sessionid" not in again.cookies and "messages" not in again.cookies
    assert Report.objects.count() == 1 and not Session.objects.exists()


def test_without_an_account_a_report_cannot_be_named_nor_sent_to_my_unit(org):
    f.norms(org.committee, actor=org.root_user)
    forged = _post(Client(), org, confidential="0", unit_basis="mine", reported_unit="")
    assert forged.status_code == 400 and "请选择被举报人所在单位" in forged.content.decode()
    assert not Report.objects.exists()
    with pytest.raises(ApplicationError, match="实名举报需要先登录"):
        f.file_report(None, unit=org.branch1, confidential=False)
    with pytest.raises(ApplicationError, match="未登录"):
        f.file_report(None, unit=None)
    assert not Report.objects.exists()
    # a forged "named" field from an anonymous client is ignored: still confidential
    ok = _post(Client(), org, confidential="0")
    assert ok.status_code == 200 and Report.objects.get().confidential


def test_anonymous_filing_is_limited_per_client_and_overall(org, settings):
    f.norms(org.committee, actor=org.root_user)
    settings.NETCONDUCT_REPORT_FILE_LIMITS = {"account": (10, 3600), "client": (2, 3600), "public": (3, 3600)}
    for _ in range(2):
        assert _post(Client(), org).status_code == 200
    refused = _post(Client(), org)
    assert refused.status_code == 400 and "提交过于频繁" in refused.content.decode()
    assert Report.objects.count() == 2  # refused: nothing written
    other = Client()
    third = other.post  # another client: its own counter, but the overall limit still holds
    page = other.get(reverse("reports:file"))
    data = {
        "category": "other",
        "platform": "weibo",
        "description": "某账号冒用本单位名义发布不实信息。",
        "reported_unit": org.branch2.pk,
        "passphrase": f.PASSPHRASE,
        "passphrase2": f.PASSPHRASE,
    }
    assert (
        third(
            reverse("reports:file"),
            data | {"once": page.context["form"]["once"].value()},
            REMOTE_ADDR="203.0.113.5",
        ).status_code
        == 200
    )
    page = other.get(reverse("reports:file"))
    over = third(
        reverse("reports:file"),
        data | {"once": page.context["form"]["once"].value()},
        REMOTE_ADDR="203.0.113.6",
    )
    assert over.status_code == 400 and "提交过于频繁" in over.content.decode()
    assert Report.objects.count() == 3
    # signed-in people are counted per account, not by the shared address nor the public limit
    filed = f.file_report(testing.make_account("named1", person=testing.make_person(org.branch1)))
    assert filed.report.pk


def test_a_report_from_a_party_group_member_goes_to_their_branch(org, accounts):
    from netconduct.org import services as org_services

    group = org_services.unit_create(
        actor=org.root_user, parent=org.branch1, name="第一党小组", kind=UnitKind.PARTY_GROUP
    )
    person = testing.make_person(group, name="组员甲")
    user = testing.make_account("groupmember", person=person)
    filed = f.file_report(user)  # "my party organisation"
    assert filed.report.unit == org.branch1 and filed.report.unit_basis == UnitChoice.MINE
    named = f.file_report(accounts.member, unit=group)  # the reported person's group: its branch handles it
    assert named.report.unit == org.branch1
    assert services.receiving_unit(org.branch2) == org.branch2
