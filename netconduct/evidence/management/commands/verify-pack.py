"""`netconduct verify-pack FILE.zip`: is this evidence pack as it was sealed? Exit 0 when the manifest's signature
and the summary's seal are valid and every file is there unchanged with nothing added; 1 otherwise, naming each file
at fault; 2 when the file cannot be read."""

from __future__ import annotations

import logging
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from netconduct.evidence.verification import verify_pack


class Command(BaseCommand):
    help = "核验检查材料包：清单签名、汇总说明签章、每个文件的 SHA-256，以及有无增删文件（完好时返回 0）。"

    def add_arguments(self, parser):
        parser.add_argument("file", metavar="FILE.zip")
        parser.add_argument(
            "--root", action="append", default=[], help="另行信任的签章根证书（PEM），在其他机器上核验时使用"
        )

    def handle(self, *args, file, root, **options):
        for name in ("pyhanko", "pyhanko_certvalidator", "netconduct.pledges.sealing"):
            logging.getLogger(name).setLevel(logging.CRITICAL)
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"{file}：文件不存在。", returncode=2)
        check = verify_pack(path, extra_roots=tuple(Path(r) for r in root))
        if check.ok:
            self.stdout.write(
                self.style.SUCCESS(f"{file}：材料包完好，{check.files} 个文件与清单一致，签名和签章有效。")
            )
            return
        for problem in check.problems:
            self.stdout.write(self.style.ERROR(str(problem)))
        self.stdout.write(self.style.ERROR(f"{file}：材料包不完整或被改动（{len(check.problems)} 处问题）。"))
        raise SystemExit(1)
