"""`netconduct seal-init`: generate the organisation's pledge seal (root and seal certificate) in the data folder."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from netconduct.pledges import sealing


class Command(BaseCommand):
    help = "在数据目录中生成承诺书电子签章所用的根证书、签章证书和私钥（已存在则不变）。"

    def add_arguments(self, parser):
        parser.add_argument("--organisation", default="", help="证书中的单位名称（默认取设置或“netconduct”）")
        parser.add_argument(
            "--force", action="store_true", help="重新生成（此前签章的文件将无法再用新根证书验证）"
        )

    def handle(self, *args, organisation: str, force: bool, **options):
        from django.conf import settings

        from netconduct.pledges.render import warm_fonts

        warm_fonts()
        self.stdout.write("承诺书字体已就绪。")
        if sealing.seal_configured():
            self.stdout.write(
                "已在设置中配置签章证书（NETCONDUCT_SEAL_KEY / NETCONDUCT_SEAL_CERT），无需生成。"
            )
            return
        org = organisation or getattr(settings, "NETCONDUCT_SEAL_ORGANISATION", "") or "netconduct"
        files = sealing.generate_seal(organisation=org, force=force)
        self.stdout.write(
            f"签章证书：{files.cert}\n根证书：{files.roots[0]}\n私钥：{files.key}（仅本机可读）"
        )
