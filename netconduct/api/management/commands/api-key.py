"""`netconduct api-key create|list|revoke`: API keys for integrations."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from netconduct.api import services
from netconduct.api.models import ApiKey
from netconduct.core.exceptions import ApplicationError
from netconduct.org.commandline import command_actor, command_unit


class Command(BaseCommand):
    help = "管理开放接口的API密钥：create 签发（密钥只显示一次）、list 列出、revoke 吊销。"

    def add_arguments(self, parser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="签发一把密钥，打印一次明文")
        create.add_argument("--name", required=True, help="名称，如“人事系统同步”；审计日志以此记录写入")
        create.add_argument("--unit", required=True, help="组织范围：组织编号或名称（须唯一）")
        create.add_argument("--scope", required=True, help="权限，逗号分隔，如 people:write,campaigns:read")
        create.add_argument("--expires", help="到期日期 YYYY-MM-DD（当天结束时失效）；不填则长期有效")
        create.add_argument("--source", default="", help="外部编号所属的系统；不填同名称")
        create.add_argument(
            "--as", dest="username", help="以哪个系统管理员账号签发（记入审计）；默认第一个超级用户"
        )
        sub.add_parser("list", help="列出密钥（不含明文）")
        revoke = sub.add_parser("revoke", help="吊销一把密钥")
        revoke.add_argument("name", help="密钥名称")
        revoke.add_argument("--as", dest="username")

    def handle(self, *args, **options) -> None:
        getattr(self, f"_{options['action']}")(options)

    def _create(self, options) -> None:
        expires = None
        if options["expires"]:
            try:
                day = dt.date.fromisoformat(options["expires"])
            except ValueError:
                raise CommandError("到期日期应写作 YYYY-MM-DD。", returncode=2) from None
            expires = timezone.make_aware(dt.datetime.combine(day, dt.time(23, 59, 59)))
        try:
            key, clear = services.api_key_create(
                actor=command_actor(options["username"]),
                name=options["name"],
                unit=command_unit(options["unit"]),
                scopes=options["scope"].split(","),
                expires_at=expires,
                source=options["source"],
            )
        except ApplicationError as exc:
            raise CommandError(exc.message, returncode=2) from None
        self.stderr.write(f"已签发密钥“{key.name}”（范围：{key.unit.name}；权限：{','.join(key.scopes)}）。")
        self.stderr.write("下面是密钥明文，只显示这一次，请妥善保存：")
        self.stdout.write(clear)

    def _list(self, options) -> None:
        for key in ApiKey.objects.select_related("unit"):
            used = (
                timezone.localtime(key.last_used_at).strftime("%Y-%m-%d %H:%M") if key.last_used_at else "—"
            )
            self.stdout.write(
                f"{key.name}\tnc_{key.prefix}_…\t{key.unit.name}\t{','.join(key.scopes)}\t{key.status_label}\t{used}"
            )

    def _revoke(self, options) -> None:
        key = ApiKey.objects.filter(name=options["name"]).first()
        if key is None:
            raise CommandError(f"没有名为“{options['name']}”的密钥。", returncode=2)
        try:
            services.api_key_revoke(actor=command_actor(options["username"]), key=key)
        except ApplicationError as exc:
            raise CommandError(exc.message, returncode=2) from None
        self.stdout.write(f"密钥“{key.name}”已吊销。")
