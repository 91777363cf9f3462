"""`netconduct webhook-subscribe --url URL --events KIND[,KIND…] --unit UNIT [--name NAME] [--as USERNAME]`."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from netconduct.core.exceptions import ApplicationError, PermissionRefused
from netconduct.org.commandline import command_actor, command_unit
from netconduct.webhooks.choices import EventKind
from netconduct.webhooks.services import subscription_create


class Command(BaseCommand):
    help = (
        "订阅事件推送：向 --url 推送 --unit 及其下级组织的事件（带 HMAC-SHA256 签名的 JSON）。"
        "签名密钥只在此处显示一次。可选事件："
        + "、".join(f"{v}（{label}）" for v, label in EventKind.choices)
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--url", required=True, help="接收地址，https:// 开头的公网地址")
        parser.add_argument(
            "--events",
            required=True,
            help="事件类型，逗号分隔，如 pledge.signed,campaign.launched；all 表示全部",
        )
        parser.add_argument("--unit", required=True, help="组织：编号（ID）、名称或代字")
        parser.add_argument("--name", default="", help="订阅名称，默认用接收地址的主机名")
        parser.add_argument(
            "--as",
            dest="username",
            metavar="USERNAME",
            help="以哪个系统管理员账号的身份订阅；默认第一个超级用户",
        )

    def handle(self, *args, **options) -> None:
        actor = command_actor(options["username"])
        unit = command_unit(options["unit"])
        events = [e.strip() for e in options["events"].split(",") if e.strip()]
        if events == ["all"]:
            events = list(EventKind.values)
        url = options["url"].strip()
        name = options["name"] or url.split("//", 1)[-1].split("/", 1)[0].split(":", 1)[0]
        try:
            subscription = subscription_create(actor=actor, unit=unit, name=name, url=url, events=events)
        except PermissionRefused:
            raise CommandError(
                f"账号“{actor.get_username()}”无权在“{unit.name}”订阅事件（需要系统管理员角色）。",
                returncode=2,
            ) from None
        except ApplicationError as exc:
            raise CommandError(f"未订阅：{exc.message}", returncode=2) from None
        self.stdout.write(f"已订阅 #{subscription.pk}：{subscription.name}（{unit.name}）")
        self.stdout.write(f"事件：{'、'.join(subscription.events)}")
        self.stdout.write(f"签名密钥（只显示这一次）：{subscription.secret}")
