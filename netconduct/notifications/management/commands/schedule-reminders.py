from django.core.management.base import BaseCommand
from django.utils import timezone

from netconduct.notifications.tasks import schedule_ensure


class Command(BaseCommand):
    help = "在后台任务队列中排定定时任务（每日提醒、通知发送、清理、举报删除、备份；生产部署由 db_worker 执行）。已排定时不会重复排定，可以放心多次运行。"

    def handle(self, *args, **options):
        for label, when, queued in schedule_ensure():
            if queued:
                self.stdout.write(f"已排定{label}：{timezone.localtime(when):%Y-%m-%d %H:%M}（北京时间）起。")
            else:
                self.stdout.write(f"{label}已在队列中（或当前任务后端不支持定时任务），未重复排定。")
