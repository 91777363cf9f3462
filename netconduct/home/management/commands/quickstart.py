"""`netconduct quickstart`: from nothing to a running platform with a demo organisation, in one command.

Migrates, creates the administrator `admin` (random password, printed once) if no administrator can sign in yet,
loads the demo organisation with one login per role, then serves on 127.0.0.1:8000 with Django's threaded WSGI
server (static files come from WhiteNoise, which reads them straight from the apps in the embedded settings).
Running it again keeps everything and prints no password.
"""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.core.servers.basehttp import get_internal_wsgi_application, run
from django.db import connection, transaction
from django.db.migrations.loader import MigrationLoader

from netconduct.home.demo import demo_content_load
from netconduct.home.management.commands.demo import write_accounts
from netconduct.org import demo, services
from netconduct.org.choices import Role
from netconduct.org.models import OrgUnit, RoleGrant
from netconduct.pledges import sealing
from netconduct.pledges.render import warm_fonts

ADMIN_USERNAME = "admin"
_ADDRPORT = re.compile(r"^(?:(?P<addr>\[[0-9a-fA-F:]+\]|[\w.-]+):)?(?P<port>\d+)$")


class Command(BaseCommand):
    help = "一键启动：建立数据库、管理员账号和演示组织（含各角色演示账号），然后在本机提供服务。"

    def add_arguments(self, parser):
        parser.add_argument("--no-serve", action="store_true", help="只做准备工作，不启动服务（测试、CI 用）")
        parser.add_argument(
            "--addrport",
            default="127.0.0.1:8000",
            help="监听地址和端口（默认 127.0.0.1:8000；端口 0 表示任选空闲端口）",
        )

    def handle(self, *args, **options):
        addr, port = parse_addrport(options["addrport"])
        self.stdout.write("1/3 准备数据库……")
        refuse_unknown_migrations()
        call_command("migrate", interactive=False, verbosity=0)

        self.stdout.write("2/3 检查管理员账号并加载演示组织……")
        with transaction.atomic():
            actor = demo.system_actor()
            existing = demo.usable_superusers().order_by("pk").first()
            password = None
            if existing is None:
                admin, password = create_admin(actor=actor)
            result = demo.demo_build(actor=actor, with_accounts=True)
            demo_content_load(actor=actor, group=result.group)
            if existing is None:
                root = OrgUnit.objects.get_root_nodes().first()
                if root is not None and not RoleGrant.objects.filter(user=admin, role=Role.SYSADMIN).exists():
                    services.grant_create(actor=actor, user=admin, role=Role.SYSADMIN, unit=root)

        if not sealing.seal_configured():
            sealing.generate_seal(organisation=demo.GROUP_NAME)  # once; an existing seal is kept
        warm_fonts()  # the pledge PDFs' fonts, built once into the data folder

        # Printed only after the transaction committed: a password shown is a password that works.
        if result.created:
            self.stdout.write(
                f"   已加载演示组织“{demo.GROUP_NAME}”：组织 {result.units} 个，人员 {result.people} 名（均为演示数据）。"
            )
        else:
            self.stdout.write(f"   演示组织“{demo.GROUP_NAME}”已存在，保留现有数据。")
        if password is not None:
            self.stdout.write(self.style.SUCCESS("管理员账号（密码只显示这一次，请立即妥善保存）："))
            self.stdout.write(f"  用户名：{ADMIN_USERNAME}")
            self.stdout.write(f"  密码：{password}")
            self.stdout.write(
                "  系统管理员首次登录时须绑定手机验证器（TOTP，如“腾讯身份验证器”或 Google Authenticator），"
                "以后每次登录都要输入其中的6位动态码。"
            )
        else:
            name = existing.get_username()
            self.stdout.write(
                f"管理员账号已存在（{name}），不再生成新密码。忘记密码时可运行：netconduct changepassword {name}"
            )
        write_accounts(self.stdout, result.accounts)

        url = f"http://{'127.0.0.1' if addr in {'0.0.0.0', '::'} else addr.strip('[]')}:{port}/"  # noqa: S104
        if options["no_serve"]:
            self.stdout.write(f"3/3 已准备就绪（未启动服务）。运行 netconduct quickstart 后访问 {url}")
            return
        if addr not in {"127.0.0.1", "localhost", "[::1]"}:
            self.stdout.write(
                "   提示：从其他电脑访问时，请先设置环境变量 ALLOWED_HOSTS（如 ALLOWED_HOSTS=192.168.1.10）。"
            )
        self.serve(addr, port)

    def serve(self, addr: str, port: int) -> None:
        # WhiteNoise serves from the apps (WHITENOISE_USE_FINDERS); an empty STATIC_ROOT only spares its warning.
        Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)
        handler = get_internal_wsgi_application()
        ipv6 = addr.startswith("[")

        def on_bind(bound_port: int) -> None:
            host = addr.strip("[]") if addr not in {"0.0.0.0", "::"} else "127.0.0.1"  # noqa: S104
            self.stdout.write(f"3/3 服务已启动：http://{host}:{bound_port}/  （按 Ctrl+C 停止）")
            self.stdout.flush()

        if settings.DEBUG:
            self.stdout.write("   注意：DEBUG 已开启，仅供开发调试。")
        try:
            run(addr.strip("[]"), port, handler, ipv6=ipv6, threading=True, on_bind=on_bind)
        except OSError as exc:
            raise CommandError(f"无法在 {addr}:{port} 上启动服务：{exc.strerror or exc}") from exc
        except KeyboardInterrupt:
            self.stdout.write("服务已停止。")


def refuse_unknown_migrations() -> None:
    """A data folder whose database records migrations this version does not have was made by an earlier version
    before its migrations were made afresh (see the README's changelog): say so instead of failing half-way."""
    loader = MigrationLoader(connection, ignore_no_migrations=True)
    unknown = sorted(
        f"{app}.{name}"
        for app, name in loader.applied_migrations
        if app in loader.migrated_apps and (app, name) not in loader.disk_migrations
    )
    if unknown:
        raise CommandError(
            f"数据库 {settings.DATABASES['default']['NAME']} 由较早的版本建立（含本版本没有的迁移："
            f"{'、'.join(unknown[:3])}{'等' if len(unknown) > 3 else ''}），无法直接升级。"
            "本版本调整了数据结构，旧的演示数据需要丢弃：请删除数据目录（默认 ./netconduct-data）后重新运行 "
            "netconduct quickstart。"
        )


def parse_addrport(value: str) -> tuple[str, int]:
    match = _ADDRPORT.match(value.strip())
    if not match:
        raise CommandError(f"--addrport 格式不正确：{value!r}（应为“地址:端口”或“端口”，如 127.0.0.1:8000）")
    return match["addr"] or "127.0.0.1", int(match["port"])


def create_admin(*, actor):
    """The first administrator, with a random password returned to be printed once."""
    User = get_user_model()
    if User.objects.filter(username=ADMIN_USERNAME).exists():
        raise CommandError(
            f"已有名为“{ADMIN_USERNAME}”的账号，但它不是可登录的超级管理员。"
            f"请运行 netconduct createsuperuser 另建管理员账号后再运行本命令。"
        )
    password = demo.new_password()
    admin = demo.account_create(actor=actor, username=ADMIN_USERNAME, password=password, superuser=True)
    return admin, password
