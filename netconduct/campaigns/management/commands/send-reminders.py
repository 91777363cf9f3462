from django.core.management.base import BaseCommand

from netconduct.campaigns import reminders


class Command(BaseCommand):
    help = (
        "发送宣贯活动的到期提醒和逾期提醒（站内通知、电子邮件、群机器人），并发送到期待发和待重试的消息。"
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
            sent = reminders.deliveries_dispatch()
            self.stdout.write(
                f"已发送 {sent.sent} 条，待重试 {sent.retrying} 条，发送失败 {sent.failed} 条。"
            )
            return
        report = reminders.reminders_plan_and_send()
        self.stdout.write(
            f"进行中的活动 {report.campaigns} 个，今日需提醒 {report.reminding} 个；未完成 {report.pending} 人"
            f"（其中无账号 {report.without_account} 人）。\n"
            f"新建站内提醒 {report.notifications} 条、书记汇总 {report.digests} 条、"
            f"邮件 {report.emails} 封、群机器人消息 {report.webhooks} 条。\n"
            f"本次发送：成功 {report.dispatch.sent}，待重试 {report.dispatch.retrying}，失败 {report.dispatch.failed}。"
        )
        if report.branches_unreached:
            self.stdout.write(
                f"注意：{report.branches_unreached} 个支部既没有支部书记账号，也没有配置群机器人，汇总提醒无人接收。"
            )
