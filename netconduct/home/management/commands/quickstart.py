"""`netconduct quickstart`: from nothing to a running platform with a demo organisation, in one command.

Migrates, creates the administrator `admin` (random password, printed once) if no administrator can sign in yet,
loads the demo organisation with one login per role, then serves on 127.0.0.1:8000 with waitress, a production WSGI
server in pure Python (a fixed pool of threads behind a deep accept queue, so a crowd opening a campaign link at once
waits its turn instead of being refused); static files come from WhiteNoise, which reads them straight from the apps
in the embedded settings.
Beside the server it runs the background worker in a thread (pledges sealed, newcomers' tasks, the daily reminders it
schedules), stopped with the server; and unless SITE_URL is set, printed links and QR codes name the address served.
Running it again keeps everything and prints no password.
"""

from __future__ import annotations

import re
import signal
import socket
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.core.servers.basehttp import get_internal_wsgi_application
from django.db import connection, transaction
from django.db.migrations.loader import MigrationLoader
from waitress.server import create_server

from netconduct.core import background
from netconduct.core.background import EmbeddedWorker
from netconduct.core.links import site_url
from netconduct.home.demo import demo_content_load
from netconduct.home.management.commands.demo import write_accounts
from netconduct.notifications.tasks import schedule_ensure
from netconduct.org import demo, services
from netconduct.org.choices import Role
from netconduct.org.models import OrgUnit, RoleGrant
from netconduct.pledges import sealing, tsa
from netconduct.pledges.render import warm_fonts

ADMIN_USERNAME = "admin"
# waitress: threads answering requests (SQLite takes one writer at a time, so more would only queue on its lock), the
# listen queue and the connections held open at once — a crowd of a few hundred phones is queued, not refused.
SERVER_THREADS = 8
SERVER_BACKLOG = 2048
SERVER_CONNECTION_LIMIT = 1000
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
        site_configured = bool(site_url())
        workers: list[EmbeddedWorker] = []

        def on_bind(bound_port: int) -> None:
            host = addr.strip("[]") if addr not in {"0.0.0.0", "::"} else "127.0.0.1"  # noqa: S104
            if not site_configured:
                # Printed links and QR codes name the address served (a wildcard: this machine's LAN address,
                # which phones on the same network can open); SITE_URL set in the environment wins.
                public = lan_address() if addr in {"0.0.0.0", "::"} else host  # noqa: S104
                settings.SITE_URL = f"http://{f'[{public}]' if ':' in public else public}:{bound_port}"
            self.start_tsa()
            # Started only now, once SITE_URL is known: a pledge left to seal from the last run gets the right QR.
            worker = self.start_worker()
            if worker is not None:
                workers.append(worker)
            self.stdout.write(f"3/3 服务已启动：http://{host}:{bound_port}/  （按 Ctrl+C 停止）")
            self.stdout.write(
                f"   二维码和链接中的地址：{site_url()}"
                + ("" if site_configured else "（可用环境变量 SITE_URL 指定，如手机访问的局域网地址）")
            )
            if worker is not None:
                self.stdout.write(
                    "   后台任务（承诺书签章、新成员任务、每日提醒）随服务一同运行，无需另行启动。"
                )
            self.stdout.flush()

        if settings.DEBUG:
            self.stdout.write("   注意：DEBUG 已开启，仅供开发调试。")
        try:
            server = create_server(
                handler,
                host=addr.strip("[]"),
                port=port,
                ipv4=not ipv6,
                ipv6=ipv6,
                threads=SERVER_THREADS,
                backlog=SERVER_BACKLOG,
                connection_limit=SERVER_CONNECTION_LIMIT,
                asyncore_use_poll=True,  # select() stops at 1024 descriptors
                clear_untrusted_proxy_headers=True,
                ident="netconduct",
            )
        except OSError as exc:
            raise CommandError(f"无法在 {addr}:{port} 上启动服务：{exc.strerror or exc}") from exc
        previous = _stop_on_sigterm()
        try:
            on_bind(server.effective_port)
            server.run()  # returns on Ctrl+C or SIGTERM (waitress takes the KeyboardInterrupt itself)
        except KeyboardInterrupt:
            pass
        finally:
            self.stdout.write("服务已停止。")
            server.close()
            if previous is not None:
                signal.signal(signal.SIGTERM, previous)
            for worker in workers:
                self.stop_worker(worker)

    def start_tsa(self) -> None:
        """The data folder's own time-stamping authority (RFC 3161) on a loopback port, unless SEAL_TSA_URL names
        one: every seal needs a trusted timestamp, and the embedded default has no other TSA to ask."""
        if settings.SEAL_TSA_URL or sealing.seal_configured():
            return
        settings.SEAL_TSA_URL = tsa.local_start().url
        self.stdout.write(f"   可信时间戳服务（本机，RFC 3161）：{settings.SEAL_TSA_URL}")

    def start_worker(self) -> EmbeddedWorker | None:
        """The background worker beside the server, and the daily schedule it keeps (none with a backend that runs
        tasks at once)."""
        if not background.database_backend_in_use():
            return None
        schedule_ensure()
        worker = EmbeddedWorker()
        worker.start()
        return worker

    def stop_worker(self, worker: EmbeddedWorker) -> None:
        if worker.busy:
            self.stdout.write("   正在等待当前后台任务完成……")
            self.stdout.flush()
        if worker.stop(timeout=60):
            self.stdout.write("后台任务已停止。")
        else:
            self.stdout.write("后台任务未能在 60 秒内结束；下次启动时会重新执行。")


def _stop_on_sigterm():
    """SIGTERM (systemd, a terminal closed, a test harness) stops the server like Ctrl+C, so the worker thread is
    stopped cleanly too instead of dying in the middle of a task. Only the main thread may set a handler."""

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    try:
        return signal.signal(signal.SIGTERM, interrupt)
    except ValueError:  # not the main thread (call_command from a thread)
        return None


def lan_address() -> str:
    """This machine's address on its network (the interface of the default route), or 127.0.0.1 without one.
    Connecting a UDP socket sends nothing; it only asks the kernel which address it would send from."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect(("192.0.2.1", 9))  # TEST-NET-1: never routed anywhere real
            return probe.getsockname()[0]
    except OSError:
        return "127.0.0.1"


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
