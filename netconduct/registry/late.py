"""Changes filed late (逾期变更备案): a change to a filed account is to be filed within
NETCONDUCT_REGISTRY_CHANGE_DAYS (30) days of the change. A change application is late when it was submitted more
than that after the change happened, or when it still has not been submitted (a draft, or returned to the
applicant) and that time has passed.

Staff see the list over their scope (`registry.view`: the committee its subtree, a branch secretary their branch)
and export it; the daily run reminds each branch secretary, at most once a week, of the late changes in their
branch that are still waiting (not yet submitted, or submitted and not yet decided).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import asdict, dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import DateField, ExpressionWrapper, F, Q, QuerySet
from django.db.models.functions import TruncDate
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from netconduct.core.audit import Change, audit_record
from netconduct.core.links import absolute_url
from netconduct.notifications.services import Message, notifications_send
from netconduct.org import scoping
from netconduct.org.choices import Role
from netconduct.org.models import OrgUnit, RoleGrant

from .choices import ApplicationKind, ApplicationStatus
from .models import Application

UNFILED = "unfiled"  # not yet submitted, past the days allowed
FILED_LATE = "filed"  # submitted after the days allowed
WAITING = (ApplicationStatus.DRAFT, ApplicationStatus.RETURNED)


def change_days() -> int:
    return int(settings.NETCONDUCT_REGISTRY_CHANGE_DAYS)


def late_q(*, today: dt.date, days: int) -> Q:
    """Late change applications, for a queryset annotated with `submitted_day` (see `_annotated`)."""
    due = ExpressionWrapper(F("changed_on") + dt.timedelta(days=days), output_field=DateField())
    # a withdrawn application filed nothing: the change shows again when it is filed anew
    filed_late = (
        Q(submitted_day__isnull=False, submitted_day__gt=due)
        & ~Q(status__in=WAITING)
        & ~Q(status=ApplicationStatus.WITHDRAWN)
    )
    unfiled = Q(status__in=WAITING, changed_on__lt=today - dt.timedelta(days=days))
    return Q(kind=ApplicationKind.CHANGE, changed_on__isnull=False, account__isnull=False) & (
        filed_late | unfiled
    )


def _annotated(qs: QuerySet[Application]) -> QuerySet[Application]:
    return qs.annotate(submitted_day=TruncDate("submitted_at"))


def late_changes(
    *, viewer, unit: OrgUnit | None = None, which: str = "", today: dt.date | None = None
) -> QuerySet[Application]:
    """The late changes the viewer may see (`registry.view` over the account's unit), oldest change first."""
    today = today or timezone.localdate()
    days = change_days()
    qs = _annotated(
        Application.objects.filter(scoping.scope_for(viewer, "registry.view").q("unit__path"))
    ).filter(late_q(today=today, days=days))
    if unit is not None:
        qs = qs.filter(scoping.subtree_q("unit__path", unit.path))
    if which == UNFILED:
        qs = qs.filter(status__in=WAITING)
    elif which == FILED_LATE:
        qs = qs.exclude(status__in=WAITING)
    return qs.select_related("account", "unit", "applicant__person").order_by("changed_on", "pk")


@dataclass
class LateRow:
    application: Application
    days_late: int
    unfiled: bool

    @property
    def state(self) -> str:
        return _("逾期未提交") if self.unfiled else _("逾期提交")


def late_rows(applications, *, today: dt.date | None = None) -> list[LateRow]:
    today = today or timezone.localdate()
    days = change_days()
    rows = []
    for a in applications:
        unfiled = a.status in WAITING
        until = today if unfiled or a.submitted_day is None else a.submitted_day
        rows.append(LateRow(a, (until - a.changed_on).days - days, unfiled))
    return rows


HEADERS = [
    gettext_lazy("备案编号"),
    gettext_lazy("账号/群组名称"),
    gettext_lazy("主管单位"),
    gettext_lazy("变更发生日期"),
    gettext_lazy("提交日期"),
    gettext_lazy("逾期天数"),
    gettext_lazy("情况"),
    gettext_lazy("申请状态"),
    gettext_lazy("申请人"),
]


def late_xlsx(*, applications) -> bytes:
    # openpyxl: imported by the export, not by every start-up (daily job)
    from netconduct.core.xlsx import XlsxBook

    book = XlsxBook()
    caption = _("逾期变更备案（变更发生后超过%(days)d日未备案；导出时间：%(now)s）") % {
        "days": change_days(),
        "now": f"{timezone.localtime():%Y-%m-%d %H:%M}",
    }
    sheet = book.sheet(_("逾期变更备案"), [str(h) for h in HEADERS], caption=caption)
    statuses = {k: str(v) for k, v in ApplicationStatus.choices}
    for row in late_rows(applications.iterator(chunk_size=2000)):
        a = row.application
        sheet.append(
            [
                a.account.filing_number,
                a.account.name,
                a.unit.name,
                a.changed_on,
                a.submitted_day if not row.unfiled and a.submitted_day else "",
                row.days_late,
                row.state,
                statuses.get(a.status, a.status),
                a.applicant.display_name,
            ]
        )
    return book.to_bytes()


# ---------------------------------------------------------------------------------------------------- reminders


@dataclass
class LateRemindReport:
    late: int = 0
    secretaries: int = 0
    notifications: int = 0
    emails: int = 0
    unreached: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)

    def summary(self) -> str:
        return (
            f"逾期变更备案：待办 {self.late} 件，提醒支部书记 {self.secretaries} 人；"
            f"新建站内提醒 {self.notifications} 条、邮件 {self.emails} 封"
            + (f"；{self.unreached} 件找不到支部书记。" if self.unreached else "。")
        )


def _secretaries_by_path(paths: set[str]) -> dict[str, dict[int, str]]:
    step = OrgUnit.steplen
    wanted = {p[:n] for p in paths for n in range(step, len(p) + 1, step)}
    found: dict[str, dict[int, str]] = defaultdict(dict)
    for path, uid, email in RoleGrant.objects.filter(
        unit__path__in=wanted, role=Role.SECRETARY, user__is_active=True
    ).values_list("unit__path", "user_id", "user__email"):
        found[path][uid] = email or ""
    return found


def late_remind(*, now: dt.datetime | None = None) -> LateRemindReport:
    """Tell each branch secretary (the nearest secretary at or above the account's unit) how many late changes in
    their branch still wait, once per ISO week; the key makes running the job again a no-op."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    report = LateRemindReport()
    waiting = list(
        _annotated(Application.objects.all())
        .filter(late_q(today=today, days=change_days()))
        .filter(status__in=[*WAITING, ApplicationStatus.SUBMITTED])
        .select_related("account", "unit")
        .order_by("changed_on", "pk")
    )
    report.late = len(waiting)
    if not waiting:
        return report
    staff = _secretaries_by_path({a.unit.path for a in waiting})
    per_user: dict[int, list[Application]] = defaultdict(list)
    emails: dict[int, str] = {}
    step = OrgUnit.steplen
    for application in waiting:
        path = application.unit.path
        for n in range(len(path), 0, -step):
            if staff.get(path[:n]):
                for uid, email in staff[path[:n]].items():
                    per_user[uid].append(application)
                    emails[uid] = email
                break
        else:
            report.unreached += 1
    year, week, _weekday = today.isocalendar()
    url = reverse("registry:late")
    messages = []
    for uid, applications in per_user.items():
        names = "、".join(f"“{a.account.name}”" for a in applications[:5])
        more = _("等") if len(applications) > 5 else ""
        body = _(
            "%(names)s%(more)s共%(n)d个账号的变更已超过%(days)d日未完成备案，请督促申请人提交变更备案。"
        ) % {"names": names, "more": more, "n": len(applications), "days": change_days()}
        link = absolute_url(url) if emails.get(uid) else ""
        messages.append(
            Message(
                user_id=uid,
                key=f"registry:late:to{uid}:{year}w{week}",
                title=_("逾期变更备案：%(n)d个账号") % {"n": len(applications)},
                body=body,
                url=url,
                email=emails.get(uid, ""),
                email_body=body + (f"\n\n{link}" if link else ""),
            )
        )
    with transaction.atomic():
        sent = notifications_send(messages=messages, now=now)
        report.secretaries = len(per_user)
        report.notifications, report.emails = sent.notifications, sent.emails
        if sent.notifications or sent.emails:
            audit_record(
                actor=None,
                change=Change(
                    "registry.late_remind", "registry.late", "", _("逾期变更备案"), "", None, report.as_dict()
                ),
            )
    return report


def late_daily_job(now: dt.datetime) -> LateRemindReport:
    """The registry's late-change reminders in the daily run (registered in RegistryConfig.ready)."""
    return late_remind(now=now)
