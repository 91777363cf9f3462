"""The backup passphrase: from NETCONDUCT_BACKUP_PASSPHRASE (scheduled backups, scripts) or typed at a prompt."""

from __future__ import annotations

import getpass
import sys

from django.conf import settings
from django.core.management.base import CommandError
from django.utils.translation import gettext as _


def passphrase_read(*, confirm: bool) -> str:
    configured = getattr(settings, "NETCONDUCT_BACKUP_PASSPHRASE", "") or ""
    if configured:
        return configured
    if not sys.stdin.isatty():
        raise CommandError(
            _("需要备份口令：请在终端中运行（会提示输入），或设置环境变量 NETCONDUCT_BACKUP_PASSPHRASE。")
        )
    first = getpass.getpass(_("备份口令："))
    if confirm and getpass.getpass(_("再输入一次：")) != first:
        raise CommandError(_("两次输入的口令不一致，未做任何改动。"))
    return first
