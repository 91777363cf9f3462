"""Reports: filing (argon2 at its production cost), following by code, and the handler's list at two sizes.

    .venv/bin/python bench/reports.py                    # 100 and 10,000 reports
    .venv/bin/python bench/reports.py --sizes 100 2000   # other sizes

Runs in-process on the embedded settings (SQLite, a temporary data folder), with Django's test Client:
- filing: the median time of a POST of the filing form with one screenshot, which hashes the receipt code and the
  passphrase with argon2id at the configured cost (NETCONDUCT_REPORT_ARGON2), re-encodes the image and seals it;
- following: the median time of a POST of the follow form with the right code and passphrase, and with a wrong
  passphrase. Following verifies the argon2 hashes of the rows in the code's 3-digit bucket (about N/1000 of them),
  so its cost grows with the number of reports kept — which the retention period bounds;
- the handler's list (`/reports/handle/`, 30 a page) as the committee's inspector: median time and query count.

The filler reports of the larger size are inserted in bulk, sealed like real ones and with real-cost argon2 hashes
(shared by all filler rows: verifying costs the same whatever the code), spread over all buckets.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def setup() -> None:
    os.environ["NETCONDUCT_DATA_DIR"] = tempfile.mkdtemp(prefix="bench-reports-")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "netconduct.settings.embedded")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def median_ms(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", nargs=2, type=int, default=[100, 10_000])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    setup()
    import logging

    logging.getLogger("django.request").setLevel(logging.ERROR)  # the wrong-passphrase runs answer 400

    import io
    import json
    import secrets

    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse
    from django.utils import timezone
    from PIL import Image

    from netconduct import testing
    from netconduct.core import crypto
    from netconduct.org.choices import Role
    from netconduct.reports import receipts
    from netconduct.reports.models import Report

    org = testing.build_standard_org()
    member = testing.make_account(
        "bench-member", person=testing.make_person(org.branch1, name="王职工", employee_no="B1")
    )
    inspector = testing.make_account("bench-inspector")
    testing.grant(inspector, Role.INSPECTOR, org.committee)
    filer, handler = Client(SERVER_NAME="127.0.0.1"), Client(SERVER_NAME="127.0.0.1")
    filer.force_login(member)
    handler.force_login(inspector)
    shot = io.BytesIO()
    Image.new("RGB", (1080, 1920), (240, 240, 240)).save(shot, format="PNG")
    png = shot.getvalue()

    codes: list[str] = []

    def file_one() -> None:
        from django.core.files.uploadedfile import SimpleUploadedFile

        response = filer.post(
            reverse("reports:file"),
            {
                "category": "other",
                "platform": "wechat",
                "description": "有人在群里转发未经核实的消息，附截图。",
                "confidential": "1",
                "unit_basis": "mine",
                "passphrase": "bench-passphrase-1",
                "passphrase2": "bench-passphrase-1",
                "once": secrets.token_urlsafe(16),
                "files": [SimpleUploadedFile("s.png", png, content_type="image/png")],
            },
        )
        assert response.status_code == 200, response.status_code
        codes.append(re.search(r'data-code="(\d{20})"', response.content.decode())[1])

    filing_ms = median_ms(file_one, args.runs)

    filler_hash = receipts.hash_code(receipts.new_code())
    filler_pass = receipts.hash_secret("filler")
    units = [org.branch1, org.branch2, org.office]

    def grow_to(n: int) -> None:
        missing = n - Report.objects.count()
        if missing <= 0:
            return
        now = timezone.now()
        rows = []
        for i in range(missing):
            r = Report(
                locator=f"{i % 1000:03d}",
                code_hash=filler_hash,
                passphrase_hash=filler_pass,
                category_label="其他",
                confidential=True,
                unit=units[i % 3],
                unit_basis="reported",
                state=["received", "verifying", "disposed"][i % 3],
                state_since=now,
                state_deadline=now,
                disposition="internal" if i % 3 == 2 else "",
                filed_at=now,
            )
            r.content_enc = crypto.encrypt(
                json.dumps({"description": "填充"}), context=r.context + ":content"
            )
            rows.append(r)
        Report.objects.bulk_create(rows, batch_size=2000)

    results = []
    code = codes[0]
    url = reverse("reports:handle_list")
    for size in args.sizes:
        grow_to(size)
        bucket = Report.objects.filter(locator=code[:3]).count()
        # the follow limits would lock the bucket after a few wrong tries: measure on a fresh cache each time
        from django.core.cache import cache

        def follow(passphrase: str) -> None:
            cache.clear()
            response = Client(SERVER_NAME="127.0.0.1").post(
                reverse("reports:follow"), {"code": code, "passphrase": passphrase}
            )
            assert response.status_code in (200, 400)

        follow_ms = median_ms(lambda: follow("bench-passphrase-1"), args.runs)
        wrong_ms = median_ms(lambda: follow("wrong-passphrase"), args.runs)
        handler.get(url)
        list_ms = median_ms(lambda: handler.get(url), args.runs)
        with CaptureQueriesContext(connection) as queries:
            handler.get(url)
        results.append((size, bucket, follow_ms, wrong_ms, list_ms, len(queries.captured_queries)))

    for name in ("NETCONDUCT_REPORT_ARGON2", "NETCONDUCT_REPORT_CODE_ARGON2"):
        p = getattr(settings, name)
        print(f"{name}: argon2id t={p['time_cost']} m={p['memory_cost']} KiB p={p['parallelism']}")
    print(f"filing one report with a 1080x1920 screenshot (median of {args.runs}): {filing_ms:.0f} ms")
    print()
    print(
        "| reports | rows in the code's bucket | follow, right code (ms) | follow, wrong passphrase (ms) | handler list (ms) | queries |"
    )
    print("| --: | --: | --: | --: | --: | --: |")
    for size, bucket, follow_ms, wrong_ms, list_ms, queries in results:
        print(f"| {size:,} | {bucket} | {follow_ms:.0f} | {wrong_ms:.0f} | {list_ms:.0f} | {queries} |")


if __name__ == "__main__":
    main()
