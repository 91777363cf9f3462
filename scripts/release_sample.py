"""Sample data a release leaves behind, for the upgrade test (netconduct/home/tests/test_upgrade.py).

Run with a release's own code, after its `netconduct quickstart --no-serve` prepared the data folder:

    NETCONDUCT_DATA_DIR=... python scripts/release_sample.py OUT.json

It signs and seals the demo pledge for every demo member, files a confidential report, takes an audit checkpoint,
and writes what a later version must still honour to OUT.json: the pledges' codes and archive hashes, the report's
receipt code and passphrase, people's ID numbers in clear, and the checkpoint file. The logins and passwords come from
quickstart's own output. The upgrade test runs `scripts/release_check.py` from the new code against the same folder.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path


def main(out: Path) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "netconduct.settings.embedded")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from netconduct.campaigns.models import Campaign
    from netconduct.org.models import Person
    from netconduct.pledges import services as pledge_services
    from netconduct.pledges.models import Pledge, QuizQuestion
    from netconduct.pledges.tests.factories import sign
    from netconduct.reports.tests.factories import file_report

    passphrase = "升级之后仍能查看2026"  # noqa: S105 - sample data, printed to the sample file
    campaign = Campaign.objects.filter(requires_pledge=True, status="active").order_by("pk").first()
    if campaign is None:
        sys.exit("the demo has no open campaign with a pledge")
    signers = get_user_model().objects.filter(person__campaign_targets__campaign=campaign).order_by("pk")[:3]
    answers = {q.pk: q.correct for q in QuizQuestion.objects.filter(campaign=campaign)}
    for user in signers:
        pledge, _created = sign(campaign, user, quiz_answers=answers or None)
        pledge_services.pledge_seal(pledge_id=pledge.pk)
    pledges = [
        {"code": p.code, "sha256": p.pdf_sha256, "file": p.pdf_name}
        for p in Pledge.objects.exclude(pdf_sha256="").order_by("pk")
    ]
    if not pledges:
        sys.exit("no pledge was sealed")
    reporter = signers[0]
    filed = file_report(
        reporter, passphrase=passphrase, description="升级测试：在微信群里转发未经核实的消息。"
    )
    checkpoint = out.with_name("checkpoint.json")
    call_command("audit-checkpoint", output=str(checkpoint), verbosity=0)
    people = {str(p.pk): p.id_number for p in Person.objects.order_by("pk")[:20]}
    out.write_text(
        json.dumps(
            {
                "pledges": pledges,
                "report": {"code": filed.code, "passphrase": passphrase},
                "people": people,
                "checkpoint": str(checkpoint),
            },
            ensure_ascii=False,
            indent=1,
        ),
        encoding="utf-8",
    )


if __name__ == "__main__":
    main(Path(sys.argv[1]))
