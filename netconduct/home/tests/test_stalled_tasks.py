"""Staff see when queued background work has waited minutes for a worker, with the command that starts one."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from netconduct import testing
from netconduct.pledges.tasks import seal_pledge_task

pytestmark = pytest.mark.django_db
DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
WARNING = 'id="stalled-tasks"'


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()
    yield
    cache.clear()


def _queued(minutes_ago: int) -> None:
    result = seal_pledge_task.enqueue(123)  # a signed pledge waiting to be sealed
    DBTaskResult.objects.filter(id=result.id).update(
        enqueued_at=timezone.now() - dt.timedelta(minutes=minutes_ago)
    )


def _home(client, user) -> str:
    testing.login(client, user)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    return response.content.decode()


@override_settings(TASKS=DATABASE_TASKS)
@pytest.mark.parametrize("role", ["sysadmin", "unit_admin"])
def test_staff_are_told_to_start_the_worker_when_tasks_wait(client, accounts, role):
    _queued(minutes_ago=9)
    page = _home(client, getattr(accounts, role))
    assert WARNING in page
    assert "netconduct db_worker" in page and "最早的一项已等了 9 分钟" in page


@override_settings(TASKS=DATABASE_TASKS)
@pytest.mark.parametrize("role", ["secretary", "inspector", "member"])
def test_others_are_not_alarmed(client, accounts, role):
    _queued(minutes_ago=9)
    assert WARNING not in _home(client, getattr(accounts, role))


@override_settings(TASKS=DATABASE_TASKS)
def test_no_warning_while_a_worker_keeps_up(client, accounts):
    _queued(minutes_ago=1)  # just queued: a running worker takes it within seconds
    assert WARNING not in _home(client, accounts.unit_admin)
    DBTaskResult.objects.update(enqueued_at=timezone.now() - dt.timedelta(minutes=30), status="SUCCESSFUL")
    cache.clear()
    assert WARNING not in _home(client, accounts.unit_admin)  # long ago, but done
