"""/metrics: request timings by route name, the queue, failures; guarded by a token or loopback."""

from __future__ import annotations

import re

import pytest
from django.test import override_settings
from django.utils import timezone
from django_tasks import TaskResultStatus, task
from django_tasks_db.models import DBTaskResult

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@task()
def failing_task() -> None:
    return None


def _metric(text: str, name: str, **labels: str) -> float | None:
    for line in text.splitlines():
        if not line.startswith(name + "{") and not line.startswith(name + " "):
            continue
        if all(f'{k}="{v}"' in line for k, v in labels.items()):
            return float(line.rsplit(" ", 1)[1])
    return None


@pytest.mark.django_db
def test_metrics_count_requests_by_route_name_not_by_path(client, accounts):
    client.force_login(accounts.secretary)
    person = accounts.member.person
    client.get(f"/org/people/{person.pk}/")
    client.get("/no-such-page-13912345678/")
    text = client.get("/metrics").content.decode()
    assert _metric(text, "netconduct_http_request_duration_seconds_count", route="org:person") >= 1
    assert (
        _metric(text, "netconduct_http_request_duration_seconds_count", route="unmatched", status="404") >= 1
    )
    labels = " ".join(re.findall(r"\{[^}]*\}", text))
    assert f"/{person.pk}/" not in labels and "13912345678" not in labels and "/org/" not in labels


@pytest.mark.django_db
def test_the_reporting_pages_are_not_counted(client):
    client.get("/reports/")
    client.get("/reports/follow/")
    text = client.get("/metrics").content.decode()
    assert 'route="reports:' not in text


@pytest.mark.django_db
@override_settings(TASKS=DATABASE_TASKS)
def test_metrics_show_the_queue_depth_and_failures_by_task(client):
    for _ in range(3):
        failing_task.enqueue()
    failed = failing_task.enqueue()
    DBTaskResult.objects.filter(id=failed.id).update(
        status=TaskResultStatus.FAILED, finished_at=timezone.now()
    )
    text = client.get("/metrics").content.decode()
    assert _metric(text, "netconduct_tasks_waiting") == 3
    assert _metric(text, "netconduct_tasks_query_ok") == 1
    assert _metric(text, "netconduct_tasks_failed", task="test_metrics.failing_task") == 1
    assert _metric(text, "netconduct_tasks_failed_last_day") == 1


@pytest.mark.django_db
def test_without_a_token_only_a_direct_loopback_connection_reads_metrics(client):
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="::1").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 404
    # nginx on the same machine connects from 127.0.0.1 too, but says whom it passes on
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="10.1.2.3").status_code == 404


@pytest.mark.django_db
def test_with_a_token_the_bearer_reads_metrics_from_anywhere_and_nobody_else(client, settings):
    settings.NETCONDUCT_METRICS_TOKEN = "s3cret-token-for-prometheus"
    ok = client.get(
        "/metrics", REMOTE_ADDR="10.1.2.3", HTTP_AUTHORIZATION="Bearer s3cret-token-for-prometheus"
    )
    assert ok.status_code == 200 and ok["Content-Type"].startswith("text/plain")
    assert (
        client.get("/metrics", REMOTE_ADDR="10.1.2.3", HTTP_AUTHORIZATION="Bearer wrong").status_code == 404
    )
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 404  # the token is then required


@pytest.mark.django_db
def test_request_id_from_the_proxy_is_kept_and_a_bad_one_replaced(client):
    kept = client.get("/healthz", HTTP_X_REQUEST_ID="3f2a9c0d1e2b4a5f8899aabbccddeeff")
    assert kept["X-Request-ID"] == "3f2a9c0d1e2b4a5f8899aabbccddeeff"
    replaced = client.get("/healthz", HTTP_X_REQUEST_ID="<script>")
    assert re.fullmatch(r"[0-9a-f]{32}", replaced["X-Request-ID"])


@pytest.mark.django_db
def test_metrics_still_answer_when_the_task_table_cannot_be_read(client, monkeypatch):
    from netconduct.ops import metrics

    client.get("/healthz")

    def broken(self):
        raise RuntimeError("database unreachable")

    monkeypatch.setattr(metrics.TaskCollector, "_collect", broken)
    response = client.get("/metrics")
    assert response.status_code == 200
    text = response.content.decode()
    assert _metric(text, "netconduct_tasks_query_ok") == 0
    assert _metric(text, "netconduct_http_request_duration_seconds_count", route="ops:healthz") >= 1
