from pathlib import Path

from django.core.management.base import BaseCommand

from netconduct.core.checkpoints import CheckpointError, checkpoint_dumps, checkpoint_make, checkpoint_write


class Command(BaseCommand):
    help = (
        "对审计链的链头（序号、哈希、时间）签名，输出检查点并写入文件（默认在数据目录 audit/checkpoints/ 下）。"
        "请把检查点另存到数据库以外的地方；以后用 audit-verify --checkpoint 文件 核对。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--output", "-o", help="检查点写到此文件（默认写入数据目录）")

    def handle(self, *args, **options):
        try:
            checkpoint = checkpoint_make()
        except CheckpointError as exc:
            self.stderr.write(str(exc))
            raise SystemExit(1) from None
        path = checkpoint_write(checkpoint, Path(options["output"]) if options["output"] else None)
        self.stdout.write(checkpoint_dumps(checkpoint))
        self.stdout.write(f"检查点已写入：{path}")
