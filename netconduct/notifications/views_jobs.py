"""The scheduled jobs' page: system administrators see each job's schedule, its recent runs and results, which
jobs are late, and when a worker was last seen."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from netconduct.org import scoping

from . import schedule

RECENT_RUNS = 5


@login_required
def jobs(request: HttpRequest) -> HttpResponse:
    scoping.require_any_or_404(request.user, "system.jobs")
    now = timezone.now()
    statuses = schedule.jobs_status(now=now, recent=RECENT_RUNS)
    beat = schedule.last_worker_heartbeat()
    context = {
        "statuses": statuses,
        "heartbeat": beat,
        "worker_quiet": beat is None or (now - beat).total_seconds() > 5 * 60,
        "late": sum(1 for s in statuses if s.late),
    }
    return render(request, "notifications/job_list.html", context)
