"""What each role's home page shows: what the viewer owes or has waiting for them, from the apps' selectors.

A person holding several roles sees each role's part. Every part costs a fixed number of queries, whatever the size
of the organisation: the lists are cut short (with the full count beside them and a link to the full page)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from netconduct.campaigns import selectors as campaign_selectors
from netconduct.notifications import selectors as notification_selectors
from netconduct.notifications.choices import DeliveryStatus
from netconduct.org.choices import Role
from netconduct.org.models import RoleGrant
from netconduct.pledges import selectors as pledge_selectors
from netconduct.registry import declarations as registry_declarations
from netconduct.registry import selectors as registry_selectors
from netconduct.reports import case_selectors
from netconduct.reports import selectors as report_selectors
from netconduct.reports.choices import CaseStep, ReportState
from netconduct.studies import selectors as study_selectors

STAFF_ROLES = frozenset({Role.SYSADMIN, Role.UNIT_ADMIN})
LIST_MAX = 8


@dataclass
class Owed:
    """One thing a person still owes, with its deadline."""

    kind: str  # read, pledge, study, session, statement, review
    title: str
    url: str
    deadline: dt.date | None
    since: dt.datetime | None  # when it was asked of them: the list is newest first
    note: str = ""

    @property
    def overdue(self) -> bool:
        return self.deadline is not None and self.deadline < timezone.localdate()

    @property
    def days_left(self) -> int | None:
        return None if self.deadline is None else (self.deadline - timezone.localdate()).days

    @property
    def days_over(self) -> int:
        return -(self.days_left or 0)


@dataclass
class Done:
    tasks: int = 0
    sessions: int = 0
    pledges: int = 0

    @property
    def any(self) -> bool:
        return bool(self.tasks or self.sessions or self.pledges)


@dataclass
class MemberHome:
    owed: list[Owed]
    done: Done
    year: int


@dataclass
class Queue:
    """A count and the first few of what waits, with the page that lists them all."""

    count: int
    items: list = field(default_factory=list)
    url: str = ""


def _local_date(moment: dt.datetime | None) -> dt.date | None:
    return timezone.localtime(moment).date() if moment else None


def member_home(*, user) -> MemberHome | None:
    """What the person owes (newest first) and what they did this year; None for an account without a person."""
    person = getattr(user, "person", None)
    if person is None:
        return None
    owed: list[Owed] = []
    for target in campaign_selectors.my_open_tasks(user=user):
        campaign = target.campaign
        task_url = reverse("campaigns:my_task", kwargs={"pk": target.pk})
        since, deadline, named = (
            campaign.launched_at,
            campaign.deadline,
            _("《%(title)s》") % {"title": campaign.title},
        )
        if campaign.requires_read and target.read_at is None:
            owed.append(Owed("read", _("阅读并确认传达文件"), task_url, deadline, since, named))
        if campaign.requires_pledge and target.pledged_at is None:
            url = reverse("pledges:sign", kwargs={"target_pk": target.pk})
            note = _("%(named)s，在手机上签名即可") % {"named": named}
            owed.append(Owed("pledge", pgettext("to do", "签订承诺书"), url, deadline, since, note))
        if campaign.requires_study and target.studied_at is None:
            note = _("%(named)s，参加支部的学习") % {"named": named}
            owed.append(Owed("study", _("参加专题学习"), task_url, deadline, since, note))
    for session in study_selectors.my_upcoming_sessions(user=user):
        when = timezone.localtime(session.starts_at)
        place = f" · {session.place}" if session.place else ""
        owed.append(
            Owed(
                "session",
                _("学习：%(topic)s") % {"topic": session.topic},
                "",
                when.date(),
                session.created_at,
                _("%(when)s%(place)s，到场后扫描现场二维码签到")
                % {"when": date_format(when, "MONTH_DAY_FORMAT") + when.strftime(" %H:%M"), "place": place},
            )
        )
    for case in case_selectors.my_cases_owing_statement(user=user):
        owed.append(
            Owed(
                "statement",
                _("就有关情况作出说明"),
                reverse("reports:my_case", kwargs={"pk": case.pk}),
                case.statement_due,
                case.step_since,
                _("案件%(reference)s") % {"reference": case.reference},
            )
        )
    for item in registry_selectors.my_review_items(viewer=user):
        owed.append(
            Owed(
                "review",
                _("账号“%(name)s”年检") % {"name": item.account.name},
                reverse("registry:review_answer", kwargs={"pk": item.pk}),
                item.round.deadline,
                item.round.created_at,
                item.round.title,
            )
        )
    for round_ in registry_declarations.my_pending_rounds(user=user):
        campaign = round_.campaign
        owed.append(
            Owed(
                "declare",
                _("申报个人账号、群组规模"),
                reverse("registry:declare", kwargs={"pk": round_.pk}),
                campaign.deadline,
                round_.created_at,
                _("《%(title)s》，只需本人申报，平台不查询账号") % {"title": campaign.title},
            )
        )
    oldest = dt.datetime.min.replace(tzinfo=dt.UTC)
    owed.sort(key=lambda o: o.since or oldest, reverse=True)
    year = timezone.localdate().year
    done = Done(
        tasks=campaign_selectors.my_done_count(user=user, year=year),
        sessions=study_selectors.my_attended_count(user=user, year=year),
        pledges=pledge_selectors.my_signed_count(user=user, year=year),
    )
    return MemberHome(owed, done, year)


@dataclass
class SecretaryHome:
    pending: dict[int, list]  # campaign id → the first people not finished
    sessions: list
    paper: list[tuple[int, str, int]]


@dataclass
class StaffHome:
    sessions: Queue
    failed: Queue


@dataclass
class InspectorHome:
    reports: Queue  # open reports, new first
    new_reports: int
    cases: Queue


def _approvals(user) -> Queue:
    queue = registry_selectors.approval_queue(viewer=user)
    return Queue(queue.count(), list(queue[:LIST_MAX]), reverse("registry:applications"))


def _inspector_home(user) -> InspectorHome:
    reports = report_selectors.report_list(viewer=user).exclude(state=ReportState.CLOSED)
    open_reports = list(reports.order_by("state_deadline", "pk")[:LIST_MAX])
    new = reports.filter(state=ReportState.RECEIVED).count()
    cases = case_selectors.violation_list(viewer=user, open_only=True)
    case_items = list(cases[:LIST_MAX])
    for case in case_items:
        case.due = case.statement_due if case.step == CaseStep.STATEMENT_REQUESTED else None
        if case.step == CaseStep.DECIDED:
            case.due = case.appeal_due
    return InspectorHome(
        reports=Queue(reports.count(), open_reports, reverse("reports:handle_list")),
        new_reports=new,
        cases=Queue(cases.count(), case_items, reverse("reports:violation_list")),
    )


def home_summary(*, viewer) -> dict:
    """Everything the landing page shows for this viewer, by role."""
    grants = list(RoleGrant.objects.filter(user=viewer).select_related("unit").order_by("unit__path"))
    roles = {g.role for g in grants}
    context: dict = {
        "person": getattr(viewer, "person", None),
        "grants": grants,
        "campaigns": None,
        "now": timezone.now(),
    }
    context["member"] = member_home(user=viewer)
    is_secretary = Role.SECRETARY in roles
    is_staff = bool(roles & STAFF_ROLES)
    if is_secretary or is_staff:
        progress = campaign_selectors.open_campaigns_progress(viewer=viewer)
        context["campaigns"] = progress
        context["approvals"] = _approvals(viewer)
    if is_secretary:
        campaigns = [p.campaign for p in context["campaigns"] if p.pending]
        pending = campaign_selectors.pending_people(viewer=viewer, campaigns=campaigns)
        for p in context["campaigns"]:
            p.people = pending.get(p.campaign.pk, [])
        context["secretary"] = SecretaryHome(
            pending=pending,
            sessions=study_selectors.sessions_to_finish(viewer=viewer, limit=LIST_MAX),
            paper=pledge_selectors.paper_outstanding(viewer=viewer),
        )
    if is_staff:
        count, sessions = study_selectors.sessions_to_review(viewer=viewer, limit=LIST_MAX)
        failed = notification_selectors.delivery_list(viewer=viewer, status=DeliveryStatus.FAILED)
        context["staff"] = StaffHome(
            sessions=Queue(count, sessions, reverse("studies:session_list") + "?status=submitted"),
            failed=Queue(
                failed.count(),
                list(failed[:5]),
                reverse("notifications:deliveries") + f"?status={DeliveryStatus.FAILED}",
            ),
        )
    if Role.INSPECTOR in roles:
        context["inspector"] = _inspector_home(viewer)
    return context
