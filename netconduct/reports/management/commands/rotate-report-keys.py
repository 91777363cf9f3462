"""`netconduct rotate-report-keys`: re-seal report and case texts and files under the newest field key."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from netconduct.reports.services import reports_rekey


class Command(BaseCommand):
    help = "用 FIELD_ENCRYPTION_KEYS 中的第一个密钥重新加密举报和案件的文字与材料"

    def handle(self, *args, **options):
        counts = reports_rekey()
        self.stdout.write(f"已重新加密文字 {counts['texts']} 段、文件 {counts['files']} 个。")
