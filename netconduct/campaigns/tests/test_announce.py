"""Who is told of a campaign's task: everyone in scope with an account at launch, each branch's robot once, and a
newcomer when they join the scope; nobody twice."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from netconduct import testing
from netconduct.campaigns import services
from netconduct.campaigns.tests import factories as f
from netconduct.notifications.models import Delivery, Notification, UnitWebhook

pytestmark = pytest.mark.django_db


def _task_notes(campaign):
    return Notification.objects.filter(key__startswith=f"campaign:{campaign.pk}:task:")


def test_launch_tells_each_person_in_scope_with_an_account_and_each_robot_once(
    org, accounts, django_capture_on_commit_callbacks
):
    accounts.member.email = "wang@example.com"
    accounts.member.save()
    outside = testing.make_account("outside", person=testing.make_person(org.company, name="公司本部"))
    hook = UnitWebhook.objects.create(unit=org.branch1, provider="wecom", url="https://qyapi.weixin.qq.com/x")
    UnitWebhook.objects.create(unit=org.company, provider="wecom", url="https://qyapi.weixin.qq.com/y")
    campaign = f.campaign(org.committee, actor=accounts.unit_admin, launch=False)
    with django_capture_on_commit_callbacks(execute=True):
        services.campaign_launch(actor=accounts.unit_admin, campaign=campaign)
    told = set(_task_notes(campaign).values_list("user_id", flat=True))
    assert told == {accounts.member.pk, accounts.secretary.pk}
    assert outside.pk not in told
    note = _task_notes(campaign).get(user=accounts.member)
    assert "网络行为规范宣贯" in note.title and note.url.startswith("/")
    assert Delivery.objects.filter(channel="email", recipient="wang@example.com").count() == 1
    robots = Delivery.objects.filter(channel="webhook")
    assert list(robots.values_list("webhook_id", flat=True)) == [hook.pk]  # the company's robot is outside

    # a second pass (the daily sync, a repeated announce) tells nobody again
    from netconduct.campaigns.announce import campaign_announce

    assert campaign_announce(campaign_id=campaign.pk) == 0
    assert _task_notes(campaign).count() == 2 and Delivery.objects.count() == 2


def test_a_newcomer_is_told_once_and_nobody_else_again(org, accounts, django_capture_on_commit_callbacks):
    from netconduct.org import services as org_services

    with django_capture_on_commit_callbacks(execute=True):
        campaign = f.campaign(org.committee, actor=accounts.unit_admin)
    told = set(_task_notes(campaign).values_list("user_id", flat=True))
    assert told == {accounts.member.pk, accounts.secretary.pk}
    with django_capture_on_commit_callbacks(execute=True):
        testing.make_person(org.branch2, name="无账号")  # joins without an account: nobody to tell
    assert _task_notes(campaign).count() == 2
    mover = testing.make_account("mover", person=testing.make_person(org.company, name="调入者"))
    assert _task_notes(campaign).count() == 2  # outside the scope
    with django_capture_on_commit_callbacks(execute=True):
        org_services.person_update(actor=org.root_user, person=mover.person, unit=org.office)
    assert set(_task_notes(campaign).values_list("user_id", flat=True)) == told | {mover.pk}
    with django_capture_on_commit_callbacks(execute=True):
        services.campaign_sync(campaign=campaign)
        org_services.person_update(actor=org.root_user, person=mover.person, unit=org.branch2)
    assert _task_notes(campaign).count() == 3  # a full pass or a move within the scope tells nobody again


def test_announcing_is_batched(org, accounts, django_capture_on_commit_callbacks):
    """The statements to tell everyone do not grow with the people in scope (in batches of 900)."""
    from netconduct.campaigns.announce import campaign_announce

    campaign = f.campaign(org.committee, actor=accounts.unit_admin)
    Notification.objects.all().delete()
    with CaptureQueriesContext(connection) as small:
        campaign_announce(campaign_id=campaign.pk)
    for i in range(30):
        testing.make_account(
            f"many{i}",
            person=testing.make_person(
                org.branch2, name="多人" + "甲乙丙丁戊己庚辛壬癸"[i % 10] + "子丑寅"[i // 10]
            ),
        )
    services.campaign_sync(campaign=campaign)
    Notification.objects.all().delete()
    with CaptureQueriesContext(connection) as large:
        assert campaign_announce(campaign_id=campaign.pk) == 32
    assert len(large) == len(small)


def test_with_a_worker_the_launch_page_does_not_wait_for_the_telling(
    org, accounts, settings, django_capture_on_commit_callbacks
):
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    campaign = f.campaign(org.committee, actor=accounts.unit_admin, launch=False)
    with django_capture_on_commit_callbacks(execute=True):
        services.campaign_launch(actor=accounts.unit_admin, campaign=campaign)
    assert not _task_notes(campaign).exists()  # nobody told yet: the worker will
    queued = DBTaskResult.objects.filter(task_path__endswith="announce_task")
    assert queued.count() == 1 and queued.get().args_kwargs["args"] == [campaign.pk, None]
