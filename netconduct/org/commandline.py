"""What the management commands share: who acts (`--as`, else the first superuser) and which unit a word names."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError

from .models import OrgUnit


def command_actor(username: str | None, *, who: str = "一个系统管理员账号"):
    """The active account named by `--as`, else the first superuser; exit 2 with a Chinese message otherwise."""
    User = get_user_model()
    if username:
        actor = User.objects.filter(username=username, is_active=True).first()
        if actor is None:
            raise CommandError(f"没有名为“{username}”的有效账号。", returncode=2)
        return actor
    actor = User.objects.filter(is_superuser=True, is_active=True).order_by("pk").first()
    if actor is None:
        raise CommandError(
            f"系统中还没有超级用户。请先执行 netconduct createsuperuser，或用 --as 指定{who}。", returncode=2
        )
    return actor


def command_unit(value: str) -> OrgUnit:
    """The unit named by its number (ID), name or code; exit 2 when none or several match."""
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
