from django.core.management.base import BaseCommand

from netconduct.core.audit import audit_verify
from netconduct.core.checkpoints import CheckpointError, checkpoint_read, checkpoints_check, load_public_key


class Command(BaseCommand):
    help = (
        "检查审计日志的哈希链；用 --checkpoint 文件（可多次）核对链仍与签名的检查点一致。"
        "发现问题时指出检查点和第一个不符的事件，并以非零状态退出。"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--checkpoint", action="append", default=[], metavar="FILE", help="签名的检查点文件（可重复）"
        )
        parser.add_argument(
            "--public-key", metavar="PEM", help="用此公钥核对签名（默认：本机的审计检查点密钥）"
        )

    def handle(self, *args, **options):
        failed = False
        result = audit_verify()
        if result.ok:
            self.stdout.write(f"审计链完好：共 {result.checked} 个事件。")
        else:
            failed = True
            self.stderr.write(
                f"审计链断裂：{result.reason}（第一个断裂的事件：#{result.broken_seq}；"
                f"之前 {result.checked} 个事件完好）"
            )
        if options["checkpoint"]:
            failed = self._checkpoints(options) or failed
        if failed:
            raise SystemExit(1)

    def _checkpoints(self, options) -> bool:
        loaded, failed = [], False
        for name in options["checkpoint"]:
            try:
                loaded.append((name, checkpoint_read(name)))
            except CheckpointError as exc:
                self.stderr.write(f"检查点 {name}：{exc}")
                failed = True
        try:
            public_key = load_public_key(options["public_key"]) if options["public_key"] else None
            findings = checkpoints_check(loaded, public_key=public_key)
        except (CheckpointError, OSError, ValueError) as exc:
            self.stderr.write(f"无法核对检查点：{exc}")
            return True
        for finding in findings:
            if finding.ok:
                self.stdout.write(f"检查点 {finding.name}（#{finding.seq}）：与审计链一致。")
            else:
                failed = True
                at = f"第一个不符的事件：#{finding.event_seq}；" if finding.event_seq else ""
                self.stderr.write(f"检查点 {finding.name}（#{finding.seq}）不成立：{at}{finding.reason}")
        return failed
