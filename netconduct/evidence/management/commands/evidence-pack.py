"""`netconduct evidence-pack --unit UNIT --year YEAR --out FILE.zip` (or `--campaign ID`): build an inspection
evidence pack now, in this process, as the account of `--as` (else the first superuser), and write it to FILE.zip.
The pack is recorded and its download audited as on the page."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from netconduct.campaigns.models import Campaign
from netconduct.core.exceptions import ApplicationError
from netconduct.evidence import services
from netconduct.evidence.choices import PackStatus
from netconduct.org.commandline import command_actor, command_unit


class Command(BaseCommand):
    help = "生成检查材料包（汇总说明、文件、学习记录、承诺书、完成情况表，带电子签章和清单签名）并写入 zip 文件。"

    def add_arguments(self, parser):
        parser.add_argument("--unit", required=True, help="单位：组织编号（ID）、名称或代字")
        parser.add_argument("--year", type=int, help="年度，如 2026")
        parser.add_argument("--campaign", type=int, help="只取一个宣贯活动（活动编号）")
        parser.add_argument("--out", required=True, help="写入的 zip 文件")
        parser.add_argument("--as", dest="as_user", help="以该账号的权限生成（默认第一个超级用户）")

    def handle(self, *args, unit, year, campaign, out, as_user, **options):
        actor = command_actor(as_user)
        target = command_unit(unit)
        chosen = None
        if campaign is not None:
            chosen = Campaign.objects.select_related("unit").filter(pk=campaign).first()
            if chosen is None:
                raise CommandError(f"找不到编号为 {campaign} 的宣贯活动。", returncode=2)
        elif year is None:
            raise CommandError("请给出 --year 年度，或 --campaign 宣贯活动编号。", returncode=2)
        path = Path(out)
        if not path.parent.is_dir():
            raise CommandError(f"{out}：所在目录不存在。", returncode=2)
        started = time.monotonic()
        try:
            pack = services.evidence_pack_request(
                actor=actor, unit=target, year=year, campaign=chosen, enqueue=False
            )
        except ApplicationError as exc:
            raise CommandError(exc.message, returncode=2) from None
        pack = services.evidence_pack_build(pack_id=pack.pk)
        if pack.status != PackStatus.DONE:
            raise CommandError(f"生成失败：{pack.error}", returncode=1)
        with services.evidence_pack_open(actor=actor, pack=pack) as source, open(path, "wb") as target_file:
            shutil.copyfileobj(source, target_file, 1024 * 1024)
        self.stdout.write(
            self.style.SUCCESS(
                f"已生成 {path}：{pack.files} 个文件，{pack.size} 字节，用时 {time.monotonic() - started:.1f} 秒。"
            )
        )
        self.stdout.write(f"SHA-256：{pack.sha256}")
