"""Telling people of their tasks: when a campaign is launched (each person in scope with an account, and each
branch's robot once) and when someone joins the scope of an active campaign later (campaign sync).

The keys are one per campaign and person (and per robot), so a person told at launch is not told again when a sync
finds them, and a second run writes nothing. Written in batches by a background task queued when the launch commits:
telling 100,000 people is a few statements per batch of NETCONDUCT_BULK_ROWS (core.db), and neither the launch's transaction nor its page waits
for them."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction
from django.urls import reverse

from netconduct.core.db import chunked, keys_per_statement
from netconduct.core.links import absolute_url, site_url
from netconduct.notifications.selectors import robots_by_unit_path
from netconduct.notifications.sending import ROBOT_SIGNATURE
from netconduct.notifications.services import Message, RobotMessage, notifications_send, robot_messages_queue
from netconduct.org.choices import UnitKind
from netconduct.org.models import OrgUnit
from netconduct.org.scoping import subtree_q

from .choices import ACTION_LABELS
from .models import Campaign, Target

ROBOT_KINDS = (UnitKind.COMMITTEE, UnitKind.GENERAL_BRANCH, UnitKind.BRANCH)


def cn_date(day) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _task_text(campaign: Campaign) -> tuple[str, str]:
    todo = "、".join(ACTION_LABELS[a] for a in campaign.required_actions)
    title = f"新任务：《{campaign.title[:80]}》"
    body = f"请在{cn_date(campaign.deadline)}前完成：{todo}。"
    if campaign.pledge_round > 1:
        body = f"规范已修订，承诺书须按新版本重新签订。{body}"
    return title, body


def _round(campaign_round: int) -> str:
    """Keys of a later pledge round differ, so people told at launch are told again of the new pledge."""
    return f":r{campaign_round}" if campaign_round > 1 else ""


def task_key(campaign_id: int, person_id: int, pledge_round: int = 1) -> str:
    return f"campaign:{campaign_id}:task:{person_id}{_round(pledge_round)}"


def _person_messages(campaign: Campaign, person_ids: Sequence[int] | None) -> int:
    """A task notification to each person in scope with an active account (of `person_ids`, or all)."""
    title, body = _task_text(campaign)
    sentinel = 2147483647
    pattern = reverse("campaigns:my_task", kwargs={"pk": sentinel})
    site = site_url()
    targets = Target.objects.filter(campaign=campaign, in_scope=True, person__user__is_active=True)
    chunks: list[Sequence[int] | None]
    if person_ids is None:
        chunks = [None]
    else:
        ids = sorted(set(person_ids))
        chunks = list(chunked(ids, keys_per_statement()))
    sent = 0
    batch = keys_per_statement()
    for chunk in chunks:
        rows = targets if chunk is None else targets.filter(person_id__in=chunk)
        rows = rows.order_by("pk").values_list("pk", "person_id", "person__user_id", "person__user__email")
        messages: list[Message] = []
        for pk, person_id, user_id, email in rows.iterator(chunk_size=2000):
            url = pattern.replace(str(sentinel), str(pk))
            link = f"{site}{url}" if site else ""  # absolute_url, the setting read once
            messages.append(
                Message(
                    user_id=user_id,
                    key=task_key(campaign.pk, person_id, campaign.pledge_round),
                    title=title,
                    body=body,
                    url=url,
                    email=email or "",
                    email_body=body + (f"\n\n办理地址：{link}" if link else ""),
                )
            )
            if len(messages) >= batch:
                sent += notifications_send(
                    messages=messages, unit=campaign.unit, source=campaign.title
                ).notifications
                messages = []
        sent += notifications_send(messages=messages, unit=campaign.unit, source=campaign.title).notifications
    return sent


def _robot_messages(campaign: Campaign) -> int:
    """One message to each enabled robot of the branches (and general branches, committees) in the scope."""
    paths = OrgUnit.objects.filter(
        subtree_q("path", campaign.unit.path), is_active=True, kind__in=ROBOT_KINDS
    ).values_list("path", "name")
    names = dict(paths)
    robots = robots_by_unit_path(names)
    title, body = _task_text(campaign)
    link = absolute_url(reverse("campaigns:detail", kwargs={"pk": campaign.pk}))
    messages = [
        RobotMessage(
            webhook_id=hook_id,
            key=f"campaign:{campaign.pk}:launch:hook{hook_id}{_round(campaign.pledge_round)}",
            recipient=names[path],
            subject=f"【{names[path]}】{title}",
            text=f"【{names[path]}】{title}\n{body}请各位同志登录平台办理。"
            + (f"\n详情：{link}" if link else "")
            + f"\n{ROBOT_SIGNATURE}",
        )
        for path, hook_ids in sorted(robots.items())
        for hook_id in hook_ids
    ]
    return robot_messages_queue(messages=messages, unit=campaign.unit, source=campaign.title)


def campaign_announce(*, campaign_id: int, person_ids: Sequence[int] | None = None) -> int:
    """Tell people of their new task: all in scope (at launch, with the robots) or the newcomers given. Returns the
    number of new in-app notifications. Safe to run again."""
    campaign = Campaign.objects.select_related("unit").get(pk=campaign_id)
    with transaction.atomic():
        sent = _person_messages(campaign, person_ids)
        if person_ids is None:
            _robot_messages(campaign)
    return sent


def campaign_announce_on_commit(campaign_id: int, person_ids: Sequence[int] | None = None) -> None:
    ids = None if person_ids is None else list(person_ids)
    if ids is not None and not ids:
        return
    # On the worker: telling 100,000 people takes longer than a page should (the embedded default runs its worker
    # beside the server; tests run tasks at once).
    from .tasks import announce_task

    transaction.on_commit(lambda: announce_task.enqueue(campaign_id, ids))
