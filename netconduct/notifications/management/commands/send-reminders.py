from django.core.management.base import BaseCommand, CommandError

from netconduct.notifications import jobs, sending


class Command(BaseCommand):
    help = (
        "每日提醒：宣贯活动的到期和逾期提醒、账号年检提醒等（站内通知、电子邮件、群机器人），并发送到期待发和待重试的消息。"
        "同一天重复运行不会重复发送。嵌入式部署请每天由 cron 运行一次，另每隔几分钟运行 --dispatch-only 以重试失败的发送。"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dispatch-only",
            action="store_true",
            help="只发送到期的待发消息（重试失败的邮件和群机器人消息），不生成新的提醒。",
        )

    def handle(self, *args, dispatch_only: bool = False, **options):
        if dispatch_only:
            sent = sending.deliveries_dispatch()
            self.stdout.write(
                f"已发送 {sent.sent} 条，待重试 {sent.retrying} 条，发送失败 {sent.failed} 条。"
            )
            return
        report = jobs.daily_run()
        for job in report.jobs.values():
            self.stdout.write(job.summary())
        sent = report.dispatch
        self.stdout.write(f"本次发送：成功 {sent.sent}，待重试 {sent.retrying}，失败 {sent.failed}。")
        if report.failed:
            raise CommandError(f"以下每日任务失败（详见日志），其余已完成：{'、'.join(report.failed)}")
