"""`netconduct webhook-subscribe --url URL --events KIND[,KIND…] --unit UNIT [--name NAME] [--as USERNAME]`."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from netconduct.core.exceptions import ApplicationError, PermissionRefused
from netconduct.org.models import OrgUnit
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
        actor = self._actor(options["username"])
        unit = self._unit(options["unit"])
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

    def _unit(self, value: str) -> OrgUnit:
        value = value.strip()
        if value.isdigit():
            unit = OrgUnit.objects.filter(pk=int(value)).first()
            if unit is not None:
                return unit
        found = list(OrgUnit.objects.filter(name=value)[:3]) or list(OrgUnit.objects.filter(code=value)[:3])
        if not found:
            raise CommandError(f"找不到组织“{value}”（可用组织编号、名称或代字）。", returncode=2)
        if len(found) > 1:
            raise CommandError(f"名为“{value}”的组织不止一个，请改用组织编号（ID）。", returncode=2)
        return found[0]

    def _actor(self, username: str | None):
        User = get_user_model()
        if username:
            actor = User.objects.filter(username=username, is_active=True).first()
            if actor is None:
                raise CommandError(f"没有名为“{username}”的有效账号。", returncode=2)
            return actor
        actor = User.objects.filter(is_superuser=True, is_active=True).order_by("pk").first()
        if actor is None:
            raise CommandError(
                "系统中还没有超级用户。请先执行 netconduct createsuperuser，或用 --as 指定一个系统管理员账号。",
                returncode=2,
            )
        return actor
