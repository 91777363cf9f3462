"""The product's own schedule: due times, one run per due time whatever the number of workers, results recorded,
late jobs shown and reported — at frozen moments (every function takes `now`)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from netconduct import testing
from netconduct.notifications import schedule
from netconduct.notifications.models import JobRun

pytestmark = pytest.mark.django_db


def at(day: int, hour: int, minute: int = 0, second: int = 0) -> dt.datetime:
    """A Beijing-time moment in March 2026."""
    return dt.datetime(2026, 3, day, hour, minute, second, tzinfo=timezone.get_default_timezone())


@pytest.fixture
def calls(monkeypatch):
    """Two test jobs in place of the registered ones: a daily one at 08:30 and one every 5 minutes."""
    made: list[tuple[str, dt.datetime]] = []

    def job(name):
        def run(now):
            made.append((name, now))
            return f"{name} done"

        return run

    monkeypatch.setattr(
        schedule,
        "_JOBS",
        {
            "daily": schedule.Job("daily", "每日", job("daily"), at=lambda: "08:30"),
            "often": schedule.Job("often", "经常", job("often"), every=dt.timedelta(minutes=5)),
        },
    )
    return made


def test_due_times_in_beijing_time():
    daily = schedule.Job("d", "d", lambda now: "", at=lambda: "08:30")
    often = schedule.Job("o", "o", lambda now: "", every=dt.timedelta(minutes=5))
    assert schedule.due_time(daily, at(2, 8, 29)) == at(1, 8, 30)
    assert schedule.due_time(daily, at(2, 8, 30)) == at(2, 8, 30)
    assert schedule.due_time(daily, at(2, 23, 59)) == at(2, 8, 30)
    assert schedule.next_due_time(daily, at(2, 9)) == at(3, 8, 30)
    assert schedule.due_time(often, at(2, 10, 7, 30)) == at(2, 10, 5)
    assert schedule.next_due_time(often, at(2, 10, 7)) == at(2, 10, 10)


def test_each_due_time_runs_once(calls):
    runs = schedule.jobs_run_due(now=at(2, 9, 1))
    assert {r.job for r in runs} == {"daily", "often"}
    assert all(r.result == JobRun.Result.OK and r.finished_at >= r.started_at for r in runs)
    assert JobRun.objects.get(job="daily").summary == "daily done"
    assert schedule.jobs_run_due(now=at(2, 9, 3)) == []  # same due times: nothing again
    again = schedule.jobs_run_due(now=at(2, 9, 6))  # the 5-minute job's next slot
    assert [r.job for r in again] == ["often"]
    assert [name for name, _ in calls] == ["daily", "often", "often"]
    assert schedule.jobs_run_due(now=at(3, 8, 30))[0].due_at == at(3, 8, 30)


def test_a_worker_back_after_days_runs_each_job_once(calls):
    schedule.jobs_run_due(now=at(2, 9))
    calls.clear()
    schedule.jobs_run_due(now=at(5, 12))  # three daily slots and hundreds of 5-minute ones missed
    assert sorted(name for name, _ in calls) == ["daily", "often"]


def test_two_workers_never_run_the_same_due_job(calls):
    JobRun.objects.create(job="daily", due_at=at(2, 8, 30), started_at=at(2, 8, 30))  # another worker has it
    schedule.jobs_run_due(now=at(2, 9))
    assert [name for name, _ in calls] == ["often"]
    with pytest.raises(IntegrityError), transaction.atomic():  # the guard is the database's, not the check's
        JobRun.objects.create(job="often", due_at=at(2, 9), started_at=at(2, 9))


def test_the_second_insert_of_a_race_loses_quietly(calls, monkeypatch):
    """Both workers saw no run; the database lets one insert through, the other moves on without running."""
    JobRun.objects.create(job="daily", due_at=at(2, 8, 30), started_at=at(2, 8, 30))
    real_filter = JobRun.objects.filter

    class NoRunSeen:
        def exists(self):
            return False

    monkeypatch.setattr(
        JobRun.objects, "filter", lambda **kw: NoRunSeen() if "due_at" in kw else real_filter(**kw)
    )
    assert schedule._claim(schedule._JOBS["daily"], at(2, 8, 30), at(2, 9)) is None
    assert JobRun.objects.filter(job="daily").count() == 1


def test_a_failing_job_is_recorded_and_the_others_run(calls, monkeypatch):
    def boom(now):
        raise RuntimeError("邮件服务器无法连接")

    schedule._JOBS["daily"] = schedule.Job("daily", "每日", boom, at=lambda: "08:30")
    runs = {r.job: r for r in schedule.jobs_run_due(now=at(2, 9))}
    assert runs["daily"].result == JobRun.Result.FAILED
    assert "邮件服务器无法连接" in runs["daily"].summary
    assert runs["often"].result == JobRun.Result.OK


def test_late_jobs(calls):
    def late(now):
        return {s.job.name: s.late for s in schedule.jobs_status(now=now)}

    assert late(at(2, 9)) == {"daily": True, "often": True}  # nothing ever ran
    schedule.jobs_run_due(now=at(2, 9))
    assert late(at(2, 9, 5)) == {"daily": False, "often": False}
    assert late(at(2, 9, 12)) == {"daily": False, "often": False}  # the 09:05 slot is within its grace
    assert late(at(2, 9, 21)) == {"daily": False, "often": True}  # 09:10 and 09:15 came and went
    schedule.jobs_run_due(now=at(2, 9, 21))
    assert late(at(3, 8, 50)) == {"daily": False, "often": True}  # today's 08:30 is within its half hour
    assert late(at(3, 9, 1))["daily"] is True


def test_disabled_jobs_are_never_late(calls):
    schedule._JOBS["off"] = schedule.Job(
        "off", "关", lambda now: "", at=lambda: "02:00", enabled=lambda: False
    )
    schedule.jobs_run_due(now=at(2, 9))
    status = {s.job.name: s for s in schedule.jobs_status(now=at(9, 9))}
    assert status["off"].enabled is False and status["off"].late is False
    assert not JobRun.objects.filter(job="off").exists()


def test_heartbeat(calls):
    assert schedule.last_worker_heartbeat() is None
    schedule.jobs_run_due(now=at(2, 9))
    assert schedule.last_worker_heartbeat() == at(2, 9)
    schedule.jobs_run_due(now=at(2, 9, 1))
    assert schedule.last_worker_heartbeat() == at(2, 9, 1)


def test_the_product_schedules_its_jobs():
    names = {job.name for job in schedule.jobs_registered()}
    assert {"daily", "deliveries", "cleanup", "reports_purge", "backup"} <= names


def test_cleanup_removes_what_has_expired():
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session

    now = timezone.now()
    old = SessionStore()
    old.create()
    Session.objects.filter(session_key=old.session_key).update(expire_date=now - dt.timedelta(hours=1))
    fresh = SessionStore()
    fresh.create()
    JobRun.objects.create(job="x", due_at=now - dt.timedelta(days=100), started_at=now, result="ok")
    JobRun.objects.create(job="x", due_at=now - dt.timedelta(days=1), started_at=now, result="ok")
    removed = schedule.cleanup_run(now)
    assert removed["过期会话"] == 1 and removed["定时任务运行记录"] == 1
    assert list(Session.objects.values_list("session_key", flat=True)) == [fresh.session_key]
    assert JobRun.objects.count() == 1


def test_the_tick_task_runs_due_jobs(calls):
    from netconduct.notifications.tasks import scheduled_jobs_task

    result = scheduled_jobs_task.enqueue()  # the tests' immediate backend: runs now, queues nothing after
    assert result.return_value == {"daily": "ok", "often": "ok"}
    assert schedule.last_worker_heartbeat() is not None


def test_jobs_command_exits_non_zero_when_a_job_is_late(calls):
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(SystemExit) as exited:
        call_command("jobs", stdout=out, stderr=err)
    assert exited.value.code == 1
    assert "从未运行" in out.getvalue() and "逾期未运行" in out.getvalue()
    assert "2 个定时任务逾期未运行" in err.getvalue()
    out = io.StringIO()
    call_command("jobs", "--run", stdout=out)  # runs what is due: nothing late any more, exit 0
    assert "已运行 daily：成功" in out.getvalue() and "正常" in out.getvalue()


def test_jobs_page_shows_runs_and_late_jobs_to_system_administrators(client, org, accounts, calls):
    schedule.jobs_run_due(now=timezone.now() - dt.timedelta(days=3))
    testing.login(client, accounts.sysadmin)
    page = client.get(reverse("jobs:list")).content.decode()
    assert "每日" in page and "经常" in page and "逾期未运行" in page and "成功" in page
    assert "后台任务进程已" in page  # the heartbeat is three days old
    testing.login(client, accounts.unit_admin)
    assert client.get(reverse("jobs:list")).status_code == 404


@pytest.mark.parametrize("runs", [1, 30])
def test_jobs_page_queries_do_not_grow_with_runs(
    client, org, accounts, calls, runs, django_assert_max_num_queries
):
    start = timezone.now() - dt.timedelta(days=runs)
    for day in range(runs):
        schedule.jobs_run_due(now=start + dt.timedelta(days=day))
    testing.login(client, accounts.sysadmin)
    with django_assert_max_num_queries(14):
        assert client.get(reverse("jobs:list")).status_code == 200
