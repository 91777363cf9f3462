"""Prometheus metrics at /metrics: request timings by route, the task queue, task failures.

Labels carry route names (`pledges:sign`), methods and status codes, never a path with an id, a user or an
address. Requests to the reporting pages (NETCONDUCT_UNLOGGED_PATHS) are not counted at all: a counter that moves
at a filing's moment is, like a log line, a time to match against the network's records.

Under gunicorn with several worker processes each keeps its own counts; with `PROMETHEUS_MULTIPROC_DIR` set
(deploy/ sets it, and ops/gunicorn_conf.py clears a dead worker's files) the page adds them up across processes.
The queue figures are read from the task table at each scrape, so any node's /metrics shows the whole queue.
"""

from __future__ import annotations

import datetime as dt
import logging
import os

from django.db.models import Count, Max, Min, Q
from django.utils import timezone
from prometheus_client import CollectorRegistry, Histogram, generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import REGISTRY, Collector

logger = logging.getLogger("netconduct.ops")

# Buckets for pages (most answer in tens of ms; the slow ones are exports and seals).
BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

REQUEST_SECONDS = Histogram(
    "netconduct_http_request_duration_seconds",
    "Time to answer a request, by route name (not path), method and status code.",
    ("route", "method", "status"),
    buckets=BUCKETS,
)


def observe_request(*, route: str, method: str, status: int, seconds: float) -> None:
    method = method if method in {"GET", "POST", "HEAD", "PUT", "PATCH", "DELETE", "OPTIONS"} else "other"
    REQUEST_SECONDS.labels(route=route, method=method, status=str(status)).observe(seconds)


class TaskCollector(Collector):
    """The background task queue, from the task table: waiting, running, failed by task, worker last seen."""

    def collect(self):
        """The figures, or with the database unreachable only `netconduct_tasks_query_ok 0`: the request
        metrics of the same page are still worth reading then."""
        ok = GaugeMetricFamily(
            "netconduct_tasks_query_ok", "1 when the task table could be read for this scrape."
        )
        try:
            families = list(self._collect())
        except Exception:  # noqa: BLE001 - a scrape reports a database outage, it does not fail on it
            logger.warning("metrics: the task table could not be read", exc_info=True)
            ok.add_metric([], 0)
            yield ok
            return
        ok.add_metric([], 1)
        yield ok
        yield from families

    def _collect(self):
        from django_tasks import TaskResultStatus
        from django_tasks_db.models import DBTaskResult, get_date_max

        from .health import worker_last_seen

        now = timezone.now()
        due = Q(run_after=get_date_max()) | Q(run_after__lte=now)
        counts = DBTaskResult.objects.aggregate(
            waiting=Count("id", filter=due & Q(status=TaskResultStatus.READY)),
            deferred=Count("id", filter=~due & Q(status=TaskResultStatus.READY)),
            running=Count("id", filter=Q(status=TaskResultStatus.RUNNING)),
            oldest=Min("enqueued_at", filter=due & Q(status=TaskResultStatus.READY)),
        )
        waiting = GaugeMetricFamily(
            "netconduct_tasks_waiting", "Tasks due and waiting for a worker (the queue depth)."
        )
        waiting.add_metric([], counts["waiting"])
        yield waiting
        deferred = GaugeMetricFamily("netconduct_tasks_deferred", "Tasks queued to run at a later time.")
        deferred.add_metric([], counts["deferred"])
        yield deferred
        running = GaugeMetricFamily("netconduct_tasks_running", "Tasks a worker is running now.")
        running.add_metric([], counts["running"])
        yield running
        oldest = GaugeMetricFamily(
            "netconduct_tasks_oldest_waiting_seconds", "How long the oldest waiting task has waited."
        )
        oldest.add_metric([], (now - counts["oldest"]).total_seconds() if counts["oldest"] else 0)
        yield oldest
        failed = GaugeMetricFamily(
            "netconduct_tasks_failed",
            "Failed task results kept in the task table, by task (a rise is a new failure).",
            labels=["task"],
        )
        last_failed = GaugeMetricFamily(
            "netconduct_tasks_last_failure_timestamp_seconds",
            "When a task of this kind last failed (Unix time).",
            labels=["task"],
        )
        rows = (
            DBTaskResult.objects.filter(status=TaskResultStatus.FAILED)
            .values("task_path")
            .annotate(n=Count("id"), last=Max("finished_at"))
            .order_by("task_path")
        )
        for row in rows:
            task = row["task_path"].rsplit(".", 2)[-2:]
            name = ".".join(task)
            failed.add_metric([name], row["n"])
            if row["last"] is not None:
                last_failed.add_metric([name], row["last"].timestamp())
        yield failed
        yield last_failed
        seen = worker_last_seen()
        age = GaugeMetricFamily(
            "netconduct_worker_last_seen_seconds", "Seconds since a worker last took or finished a task."
        )
        age.add_metric([], (now - seen).total_seconds() if seen else float("inf"))
        yield age
        failures_day = GaugeMetricFamily(
            "netconduct_tasks_failed_last_day", "Tasks that failed within the last 24 hours."
        )
        failures_day.add_metric(
            [],
            DBTaskResult.objects.filter(
                status=TaskResultStatus.FAILED, finished_at__gte=now - dt.timedelta(days=1)
            ).count(),
        )
        yield failures_day


def render() -> bytes:
    """The exposition text: this process's (or, multiprocess, all worker processes') request metrics and the
    queue."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = CollectorRegistry()
        registry.register(_Default())
    registry.register(TaskCollector())
    return generate_latest(registry)


class _Default(Collector):
    """The process's default registry (request histogram, process and platform figures) inside a scrape's own."""

    def collect(self):
        yield from REGISTRY.collect()
