"""`netconduct import-roster FILE [--dry-run] [--create-units] [--json] [--as USERNAME]`."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from netconduct.core.exceptions import ApplicationError, PermissionRefused
from netconduct.org.commandline import command_actor
from netconduct.org.roster.importer import ImportResult, roster_import

EPILOG = """\
退出码：0 表示文件已处理（即使有被拒绝的行，它们会逐行列出，其余行照常导入）；
2 表示整个文件被拒绝或无法执行（不是电子表格、含宏、有密码、疑似压缩炸弹、超过大小或行数上限、
找不到表头、账号无权导入），此时数据库没有任何改动，原因写到标准错误。
--json 只向标准输出打印一个 JSON 对象：
{"created": n, "updated": n, "unchanged": n, "errors": [{"row": r, "column": "…", "message": "…"}]}。
同一文件再次导入不会产生任何改动；文件中没有的列、以及有列但单元格为空的，原有信息保持不变。
"""


class Command(BaseCommand):
    # The system checks import every URL module and template tag of the site (about 1.5 s, more than reading a
    # 20,000-row file) and say nothing about a roster; `netconduct check` runs them.
    requires_system_checks: list[str] = []
    help = (
        "导入人事花名册（.xlsx/.xls/.ods/.csv）：按身份证号新增或更新人员。"
        "不加 --dry-run 时在一个事务中写入，所有变动都记入审计日志。"
    )

    def create_parser(self, prog_name, subcommand, **kwargs):
        from argparse import RawDescriptionHelpFormatter

        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.epilog = EPILOG
        parser.formatter_class = RawDescriptionHelpFormatter
        return parser

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", help="花名册文件：.xlsx、.xls、.ods 或 .csv（UTF-8 或 GBK）")
        parser.add_argument("--dry-run", action="store_true", help="只检查并报告，不写入数据库")
        parser.add_argument("--create-units", action="store_true", help="自动创建所属组织路径中不存在的组织")
        parser.add_argument("--json", action="store_true", help="以一个 JSON 对象输出结果")
        parser.add_argument(
            "--as",
            dest="username",
            metavar="USERNAME",
            help="以哪个账号的身份导入（决定可导入的组织范围并记入审计）；默认第一个超级用户",
        )

    def handle(self, *args, **options) -> None:
        actor = command_actor(options["username"], who="一个有花名册导入权限的账号")
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"找不到文件：{path}", returncode=2)
        try:
            result = roster_import(
                actor=actor,
                path=path,
                filename=path.name,
                create_units=options["create_units"],
                dry_run=options["dry_run"],
                parallel=True,  # a process of its own: the file is parsed in a child while this one writes
            )
        except PermissionRefused:
            raise CommandError(
                f"账号“{actor.get_username()}”无权导入花名册（需要系统管理员或单位管理员角色）。",
                returncode=2,
            ) from None
        except ApplicationError as exc:
            raise CommandError(f"文件被拒绝，未做任何改动：{exc.message}", returncode=2) from None
        if options["json"]:
            self.stdout.write(json.dumps(result.as_json(), ensure_ascii=False))
        else:
            self.stdout.write(summary(result))


def summary(result: ImportResult) -> str:
    mode = "试运行，未写入数据库" if result.dry_run else "已导入"
    lines = [
        f"花名册：{result.filename}（{mode}）",
        (f"工作表“{result.sheet_name}”，" if result.sheet_name else "")
        + f"表头在第{result.header_row}行：{'、'.join(result.columns)}",
        f"新增 {result.created} 人，更新 {result.updated} 人，未变 {result.unchanged} 人，"
        f"被拒绝 {result.refused_rows} 行。",
    ]
    if result.units_created:
        verb = "将新建" if result.dry_run else "新建了"
        lines.append(f"{verb} {len(result.units_created)} 个组织：" + "；".join(result.units_created))
    if result.errors:
        lines.append("被拒绝的行：")
        lines.extend(f"  第{e.row}行［{e.column}］{e.message}" for e in result.errors)
    return "\n".join(lines)
