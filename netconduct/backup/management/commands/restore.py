"""`netconduct restore FILE`: bring an installation back from a backup, into an empty installation."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from netconduct.backup.archive import BackupError
from netconduct.backup.passphrase import passphrase_read
from netconduct.backup.services import backup_restore


class Command(BaseCommand):
    help = (
        "从备份文件恢复整个平台（数据库、文件、密钥和证书）。只恢复到空的安装中，除非加 --force；"
        "口令不对、文件被截断或改动、或备份来自较新的版本时拒绝，且不写入任何内容。"
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="备份文件")
        parser.add_argument("--force", action="store_true", help="当前安装已有数据时也覆盖（谨慎使用）")

    def handle(self, *args, **options):
        passphrase = passphrase_read(confirm=False)
        try:
            result = backup_restore(
                source=Path(options["file"]), passphrase=passphrase, force=options["force"]
            )
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        counts = result.counts
        self.stdout.write(
            f"已从备份恢复（版本 {result.version}，备份于 {result.created}）：数据库、"
            f"文件 {counts.get('files', 0)} 个、密钥与证书 {counts.get('keys', 0)} 个。"
        )
        for warning in result.warnings:
            self.stderr.write(f"注意：{warning}")
