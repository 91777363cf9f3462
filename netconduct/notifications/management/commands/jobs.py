"""`netconduct jobs`: the scheduled jobs, their last runs, and which are late (exit 1 if any is late or its last
run failed, for monitoring); `--run` runs the due ones now, as the worker's tick does."""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.db import DatabaseError
from django.utils import timezone

from netconduct.notifications import schedule


class Command(BaseCommand):
    help = (
        "列出定时任务及其最近一次运行结果；有任务逾期未运行或最近一次失败时以非零状态退出（供监控使用）。"
        "--run：立即运行已到时间、尚未运行的任务。"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--run", action="store_true", help="立即运行已到时间的任务（与后台任务进程的做法相同）"
        )

    def handle(self, *args, **options):
        try:
            self._handle(options)
        except (
            DatabaseError
        ) as exc:  # not migrated yet, or the database is away: monitoring must see a failure
            self.stderr.write(f"无法读取定时任务记录（数据库未建立或无法连接：{exc}）。")
            raise SystemExit(1) from None

    def _handle(self, options):
        if options["run"]:
            for run in schedule.jobs_run_due():
                self.stdout.write(f"已运行 {run.job}：{run.get_result_display()} {run.summary}")
        now = timezone.now()
        statuses = schedule.jobs_status(now=now)
        beat = schedule.last_worker_heartbeat()
        if beat is None:
            self.stdout.write("后台任务进程：从未运行过定时任务")
        else:
            self.stdout.write(
                f"后台任务进程：最近一次 {timezone.localtime(beat):%Y-%m-%d %H:%M}"
                f"（{int((now - beat).total_seconds() // 60)} 分钟前）"
            )
        problems = 0
        for s in statuses:
            if not s.enabled:
                state = "未启用"
            elif s.late:
                state = "逾期未运行"
            elif s.failed:
                state = "最近一次失败"
            else:
                state = "正常"
            problems += s.enabled and (s.late or s.failed)
            last = (
                f"{timezone.localtime(s.last.started_at):%m-%d %H:%M} {s.last.get_result_display()}"
                if s.last
                else "从未运行"
            )
            self.stdout.write(f"{s.job.name:<15} {state:<6} {s.job.describe():<10} 最近：{last}")
            if s.last and s.last.summary and s.failed:
                self.stdout.write(f"    {s.last.summary[:300]}")
        if problems:
            self.stderr.write(f"{problems} 个定时任务逾期未运行或最近一次失败。")
            raise SystemExit(1)
