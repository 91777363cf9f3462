"""Telling inspectors of new reports and of case steps. Messages name no content — not the category, the reported
person nor the reporter — only that something waits and where: a notification can be read over a shoulder, and an
e-mail leaves the platform."""

from __future__ import annotations

from django.urls import reverse

from netconduct.core.links import absolute_url
from netconduct.notifications.services import Message, notifications_send
from netconduct.org.choices import Role
from netconduct.org.models import OrgUnit, RoleGrant

from .models import Report, ViolationCase

NEW_REPORT = "有新的举报待处理"


def inspectors_of(unit: OrgUnit) -> list[tuple[int, str]]:
    """Active accounts with an inspector grant on the unit or above it (who may see its reports and cases)."""
    step = OrgUnit.steplen
    paths = [unit.path[:end] for end in range(step, len(unit.path) + 1, step)]
    rows = (
        RoleGrant.objects.filter(role=Role.INSPECTOR, unit__path__in=paths, user__is_active=True)
        .order_by("user_id")
        .values_list("user_id", "user__email")
        .distinct()
    )
    return [(uid, email or "") for uid, email in rows]


def _send(
    recipients, *, key: str, title: str, url: str, body: str, unit: OrgUnit, skip: int | None = None
) -> int:
    link = absolute_url(url)
    messages = [
        Message(
            user_id=uid,
            key=f"{key}:to{uid}",
            title=title,
            body=body,
            url=url,
            email=email,
            email_body=body + (f"\n\n{link}" if link else ""),
        )
        for uid, email in recipients
        if uid != skip
    ]
    return notifications_send(messages=messages, unit=unit, source="举报受理").notifications


def report_tell_inspectors(report: Report) -> int:
    """A new report: each inspector who receives it, once."""
    return _send(
        inspectors_of(report.unit),
        key=f"reports.report:{report.pk}:new",
        title=NEW_REPORT,
        body="请登录平台查看并按期受理。",
        url=reverse("reports:handle_detail", kwargs={"pk": report.pk}),
        unit=report.unit,
    )


def case_tell_inspectors(case: ViolationCase, *, step: str, label: str, actor=None) -> int:
    """A case reached a step: the inspectors of its unit, except the one who moved it."""
    return _send(
        inspectors_of(case.unit),
        key=f"reports.case:{case.pk}:{step}:inspectors",
        title=f"案件{case.reference}：{label}",
        body="请登录平台查看案件进展。",
        url=reverse("reports:violation_detail", kwargs={"pk": case.pk}),
        unit=case.unit,
        skip=getattr(actor, "pk", None),
    )
