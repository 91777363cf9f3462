"""`netconduct purge-reports`: delete closed reports past the retention period (audited: counts and numbers)."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand

from netconduct.reports.services import reports_purge


class Command(BaseCommand):
    help = "删除办结后超过保存期限的举报（内容、答复和材料），并记入审计"

    def handle(self, *args, **options):
        result = reports_purge()
        days = settings.NETCONDUCT_REPORT_RETENTION_DAYS
        if result.reports:
            self.stdout.write(
                f"已删除办结超过{days}天的举报 {result.reports} 件、材料 {result.files} 个：{'、'.join(result.references)}"
            )
        else:
            self.stdout.write(f"没有办结超过{days}天的举报。")
