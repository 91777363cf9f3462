"""Reminders before and after a campaign's deadline, and the deliveries that carry them.

`reminders_plan_and_send` is the scheduled job: it brings the active campaigns up to date with the roster, writes
the day's reminders (in-app notifications, e-mails, group-robot messages) and then sends what is due. Every message
has a unique key built from campaign, recipient, phase and period, so a second run on the same day finds every key
taken and writes nothing; `deliveries_dispatch` only takes PENDING rows that are due, so nothing goes out twice.

Who gets what:
- each person in scope who is not done, if they have an active account: one in-app notification per period, and an
  e-mail when the account has an address. People without an account get nothing themselves but are named in the
  digest to their secretary;
- a digest per branch: the person's unit rolls up to its nearest 党支部 (or 党总支/党委 for people placed directly
  there). The digest goes to the accounts holding a secretary grant on that unit or on an ancestor up to and
  including the nearest 党总支 (a 党委-level secretary is not sent every branch's digest: they have the dashboard),
  in-app and by e-mail, and to the enabled group robots of the unit — or, when it has none, of its nearest ancestor
  that has one (a 党总支 group then receives each of its branches' digests).

Periods: "due" once per deadline when today is within `remind_days_before` days of it; "overdue" once per week
after it — the first from the day after the deadline, then every 7 days. A week that the job missed is caught up on
the next run of that week; a moved deadline starts new periods.

The messages go out through notifications (`notifications_send`, `robot_messages_queue`); this module only decides
who is owed what. It is registered as the daily job "campaigns" (see notifications.jobs).
"""

from __future__ import annotations

import datetime as dt
import itertools
import logging
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field

from django.db import transaction
from django.db.models import Case, CharField, F, Q, QuerySet, TextField, Value, When
from django.db.models.functions import Cast, Concat
from django.urls import reverse
from django.utils import timezone

from netconduct.core.audit import Change, audit_record
from netconduct.core.db import chunked, keys_per_statement
from netconduct.core.events import event_emit
from netconduct.core.links import absolute_url
from netconduct.notifications import selectors as notification_selectors
from netconduct.notifications.sending import (
    ROBOT_SIGNATURE,
    WEBHOOK_TEXT_MAX_BYTES,
    DispatchReport,
    deliveries_dispatch,
)
from netconduct.notifications.services import (
    Message,
    RobotMessage,
    notifications_send,
    notifications_send_selected,
    robot_messages_queue,
)
from netconduct.org.choices import Role, UnitKind
from netconduct.org.models import OrgUnit, RoleGrant

from .announce import cn_date
from .choices import ACTION_LABELS, CampaignStatus
from .models import Campaign, Target
from .services import campaign_sync

logger = logging.getLogger("netconduct.reminders")

DUE, OVERDUE = "due", "overdue"
OVERDUE_EVERY_DAYS = 7
DIGEST_KINDS = frozenset({UnitKind.BRANCH, UnitKind.GENERAL_BRANCH, UnitKind.COMMITTEE})
STEP = OrgUnit.steplen
DIGEST_NAMES_MAX = 500  # names listed in an in-app or e-mail digest; more are summed up as "等 N 人"


def _clip(text: str, length: int) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"


# ---------------------------------------------------------------------------------------------------- planning


@dataclass(frozen=True)
class Phase:
    name: str  # DUE or OVERDUE
    period: str  # part of the keys: the deadline, and for overdue the week after it
    days: int  # days left (due) or days past the deadline (overdue)


def reminder_phase(campaign: Campaign, today: dt.date) -> Phase | None:
    """Which reminder a campaign owes today, if any."""
    deadline = campaign.deadline
    if today > deadline:
        days = (today - deadline).days
        week = (days - 1) // OVERDUE_EVERY_DAYS
        return Phase(OVERDUE, f"{deadline:%Y%m%d}w{week}", days)
    left = (deadline - today).days
    if left <= campaign.remind_days_before:
        return Phase(DUE, f"{deadline:%Y%m%d}", left)
    return None


@dataclass
class ReminderReport:
    campaigns: int = 0  # active campaigns looked at
    reminding: int = 0  # of which owed a reminder today
    pending: int = 0  # people in those campaigns not done yet
    without_account: int = 0  # of whom had no account (named in digests only)
    notifications: int = 0  # new in-app reminders to people
    digests: int = 0  # new in-app digests to secretaries
    emails: int = 0  # new e-mail deliveries
    webhooks: int = 0  # new group-robot deliveries
    branches_unreached: int = 0  # digests that had neither a secretary nor a group robot to go to
    dispatch: DispatchReport = field(default_factory=DispatchReport)

    def planned(self) -> dict[str, int]:
        data = asdict(self)
        data.pop("dispatch")
        return data

    def as_dict(self) -> dict[str, int]:
        return {**self.planned(), **{f"dispatch_{k}": v for k, v in self.dispatch.as_dict().items()}}

    def summary(self) -> str:
        text = (
            f"进行中的活动 {self.campaigns} 个，今日需提醒 {self.reminding} 个；未完成 {self.pending} 人"
            f"（其中无账号 {self.without_account} 人）。\n"
            f"新建站内提醒 {self.notifications} 条、书记汇总 {self.digests} 条、"
            f"邮件 {self.emails} 封、群机器人消息 {self.webhooks} 条。"
        )
        if self.branches_unreached:
            text += f"\n注意：{self.branches_unreached} 个支部既没有支部书记账号，也没有配置群机器人，汇总提醒无人接收。"
        return text

    def add(self, other: ReminderReport) -> None:
        for name in (
            "pending",
            "without_account",
            "notifications",
            "digests",
            "emails",
            "webhooks",
            "branches_unreached",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class _Pending:
    name: str
    user_id: int | None
    unit_path: str


@dataclass
class _Unit:
    pk: int
    path: str
    kind: str
    name: str


def _self_and_ancestors(path: str) -> list[str]:
    """The path and its ancestors' paths, nearest first."""
    return [path[:end] for end in range(len(path), 0, -STEP)]


def _chunks(items: Sequence) -> Iterator[Sequence]:
    return chunked(items, keys_per_statement())


def _units_by_path(paths: Iterable[str]) -> dict[str, _Unit]:
    wanted = sorted({p for path in paths for p in _self_and_ancestors(path)})
    units: dict[str, _Unit] = {}
    for chunk in _chunks(wanted):
        for pk, path, kind, name, short in OrgUnit.objects.filter(path__in=chunk).values_list(
            "pk", "path", "kind", "name", "short_name"
        ):
            units[path] = _Unit(pk, path, kind, short or name)
    return units


def _digest_unit(path: str, units: dict[str, _Unit]) -> _Unit:
    """The branch (or general branch, or committee) whose secretary answers for people of the unit at `path`."""
    for candidate in _self_and_ancestors(path):
        unit = units.get(candidate)
        if unit is not None and unit.kind in DIGEST_KINDS:
            return unit
    return units[path]


def _secretary_paths(unit: _Unit, units: dict[str, _Unit]) -> list[str]:
    """The unit, and its ancestors up to and including the nearest general branch (not beyond a committee)."""
    paths = [unit.path]
    if unit.kind in (UnitKind.GENERAL_BRANCH, UnitKind.COMMITTEE):
        return paths
    for candidate in _self_and_ancestors(unit.path)[1:]:
        ancestor = units.get(candidate)
        if ancestor is None or ancestor.kind in (UnitKind.COMMITTEE, UnitKind.COMPANY, UnitKind.GROUP):
            break
        paths.append(candidate)
        if ancestor.kind == UnitKind.GENERAL_BRANCH:
            break
    return paths


def _task_url_parts() -> tuple[str, str]:
    """`campaigns:my_task` around its pk: reversed once, the pk filled in by the database."""
    sentinel = "2147483647"
    head, _sentinel, tail = reverse("campaigns:my_task", kwargs={"pk": int(sentinel)}).partition(sentinel)
    return head, tail


def _progress_url(campaign: Campaign, unit: _Unit) -> str:
    """The campaign's progress, opened at the branch the digest is about."""
    return f"{reverse('campaigns:detail', kwargs={'pk': campaign.pk})}?unit={unit.pk}"


def _person_texts(campaign: Campaign, phase: Phase, missing: Sequence[str]) -> tuple[str, str]:
    """Subject, and the body after the person's name, of a reminder to someone who still owes `missing`."""
    title = _clip(campaign.title, 80)
    deadline = cn_date(campaign.deadline)
    todo = "、".join(str(ACTION_LABELS[a]) for a in missing) or "各项要求"
    if phase.name == DUE:
        when = "今天截止" if phase.days == 0 else f"还有{phase.days}天截止"
        subject = f"《{title}》{when}"
        rest = f"同志：您参加的《{campaign.title}》完成期限为{deadline}，目前尚未完成：{todo}。请在期限前登录平台完成。"
    else:
        subject = f"《{title}》已逾期{phase.days}天"
        rest = (
            f"同志：您参加的《{campaign.title}》已超过完成期限（{deadline}）{phase.days}天，尚未完成：{todo}。"
            "请尽快登录平台完成；如有困难，请联系所在支部书记。"
        )
    return subject, rest


ACTION_DONE_FIELDS = {"read": "read_at", "study": "studied_at", "pledge": "pledged_at"}


def _person_reminders(campaign: Campaign, phase: Phase) -> QuerySet[Target]:
    """The people's reminders as rows the database builds (`notifications_send_selected`): one per person in scope
    who is not done and has an active account. All but the name depends only on which of the required actions
    are left, so the texts are built here once per combination and picked by a CASE; keys and links are the
    person's and target's ids between fixed parts."""
    required = list(campaign.required_actions)
    subjects, rests = [], []
    for left in itertools.product((True, False), repeat=len(required)):
        subject, rest = _person_texts(
            campaign, phase, [a for a, is_left in zip(required, left, strict=True) if is_left]
        )
        if not required:  # one text for everyone
            subject, rest = Value(subject), Value(rest)
            break
        state = Q(
            **{f"{ACTION_DONE_FIELDS[a]}__isnull": is_left for a, is_left in zip(required, left, strict=True)}
        )
        subjects.append(When(state, then=Value(subject)))
        rests.append(When(state, then=Value(rest)))
    else:
        subject, rest = Case(*subjects, output_field=CharField()), Case(*rests, output_field=TextField())
    text = CharField()
    body = Concat(F("person__name"), rest, output_field=TextField())
    url_head, url_tail = _task_url_parts()
    url = Concat(Value(url_head), Cast("pk", text), Value(url_tail), output_field=text)
    return (
        Target.objects.filter(
            campaign=campaign, in_scope=True, done_at__isnull=True, person__user__is_active=True
        )
        .order_by()
        .annotate(
            key=Concat(
                Value(f"remind:{campaign.pk}:"),
                Cast("person_id", text),
                Value(f":{phase.name}:{phase.period}"),
                output_field=text,
            ),
            user_id=F("person__user_id"),
            title=subject,
            body=body,
            url=url,
        )
    )


def _names(people: Sequence[_Pending], limit: int) -> str:
    shown = [p.name if p.user_id else f"{p.name}（无账号）" for p in people[:limit]]
    text = "、".join(shown)
    return text + (f" 等{len(people)}人" if len(people) > limit else "")


def _digest_message(
    campaign: Campaign, phase: Phase, unit: _Unit, people: Sequence[_Pending], today: dt.date
) -> tuple[str, str]:
    """Subject and head of a branch digest; the names follow the head, so a robot's message can shorten them."""
    n = len(people)
    title = _clip(campaign.title, 60)
    if phase.name == DUE:
        when = "今天截止" if phase.days == 0 else f"{cn_date(campaign.deadline)}截止"
        subject = f"【{unit.name}】《{title}》尚有{n}人未完成，{when}"
    else:
        subject = f"【{unit.name}】《{title}》已逾期{phase.days}天，尚有{n}人未完成"
    no_account = sum(1 for p in people if not p.user_id)
    lines = [
        f"截至{cn_date(today)}，{unit.name}尚有{n}人未完成《{campaign.title}》"
        f"（完成期限：{cn_date(campaign.deadline)}）。"
    ]
    if no_account:
        lines.append(
            f"其中{no_account}人未开通账号，收不到平台提醒，请通过会议传达等方式督促，并在平台上代为登记。"
        )
    lines.append("名单：")
    return subject, "\n".join(lines)


def _with_names(
    head: str, people: Sequence[_Pending], *, limit: int = DIGEST_NAMES_MAX, link: str = ""
) -> str:
    tail = f"\n详情：{link}" if link else ""
    return f"{head}{_names(people, limit)}{tail}"


def _webhook_text(subject: str, head: str, people: Sequence[_Pending], link: str) -> str:
    """Subject, head and as many names as fit the robots' size limit."""
    limit = min(len(people), DIGEST_NAMES_MAX)
    while True:
        text = f"{subject}\n{_with_names(head, people, limit=limit, link=link)}\n{ROBOT_SIGNATURE}"
        if len(text.encode()) <= WEBHOOK_TEXT_MAX_BYTES or limit <= 1:
            return text
        limit = max(1, limit * 3 // 4)


def _pending_targets(campaign: Campaign) -> Iterator[_Pending]:
    """Who is not done, in tree order: for the digests (names, and whether they can be told themselves)."""
    rows = (
        Target.objects.filter(campaign=campaign, in_scope=True, done_at__isnull=True)
        .order_by("unit__path", "person__name_pinyin", "person_id")
        .values_list("person__name", "person__user_id", "person__user__is_active", "unit__path")
    )
    for name, user_id, active, path in rows.iterator(chunk_size=5000):
        yield _Pending(name, user_id if active else None, path)  # a deactivated account is treated as none


def _plan_campaign(campaign: Campaign, phase: Phase, now: dt.datetime) -> ReminderReport:
    report = ReminderReport()
    today = timezone.localdate(now)
    base = f"remind:{campaign.pk}"
    sent_for = {"unit": campaign.unit, "source": campaign.title, "now": now}
    sent = notifications_send_selected(
        rows=_person_reminders(campaign, phase), link_label="办理地址", **sent_for
    )
    report.notifications += sent.notifications
    report.emails += sent.emails

    by_path: dict[str, list[_Pending]] = defaultdict(list)
    for pending in _pending_targets(campaign):
        report.pending += 1
        by_path[pending.unit_path].append(pending)
        if not pending.user_id:
            report.without_account += 1
    if not by_path:
        return report

    units = _units_by_path(by_path)
    groups: dict[int, tuple[_Unit, list[_Pending]]] = {}
    for path, people in by_path.items():  # paths come in tree order, so each group lists people unit by unit
        unit = _digest_unit(path, units)
        groups.setdefault(unit.pk, (unit, []))[1].extend(people)

    secretary_paths = {pk: _secretary_paths(unit, units) for pk, (unit, _people) in groups.items()}
    wanted = sorted({p for paths in secretary_paths.values() for p in paths})
    secretaries: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for chunk in _chunks(wanted):
        grants = RoleGrant.objects.filter(role=Role.SECRETARY, unit__path__in=chunk, user__is_active=True)
        for user_id, path, email in grants.values_list("user_id", "unit__path", "user__email"):
            secretaries[path].append((user_id, email or ""))
    robots = notification_selectors.robots_by_unit_path(units)

    digests: list[Message] = []
    hooks: list[RobotMessage] = []
    for unit_pk, (unit, people) in groups.items():
        key = f"{base}:u{unit_pk}:{phase.name}:{phase.period}"
        subject, head = _digest_message(campaign, phase, unit, people, today)
        secretary_url = _progress_url(campaign, unit)
        secretary_link = absolute_url(secretary_url)
        body = _with_names(head, people)
        recipients = {
            user_id: email
            for path in secretary_paths[unit_pk]
            for user_id, email in secretaries.get(path, [])
        }
        for user_id, email in recipients.items():
            digests.append(
                Message(
                    user_id=user_id,
                    key=f"{key}:to{user_id}",
                    title=subject,
                    body=body,
                    url=secretary_url,
                    email=email,
                    email_body=_with_names(head, people, link=secretary_link) if email else "",
                )
            )
        hook_ids = next((robots[p] for p in _self_and_ancestors(unit.path) if robots.get(p)), [])
        hooks.extend(
            RobotMessage(
                webhook_id=hook_id,
                key=f"{key}:hook{hook_id}",
                recipient=unit.name,
                subject=subject,
                text=_webhook_text(subject, head, people, secretary_link),
            )
            for hook_id in hook_ids
        )
        if not recipients and not hook_ids:
            report.branches_unreached += 1
    sent = notifications_send(messages=digests, **sent_for)
    report.digests += sent.notifications
    report.emails += sent.emails
    report.webhooks += robot_messages_queue(messages=hooks, **sent_for)
    return report


def reminders_plan_and_send(*, now: dt.datetime | None = None, dispatch: bool = True) -> ReminderReport:
    """Sync active campaigns, write today's reminders and (unless `dispatch` is off) send what is due. Safe to run
    again. The daily run calls it without sending, as one of its jobs, and sends once for all of them."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    report = ReminderReport()
    campaigns = list(
        Campaign.objects.filter(status=CampaignStatus.ACTIVE).select_related("unit").order_by("pk")
    )
    for campaign in campaigns:
        campaign_sync(campaign=campaign)
    with transaction.atomic():
        for campaign in campaigns:
            report.campaigns += 1
            phase = reminder_phase(campaign, today)
            if phase is None:
                continue
            if phase.name == OVERDUE:
                event_emit("campaign.overdue", campaign)  # recorded once per deadline by the receiver
            report.reminding += 1
            report.add(_plan_campaign(campaign, phase, now))
        audit_record(
            actor=None,
            change=Change(
                "reminders.run",
                "campaigns.reminders",
                today.isoformat(),
                f"{cn_date(today)}宣贯提醒",
                "",
                None,
                report.planned(),
            ),
        )
    if dispatch:
        report.dispatch = deliveries_dispatch(now=now)
    logger.info("reminders run: %s", report.as_dict())
    return report


def reminders_daily_job(now: dt.datetime) -> ReminderReport:
    """Campaigns' part of the daily run (registered in CampaignsConfig.ready)."""
    return reminders_plan_and_send(now=now, dispatch=False)
