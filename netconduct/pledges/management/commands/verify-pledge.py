"""`netconduct verify-pledge FILE.pdf … | --code CODE`: is this an authentic archive copy of a pledge? One line per
file with the verdict (有效, 不是存档文件, …) and one Chinese sentence; exit 0 only when every one is 有效, 1 otherwise,
2 when a file cannot be read. The same function answers the public page and the API (`pledges.verification`)."""

from __future__ import annotations

import json
import logging
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from netconduct.accounts.selectors import mask_name
from netconduct.pledges.verification import Verdict, pledge_verify_code, pledge_verify_file


class Command(BaseCommand):
    help = "核验承诺书：PDF 文件须签章有效且与平台存档逐字节相同（“有效”时返回 0），或用 --code 核验验证码。"

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="*", metavar="FILE.pdf")
        parser.add_argument("--code", action="append", default=[], help="核验验证码（可重复）")
        parser.add_argument("--json", action="store_true", help="每项输出一行 JSON")

    def handle(self, *args, files, code, json: bool = False, **options):
        if not files and not code:
            raise CommandError("请给出要核验的 PDF 文件或 --code 验证码。", returncode=2)
        # pyHanko logs what it finds wrong in a file (with tracebacks); the verdict below is the answer.
        for name in ("pyhanko", "pyhanko_certvalidator", "netconduct.pledges.sealing"):
            logging.getLogger(name).setLevel(logging.CRITICAL)
        results: list[tuple[str, Verdict]] = []
        for name in files:
            try:
                data = Path(name).read_bytes()
            except OSError as exc:
                raise CommandError(f"{name}：无法读取文件（{exc.strerror}）。", returncode=2) from None
            results.append((name, pledge_verify_file(data)))
        results += [(f"验证码 {c}", pledge_verify_code(c)) for c in code]
        for name, verdict in results:
            self.stdout.write(_json_line(name, verdict) if json else self._text(name, verdict))
        if not all(verdict.ok for _name, verdict in results):
            raise SystemExit(1)

    def _text(self, name: str, verdict: Verdict) -> str:
        style = self.style.SUCCESS if verdict.ok else self.style.ERROR
        lines = [style(f"{name}：【{verdict.label}】{verdict.message}")]
        pledge = verdict.pledge
        if pledge is not None:
            signed = _local(pledge.signed_at) if pledge.signed_at else "—"
            lines.append(
                f"  承诺人 {mask_name(pledge.person.name)}，{pledge.unit_label}，{pledge.year}年度，"
                f"{pledge.get_method_display()}于 {signed}，验证码 {pledge.code_display}"
            )
        if verdict.timestamped and verdict.signed_at:
            lines.append(f"  签章时间（可信时间戳）：{_local(verdict.signed_at)}")
        return "\n".join(lines)


def _local(when) -> str:
    return timezone.localtime(when).strftime("%Y-%m-%d %H:%M:%S")


def _json_line(name: str, verdict: Verdict) -> str:
    pledge = verdict.pledge
    return json.dumps(
        {
            "file": name,
            "ok": verdict.ok,
            "verdict": verdict.status,
            "label": str(verdict.label),
            "message": verdict.message,
            "sha256": verdict.sha256,
            "signer": verdict.signer,
            "signed_at": verdict.signed_at.isoformat() if verdict.signed_at else None,
            "timestamped": verdict.timestamped,
            "pledge": None
            if pledge is None
            else {
                "code": pledge.code,
                "name": mask_name(pledge.person.name),
                "unit": pledge.unit_label,
                "year": pledge.year,
                "method": pledge.method,
                "signed_at": pledge.signed_at.isoformat() if pledge.signed_at else None,
            },
        },
        ensure_ascii=False,
    )
