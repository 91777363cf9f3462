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

A delivery that fails is retried with backoff (NETCONDUCT_DELIVERY_BACKOFF_MINUTES) and its last error kept; after
the last attempt it is FAILED, logged at ERROR on "netconduct.reminders", and listed on the deliveries page where
staff can retry it. Dispatching claims rows in a short transaction (SELECT … FOR UPDATE SKIP LOCKED where the
database has it; SQLite serialises writers) and leases them before any network call, so two workers never send the
same delivery and a worker that dies mid-send only delays it until the lease runs out.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import hashlib
import hmac
import json
import logging
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from django.conf import settings
from django.core import mail
from django.db import connection, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from netconduct.core import scoping
from netconduct.core.audit import Change, audit_record
from netconduct.core.exceptions import ApplicationError
from netconduct.org.choices import Role, UnitKind
from netconduct.org.models import OrgUnit, RoleGrant

from .choices import CampaignStatus, DeliveryChannel, DeliveryStatus, WebhookProvider
from .models import Campaign, Delivery, Notification, Target, UnitWebhook
from .services import campaign_sync

logger = logging.getLogger("netconduct.reminders")

BATCH = 900  # rows per insert and keys per IN (...) lookup: well inside SQLite's parameter limit
DUE, OVERDUE = "due", "overdue"
OVERDUE_EVERY_DAYS = 7
DIGEST_KINDS = frozenset({UnitKind.BRANCH, UnitKind.GENERAL_BRANCH, UnitKind.COMMITTEE})
STEP = OrgUnit.steplen
ACTION_LABELS = {"read": "阅读确认传达文件", "study": "参加专题学习", "pledge": "签订承诺书"}
ACTION_FIELDS = {"read": "read_at", "study": "studied_at", "pledge": "pledged_at"}
DIGEST_NAMES_MAX = 500  # names listed in an in-app or e-mail digest; more are summed up as "等 N 人"
WEBHOOK_TEXT_MAX_BYTES = 3800  # WeCom takes at most 4096 bytes of markdown; the others more
# Every robot message carries this word, so a DingTalk or Feishu robot secured by "custom keywords" can list it.
ROBOT_KEYWORD = "宣贯提醒"
ROBOT_SIGNATURE = f"（网络行为规范管理平台·{ROBOT_KEYWORD}）"
LEASE = dt.timedelta(minutes=10)  # how long a claimed delivery is left alone by other workers

PROVIDER_HOSTS: dict[str, tuple[str, ...]] = {
    WebhookProvider.WECOM: ("qyapi.weixin.qq.com",),
    WebhookProvider.DINGTALK: ("oapi.dingtalk.com",),
    WebhookProvider.FEISHU: ("open.feishu.cn", "open.larksuite.com"),
}
PROVIDER_PATHS: dict[str, tuple[str, str]] = {  # (path prefix, query parameter that must be present)
    WebhookProvider.WECOM: ("/cgi-bin/webhook/send", "key"),
    WebhookProvider.DINGTALK: ("/robot/send", "access_token"),
    WebhookProvider.FEISHU: ("/open-apis/bot/v2/hook/", ""),
}


def _setting(name: str, default: Any) -> Any:
    return getattr(settings, name, default)


def backoff_minutes() -> tuple[int, ...]:
    return tuple(_setting("NETCONDUCT_DELIVERY_BACKOFF_MINUTES", (1, 5, 30, 120, 480)))


def max_attempts() -> int:
    """The first attempt plus one retry per backoff step."""
    return len(backoff_minutes()) + 1


def _cn_date(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


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
class DispatchReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


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
    target_id: int
    person_id: int
    name: str
    user_id: int | None
    email: str
    unit_path: str
    missing: list[str]


@dataclass
class _Unit:
    pk: int
    path: str
    kind: str
    name: str


def _self_and_ancestors(path: str) -> list[str]:
    """The path and its ancestors' paths, nearest first."""
    return [path[:end] for end in range(len(path), 0, -STEP)]


def _chunks(items: Sequence, size: int = BATCH) -> Iterator[Sequence]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


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


def _task_url_maker() -> Callable[[int], str]:
    """`campaigns:my_task` for many targets: reversed once, then filled in (reversing per person is the slow part
    of planning a campaign of 100,000 people)."""
    sentinel = 2147483647
    pattern = reverse("campaigns:my_task", kwargs={"pk": sentinel})
    return lambda pk: pattern.replace(str(sentinel), str(pk))


def _progress_url(campaign: Campaign, unit: _Unit) -> str:
    """The campaign's progress, opened at the branch the digest is about."""
    return f"{reverse('campaigns:detail', kwargs={'pk': campaign.pk})}?unit={unit.pk}"


def _absolute(url: str) -> str:
    site = (_setting("NETCONDUCT_SITE_URL", "") or "").rstrip("/")
    return f"{site}{url}" if site else ""


def _person_message(campaign: Campaign, phase: Phase, pending: _Pending) -> tuple[str, str]:
    title = _clip(campaign.title, 80)
    todo = "、".join(ACTION_LABELS[a] for a in pending.missing) or "各项要求"
    if phase.name == DUE:
        when = "今天截止" if phase.days == 0 else f"还有{phase.days}天截止"
        subject = f"《{title}》{when}"
        body = (
            f"{pending.name}同志：您参加的《{campaign.title}》完成期限为{_cn_date(campaign.deadline)}，"
            f"目前尚未完成：{todo}。请在期限前登录平台完成。"
        )
    else:
        subject = f"《{title}》已逾期{phase.days}天"
        body = (
            f"{pending.name}同志：您参加的《{campaign.title}》已超过完成期限（{_cn_date(campaign.deadline)}）"
            f"{phase.days}天，尚未完成：{todo}。请尽快登录平台完成；如有困难，请联系所在支部书记。"
        )
    return subject, body


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
        when = "今天截止" if phase.days == 0 else f"{_cn_date(campaign.deadline)}截止"
        subject = f"【{unit.name}】《{title}》尚有{n}人未完成，{when}"
    else:
        subject = f"【{unit.name}】《{title}》已逾期{phase.days}天，尚有{n}人未完成"
    no_account = sum(1 for p in people if not p.user_id)
    lines = [
        f"截至{_cn_date(today)}，{unit.name}尚有{n}人未完成《{campaign.title}》"
        f"（完成期限：{_cn_date(campaign.deadline)}）。"
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


def _existing_keys(model, keys: Sequence[str]) -> set[str]:
    found: set[str] = set()
    for chunk in _chunks(list(keys)):
        found.update(model.objects.filter(key__in=chunk).values_list("key", flat=True))
    return found


def _insert_new(model, rows: Sequence) -> list:
    """Insert the rows whose key is not taken yet; returns those. Concurrent runs are settled by the unique key."""
    taken = _existing_keys(model, [r.key for r in rows])
    new = [r for r in rows if r.key not in taken]
    for chunk in _chunks(new):
        model.objects.bulk_create(chunk, ignore_conflicts=True)
    return new


def _pending_targets(campaign: Campaign) -> Iterator[_Pending]:
    required = campaign.required_actions
    rows = (
        Target.objects.filter(campaign=campaign, in_scope=True, done_at__isnull=True)
        .order_by("unit__path", "person__name_pinyin", "person_id")
        .values_list(
            "pk",
            "person_id",
            "person__name",
            "person__user_id",
            "person__user__is_active",
            "person__user__email",
            "unit__path",
            "read_at",
            "studied_at",
            "pledged_at",
        )
    )
    for pk, person_id, name, user_id, active, email, path, read_at, studied_at, pledged_at in rows.iterator(
        chunk_size=2000
    ):
        done = {"read": read_at, "study": studied_at, "pledge": pledged_at}
        usable = user_id if active else None  # a deactivated account is treated as none
        yield _Pending(
            pk,
            person_id,
            name,
            usable,
            (email or "") if usable else "",
            path,
            [a for a in required if done[a] is None],
        )


def _email_delivery(key: str, campaign: Campaign, address: str, subject: str, body: str, now) -> Delivery:
    return Delivery(
        key=key,
        channel=DeliveryChannel.EMAIL,
        campaign=campaign,
        recipient=address,
        subject=_clip(subject, 200),
        body=body,
        next_attempt_at=now,
    )


def _plan_campaign(campaign: Campaign, phase: Phase, now: dt.datetime) -> ReminderReport:
    report = ReminderReport()
    today = timezone.localdate(now)
    base = f"remind:{campaign.pk}"
    task_url = _task_url_maker()

    by_path: dict[str, list[_Pending]] = defaultdict(list)
    notes: list[Notification] = []
    mails: dict[str, Delivery] = {}  # by the notification's key: sent only with a new notification

    def flush() -> None:
        new = _insert_new(Notification, notes)
        report.notifications += len(new)
        new_mail = [mails[n.key] for n in new if n.key in mails]
        report.emails += len(_insert_new(Delivery, new_mail))
        notes.clear()
        mails.clear()

    for pending in _pending_targets(campaign):
        report.pending += 1
        by_path[pending.unit_path].append(pending)
        if not pending.user_id:
            report.without_account += 1
            continue
        key = f"{base}:{pending.person_id}:{phase.name}:{phase.period}"
        subject, body = _person_message(campaign, phase, pending)
        url = task_url(pending.target_id)
        notes.append(Notification(user_id=pending.user_id, key=key, title=subject, body=body, url=url))
        if pending.email:
            link = _absolute(url)
            text = body + (f"\n\n办理地址：{link}" if link else "")
            mails[key] = _email_delivery(f"{key}:email", campaign, pending.email, subject, text, now)
        if len(notes) >= BATCH:
            flush()
    flush()
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
    robots: dict[str, list[int]] = defaultdict(list)
    for chunk in _chunks(sorted(units)):
        enabled = UnitWebhook.objects.filter(is_enabled=True, unit__path__in=chunk).order_by("pk")
        for pk, path in enabled.values_list("pk", "unit__path"):
            robots[path].append(pk)

    digest_notes: list[Notification] = []
    digest_mails: dict[str, Delivery] = {}
    hooks: list[Delivery] = []
    for unit_pk, (unit, people) in groups.items():
        key = f"{base}:u{unit_pk}:{phase.name}:{phase.period}"
        subject, head = _digest_message(campaign, phase, unit, people, today)
        secretary_url = _progress_url(campaign, unit)
        secretary_link = _absolute(secretary_url)
        body = _with_names(head, people)
        recipients = {
            user_id: email
            for path in secretary_paths[unit_pk]
            for user_id, email in secretaries.get(path, [])
        }
        for user_id, email in recipients.items():
            note_key = f"{key}:to{user_id}"
            digest_notes.append(
                Notification(
                    user_id=user_id, key=note_key, title=_clip(subject, 200), body=body, url=secretary_url
                )
            )
            if email:
                text = _with_names(head, people, link=secretary_link)
                digest_mails[note_key] = _email_delivery(
                    f"{note_key}:email", campaign, email, subject, text, now
                )
        hook_ids = next((robots[p] for p in _self_and_ancestors(unit.path) if robots.get(p)), [])
        for hook_id in hook_ids:
            hooks.append(
                Delivery(
                    key=f"{key}:hook{hook_id}",
                    channel=DeliveryChannel.WEBHOOK,
                    campaign=campaign,
                    webhook_id=hook_id,
                    recipient=unit.name,
                    subject=_clip(subject, 200),
                    body=_webhook_text(subject, head, people, secretary_link),
                    next_attempt_at=now,
                )
            )
        if not recipients and not hook_ids:
            report.branches_unreached += 1
    new = _insert_new(Notification, digest_notes)
    report.digests += len(new)
    report.emails += len(_insert_new(Delivery, [digest_mails[n.key] for n in new if n.key in digest_mails]))
    report.webhooks += len(_insert_new(Delivery, hooks))
    return report


def reminders_plan_and_send(*, now: dt.datetime | None = None, dispatch: bool = True) -> ReminderReport:
    """The scheduled job: sync active campaigns, write today's reminders, send what is due. Safe to run again."""
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
            report.reminding += 1
            report.add(_plan_campaign(campaign, phase, now))
        audit_record(
            actor=None,
            change=Change(
                "reminders.run",
                "campaigns.reminders",
                today.isoformat(),
                f"{_cn_date(today)}宣贯提醒",
                "",
                None,
                report.planned(),
            ),
        )
    # The registry's yearly review rounds remind their unanswered owners through the same notifications and
    # deliveries, in the same daily run.
    from netconduct.registry.reviews import reviews_remind_all

    reviews_remind_all(now=now, dispatch=False)
    if dispatch:
        report.dispatch = deliveries_dispatch(now=now)
    logger.info("reminders run: %s", report.as_dict())
    return report


# ---------------------------------------------------------------------------------------------------- sending


class DeliveryError(Exception):
    """This attempt failed; the delivery is tried again later."""


class PermanentDeliveryError(DeliveryError):
    """Trying again cannot help (the robot was disabled, its address is not allowed): fail now, staff can retry."""


def webhook_url_check(provider: str, url: str) -> str:
    """The cleaned address of a group robot, or an ApplicationError naming what is wrong with it (in Chinese)."""
    url = (url or "").strip()
    labels = dict(WebhookProvider.choices)
    if provider not in PROVIDER_HOSTS:
        raise ApplicationError("请选择群机器人类型。", field="provider")
    if not url:
        raise ApplicationError("请填写 Webhook 地址。", field="url")
    if len(url) > 500:
        raise ApplicationError("Webhook 地址过长（最多500个字符）。", field="url")
    if any(c.isspace() for c in url):
        raise ApplicationError("Webhook 地址中不能有空格或换行，请重新复制。", field="url")
    try:
        parts = urllib.parse.urlsplit(url)
        port = parts.port
    except ValueError:
        raise ApplicationError("Webhook 地址格式不正确，请从群机器人设置中重新复制。", field="url") from None
    if (
        _setting("NETCONDUCT_WEBHOOK_ALLOW_LOCAL", False)
        and parts.scheme in ("http", "https")
        and parts.hostname == "127.0.0.1"
    ):
        return url  # tests talk to a server of their own
    hosts = PROVIDER_HOSTS[provider]
    if parts.scheme != "https":
        raise ApplicationError("Webhook 地址必须以 https:// 开头。", field="url")
    if parts.hostname not in hosts or port not in (None, 443) or parts.username or parts.password:
        raise ApplicationError(
            f"{labels[provider]}的地址应以 https://{hosts[0]}/ 开头，请从群机器人设置中复制完整地址。",
            field="url",
        )
    prefix, param = PROVIDER_PATHS[provider]
    query = urllib.parse.parse_qs(parts.query)
    if not parts.path.startswith(prefix) or (param and not query.get(param)) or parts.path == prefix + "/":
        raise ApplicationError(
            f"Webhook 地址不完整：{labels[provider]}的地址形如 https://{hosts[0]}{prefix}"
            f"{'?' + param + '=…' if param else '…'}，请复制完整地址。",
            field="url",
        )
    return url


def webhook_masked_url(url: str) -> str:
    """The address with its token hidden: anyone holding the full address can post into the group."""
    try:
        parts = urllib.parse.urlsplit(url)
    except ValueError:
        return "…"
    prefix = next((p for p, _param in PROVIDER_PATHS.values() if parts.path.startswith(p)), "")
    return f"{parts.scheme}://{parts.hostname}{prefix}…{url[-4:]}"


def mask_email(address: str) -> str:
    """zhang.san@example.com → z***@example.com: enough to tell whose it is, for pages and logs."""
    local, at, domain = address.partition("@")
    return f"{local[:1]}***@{domain}" if at else address


def _recipient_label(delivery: Delivery) -> str:
    return mask_email(delivery.recipient) if delivery.channel == DeliveryChannel.EMAIL else delivery.recipient


def _dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    string_to_sign = f"{timestamp_ms}\n{secret}".encode()
    digest = hmac.new(secret.encode(), string_to_sign, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def _feishu_sign(secret: str, timestamp_s: int) -> str:
    # Feishu keys the HMAC with "timestamp\nsecret" and signs an empty message.
    digest = hmac.new(f"{timestamp_s}\n{secret}".encode(), b"", hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def webhook_request(
    provider: str, url: str, secret: str, text: str, *, at: float | None = None
) -> tuple[str, dict]:
    """The address to post to and the JSON body, in the provider's format, signed when a secret is set."""
    at = time.time() if at is None else at
    if provider == WebhookProvider.WECOM:
        return url, {"msgtype": "markdown", "markdown": {"content": text}}
    if provider == WebhookProvider.DINGTALK:
        if secret:
            ts = int(at * 1000)
            sign = urllib.parse.quote_plus(_dingtalk_sign(secret, ts))
            url = f"{url}{'&' if '?' in url else '?'}timestamp={ts}&sign={sign}"
        return url, {"msgtype": "text", "text": {"content": text}}
    if provider == WebhookProvider.FEISHU:
        payload: dict[str, Any] = {"msg_type": "text", "content": {"text": text}}
        if secret:
            ts = int(at)
            payload = {"timestamp": str(ts), "sign": _feishu_sign(secret, ts), **payload}
        return url, payload
    raise PermanentDeliveryError(f"未知的群机器人类型：{provider}")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """The robots answer directly; following a redirect would post the message wherever it pointed."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        raise urllib.error.HTTPError(req.full_url, code, f"意外的重定向（{code}）", headers, fp)


_OPENER = urllib.request.build_opener(_NoRedirect)


def _robot_error(provider: str, answer: Any) -> str | None:
    if not isinstance(answer, dict):
        return "群机器人的响应格式不正确"
    if provider == WebhookProvider.FEISHU:
        code = answer.get("code", answer.get("StatusCode"))
        message = answer.get("msg", answer.get("StatusMessage", ""))
    else:
        code, message = answer.get("errcode"), answer.get("errmsg", "")
    if code == 0:
        return None
    return f"{dict(WebhookProvider.choices).get(provider, provider)}返回错误 {code}：{message}"[:500]


def webhook_post(webhook: UnitWebhook, text: str) -> None:
    """Post one message to a group robot; raises DeliveryError saying why it did not arrive."""
    try:
        url = webhook_url_check(webhook.provider, webhook.url)
    except ApplicationError as exc:
        raise PermanentDeliveryError(exc.message) from None
    url, payload = webhook_request(webhook.provider, url, webhook.secret, text)
    request = urllib.request.Request(  # noqa: S310 (the address was checked above: https to the provider's host)
        url,
        data=json.dumps(payload, ensure_ascii=False).encode(),
        headers={"Content-Type": "application/json; charset=utf-8"},
        method="POST",
    )
    timeout = _setting("NETCONDUCT_WEBHOOK_TIMEOUT", 5)
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            raw = response.read(65536)
    except urllib.error.HTTPError as exc:
        raise DeliveryError(f"HTTP {exc.code}：{exc.reason}") from None
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise DeliveryError(f"网络错误：{reason}") from None
    try:
        answer = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise DeliveryError(f"群机器人的响应不是 JSON：{raw[:200]!r}") from None
    error = _robot_error(webhook.provider, answer)
    if error:
        raise DeliveryError(error)


class _Mailer:
    """One SMTP connection for a dispatch run, opened on the first e-mail."""

    def __init__(self) -> None:
        self._connection = None

    def send(self, delivery: Delivery) -> None:
        if self._connection is None:
            self._connection = mail.get_connection(fail_silently=False)
        message = mail.EmailMessage(
            subject=delivery.subject,
            body=delivery.body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[delivery.recipient],
            connection=self._connection,
        )
        try:
            message.send(fail_silently=False)
        except Exception as exc:
            self.close()  # a broken SMTP session is not reused for the next message
            raise DeliveryError(f"邮件发送失败：{exc}") from None

    def close(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(Exception):  # closing a session that may already have failed
                self._connection.close()
            self._connection = None


def _claim(now: dt.datetime, only: Sequence[int] | None, size: int) -> list[Delivery]:
    """Take up to `size` due deliveries for this worker: lease them and count the attempt, in one short
    transaction, before anything is sent."""
    with transaction.atomic():
        due = Delivery.objects.filter(status=DeliveryStatus.PENDING).filter(
            Q(next_attempt_at__lte=now) | Q(next_attempt_at__isnull=True)
        )
        if only is not None:
            due = due.filter(pk__in=list(only))
        due = due.select_related("webhook").order_by(F("next_attempt_at").asc(nulls_first=True), "pk")
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True, of=("self",))
        rows = list(due[:size])
        if rows:
            Delivery.objects.filter(pk__in=[d.pk for d in rows]).update(
                next_attempt_at=now + LEASE, attempts=F("attempts") + 1
            )
            for delivery in rows:
                delivery.attempts += 1
    return rows


def _send(delivery: Delivery, mailer: _Mailer) -> None:
    if delivery.channel == DeliveryChannel.EMAIL:
        if not delivery.recipient:
            raise PermanentDeliveryError("没有收件地址")
        mailer.send(delivery)
        return
    webhook = delivery.webhook
    if webhook is None:
        raise PermanentDeliveryError("群机器人已删除")
    if not webhook.is_enabled:
        raise PermanentDeliveryError("群机器人已停用")
    webhook_post(webhook, delivery.body)  # a robot's body is the whole message, subject included


def _record(
    delivery: Delivery, now: dt.datetime, error: DeliveryError | None, report: DispatchReport
) -> None:
    rows = Delivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.PENDING)
    if error is None:
        rows.update(status=DeliveryStatus.SENT, sent_at=now, next_attempt_at=None)
        report.sent += 1
        return
    message = str(error)[:1000]
    steps = backoff_minutes()
    if isinstance(error, PermanentDeliveryError) or delivery.attempts >= max_attempts():
        rows.update(status=DeliveryStatus.FAILED, last_error=message, next_attempt_at=None)
        report.failed += 1
        logger.error(
            "delivery %s (%s to %s) failed for good after %s attempt(s): %s",
            delivery.pk,
            delivery.channel,
            _recipient_label(delivery),
            delivery.attempts,
            message,
        )
        return
    retry_at = now + dt.timedelta(minutes=steps[min(delivery.attempts, len(steps)) - 1])
    rows.update(last_error=message, next_attempt_at=retry_at)
    report.retrying += 1
    logger.warning(
        "delivery %s (%s to %s) failed, attempt %s of %s, next at %s: %s",
        delivery.pk,
        delivery.channel,
        _recipient_label(delivery),
        delivery.attempts,
        max_attempts(),
        retry_at.isoformat(),
        message,
    )


def deliveries_dispatch(
    *, now: dt.datetime | None = None, only: Sequence[int] | None = None, limit: int = 5000
) -> DispatchReport:
    """Send the due PENDING deliveries (or only those given), at most `limit` in one call."""
    now = now or timezone.now()
    report = DispatchReport()
    mailer = _Mailer()
    done = 0
    try:
        while done < limit:
            claimed = _claim(now, only, min(50, limit - done))
            if not claimed:
                break
            for delivery in claimed:
                try:
                    _send(delivery, mailer)
                except DeliveryError as exc:
                    _record(delivery, now, exc, report)
                except Exception as exc:  # whatever broke, the delivery is recorded and tried again
                    logger.exception("delivery %s: unexpected error", delivery.pk)
                    _record(delivery, now, DeliveryError(f"内部错误：{exc!r}"), report)
                else:
                    _record(delivery, now, None, report)
            done += len(claimed)
    finally:
        mailer.close()
    return report


# ---------------------------------------------------------------------------------------------------- scheduling


def next_reminder_run(now: dt.datetime | None = None) -> dt.datetime:
    """The next daily run time (NETCONDUCT_REMINDER_TIME, "08:30" Beijing time by default) after `now`."""
    now = timezone.localtime(now or timezone.now())
    hour, minute = (int(x) for x in str(_setting("NETCONDUCT_REMINDER_TIME", "08:30")).split(":"))
    run = now.replace(hour=hour, minute=minute, second=0, microsecond=0)
    if run <= now:
        run += dt.timedelta(days=1)  # Beijing time has no daylight saving: a day later is the same hour
    return run


def next_dispatch_run(now: dt.datetime | None = None) -> dt.datetime:
    return (now or timezone.now()) + dt.timedelta(minutes=_setting("NETCONDUCT_DELIVERY_DISPATCH_MINUTES", 5))


def task_enqueue_once(task, *, run_after: dt.datetime) -> bool:
    """Enqueue `task` to run at `run_after` unless a run of it is already waiting; False when nothing was queued.

    Only a backend that can defer work keeps a schedule: with the immediate backend (tests) re-enqueuing would run
    the task again at once, for ever.
    """
    from django_tasks import TaskResultStatus
    from django_tasks_db.backend import DatabaseBackend
    from django_tasks_db.models import DBTaskResult

    backend = task.get_backend()
    if not backend.supports_defer:
        return False
    if isinstance(backend, DatabaseBackend):
        waiting = DBTaskResult.objects.filter(task_path=task.module_path, status=TaskResultStatus.READY)
        if waiting.exists():
            return False
    task.using(run_after=run_after).enqueue()
    return True


# ---------------------------------------------------------------------------------------------------- notifications


def notification_mark_read(*, user, notification: Notification) -> Notification:
    """Mark one of the account's own notifications read. Not audited: it is the reader's own inbox, not a record
    of the organisation (what was sent is in the notification itself and in the run's audit event)."""
    if notification.user_id != user.pk:
        raise ApplicationError("只能处理本人的通知。")
    if notification.read_at is None:
        notification.read_at = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
            read_at=notification.read_at
        )
    return notification


def notifications_mark_all_read(*, user) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).update(read_at=timezone.now())


# ---------------------------------------------------------------------------------------------------- webhooks


def _webhook_snapshot(webhook: UnitWebhook) -> dict:
    return {
        "unit": webhook.unit.name,
        "provider": webhook.provider,
        "url": webhook_masked_url(webhook.url),
        "signed": bool(webhook.secret),
        "is_enabled": webhook.is_enabled,
    }


@transaction.atomic
def webhook_create(*, actor, unit: OrgUnit, provider: str, url: str, secret: str = "") -> UnitWebhook:
    unit = OrgUnit.objects.get(pk=unit.pk)
    scoping.require(actor, "webhook.manage", unit.path)
    if not unit.is_active:
        raise ApplicationError("该组织已撤销，不能添加群机器人。")
    url = webhook_url_check(provider, url)
    secret = (secret or "").strip()
    if provider == WebhookProvider.WECOM and secret:
        raise ApplicationError("企业微信群机器人没有加签密钥，请留空。", field="secret")
    if provider == WebhookProvider.DINGTALK and secret and not secret.startswith("SEC"):
        raise ApplicationError("钉钉的加签密钥以 SEC 开头，请在机器人安全设置中复制。", field="secret")
    if len(secret) > 200:
        raise ApplicationError("加签密钥过长。", field="secret")
    if UnitWebhook.objects.filter(unit=unit, url=url).exists():
        raise ApplicationError("该群机器人已经添加过了。", field="url")
    webhook = UnitWebhook(unit=unit, provider=provider, url=url, secret=secret)
    webhook.full_clean(exclude=["url"])  # the URL was checked above, with messages people can act on
    webhook.save()
    audit_record(
        actor=actor,
        change=Change(
            "webhook.create",
            "campaigns.unitwebhook",
            webhook.pk,
            str(webhook),
            unit.path,
            None,
            _webhook_snapshot(webhook),
        ),
    )
    return webhook


@transaction.atomic
def webhook_set_enabled(*, actor, webhook: UnitWebhook, enabled: bool) -> UnitWebhook:
    """Disable or re-enable a robot. Robots are not deleted: their deliveries stay on record."""
    webhook = UnitWebhook.objects.select_for_update().select_related("unit").get(pk=webhook.pk)
    scoping.require(actor, "webhook.manage", webhook.unit.path)
    if webhook.is_enabled == enabled:
        return webhook
    webhook.is_enabled = enabled
    webhook.save(update_fields=["is_enabled"])
    audit_record(
        actor=actor,
        change=Change(
            "webhook.enable" if enabled else "webhook.disable",
            "campaigns.unitwebhook",
            webhook.pk,
            str(webhook),
            webhook.unit.path,
            {"is_enabled": not enabled},
            {"is_enabled": enabled},
        ),
    )
    return webhook


def webhook_test_send(*, actor, webhook: UnitWebhook) -> str | None:
    """Post a test message now; returns the error, or None when the robot accepted it. Audited after the
    request, outside any transaction: a slow robot must not hold the database."""
    webhook = UnitWebhook.objects.select_related("unit").get(pk=webhook.pk)
    scoping.require(actor, "webhook.manage", webhook.unit.path)
    name = getattr(actor, "display_name", "") or actor.get_username()
    text = (
        f"【测试】{webhook.unit.name}的群机器人已连通：宣贯活动的到期提醒和逾期提醒将发送到本群。"
        f"（由{name}于{timezone.localtime():%Y-%m-%d %H:%M}发送）\n{ROBOT_SIGNATURE}"
    )
    error: str | None = None
    try:
        webhook_post(webhook, text)
    except DeliveryError as exc:
        error = str(exc)
    with transaction.atomic():
        audit_record(
            actor=actor,
            change=Change(
                "webhook.test",
                "campaigns.unitwebhook",
                webhook.pk,
                str(webhook),
                webhook.unit.path,
                None,
                {"ok": error is None, "error": error or ""},
            ),
        )
    return error


# ---------------------------------------------------------------------------------------------------- deliveries


def delivery_unit_path(delivery: Delivery) -> str:
    """The unit a delivery belongs to for scoping: its robot's unit, else its campaign's."""
    if delivery.webhook_id:
        return delivery.webhook.unit.path
    if delivery.campaign_id:
        return delivery.campaign.unit.path
    return ""


def delivery_retry(*, actor, delivery: Delivery) -> Delivery:
    """Put a failed delivery back in the queue with a fresh set of attempts, and try it once right away."""
    with transaction.atomic():
        delivery = (
            Delivery.objects.select_for_update(of=("self",))
            .select_related("webhook__unit", "campaign__unit")
            .get(pk=delivery.pk)
        )
        path = delivery_unit_path(delivery)
        if path:
            scoping.require(actor, "webhook.manage", path)
        elif not scoping.scope_for(actor, "webhook.manage").everything:
            raise ApplicationError("您无权重试该发送。")
        if delivery.status != DeliveryStatus.FAILED:
            raise ApplicationError("只有发送失败的记录可以重试。")
        before = {"status": delivery.status, "attempts": delivery.attempts, "last_error": delivery.last_error}
        now = timezone.now()
        Delivery.objects.filter(pk=delivery.pk).update(
            status=DeliveryStatus.PENDING, attempts=0, next_attempt_at=now
        )
        audit_record(
            actor=actor,
            change=Change(
                "delivery.retry",
                "campaigns.delivery",
                delivery.pk,
                delivery.subject,
                path,
                before,
                {"status": DeliveryStatus.PENDING, "attempts": 0},
            ),
        )
    deliveries_dispatch(only=[delivery.pk])
    delivery.refresh_from_db()
    return delivery
