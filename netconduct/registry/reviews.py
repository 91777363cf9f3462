"""Yearly review (年检): the committee opens a round over its subtree; each account's owner confirms it is still in
use and compliant, or asks to close it; the round lists who has not answered and reminds them.

Reminders go out through notifications: an in-app notification per person and, where the account has an e-mail
address, an e-mail sent with its retries. Keys carry the round, the account, the recipient and the ISO week, so a
person is reminded at most once a week per account however often the job runs (`netconduct registry-remind`, or
the daily run of `netconduct send-reminders`, where this is the job "registry").
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import asdict, dataclass

from django.db import transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from netconduct.core.audit import Change, audit_record
from netconduct.core.exceptions import ApplicationError, PermissionRefused
from netconduct.core.links import absolute_url
from netconduct.notifications.sending import deliveries_dispatch
from netconduct.notifications.services import Message, notifications_send
from netconduct.org import scoping
from netconduct.org.choices import Role
from netconduct.org.models import OrgUnit, RoleGrant
from netconduct.org.scoping import subtree_q

from .choices import AccountStatus, CloseRequest, ReviewAnswer, RoundStatus
from .models import Account, AccountAdmin, ReviewItem, ReviewRound

BATCH = 900


def _round_change(action: str, review: ReviewRound, before=None, after=None) -> Change:
    return Change(action, "registry.review", review.pk, review.title, review.unit.path, before, after)


@transaction.atomic
def review_open(*, actor, unit: OrgUnit, year: int, deadline: dt.date, title: str = "") -> ReviewRound:
    """Open the year's review over `unit`'s subtree: every account not closed gets an item to answer."""
    unit = OrgUnit.objects.get(pk=unit.pk)
    scoping.require(actor, "registry.manage", unit.path)
    if not 2000 <= year <= 2100:
        raise ApplicationError(_("年度不正确。"), field="year")
    if deadline < timezone.localdate():
        raise ApplicationError(_("答复期限不能早于今天。"), field="deadline")
    if ReviewRound.objects.filter(unit=unit, year=year).exists():
        raise ApplicationError(
            _("%(name)s%(year)s年度的年检已经开启。") % {"name": unit.name, "year": year}, field="year"
        )
    review = ReviewRound.objects.create(
        unit=unit,
        year=year,
        deadline=deadline,
        title=(title or "").strip()[:100] or f"{year}年度网络账号年检",
        created_by=actor,
    )
    ids = list(
        Account.objects.filter(subtree_q("unit__path", unit.path))
        .exclude(status=AccountStatus.CLOSED)
        .values_list("pk", flat=True)
    )
    for start in range(0, len(ids), BATCH):
        ReviewItem.objects.bulk_create(
            [ReviewItem(round=review, account_id=pk) for pk in ids[start : start + BATCH]]
        )
    audit_record(
        actor=actor,
        change=_round_change(
            "registry.review_open", review, None, {"year": year, "deadline": deadline, "accounts": len(ids)}
        ),
    )
    return review


def answerers_q(user) -> Q:
    """Review items this account answers: accounts it applied for, or administers."""
    return Q(account__owner_user=user) | Q(
        account__in=AccountAdmin.objects.filter(person__user=user).values("account")
    )


def may_answer(user, item: ReviewItem) -> bool:
    account = item.account
    if scoping.scope_for(user, "registry.apply_unit").covers(account.unit.path):
        return True
    if account.owner_user_id == user.pk:
        return True
    return account.admins.filter(person__user=user).exists()


@transaction.atomic
def review_answer(
    *, actor, item: ReviewItem, answer: str, note: str = "", audience: int | None = None
) -> ReviewItem:
    item = (
        ReviewItem.objects.select_for_update(of=("self",))
        .select_related("round__unit", "account__unit")
        .get(pk=item.pk)
    )
    if not may_answer(actor, item):
        raise PermissionRefused(_("您不是该账号的申请人、管理员或主管单位的管理人员。"))
    if item.round.status != RoundStatus.OPEN:
        raise ApplicationError(_("本次年检已结束，不能再答复。"))
    if answer not in (ReviewAnswer.CONFIRMED, ReviewAnswer.CLOSE):
        raise ApplicationError(_("请选择答复：仍在使用且符合规范，或申请注销。"), field="answer")
    note = (note or "").strip()
    if answer == ReviewAnswer.CLOSE and not note:
        raise ApplicationError(_("申请注销时请说明原因。"), field="note")
    if item.close_status in (CloseRequest.APPROVED, CloseRequest.REJECTED):
        raise ApplicationError(
            _("注销申请已由管理人员处理（%(s)s），不能再修改答复。") % {"s": item.get_close_status_display()},
            field="answer",
        )
    before = {"answer": item.answer, "note": item.note}
    item.answer, item.note, item.audience = answer, note[:1000], audience
    # "ask to close" opens the closing step for the staff; changing the answer back withdraws it
    item.close_status = CloseRequest.PENDING if answer == ReviewAnswer.CLOSE else ""
    item.answered_by, item.answered_at = actor, timezone.now()
    item.save()
    audit_record(
        actor=actor,
        change=Change(
            "registry.review_answer",
            "registry.account",
            item.account_id,
            str(item.account)[:255],
            item.account.unit.path,
            before,
            {"answer": answer, "note": item.note, "audience": audience, "review": item.round.title},
        ),
    )
    return item


@transaction.atomic
def review_close(*, actor, review: ReviewRound) -> ReviewRound:
    review = ReviewRound.objects.select_for_update(of=("self",)).select_related("unit").get(pk=review.pk)
    scoping.require(actor, "registry.manage", review.unit.path)
    if review.status != RoundStatus.OPEN:
        raise ApplicationError(_("本次年检已经结束。"))
    review.status, review.closed_at = RoundStatus.CLOSED, timezone.now()
    review.save(update_fields=["status", "closed_at"])
    counts = dict(review.items.values("answer").annotate(n=Count("pk")).values_list("answer", "n"))
    audit_record(
        actor=actor,
        change=_round_change(
            "registry.review_close",
            review,
            {"status": RoundStatus.OPEN},
            {"status": review.status, "answers": counts},
        ),
    )
    return review


# ---------------------------------------------------------------------------------------------------- close requests


def _close_request_locked(actor, item: ReviewItem) -> ReviewItem:
    item = (
        ReviewItem.objects.select_for_update(of=("self",))
        .select_related("round", "account__unit")
        .get(pk=item.pk)
    )
    scoping.require(actor, "registry.manage", item.account.unit.path)
    if item.close_status != CloseRequest.PENDING:
        raise ApplicationError(_("该注销申请已处理或已撤回。"))
    return item


def _tell_answerer(item: ReviewItem, title: str, body: str) -> None:
    if item.answered_by_id:
        notifications_send(
            messages=[
                Message(
                    user_id=item.answered_by_id,
                    key=f"registry:close-request:{item.pk}:{item.close_status}",
                    title=title,
                    body=body,
                    url=reverse("registry:account", args=[item.account_id]),
                )
            ]
        )


@transaction.atomic
def close_request_approve(*, actor, item: ReviewItem, on: dt.date | None = None) -> ReviewItem:
    """Approve a yearly review's request to close: the account is closed through `account_close` (its own audit
    event, which names the review), and the request is marked approved."""
    from .services.filing import account_close

    item = _close_request_locked(actor, item)
    account = item.account
    reason = f"{item.round.title}申请注销：{item.note}"[:300]
    if account.status != AccountStatus.CLOSED:
        account_close(actor=actor, account=account, reason=reason, on=on, review=item.round.title)
    else:  # closed meanwhile by other means: nothing to close, the request is settled all the same
        audit_record(
            actor=actor,
            change=Change(
                "registry.close_request_approve",
                "registry.account",
                account.pk,
                str(account)[:255],
                account.unit.path,
                {"close_status": CloseRequest.PENDING},
                {"close_status": CloseRequest.APPROVED, "review": item.round.title},
            ),
        )
    item.close_status, item.close_decided_by, item.close_decided_at = (
        CloseRequest.APPROVED,
        actor,
        timezone.now(),
    )
    item.close_reason = ""
    item.save(update_fields=["close_status", "close_decided_by", "close_decided_at", "close_reason"])
    _tell_answerer(
        item, _("账号“%(name)s”已注销") % {"name": account.name}, _("您在年检中提出的注销申请已同意。")
    )
    return item


@transaction.atomic
def close_request_reject(*, actor, item: ReviewItem, reason: str) -> ReviewItem:
    """Reject a yearly review's request to close, saying why; the account stays as it is."""
    item = _close_request_locked(actor, item)
    reason = " ".join((reason or "").split())
    if len(reason) < 2:
        raise ApplicationError(_("请填写不同意注销的理由。"), field="reason")
    if len(reason) > 300:
        raise ApplicationError(_("理由最多300字，现有%(n)d字。") % {"n": len(reason)}, field="reason")
    item.close_status, item.close_decided_by, item.close_decided_at = (
        CloseRequest.REJECTED,
        actor,
        timezone.now(),
    )
    item.close_reason = reason
    item.save(update_fields=["close_status", "close_decided_by", "close_decided_at", "close_reason"])
    audit_record(
        actor=actor,
        change=Change(
            "registry.close_request_reject",
            "registry.account",
            item.account_id,
            str(item.account)[:255],
            item.account.unit.path,
            {"close_status": CloseRequest.PENDING},
            {"close_status": CloseRequest.REJECTED, "reason": reason, "review": item.round.title},
        ),
    )
    _tell_answerer(
        item,
        _("账号“%(name)s”的注销申请未同意") % {"name": item.account.name},
        _("理由：%(reason)s") % {"reason": reason},
    )
    return item


# ---------------------------------------------------------------------------------------------------- reminders


@dataclass
class RemindReport:
    rounds: int = 0
    pending: int = 0
    notifications: int = 0
    emails: int = 0
    unreached: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)

    def summary(self) -> str:
        return (
            f"账号年检：进行中的年检 {self.rounds} 轮，未答复 {self.pending} 个账号；"
            f"新建站内提醒 {self.notifications} 条、邮件 {self.emails} 封"
            + (f"；{self.unreached} 个账号找不到可提醒的人。" if self.unreached else "。")
        )


def _recipients(items: list[ReviewItem]) -> dict[int, list[tuple[int, str]]]:
    """account id → [(user id, e-mail)] of its owner and administrators with active accounts; accounts with none
    go to the secretaries and unit administrators at or above the unit in charge."""
    account_ids = [i.account_id for i in items]
    found: dict[int, dict[int, str]] = defaultdict(dict)
    for start in range(0, len(account_ids), BATCH):
        chunk = account_ids[start : start + BATCH]
        for pk, uid, email in Account.objects.filter(pk__in=chunk, owner_user__is_active=True).values_list(
            "pk", "owner_user_id", "owner_user__email"
        ):
            found[pk][uid] = email or ""
        for pk, uid, email in AccountAdmin.objects.filter(
            account_id__in=chunk, person__user__is_active=True
        ).values_list("account_id", "person__user_id", "person__user__email"):
            found[pk][uid] = email or ""
    orphans = [i for i in items if not found.get(i.account_id)]
    if orphans:
        step = OrgUnit.steplen
        wanted = {
            i.account.unit.path[:n] for i in orphans for n in range(step, len(i.account.unit.path) + 1, step)
        }
        staff: dict[str, dict[int, str]] = defaultdict(dict)
        grants = RoleGrant.objects.filter(
            unit__path__in=wanted, role__in=[Role.SECRETARY, Role.UNIT_ADMIN], user__is_active=True
        ).values_list("unit__path", "user_id", "user__email")
        for path, uid, email in grants:
            staff[path][uid] = email or ""
        for item in orphans:
            path = item.account.unit.path
            for n in range(len(path), 0, -step):  # the nearest unit with someone to tell
                if staff.get(path[:n]):
                    found[item.account_id] = dict(staff[path[:n]])
                    break
    return {pk: list(users.items()) for pk, users in found.items()}


def review_remind(
    *, review: ReviewRound, actor=None, now: dt.datetime | None = None, dispatch: bool = True
) -> RemindReport:
    """Remind whoever answers for each unanswered account of an open round (at most once a week each)."""
    now = now or timezone.now()
    report = RemindReport()
    if review.status != RoundStatus.OPEN:
        return report
    if actor is not None:
        scoping.require(actor, "registry.manage", review.unit.path)
    today = timezone.localdate(now)
    year, week, _ = today.isocalendar()
    with transaction.atomic():
        items = list(
            review.items.filter(answer=ReviewAnswer.PENDING).select_related("account__unit").order_by("pk")
        )
        report.rounds, report.pending = 1, len(items)
        recipients = _recipients(items)
        messages: list[Message] = []
        late = today > review.deadline
        for item in items:
            users = recipients.get(item.account_id, [])
            if not users:
                report.unreached += 1
                continue
            account = item.account
            url = reverse("registry:review_answer", args=[item.pk])
            title = (
                f"年检逾期未答复：{account.name}"
                if late
                else f"请在{review.deadline:%-m月%-d日}前完成年检：{account.name}"
            )
            body = (
                f"{review.title}：请确认{account.platform_label}“{account.name}”（{account.filing_number}）"
                f"是否仍在使用、符合规范，或申请注销。答复期限：{review.deadline:%Y年%-m月%-d日}。"
            )
            for uid, email in users:
                key = f"registry:review{review.pk}:{item.account_id}:to{uid}:{year}w{week}"
                link = absolute_url(url) if email else ""
                messages.append(
                    Message(
                        user_id=uid,
                        key=key,
                        title=title,
                        body=body,
                        url=url,
                        email=email,
                        email_body=body + (f"\n\n答复地址：{link}" if link else ""),
                    )
                )
        sent = notifications_send(messages=messages, now=now)
        report.notifications, report.emails = sent.notifications, sent.emails
        audit_record(
            actor=actor,
            change=_round_change(
                "registry.review_remind",
                review,
                None,
                {
                    "pending": report.pending,
                    "notifications": report.notifications,
                    "emails": report.emails,
                    "unreached": report.unreached,
                },
            ),
        )
    if dispatch and report.emails:
        deliveries_dispatch(now=now)
    return report


def reviews_remind_all(*, now: dt.datetime | None = None, dispatch: bool = True) -> RemindReport:
    """Every open round: the daily job (`netconduct registry-remind`)."""
    total = RemindReport()
    for review in ReviewRound.objects.filter(status=RoundStatus.OPEN).select_related("unit").order_by("pk"):
        one = review_remind(review=review, now=now, dispatch=dispatch)
        total.rounds += one.rounds
        total.pending += one.pending
        total.notifications += one.notifications
        total.emails += one.emails
        total.unreached += one.unreached
    return total


def reviews_daily_job(now: dt.datetime) -> RemindReport:
    """The registry's part of the daily run (registered in RegistryConfig.ready)."""
    return reviews_remind_all(now=now, dispatch=False)
