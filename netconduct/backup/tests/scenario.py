"""An installation worth backing up, and the checks that it came back whole: run in a subprocess on the settings
under test (`python -m netconduct.backup.tests.scenario populate|check FILE`), as the real commands are.

populate: the standard organisation; a person with an ID number and an account with a password; a report with a
file, its receipt code and passphrase; a signed pledge sealed with the data folder's seal and timestamp. What the
checks need is written to FILE as JSON.
check: everything in FILE still holds — the ID number and the report's text and file decrypt, the reporter follows
the report with their code and passphrase, the person signs in with their password, every sealed pledge verifies.
"""

from __future__ import annotations

import hashlib
import json
import sys

import django


def populate(path: str) -> None:
    from netconduct import testing
    from netconduct.pledges import services as pledge_services
    from netconduct.pledges.tests import factories as pledges
    from netconduct.reports import evidence
    from netconduct.reports.tests import factories as reports

    org = testing.build_standard_org()
    id_number = testing.make_id_number()
    person = testing.make_person(org.branch1, name="赵备份", id_number=id_number)
    password = "backup-restore-horse-9"  # noqa: S105
    user = testing.make_account("beifen", person=person, password=password)
    filed = reports.file_report(
        user, description="备份前提交的举报：群内转发未核实消息。", files=[reports.png_upload()]
    )
    stored = filed.report.files.get()
    campaign = pledges.pledge_campaign(org.committee, actor=testing.superuser())
    pledge, _ = pledges.sign(campaign, user)
    pledge = pledge_services.pledge_seal(pledge_id=pledge.pk)
    assert pledge.is_sealed, pledge.seal_note
    expected = {
        "username": "beifen",
        "password": password,
        "person": person.pk,
        "id_number": id_number,
        "report": filed.report.pk,
        "code": filed.code,
        "passphrase": reports.PASSPHRASE,
        "description": "备份前提交的举报：群内转发未核实消息。",
        "file_sha256": hashlib.sha256(evidence.load(stored.storage_name, context=stored.context)).hexdigest(),
        "pledge": pledge.pk,
        "pledge_sha256": pledge.pdf_sha256,
    }
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(expected, handle)


def check(path: str) -> None:
    from django.test import Client
    from django.urls import reverse

    from netconduct.org.models import Person
    from netconduct.pledges import verification
    from netconduct.pledges.models import Pledge
    from netconduct.pledges.services import pledge_pdf_bytes
    from netconduct.reports import evidence
    from netconduct.reports.selectors import report_content
    from netconduct.reports.services import report_follow

    with open(path, encoding="utf-8") as handle:
        expected = json.load(handle)
    assert Person.objects.get(pk=expected["person"]).id_number == expected["id_number"]

    report = report_follow(code=expected["code"], passphrase=expected["passphrase"])
    assert report.pk == expected["report"]
    assert report_content(report).description == expected["description"]
    stored = report.files.get()
    data = evidence.load(stored.storage_name, context=stored.context)
    assert hashlib.sha256(data).hexdigest() == expected["file_sha256"]

    sealed = [p for p in Pledge.objects.all() if p.is_sealed]
    assert [p.pk for p in sealed] == [expected["pledge"]]
    for pledge in sealed:
        verdict = verification.pledge_verify_file(pledge_pdf_bytes(pledge))
        assert verdict.ok, verdict.message
        assert verdict.sha256 == expected["pledge_sha256"]

    client = Client()
    response = client.post(
        reverse("accounts:login"), {"username": expected["username"], "password": expected["password"]}
    )
    assert response.status_code == 302, response.status_code
    assert client.session.get("_auth_user_id"), "not signed in"
    print("check: all good")


def churn(stop_file: str) -> None:
    """Keep writing (new people: rows, encrypted fields, audit events) until `stop_file` appears, as a serving
    installation does while it is backed up. Prints how many were written."""
    import datetime as dt
    import os
    import time

    from netconduct import testing
    from netconduct.org.models import OrgUnit

    unit = OrgUnit.objects.get(name="机关党支部")
    written = 0
    deadline = time.monotonic() + 240
    while not os.path.exists(stop_file) and time.monotonic() < deadline:
        testing.make_person(
            unit,
            name="在线" + "甲乙丙丁戊己庚辛壬癸"[written % 10] * (1 + written // 10 % 3),
            id_number=testing.make_id_number(written, birth=dt.date(1990, 1, 1)),
        )
        written += 1
        if written == 1:
            print("writing", flush=True)
    print(f"churn: {written}")


if __name__ == "__main__":
    django.setup()
    {"populate": populate, "check": check, "churn": churn}[sys.argv[1]](sys.argv[2])
