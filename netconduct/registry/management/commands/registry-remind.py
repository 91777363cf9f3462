from django.core.management.base import BaseCommand

from netconduct.registry import reviews


class Command(BaseCommand):
    help = (
        "提醒进行中的年检里尚未答复的账号申请人和管理员（站内通知、电子邮件）。"
        "每个账号每人每周最多提醒一次，重复运行不会重复发送；建议与 send-reminders 一起每天运行。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--no-dispatch", action="store_true", help="只生成提醒，不立即发送邮件。")

    def handle(self, *args, no_dispatch: bool = False, **options):
        report = reviews.reviews_remind_all(dispatch=not no_dispatch)
        self.stdout.write(
            f"进行中的年检 {report.rounds} 个，未答复账号 {report.pending} 个；"
            f"新建站内提醒 {report.notifications} 条、邮件 {report.emails} 封。"
        )
        if report.unreached:
            self.stdout.write(
                f"注意：{report.unreached} 个账号既没有可提醒的申请人、管理员，也没有支部书记账号。"
            )
