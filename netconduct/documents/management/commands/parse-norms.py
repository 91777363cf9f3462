"""`netconduct parse-norms FILE [--json]`: show how a norms file is read into articles and items, saving nothing."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from netconduct.documents.norms_parser import NormsParseError, format_outline, parse_norms, read_text_file


class Command(BaseCommand):
    help = (
        "解析规范文本（.txt、.docx，或用 - 表示标准输入），打印条、项结构，不写入数据库。"
        "无法解析时把原因（含行号）写到标准错误，退出码为 1。"
    )
    requires_system_checks: list[str] = []  # reads a file, touches no model
    stealth_options = ("stdin",)  # call_command(..., stdin=io.BytesIO(...)) stands in for standard input

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", help="规范文件：.txt（UTF-8 或 GB18030）、.docx，或 - 表示从标准输入读取")
        parser.add_argument(
            "--json",
            action="store_true",
            help='以 JSON 输出：{"title": …, "articles": [{"number", "heading", "text", "items": […]}]}',
        )

    def handle(self, *args, **options) -> None:
        name = options["file"]
        if name == "-":
            data = (options.get("stdin") or sys.stdin.buffer).read()
            if isinstance(data, str):
                data = data.encode("utf-8")
        else:
            path = Path(name)
            if not path.is_file():
                raise CommandError(f"找不到文件：{path}")
            data = path.read_bytes()
        try:
            structure = parse_norms(read_text_file("" if name == "-" else name, data))
        except NormsParseError as exc:
            raise CommandError(exc.message) from None
        if options["json"]:
            self.stdout.write(json.dumps(structure.to_dict(), ensure_ascii=False, indent=2))
        else:
            self.stdout.write(format_outline(structure))
