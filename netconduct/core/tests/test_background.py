"""The embedded worker runs queued tasks beside the server and stops cleanly; stalled tasks are noticed."""

from __future__ import annotations

import datetime as dt
import os
import socket
import subprocess
import sys
import threading
import time

import pytest
from django.core.cache import cache
from django.test import override_settings
from django.utils import timezone
from django_tasks import TaskResultStatus, task
from django_tasks_db.models import DBTaskResult

from netconduct.core import background

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
RAN: list[str] = []
RELEASE = threading.Event()


@task()
def note_task(word: str) -> str:
    RAN.append(word)
    return word


@task()
def slow_task() -> str:
    RELEASE.wait(10)
    return "done"


def _wait_for(predicate, timeout: float = 15.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def _status(result) -> str:
    return DBTaskResult.objects.get(id=result.id).status


@pytest.fixture(autouse=True)
def _clean():
    RAN.clear()
    RELEASE.clear()
    cache.clear()
    yield
    cache.clear()


@pytest.mark.django_db(transaction=True)
@override_settings(TASKS=DATABASE_TASKS)
def test_the_embedded_worker_runs_queued_tasks_and_stops_with_the_server():
    result = note_task.enqueue("sealed")
    assert _status(result) == TaskResultStatus.READY and not RAN  # nobody runs it until a worker does

    worker = background.EmbeddedWorker(interval=0.05)
    worker.start()
    try:
        assert _wait_for(lambda: _status(result) == TaskResultStatus.SUCCESSFUL)
        assert RAN == ["sealed"]
        assert DBTaskResult.objects.get(id=result.id).worker_ids == [worker.worker_id]
    finally:
        assert worker.stop(timeout=10)
    assert not worker.alive

    after = note_task.enqueue("later")
    time.sleep(0.3)
    assert _status(after) == TaskResultStatus.READY  # stopped means stopped


@pytest.mark.django_db(transaction=True)
@override_settings(TASKS=DATABASE_TASKS)
def test_stopping_lets_the_task_in_hand_finish():
    result = slow_task.enqueue()
    worker = background.EmbeddedWorker(interval=0.05)
    worker.start()
    assert _wait_for(lambda: worker.busy)
    stopper = threading.Thread(target=worker.stop, kwargs={"timeout": 10})
    stopper.start()
    time.sleep(0.2)
    assert worker.alive  # waiting for the task, not killing it
    RELEASE.set()
    stopper.join(10)
    assert not worker.alive
    assert _status(result) == TaskResultStatus.SUCCESSFUL


def _dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


@pytest.mark.django_db
@override_settings(TASKS=DATABASE_TASKS)
def test_tasks_left_running_by_a_stopped_embedded_worker_are_queued_again():
    host = socket.gethostname()[:20]
    owners = {
        "dead": f"embedded:{host}:{_dead_pid()}:abc",
        "alive": f"embedded:{host}:{os.getppid()}:abc",  # a live process still working on it
        "elsewhere": f"embedded:another-host:{_dead_pid()}:abc",
        "db_worker": "Xk3v9QpL0aZ",  # a separate `netconduct db_worker`: its own business
    }
    ids = {}
    for name, owner in owners.items():
        result = note_task.enqueue(name)
        DBTaskResult.objects.filter(id=result.id).update(
            status=TaskResultStatus.RUNNING, worker_ids=[owner], started_at=timezone.now()
        )
        ids[name] = str(result.id)
    assert background.tasks_requeue_orphans() == 1
    statuses = {str(pk): status for pk, status in DBTaskResult.objects.values_list("id", "status")}
    assert statuses[ids["dead"]] == TaskResultStatus.READY
    assert {statuses[ids[n]] for n in ("alive", "elsewhere", "db_worker")} == {TaskResultStatus.RUNNING}


@pytest.mark.django_db
@override_settings(TASKS=DATABASE_TASKS)
def test_stalled_tasks_are_those_due_for_minutes_that_no_worker_took(django_assert_num_queries):
    now = timezone.now()
    fresh = note_task.enqueue("fresh")  # queued a minute ago: a worker may simply be busy
    DBTaskResult.objects.filter(id=fresh.id).update(enqueued_at=now - dt.timedelta(minutes=1))
    scheduled = note_task.using(run_after=now + dt.timedelta(hours=20)).enqueue("tomorrow")
    DBTaskResult.objects.filter(id=scheduled.id).update(enqueued_at=now - dt.timedelta(days=1))
    done = note_task.enqueue("done")
    DBTaskResult.objects.filter(id=done.id).update(
        status=TaskResultStatus.SUCCESSFUL, enqueued_at=now - dt.timedelta(hours=1)
    )
    assert background.stalled_tasks_query(now=now) is None

    old = note_task.enqueue("old")
    DBTaskResult.objects.filter(id=old.id).update(enqueued_at=now - dt.timedelta(minutes=12))
    overdue = note_task.using(run_after=now - dt.timedelta(minutes=7)).enqueue("overdue")
    DBTaskResult.objects.filter(id=overdue.id).update(enqueued_at=now - dt.timedelta(days=1))
    with django_assert_num_queries(1):
        found = background.stalled_tasks_query(now=now)
    assert found == background.StalledTasks(count=2, waiting_minutes=12, command="netconduct db_worker")

    with django_assert_num_queries(1):
        assert background.stalled_tasks() is not None
    with django_assert_num_queries(0):  # remembered for a minute
        assert background.stalled_tasks() is not None


@pytest.mark.django_db
def test_no_check_when_tasks_run_at_once(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert background.stalled_tasks() is None


# ---------------------------------------------------------------------------------------------------- warm-ups


def test_netconduct_db_worker_runs_the_warm_ups_before_the_worker(monkeypatch):
    """`netconduct db_worker` is core's command (listed before django_tasks_db): the apps' warm-ups, then
    django-tasks-db's worker with its own options."""
    from django.core.management import get_commands
    from django_tasks_db.management.commands import db_worker as tasks_db_worker

    from netconduct.core.management.commands.db_worker import Command

    assert get_commands()["db_worker"] == "netconduct.core"
    order: list[str] = []
    monkeypatch.setattr(background, "_warm_ups", [lambda: order.append("warm")])
    monkeypatch.setattr(
        tasks_db_worker.Command, "handle", lambda self, *a, **kw: order.append(f"worker {kw['interval']}")
    )
    Command().handle(interval=0.5)
    assert order == ["warm", "worker 0.5"]


def test_a_failing_warm_up_is_logged_and_the_next_one_still_runs(monkeypatch, caplog):
    ran: list[str] = []

    def broken() -> None:
        raise RuntimeError("no fonts here")

    monkeypatch.setattr(background, "_warm_ups", [])
    background.worker_warm_up_register(broken)
    background.worker_warm_up_register(lambda: ran.append("second"))
    background.worker_warm_up_register(broken)  # once only
    background.worker_warm_up()
    assert ran == ["second"]
    assert [r.getMessage() for r in caplog.records].count(f"worker warm-up {broken.__qualname__} failed") == 1
