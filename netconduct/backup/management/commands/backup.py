"""`netconduct backup --out FILE`: the whole installation in one encrypted file, while it keeps serving."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from netconduct.backup.archive import BackupError
from netconduct.backup.passphrase import passphrase_read
from netconduct.backup.services import backup_create


class Command(BaseCommand):
    help = (
        "备份整个平台（数据库、全部存储文件、密钥和证书）到一个加密文件；服务运行中也可备份。"
        "口令取自环境变量 NETCONDUCT_BACKUP_PASSPHRASE，未设置时提示输入。"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--out", required=True, help="备份文件名，如 /backup/netconduct-20261205.ncbackup"
        )

    def handle(self, *args, **options):
        passphrase = passphrase_read(confirm=True)
        try:
            result = backup_create(out=Path(options["out"]), passphrase=passphrase)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        counts = result.counts
        self.stdout.write(
            f"已备份到 {result.path}（{result.size / 1024 / 1024:.1f} MB，版本 {result.version}，"
            f"{timezone.localtime():%Y-%m-%d %H:%M}）：数据库、文件 {counts['files']} 个、密钥与证书 {counts['keys']} 个。"
        )
        self.stdout.write(f"SHA-256：{result.sha256}")
        self.stdout.write("请把备份文件和口令分开保管：没有口令无法恢复，口令泄露则备份中的一切都可被读取。")
