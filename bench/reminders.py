"""The daily reminder run for one open campaign of the 100,000-person demo: every person has an account with an
e-mail address and has not finished, so the run plans 100,000 in-app reminders, 100,000 e-mails and the branch
digests, then sends every e-mail — all in one run. On SQLite and on PostgreSQL.

    .venv/bin/python bench/reminders.py                   # 100,000 people against 500, SQLite
    .venv/bin/python bench/reminders.py --db postgres     # the same on PostgreSQL (h_campaignperf)
    .venv/bin/python bench/reminders.py --check           # exit 1 if a floor is missed

The demo databases are those of bench/campaigns.py (the same builds and copies, every person given an account).
In a child process: every open campaign is closed and a new one launched to everyone under the committee, due in
two days; then, with the clock at the reminder hour, `reminders_plan_and_send(dispatch=False)` (planning) and
`deliveries_dispatch` (sending) — as the daily run calls them — each timed with its statements. E-mail goes through
a bench backend that renders every message to its bytes as SMTP would send them and keeps only a count. Beside it,
the baseline measured in the same run: rendering the same number of e-mails with no database at all. Then a second
run the same day, which must add nothing.

Rendering an e-mail is the standard library's work (MIME headers folded and encoded, ~1 ms a message on the dev
machine), the same for any platform that sends it; the backend times it inside the run, and the run is also printed
without it (the platform's own part: planning, claiming, recording).

Floors: everything planned is sent in the one run (nothing left pending); statements per batch no more at 100,000
than at 500; the run without the rendering under 10 s on PostgreSQL.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from campaigns import accounts_for_everyone, cpu_probe_s, peak_mb, run_child, setup_child, table  # noqa: E402

RUN_FLOOR_S = 10.0  # on PostgreSQL


class RenderingBackend:
    """An e-mail backend that renders each message to bytes (headers encoded, body in its charset) and counts."""

    sent = 0
    seconds = 0.0  # spent rendering, inside the run

    def __init__(self, fail_silently: bool = False, **kwargs) -> None:
        pass

    def open(self) -> bool:
        return True

    def close(self) -> None:
        pass

    def send_messages(self, messages) -> int:
        started = time.perf_counter()
        for message in messages:
            message.message().as_bytes()
        RenderingBackend.seconds += time.perf_counter() - started
        RenderingBackend.sent += len(messages)
        return len(messages)


def child() -> None:
    setup_child()
    import datetime as dt
    import math

    from django.conf import settings
    from django.core import mail
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from netconduct.campaigns import reminders, services
    from netconduct.campaigns.choices import CampaignStatus
    from netconduct.campaigns.models import Campaign
    from netconduct.core.db import bulk_rows, refresh_planner_statistics
    from netconduct.documents.models import Document
    from netconduct.notifications import sending
    from netconduct.notifications.choices import DeliveryStatus
    from netconduct.notifications.models import Delivery
    from netconduct.org import demo
    from netconduct.org.models import OrgUnit
    from netconduct.org.scoping import subtree_q

    accounts_for_everyone()
    probe = cpu_probe_s()
    settings.EMAIL_BACKEND = "reminders.RenderingBackend"
    actor = demo.system_actor()
    for campaign in Campaign.objects.filter(status=CampaignStatus.ACTIVE):
        services.campaign_close(actor=actor, campaign=campaign)
    group = demo.demo_group()
    committee = OrgUnit.objects.get(subtree_q("path", group.path), name=demo.COMMITTEE_NAME)
    campaign = services.campaign_create(
        actor=actor,
        unit=committee,
        title="基准测试提醒活动",
        deadline=timezone.localdate() + dt.timedelta(days=2),
        documents=[Document.objects.get(number="皖北煤电党发〔2022〕89号")],
        requires_study=True,
    )
    services.campaign_launch(actor=actor, campaign=campaign)
    refresh_planner_statistics()
    pending_before = Delivery.objects.filter(status=DeliveryStatus.PENDING).count()
    now = timezone.make_aware(dt.datetime.combine(timezone.localdate(), dt.time(8, 30)))
    from django.urls import reverse
    from reminders import RenderingBackend

    reverse(
        "campaigns:my_task", kwargs={"pk": 1}
    )  # the URLconf's first import (seconds, cold) is no run's time
    memory_before = peak_mb()
    with CaptureQueriesContext(connection) as planning:
        started = time.perf_counter()
        report = reminders.reminders_plan_and_send(now=now, dispatch=False)
        plan_s = time.perf_counter() - started
    with CaptureQueriesContext(connection) as sending_queries:
        started = time.perf_counter()
        dispatch = sending.deliveries_dispatch(now=now)
        send_s = time.perf_counter() - started
    rendering_s = RenderingBackend.seconds  # before the baseline below renders through the same backend
    run_peak = peak_mb()
    left = Delivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now).count()

    # The baseline: the same number of e-mails rendered by the same backend, with no database at all.
    sample = Delivery.objects.filter(channel="email").order_by("pk").first()
    emails = RenderingBackend.sent
    started = time.perf_counter()
    connection_ = mail.get_connection()
    for _ in range(emails):
        mail.EmailMessage(
            subject=sample.subject,
            body=sample.body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[sample.recipient],
            connection=connection_,
        ).send()
    render_s = time.perf_counter() - started

    with CaptureQueriesContext(connection) as again:
        started = time.perf_counter()
        second = reminders.reminders_plan_and_send(now=now)
        second_s = time.perf_counter() - started
    planned = report.notifications + report.digests
    batches = math.ceil(report.pending / bulk_rows())
    print(
        json.dumps(
            {
                "database": connection.vendor,
                "bulk_rows": bulk_rows(),
                "pending_people": report.pending,
                "without_account": report.without_account,
                "pending_deliveries_before": pending_before,
                "notifications": report.notifications,
                "digests": report.digests,
                "emails_planned": report.emails,
                "batches": batches,
                "plan_s": plan_s,
                "plan_statements": len(planning),
                "send_s": send_s,
                "send_statements": len(sending_queries),
                "sent": dispatch.sent,
                "emails_rendered": emails,
                "failed_or_retrying": dispatch.failed + dispatch.retrying,
                "left_pending": left,
                "run_s": plan_s + send_s,
                "rendering_in_run_s": rendering_s,
                "run_without_rendering_s": plan_s + send_s - rendering_s,
                "run_statements": len(planning) + len(sending_queries),
                "statements_per_batch": (len(planning) + len(sending_queries)) / max(1, batches),
                "render_alone_s": render_s,
                "run_ratio": (plan_s + send_s) / render_s if render_s else 0.0,
                "planned_per_s": planned / (plan_s + send_s),
                "second_run_s": second_s,
                "second_run_statements": len(again),
                "second_run_new": second.notifications
                + second.digests
                + second.emails
                + second.dispatch.sent,
                "run_peak_mb": run_peak,
                "run_peak_growth_mb": run_peak - memory_before,
                "cpu_probe_s": (probe + cpu_probe_s()) / 2,
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--small", type=int, default=500)
    parser.add_argument("--seed", type=int, default=2023)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--check", action="store_true")
    parser.add_argument("--child", action="store_true")
    args = parser.parse_args()
    if args.child:
        child()
        return
    options = {"db": args.db, "seed": args.seed, "rebuild": args.rebuild}
    small = run_child(["--child"], people=args.small, **options)
    large = run_child(["--child"], people=args.people, **options)
    table(small, large, (args.small, args.people))
    misses = []
    for size in (small, large):
        if size["left_pending"] or size["sent"] != size["emails_planned"] + size["pending_deliveries_before"]:
            misses.append(f"{size['pending_people']} 人：本次运行未发完（剩余 {size['left_pending']}）")
        if size["second_run_new"]:
            misses.append(f"{size['pending_people']} 人：同日再次运行又发送了 {size['second_run_new']} 条")
    if large["statements_per_batch"] > small["statements_per_batch"]:
        misses.append("statements grow faster than the batches")
    if args.db == "postgres" and large["run_without_rendering_s"] > RUN_FLOOR_S:
        misses.append(
            f"run (rendering the e-mails aside) {large['run_without_rendering_s']:.1f} s > {RUN_FLOOR_S} s"
        )
    out = ROOT / "bench" / "out" / f"reminders-{args.db}-{args.people}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"small": small, "large": large}, ensure_ascii=False, indent=2))
    print("未达标：" + "；".join(misses) if misses else "全部达标。")
    if args.check and misses:
        sys.exit(1)


if __name__ == "__main__":
    main()
