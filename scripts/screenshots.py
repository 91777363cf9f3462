"""Take screenshots of the main pages (desktop and 390 px phone) against a fresh demo, for the README and review.

    .venv/bin/python scripts/screenshots.py [--out docs/screenshots] [--only NAME ...]

Builds a demo in a temporary data folder, serves it on 127.0.0.1:8765 and drives Debian's Chromium.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent / "netconduct"
PORT = 8765
PASSWORD = "Screenshot-pass-2026"  # noqa: S105 - a throwaway demo in a temporary folder


# Work waiting on the role home pages: a session record returned, one still to record, paper pledges printed, a
# report for the inspector, a failed e-mail for the staff.
HOME_WORK = """
import datetime as dt
from django.utils import timezone
from netconduct.accounts.models import User
from netconduct.campaigns.models import Campaign
from netconduct.notifications.models import Delivery
from netconduct.org.models import OrgUnit
from netconduct.pledges.paper import paper_forms_print
from netconduct.reports.services import report_file
from netconduct.studies import services as s
sec, admin, member = (User.objects.get(username=n) for n in ('zc_secretary', 'zhb_admin', 'member_demo'))
branch = sec.person.unit
now = timezone.now()
done = s.session_create(actor=sec, unit=branch, form='theme_day', topic='学习网络行为规范主题党日',
                        starts_at=now - dt.timedelta(days=2), place='综采队会议室', is_special_study=True)
s.attendance_set(actor=sec, session=done, marks=[s.Mark(member.person.pk, 'present')])
s.session_update(actor=sec, session=done, minutes='传达学习规范全文。')
s.session_submit(actor=sec, session=done)
s.session_review(actor=admin, session=done, decision='return', opinion='请补充会议照片和签到表')
s.session_create(actor=sec, unit=branch, form='theme_day', topic='网络行为规范专题学习（二）',
                 starts_at=now + dt.timedelta(days=3), place='综采队会议室', is_special_study=True)
campaign = Campaign.objects.filter(requires_pledge=True).first()
if campaign:
    paper_forms_print(actor=sec, campaign=campaign, unit=branch)
report_file(actor=member, category='other', platform='wechat', link='', seen_on=None, subject='',
            description='在工作群里转发未经核实的事故消息。', confidential=True, unit_basis='mine',
            reported_unit=None, passphrase='screenshot-pass', files=[])
Delivery.objects.create(key='shots:email', channel='email', unit=OrgUnit.objects.get(kind='committee'),
                        recipient='wang.bc@example.com', subject='宣贯提醒', body='', status='failed',
                        last_error='550 邮箱不存在')
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    parser.add_argument("--only", nargs="*")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    data = tempfile.mkdtemp(prefix="nc-shots-")
    env = {
        **os.environ,
        "NETCONDUCT_DATA_DIR": data,
        "DJANGO_SETTINGS_MODULE": "netconduct.settings.embedded",
    }
    subprocess.run([BIN, "migrate", "-v0"], env=env, check=True)
    subprocess.run([BIN, "demo", "--with-accounts"], env=env, check=True, stdout=subprocess.DEVNULL)
    script = (
        "from netconduct.accounts.models import User\n"
        "for u in User.objects.filter(username__in=['zhb_admin','zc_secretary','member_demo','jiwei']):\n"
        f"    u.set_password({PASSWORD!r}); u.save()\n"
    )
    subprocess.run([BIN, "shell", "-c", script], env=env, check=True)
    subprocess.run([BIN, "shell", "--no-imports", "-c", HOME_WORK], env=env, check=True)
    ids = subprocess.run(
        [
            BIN,
            "shell",
            "--no-imports",
            "-c",
            "from netconduct.org.models import OrgUnit, Person\n"
            "from netconduct.documents.models import Document\n"
            "from netconduct.campaigns.models import Campaign, Target\n"
            "c = Campaign.objects.first()\n"
            "norms = Document.objects.get(kind='norms')\n"
            "t = Target.objects.filter(campaign=c, person__user__username='member_demo').first()\n"
            "print(OrgUnit.objects.get(kind='committee').pk, Person.objects.filter(user__isnull=True).first().pk,"
            " Document.objects.get(kind='notice').pk, norms.pk, c.pk, t.pk if t else 0)",
        ],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()[-6:]
    server = subprocess.Popen(
        [BIN, "runserver", f"127.0.0.1:{PORT}", "--noreload"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(50):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{PORT}/healthz")  # noqa: S310
                break
            except OSError:
                time.sleep(0.2)
        keys = ("committee", "person", "notice", "norms", "campaign", "target")
        shoot(out, args.only, dict(zip(keys, ids, strict=True)))
    finally:
        server.terminate()


def shoot(out: Path, only: list[str] | None, ids: dict[str, str]) -> None:
    from playwright.sync_api import sync_playwright

    base = f"http://127.0.0.1:{PORT}"
    pages = [
        ("login", None, "/accounts/login/"),
        ("tree", "zhb_admin", "/org/"),
        ("unit", "zhb_admin", "/org/units/{committee}/"),
        ("people", "zhb_admin", "/org/people/?q=zh"),
        ("person", "zhb_admin", "/org/people/{person}/"),
        ("roster", "zhb_admin", "/org/roster/"),
        ("audit", "zhb_admin", "/audit/"),
        ("activation", "zc_secretary", "/accounts/units/"),
        ("home-member", "member_demo", "/"),
        ("documents", "zhb_admin", "/documents/"),
        ("notice", "zhb_admin", "/documents/{notice}/"),
        ("norms", "zhb_admin", "/documents/{norms}/"),
        ("campaign", "zhb_admin", "/campaigns/{campaign}/"),
        ("campaign-branch", "zc_secretary", "/campaigns/{campaign}/"),
        ("my-tasks", "member_demo", "/campaigns/"),
        ("my-task", "member_demo", "/campaigns/my/{target}/"),
        ("my-read", "member_demo", "/campaigns/my/{target}/read/{norms}/"),
        ("sessions", "zc_secretary", "/campaigns/sessions/"),
        ("yearly", "zhb_admin", "/campaigns/sessions/yearly/"),
        ("selfcheck", "member_demo", "/selfcheck/"),
        ("notifications", "zc_secretary", "/campaigns/notifications/"),
        ("home-admin", "zhb_admin", "/"),
        ("home-staff", "zhb_admin", "/"),
        ("home-secretary", "zc_secretary", "/"),
        ("home-inspector", "jiwei", "/"),
        ("profile", "member_demo", "/accounts/profile/"),
        ("pledge-sign", "member_demo", "/pledges/sign/{target}/"),
        ("pledges-mine", "member_demo", "/pledges/"),
        ("pledge-verify", None, "/pledges/verify/"),
        ("registry", "zhb_admin", "/registry/"),
        ("reports", "member_demo", "/reports/"),
        ("report-file", "member_demo", "/reports/new/"),
        ("report-follow", None, "/reports/follow/"),
        ("pledges-tracking", "zc_secretary", "/pledges/campaigns/{campaign}/"),
        ("pledges-print", "zc_secretary", "/pledges/campaigns/{campaign}/print/"),
    ]
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        for width, suffix in ((1280, ""), (390, "-phone")):
            sessions = {}
            for name, user, path in pages:
                if only and name not in only:
                    continue
                if user not in sessions:
                    ctx = browser.new_context(
                        viewport={"width": width, "height": 900}, locale="zh-CN", is_mobile=width < 500
                    )
                    tab = ctx.new_page()
                    if user:
                        tab.goto(base + "/accounts/login/")
                        tab.fill("input[name=username]", user)
                        tab.fill("input[name=password]", PASSWORD)
                        tab.click("button[type=submit]")
                        tab.wait_for_load_state()
                    sessions[user] = tab
                tab = sessions[user]
                url = path.format(**ids)
                tab.goto(base + url)
                tab.screenshot(path=str(out / f"{name}{suffix}.png"), full_page=width < 500 or name != "tree")
        browser.close()


if __name__ == "__main__":
    main()
