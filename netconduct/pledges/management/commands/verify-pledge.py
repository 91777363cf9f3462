"""`netconduct verify-pledge FILE.pdf`: is this an authentic, unaltered pledge? Exit 0 only for an intact, trusted
seal (1 otherwise, 2 when the file cannot be read)."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from netconduct.accounts.selectors import mask_name
from netconduct.pledges import selectors


class Command(BaseCommand):
    help = "核验承诺书 PDF 的组织电子签章：完整、可信且签章后未被改动时返回 0。"

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", metavar="FILE.pdf")
        parser.add_argument("--json", action="store_true", help="每个文件输出一行 JSON")

    def handle(self, *args, files, json: bool = False, **options):
        failed = False
        for name in files:
            path = Path(name)
            try:
                data = path.read_bytes()
            except OSError as exc:
                raise CommandError(f"{name}：无法读取（{exc.strerror}）", returncode=2) from None
            result = selectors.verify_pdf_bytes(data)
            failed |= not result.check.ok
            pledge = result.pledge
            if json:
                self.stdout.write(_json_line(name, result))
                continue
            if result.check.ok:
                self.stdout.write(
                    self.style.SUCCESS(f"{name}：签章有效，文件未被改动。签章：{result.check.signer}")
                )
            else:
                self.stdout.write(self.style.ERROR(f"{name}：验证未通过。"))
            for problem in result.check.problems:
                self.stdout.write(f"  - {problem}")
            if pledge is not None:
                when = (
                    timezone.localtime(pledge.signed_at).strftime("%Y-%m-%d %H:%M")
                    if pledge.signed_at
                    else "—"
                )
                self.stdout.write(
                    f"  承诺人 {mask_name(pledge.person.name)}，{pledge.unit_label}，{pledge.year}年度，"
                    f"{pledge.get_method_display()}于 {when}，验证码 {pledge.code_display}"
                )
        if failed:
            raise SystemExit(1)


def _json_line(name: str, result) -> str:
    pledge = result.pledge
    return json.dumps(
        {
            "file": name,
            "ok": result.check.ok,
            "problems": result.check.problems,
            "sha256": result.sha256,
            "signer": result.check.signer,
            "pledge": None
            if pledge is None
            else {
                "code": pledge.code,
                "name": mask_name(pledge.person.name),
                "unit": pledge.unit_label,
                "year": pledge.year,
                "method": pledge.method,
                "signed_at": pledge.signed_at.isoformat() if pledge.signed_at else None,
            },
        },
        ensure_ascii=False,
    )
