import time

from django.core.management.base import BaseCommand, CommandError

from netconduct.home.demo import demo_content_load
from netconduct.org import demo


class Command(BaseCommand):
    help = (
        "加载演示组织：皖北煤电集团 → 西北能化公司 → 西北能化公司党委及其党总支、党支部、党小组，"
        "并生成演示人员（均标记为演示数据）。已加载过则不重复加载。"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--people",
            type=int,
            default=demo.DEFAULT_PEOPLE,
            help=f"人员数（默认 {demo.DEFAULT_PEOPLE}）；约每 {demo.PEOPLE_PER_BRANCH} 人一个党支部",
        )
        parser.add_argument(
            "--seed", type=int, default=demo.DEFAULT_SEED, help="随机种子：相同种子生成相同数据"
        )
        parser.add_argument(
            "--with-accounts",
            action="store_true",
            help="同时为各角色建立演示账号（随机密码，只显示这一次）",
        )

    def handle(self, *args, **options):
        people = options["people"]
        if people < 0:
            raise CommandError("--people 不能为负数。")
        started = time.monotonic()
        result = demo.demo_build(
            people=people,
            seed=options["seed"],
            with_accounts=options["with_accounts"],
            progress=self.stdout.write,
        )
        content = demo_content_load(actor=demo.system_actor(), group=result.group)
        if content.targets:
            self.stdout.write(
                f"已加载示例文件《{content.documents.notice.title}》（{content.documents.notice.number}）及其附件，"
                f"并发布“{content.campaign.title}”：{content.targets} 人收到任务。"
            )
        if not result.created:
            self.stdout.write(f"演示组织“{demo.GROUP_NAME}”已存在，未重复加载。")
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    f"已加载演示组织“{demo.GROUP_NAME}”：组织 {result.units} 个（党支部 {result.branches} 个），"
                    f"人员 {result.people} 名，用时 {time.monotonic() - started:.1f} 秒。"
                )
            )
        write_accounts(self.stdout, result.accounts)


def write_accounts(out, accounts) -> None:
    """Print the demo logins once; their passwords are not kept anywhere in clear."""
    if not accounts:
        return
    out.write("演示账号（密码只显示这一次，请妥善保存）：")
    for account in accounts:
        who = f"，人员：{account.person}" if account.person else ""
        out.write(
            f"  {account.username:<14} 密码：{account.password}    {account.role} · {account.unit}{who}"
        )
