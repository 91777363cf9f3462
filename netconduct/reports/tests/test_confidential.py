"""What "confidential" means, tested with marker values: after confidential reports are filed and followed, nothing
that the product wrote — any table, any log line — holds the reporter's account, address or browser, and the
report's text is nowhere in clear."""

from __future__ import annotations

import logging

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from netconduct import testing
from netconduct.reports.models import Report

from . import factories as f

pytestmark = pytest.mark.django_db

USERNAME = "markeruser-q7x"
PERSON = "马克尔"
AGENT = "MarkerAgent/7.7 (QX-UA-MARKER)"
ADDRESS = "203.0.113.77"
TEXT = "MARKERTEXT-在群里看到泄露内部文件的截图"
PASSPHRASE = "marker-pass-9981"


def _dump() -> dict[tuple[str, object], dict]:
    """Every row of every table, keyed by (model, pk)."""
    rows: dict[tuple[str, object], dict] = {}
    for model in apps.get_models():
        pk = model._meta.pk.attname
        for row in model._default_manager.all().values():
            rows[(model._meta.label, row[pk])] = row
    return rows


def _user_fk_fields() -> dict[str, list[str]]:
    User = get_user_model()
    result: dict[str, list[str]] = {}
    for model in apps.get_models():
        names = [
            field.attname
            for field in model._meta.concrete_fields
            if field.is_relation and field.related_model is User
        ]
        if names:
            result[model._meta.label] = names
    return result


def test_confidential_reports_leave_no_account_address_or_browser_anywhere(org, caplog, tmp_path):
    caplog.set_level(logging.DEBUG)
    f.norms(org.committee, actor=org.root_user)
    person = testing.make_person(org.branch1, name=PERSON)
    user = testing.make_account(USERNAME, person=person)
    client = Client(HTTP_USER_AGENT=AGENT, REMOTE_ADDR=ADDRESS)
    client.force_login(user)
    before = _dump()
    marker_request = {"HTTP_USER_AGENT": AGENT, "REMOTE_ADDR": ADDRESS, "HTTP_X_FORWARDED_FOR": ADDRESS}

    codes = []
    for i in range(2):
        page = client.get(reverse("reports:file"))
        once = page.context["form"]["once"].value()
        response = client.post(
            reverse("reports:file"),
            {
                "category": "2.2",
                "platform": "wechat",
                "link": "https://example.com/marker",
                "description": f"{TEXT} 第{i}件",
                "confidential": "1",
                "unit_basis": "mine",
                "passphrase": PASSPHRASE,
                "passphrase2": PASSPHRASE,
                "once": once,
                "files": [f.jpeg_with_gps()],
            },
            **marker_request,
        )
        assert response.status_code == 200, response.content.decode()[:2000]
        codes.append(response.context["filed"].code)
        assert response["Cache-Control"] == "no-store"

    # follow: a wrong guess, then the right code; then add information
    client.post(reverse("reports:follow"), {"code": "0" * 20, "passphrase": "x"}, **marker_request)
    followed = client.post(
        reverse("reports:follow"), {"code": codes[0], "passphrase": PASSPHRASE}, **marker_request
    )
    assert followed.status_code == 200 and TEXT in followed.content.decode()
    token = followed.context["add_form"]["token"].value()
    added = client.post(
        reverse("reports:follow_add"), {"token": token, "text": f"{TEXT} 补充"}, **marker_request
    )
    assert added.status_code == 200

    after = _dump()
    written = {key: row for key, row in after.items() if before.get(key) != row}
    assert any(label == "reports.Report" for label, _ in written)
    user_fields = _user_fk_fields()
    for (label, pk), row in written.items():
        text = repr(row)
        for marker in (USERNAME, PERSON, AGENT, "QX-UA-MARKER", ADDRESS, TEXT, "MARKERTEXT", PASSPHRASE):
            assert marker not in text, f"{marker!r} written into {label} #{pk}"
        for code in codes:
            assert code not in text and code[3:19] not in text
        for field in user_fields.get(label, []):
            assert row[field] != user.pk, f"{label} #{pk}.{field} points at the reporter's account"
    everything = repr(after)
    for marker in (AGENT, "QX-UA-MARKER", ADDRESS, "MARKERTEXT"):
        assert marker not in everything, f"{marker!r} found in the database"
    assert Report.objects.count() == 2 and all(r.confidential for r in Report.objects.all())
    log_text = caplog.text + "".join(repr(r.__dict__) for r in caplog.records)
    for marker in (USERNAME, PERSON, AGENT, ADDRESS, "MARKERTEXT", PASSPHRASE):
        assert marker not in log_text
    audit = [row for (label, _), row in written.items() if label == "core.AuditEvent"]
    assert {row["action"] for row in audit} == {"report.file", "report.add_information"}
    assert all(row["actor_id"] is None and row["actor_label"] == "系统" for row in audit)
