"""What an upgraded (or restored) install must still honour; see scripts/release_sample.py.

    NETCONDUCT_DATA_DIR=... python scripts/release_check.py SAMPLE.json USERNAME=PASSWORD ...

Checks, with this version's code: the audit chain verifies against the checkpoint taken before; every archived pledge
verifies by its code and by its archived file; the ID numbers decrypt to what they were; the reporter follows the
report with the receipt code and passphrase they had; each named person logs in with their old password (through the
login page). Prints one line per check and exits 1 when any fails.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path


def main(sample_path: Path, logins: list[str]) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "netconduct.settings.embedded")
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client
    from django.urls import reverse

    from netconduct.org.models import Person
    from netconduct.pledges.models import Pledge
    from netconduct.pledges.services import pledge_pdf_bytes
    from netconduct.pledges.verification import pledge_verify_code, pledge_verify_file
    from netconduct.reports.services import report_follow

    sample = json.loads(sample_path.read_text(encoding="utf-8"))
    failures: list[str] = []

    def check(what: str, ok: bool, detail: str = "") -> None:
        print(f"{'ok  ' if ok else 'FAIL'} {what}{(': ' + detail) if detail and not ok else ''}")
        if not ok:
            failures.append(what)

    try:
        call_command("audit-verify", checkpoint=[sample["checkpoint"]], verbosity=0)
        check("audit-verify against the checkpoint taken before", True)
    except SystemExit as exc:
        check("audit-verify against the checkpoint taken before", not exc.code, f"exit {exc.code}")

    for item in sample["pledges"]:
        by_code = pledge_verify_code(item["code"])
        check(f"pledge {item['code']} by code", by_code.ok, by_code.message)
        pledge = Pledge.objects.get(code=item["code"])
        data = pledge_pdf_bytes(pledge)
        by_file = pledge_verify_file(data)
        check(
            f"pledge {item['code']} by its archived file",
            by_file.ok and by_file.sha256 == item["sha256"],
            by_file.message,
        )

    people = Person.objects.in_bulk([int(pk) for pk in sample["people"]])
    wrong = [pk for pk, number in sample["people"].items() if people[int(pk)].id_number != number]
    check(f"{len(sample['people'])} ID numbers decrypt to what they were", not wrong, f"people {wrong}")

    try:
        report = report_follow(code=sample["report"]["code"], passphrase=sample["report"]["passphrase"])
        check("the reporter follows the report with receipt code and passphrase", report is not None)
    except Exception as exc:  # noqa: BLE001 - report what refused
        check("the reporter follows the report with receipt code and passphrase", False, repr(exc))

    for pair in logins:
        username, password = pair.split("=", 1)
        client = Client(HTTP_HOST="127.0.0.1")
        response = client.post(reverse("accounts:login"), {"username": username, "password": password})
        signed_in = "_auth_user_id" in client.session
        check(f"{username} logs in with the old password", signed_in, f"HTTP {response.status_code}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]), sys.argv[2:]))
