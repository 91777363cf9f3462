"""The API gives the verdict the command line and the public page give: the same function, the same words."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from netconduct.api.choices import KeyScope
from netconduct.pledges import services, verification
from netconduct.pledges.choices import VerdictStatus
from netconduct.pledges.tests.test_verification import CASES, campaign, pledge  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db


def _upload(client, data: bytes):
    return client.client.post(
        "/api/v1/pledges/verify-file",
        {"file": SimpleUploadedFile("pledge.pdf", data, content_type="application/pdf")},
        headers=client.headers,
    )


@pytest.mark.parametrize("case", list(CASES))
def test_a_file_gets_the_verdict_of_the_one_function(case, pledge, make_key):  # noqa: F811
    change, expected = CASES[case]
    data = change(services.pledge_pdf_bytes(pledge))
    _key, client = make_key(scopes=[KeyScope.PLEDGES_READ])
    response = _upload(client, data)
    assert response.status_code == 200, response.content
    body = response.json()
    verdict = verification.pledge_verify_file(data)
    assert body["verdict"] == verdict.status == expected
    assert body["message"] == verdict.message and body["label"] == str(verdict.label)
    assert (body["name_masked"] == "王*工") == (expected == VerdictStatus.VALID)
    if expected == VerdictStatus.VALID:
        assert body["timestamped"] and body["sha256"] == pledge.pdf_sha256


def test_a_code_gets_the_verdict_of_the_one_function_and_an_unknown_one_is_404(pledge, make_key):  # noqa: F811
    _key, client = make_key(scopes=[KeyScope.PLEDGES_READ])
    body = client.get("pledges/verify", {"code": pledge.code_display}).json()
    verdict = verification.pledge_verify_code(pledge.code_display)
    assert body["verdict"] == VerdictStatus.VALID == verdict.status and body["message"] == verdict.message
    missing = client.get("pledges/verify", {"code": "0000-0000-0000-0000"})
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"


def test_a_file_over_the_limit_is_refused_with_413(make_key, monkeypatch):
    from netconduct.api import routes_domains

    monkeypatch.setattr(routes_domains, "VERIFY_UPLOAD_MAX", 10)
    _key, client = make_key(scopes=[KeyScope.PLEDGES_READ])
    response = _upload(client, b"%PDF-1.7 " + b"x" * 100)
    assert response.status_code == 413 and response.json()["code"] == "file_too_large"
