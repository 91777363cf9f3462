"""`netconduct selfcheck`: JSON shape and code-point offsets, --redact, --keywords, --jsonl, files, exit codes."""

from __future__ import annotations

import io
import json
import sys

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from netconduct.selfcheck import selectors

from .files import docx_bytes, id18

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_configuration():
    selectors.forget_configuration()
    yield
    selectors.forget_configuration()


class _Stdin:
    def __init__(self, data: bytes) -> None:
        self.buffer = io.BytesIO(data)


def run(*args, stdin: bytes | None = None, monkeypatch=None) -> str:
    if stdin is not None:
        monkeypatch.setattr(sys, "stdin", _Stdin(stdin))
    out = io.StringIO()
    call_command("selfcheck", *[str(a) for a in args], stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_json_offsets_are_code_points(monkeypatch):
    text = "😀👍联系人：王建国，电话13912345678，机密★1年"
    data = json.loads(run("-", "--json", stdin=text.encode(), monkeypatch=monkeypatch))
    assert list(data) == ["findings"]
    assert [list(f) for f in data["findings"]] == [["kind", "start", "end", "article", "severity"]] * 3
    spans = [(f["kind"], text[f["start"] : f["end"]], f["article"]) for f in data["findings"]]
    assert spans == [
        ("person", "王建国", "第六条第（一）项"),
        ("mobile", "13912345678", "第六条第（一）项"),
        ("classification_mark", "机密★1年", "第五条第（一）项"),
    ]
    assert (
        data["findings"][1]["start"] == 12
    )  # the two emoji count one each, not two (UTF-16) or four (UTF-8)


def test_redact_prints_the_text_masked(monkeypatch):
    out = run(
        "--redact",
        stdin="电话13912345678\n身份证".encode() + id18().encode() + b"\n",
        monkeypatch=monkeypatch,
    )
    assert out == f"电话139****5678\n身份证1506**********{id18()[-4:]}\n"


def test_keywords_file_adds_to_the_configured_list(tmp_path, monkeypatch):
    words = tmp_path / "kw.txt"
    words.write_text("# 内部项目\n青龙系统\n\n天骄一号工程\n", encoding="utf-8")
    text = "青龙系统和天骄一号工程".encode()
    assert json.loads(run("--json", stdin=text, monkeypatch=monkeypatch)) == {"findings": []}
    data = json.loads(run("--json", "--keywords", words, stdin=text, monkeypatch=monkeypatch))
    assert [(f["kind"], f["start"], f["end"]) for f in data["findings"]] == [
        ("keyword", 0, 4),
        ("keyword", 5, 11),
    ]


def test_jsonl_one_line_out_per_line_in(tmp_path):
    source = tmp_path / "in.jsonl"
    source.write_text(
        '{"id": 1, "text": "电话13912345678"}\n'
        "not json\n"
        '{"id": "b", "text": "内部资料"}\n'
        '{"id": "c"}\n'
        '{"id": "d", "text": "没有问题"}\n',
        encoding="utf-8",
    )
    lines = [json.loads(line) for line in run("--jsonl", source).splitlines()]
    assert [line["id"] for line in lines] == [1, None, "b", "c", "d"]
    assert lines[0]["findings"] == [
        {"kind": "mobile", "start": 2, "end": 13, "article": "第六条第（一）项", "severity": "medium"}
    ]
    assert "第2行" in lines[1]["error"] and "error" in lines[3]
    assert lines[2]["findings"][0]["kind"] == "internal_mark" and lines[4]["findings"] == []


def test_jsonl_over_several_chunks_keeps_order_and_findings(tmp_path):
    """1,203 lines (more than two chunks checked in one call each), bad lines among them: one line out per line in,
    in order, each with what `netconduct selfcheck` finds in that text alone."""
    from netconduct.selfcheck.engine import Engine

    texts = [f"第{i}条：联系人：王建国，电话139{i:08d}" if i % 3 else f"内部资料{i}" for i in range(1203)]
    lines = []
    for i, text in enumerate(texts):
        lines.append(json.dumps({"id": i, "text": text}, ensure_ascii=False))
        if i % 250 == 7:
            lines.append('{"id": "bad"}')
    source = tmp_path / "in.jsonl"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = [json.loads(line) for line in run("--jsonl", source).splitlines()]
    assert len(out) == len(lines)
    good = [line for line in out if line["id"] != "bad"]
    assert [line["id"] for line in good] == list(range(1203))
    assert sum("error" in line for line in out) == 5
    engine = Engine()
    assert [line["findings"] for line in good] == [[f.as_json() for f in engine.check(t)] for t in texts]
    assert {f["kind"] for f in good[1]["findings"]} == {"mobile", "person"}


def test_a_docx_file_offsets_into_its_extracted_text(tmp_path):
    path = tmp_path / "通知.docx"
    path.write_bytes(docx_bytes(header="机密★1年", body=[[("电话13912345678", False)]]))
    data = json.loads(run(path, "--json", "--redact"))
    assert [f["kind"] for f in data["findings"]] == ["classification_mark", "mobile"]
    assert data["redacted"] == "*****\n电话139****5678\n"


def test_human_output_and_exit_codes(tmp_path, monkeypatch):
    out = run(stdin="联系人：王建国，电话13912345678".encode(), monkeypatch=monkeypatch)
    assert "发现 2 处" in out and "手机号码 139****5678" in out and "第六条第（一）项" in out
    assert "未发现" in run(stdin="今天天气很好".encode(), monkeypatch=monkeypatch)
    with pytest.raises(CommandError) as exc:
        run(tmp_path / "missing.txt")
    assert exc.value.returncode == 2
    bad = tmp_path / "a.pdf"
    bad.write_bytes(b"%PDF-broken")
    with pytest.raises(CommandError, match="不是有效的 PDF") as exc:
        run(bad)
    assert exc.value.returncode == 2
