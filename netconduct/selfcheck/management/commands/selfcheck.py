"""`netconduct selfcheck [FILE|-] [--json] [--redact] [--keywords FILE] [--jsonl FILE]`."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from netconduct.selfcheck.engine import Engine, redact
from netconduct.selfcheck.extract import ExtractError, decode_text, extension, extract_text

EPILOG = """\
输入：FILE 为 .txt（UTF-8 或 GB18030）、.docx、.pdf（须有文字层）或 .xlsx；其他扩展名按纯文本读取；
省略 FILE 或写“-”时从标准输入读取文字。检查时使用系统中配置的保密关键词、花名册姓名和各单位发文代字
（数据库不可用时只用内置规则），--keywords 再追加一个关键词文件（UTF-8，每行一个，# 开头的行忽略）。

输出：默认逐条列出发现（位置、类别、遮盖后的内容、原因、条款）。
  --json    只输出一个 JSON 对象：{"findings": [{"kind": …, "start": n, "end": n, "article": "第六条第（一）项",
            "severity": "high|medium|low"}]}，start/end 为检查文字中的字符（Unicode 码位）偏移，
            文件则是提取出的文字中的偏移；与 --redact 同用时另有 "redacted" 一项。
  --redact  输出脱敏后的文字（与原文等长，敏感内容以 * 代替）。
  --jsonl FILE  批量检查：FILE（或“-”）每行一个 {"id": …, "text": …}，每行输出 {"id": …, "findings": […]}；
            某行无法解析时输出 {"id": …, "error": "…"} 并继续。
类别：id_card mobile landline bank_card email ip plate passport address person classification_mark
      internal_mark doc_number keyword。

退出码：0 表示检查已完成（无论是否有发现）；2 表示无法读取输入（文件不存在、类型或编码无法识别等），
原因写到标准错误。检查的文字不会被保存或记录。
"""


class Command(BaseCommand):
    help = "发布前自查：找出文字或文件中的个人信息和保密标识（《规范》第五条、第六条），可输出脱敏文字。"
    # The system checks import every URLconf and view of the product (a second at start-up); this command uses
    # none of them.
    requires_system_checks: list[str] = []

    def create_parser(self, prog_name, subcommand, **kwargs):
        from argparse import RawDescriptionHelpFormatter

        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.epilog = EPILOG
        parser.formatter_class = RawDescriptionHelpFormatter
        return parser

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", nargs="?", default="-", help="要检查的文件，或“-”（标准输入，默认）")
        parser.add_argument("--json", action="store_true", help="以一个 JSON 对象输出发现")
        parser.add_argument("--redact", action="store_true", help="输出脱敏后的文字")
        parser.add_argument("--keywords", metavar="FILE", help="追加的关键词文件，每行一个")
        parser.add_argument("--jsonl", metavar="FILE", help='批量检查 JSON Lines：每行 {"id": …, "text": …}')

    def handle(self, *args, **options) -> None:
        engine = self._engine(options["keywords"])
        if options["jsonl"]:
            self._jsonl(engine, options["jsonl"])
            return
        text = self._read(options["file"])
        findings = engine.check(text)
        if options["json"]:
            body: dict = {"findings": [f.as_json() for f in findings]}
            if options["redact"]:
                body["redacted"] = redact(text, findings)
            self.stdout.write(json.dumps(body, ensure_ascii=False))
        elif options["redact"]:
            self.stdout.write(redact(text, findings), ending="" if text.endswith("\n") else "\n")
        else:
            self._human(text, findings)

    # ------------------------------------------------------------------------------------------------ input

    def _engine(self, keywords_path: str | None) -> Engine:
        extra: tuple[str, ...] = ()
        if keywords_path:
            path = Path(keywords_path)
            if not path.is_file():
                raise CommandError(f"找不到关键词文件：{path}", returncode=2)
            try:
                lines = decode_text(path.read_bytes()).splitlines()
            except ExtractError as exc:
                raise CommandError(f"关键词文件无法读取：{exc.message}", returncode=2) from None
            extra = tuple(
                line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")
            )
        try:
            from netconduct.selfcheck.selectors import configured_engine

            return configured_engine(extra_keywords=extra)
        except DatabaseError:
            self.stderr.write("数据库不可用：只使用内置规则和 --keywords 中的关键词。")
            return Engine(keywords=extra)

    def _read(self, name: str) -> str:
        if name == "-":
            data = sys.stdin.buffer.read()
            try:
                return decode_text(data)
            except ExtractError as exc:
                raise CommandError(f"标准输入无法读取：{exc.message}", returncode=2) from None
        path = Path(name)
        if not path.is_file():
            raise CommandError(f"找不到文件：{path}", returncode=2)
        data = path.read_bytes()
        try:
            if extension(name) in (".docx", ".pdf", ".xlsx"):
                return extract_text(name, data)
            return decode_text(data)
        except ExtractError as exc:
            raise CommandError(f"文件无法检查：{exc.message}", returncode=2) from None

    # ------------------------------------------------------------------------------------------------ output

    def _human(self, text: str, findings) -> None:
        if not findings:
            self.stdout.write("未发现个人信息、密级标志、内部标识或保密关键词。")
            return
        self.stdout.write(f"发现 {len(findings)} 处：")
        for f in findings:
            line = text.count("\n", 0, f.start) + 1
            self.stdout.write(
                f"  第{line}行 [{f.start}:{f.end}] {f.label} {f.masked}  {f.reason}（{f.article}，风险{_severity(f.severity)}）"
            )

    def _jsonl(self, engine: Engine, name: str) -> None:
        if name == "-":
            stream = sys.stdin.buffer
        else:
            path = Path(name)
            if not path.is_file():
                raise CommandError(f"找不到文件：{path}", returncode=2)
            stream = path.open("rb")
        out = self.stdout
        dumps = json.dumps
        pending: list[tuple[object, str | None, str]] = []  # (id, text or None, error) in input order

        def flush() -> None:
            # the texts of a chunk are checked in one call (Engine.check_many: same findings as check, fewer calls)
            results = iter(engine.check_many([text for _id, text, _error in pending if text is not None]))
            for doc_id, text, error in pending:
                if text is None:
                    out.write(dumps({"id": doc_id, "error": error}, ensure_ascii=False))
                else:
                    findings = next(results)
                    out.write(
                        dumps({"id": doc_id, "findings": [f.as_json() for f in findings]}, ensure_ascii=False)
                    )
            pending.clear()

        try:
            for number, raw in enumerate(stream, start=1):
                if not raw.strip():
                    continue
                item = None
                try:
                    item = json.loads(raw)
                    doc_id, text = item.get("id"), item["text"]
                    if not isinstance(text, str):
                        raise TypeError
                except (ValueError, KeyError, TypeError, AttributeError):
                    doc_id = item.get("id") if isinstance(item, dict) else None
                    pending.append((doc_id, None, f'第{number}行不是 {{"id": …, "text": "…"}}'))
                else:
                    pending.append((doc_id, text, ""))
                if len(pending) >= _JSONL_CHUNK:
                    flush()
            flush()
        finally:
            if stream is not sys.stdin.buffer:
                stream.close()


# How many JSON lines are checked in one call: enough to spread the calls' cost, few enough to stream.
_JSONL_CHUNK = 500


def _severity(value: str) -> str:
    from netconduct.selfcheck.kinds import SEVERITY_LABELS

    return SEVERITY_LABELS[value]
