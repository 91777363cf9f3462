"""/healthz answers without the database; /readyz checks database, cache, stored files and the worker."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test import override_settings
from django.utils import timezone
from django_tasks import TaskResultStatus, task
from django_tasks_db.models import DBTaskResult

from netconduct.notifications import schedule
from netconduct.ops import health

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@task()
def idle_task() -> None:
    return None


def test_healthz_needs_no_database(client):
    response = client.get("/healthz")  # no django_db mark: any query would raise
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert len(response["X-Request-ID"]) == 32


@pytest.mark.django_db
def test_readyz_is_ok_when_everything_answers(client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "cache": "ok", "storage": "ok", "worker": "ok"},
    }
    assert not list(tmp_path.rglob("*.bin"))  # the probe file is removed again


@pytest.mark.django_db
def test_readyz_fails_on_an_unwritable_storage_and_names_only_the_check(client, settings, tmp_path):
    folder = tmp_path / "media"
    folder.write_text("a file where the folder should be")
    settings.MEDIA_ROOT = folder
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["checks"]["storage"] == "fail" and body["checks"]["database"] == "ok"
    assert str(tmp_path) not in response.content.decode()  # no paths or messages to the public


@pytest.mark.django_db
def test_readyz_fails_when_the_cache_loses_what_it_was_given(client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    with override_settings(CACHES={"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}):
        response = client.get("/readyz")
    assert response.status_code == 503 and response.json()["checks"]["cache"] == "fail"


@pytest.mark.django_db
def test_readyz_fails_without_a_database(client, settings, tmp_path, monkeypatch):
    settings.MEDIA_ROOT = tmp_path

    def broken(*args, **kwargs):
        raise connection.Database.OperationalError("connection refused")

    monkeypatch.setattr(connection, "cursor", broken)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["database"] == "fail"


@pytest.mark.django_db
@override_settings(TASKS=DATABASE_TASKS)
def test_worker_check_fails_only_when_tasks_wait_and_no_worker_was_seen():
    now = timezone.now()
    assert health.check_worker(now=now).ok  # nothing waiting: no worker is needed

    waiting = idle_task.enqueue()
    DBTaskResult.objects.filter(id=waiting.id).update(enqueued_at=now - dt.timedelta(minutes=30))
    result = health.check_worker(now=now)
    assert not result.ok and "never" in result.detail

    done = idle_task.enqueue()  # a worker finished a task two minutes ago: it is there, only busy or slow
    DBTaskResult.objects.filter(id=done.id).update(
        status=TaskResultStatus.SUCCESSFUL, started_at=now - dt.timedelta(minutes=2), finished_at=now
    )
    assert health.worker_last_seen() == now
    assert health.check_worker(now=now).ok
    assert not health.check_worker(now=now + dt.timedelta(hours=1)).ok


@pytest.mark.django_db
@override_settings(TASKS=DATABASE_TASKS)
def test_the_schedulers_heartbeat_counts_as_a_worker_seen():
    now = timezone.now()
    waiting = idle_task.enqueue()
    DBTaskResult.objects.filter(id=waiting.id).update(enqueued_at=now - dt.timedelta(minutes=30))
    assert not health.check_worker(now=now).ok  # a task waits half an hour and no worker was seen
    schedule.heartbeat(now)
    assert health.worker_last_seen() == now
    assert health.check_worker(now=now).ok
