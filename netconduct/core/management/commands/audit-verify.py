from django.core.management.base import BaseCommand

from netconduct.core.audit import audit_verify


class Command(BaseCommand):
    help = "检查审计日志的哈希链；发现断裂时指出第一个断裂的事件并以非零状态退出。"

    def handle(self, *args, **options):
        result = audit_verify()
        if result.ok:
            self.stdout.write(f"审计链完好：共 {result.checked} 个事件。")
            return
        self.stderr.write(
            f"审计链断裂：{result.reason}（第一个断裂的事件：#{result.broken_seq}；之前 {result.checked} 个事件完好）"
        )
        raise SystemExit(1)
