"""The daily audit checkpoint: signed by core, sent out by notifications, so copies live outside the database.

Core makes and verifies checkpoints but may not import notifications; this floor joins the two.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings

from netconduct.core.checkpoints import checkpoint_dumps, checkpoint_make, checkpoint_write
from netconduct.notifications.models import UnitWebhook
from netconduct.notifications.services import RobotMessage, emails_queue, robot_messages_queue
from netconduct.org.models import OrgUnit

SOURCE = "审计检查点"


@dataclass
class CheckpointReport:
    seq: int = 0
    emails: int = 0
    robots: int = 0
    path: str = ""

    def as_dict(self) -> dict[str, int]:
        return {"checkpoint_emails": self.emails, "checkpoint_robots": self.robots}

    def summary(self) -> str:
        return f"审计检查点 #{self.seq} 已写入 {self.path}，发往 {self.emails} 个邮箱、{self.robots} 个群机器人。"


def _message(checkpoint: dict) -> tuple[str, str]:
    subject = f"审计检查点 #{checkpoint['seq']}（{checkpoint['time']}）"
    body = (
        "网络行为规范管理平台的审计检查点。请原样保存本消息，核对时把下面的 JSON 存为文件，运行\n"
        "netconduct audit-verify --checkpoint 文件名\n\n" + checkpoint_dumps(checkpoint)
    )
    return subject, body


def audit_checkpoint_daily_job(now: dt.datetime) -> CheckpointReport:
    """Sign the head, keep a copy in the data folder, and send one to each configured address and robot."""
    checkpoint = checkpoint_make(now=now)
    report = CheckpointReport(seq=checkpoint["seq"], path=str(checkpoint_write(checkpoint)))
    subject, body = _message(checkpoint)
    key = f"audit-checkpoint:{checkpoint['seq']}:{checkpoint['time'][:10]}"
    addresses = getattr(settings, "NETCONDUCT_AUDIT_CHECKPOINT_EMAILS", [])
    report.emails = emails_queue(
        messages=[(f"{key}:email:{address}", address, subject, body) for address in addresses],
        source=SOURCE,
        now=now,
    )
    if getattr(settings, "NETCONDUCT_AUDIT_CHECKPOINT_ROBOTS", False):
        # The robots of the top units: the committee's own groups, not every branch's.
        roots = OrgUnit.objects.filter(depth=1)
        webhooks = UnitWebhook.objects.filter(unit__in=roots, is_enabled=True).select_related("unit")
        report.robots = robot_messages_queue(
            messages=[
                RobotMessage(
                    webhook_id=w.pk,
                    key=f"{key}:robot:{w.pk}",
                    recipient=str(w.unit),
                    subject=subject,
                    text=f"{subject}\n{body}",
                )
                for w in webhooks
            ],
            source=SOURCE,
            now=now,
        )
    return report
