from django.core.management.base import BaseCommand
from django.utils import timezone

from netconduct.notifications import jobs
from netconduct.notifications.tasks import dispatch_deliveries_task, send_reminders_task


class Command(BaseCommand):
    help = "在后台任务队列中排定每日提醒和失败重试（生产部署由 db_worker 执行）。已排定时不会重复排定，可以放心多次运行。"

    def handle(self, *args, **options):
        run_at = jobs.next_reminder_run()
        for task, when, label in (
            (send_reminders_task, run_at, "每日提醒"),
            (dispatch_deliveries_task, jobs.next_dispatch_run(), "失败重试"),
        ):
            if jobs.task_enqueue_once(task, run_after=when):
                self.stdout.write(f"已排定{label}：{timezone.localtime(when):%Y-%m-%d %H:%M}（北京时间）起。")
            else:
                self.stdout.write(f"{label}已在队列中（或当前任务后端不支持定时任务），未重复排定。")
