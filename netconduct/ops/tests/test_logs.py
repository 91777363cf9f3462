"""JSON log lines: one object a line, the request id, and no ID number, mobile, e-mail or report text."""

from __future__ import annotations

import io
import json
import logging
import os
import secrets
import subprocess
import sys
import textwrap

import pytest

from netconduct.core.logfilters import DropUnloggedPaths
from netconduct.ops.logs import DropPrivateLoggers, JsonFormatter, RequestIdFilter, redact, request_id_var

ID_NUMBER = "11010519491231002X"
MOBILE = "13912345678"
REPORT_TEXT = "王某在工作群里转发了未经核实的事故视频"


@pytest.fixture
def json_log():
    """A logger wired like production's handler; yields (logger factory, lines read so far)."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    for f in (DropUnloggedPaths(), DropPrivateLoggers(), RequestIdFilter()):
        handler.addFilter(f)
    loggers: list[logging.Logger] = []

    def get(name: str) -> logging.Logger:
        logger = logging.getLogger(name)
        logger.addHandler(handler)
        logger.propagate = False
        logger.setLevel(logging.INFO)
        loggers.append(logger)
        return logger

    def lines() -> list[dict]:
        return [json.loads(line) for line in stream.getvalue().splitlines()]

    yield get, lines, stream
    for logger in loggers:
        logger.removeHandler(handler)
        logger.propagate = True


def test_each_record_is_one_json_object_with_the_request_id(json_log):
    get, lines, _stream = json_log
    token = request_id_var.set("3f2a9c0d1e2b4a5f8899aabbccddeeff")
    try:
        get("netconduct.pledges").warning("sealing took %d ms\nsecond line", 1200)
    finally:
        request_id_var.reset(token)
    (entry,) = lines()
    assert entry["level"] == "WARNING" and entry["logger"] == "netconduct.pledges"
    assert entry["message"] == "sealing took 1200 ms\nsecond line"
    assert entry["request_id"] == "3f2a9c0d1e2b4a5f8899aabbccddeeff"


def test_id_numbers_mobiles_and_addresses_are_replaced(json_log):
    get, _lines, stream = json_log
    get("netconduct.org").warning(
        "row 12: %s / %s / +86 139-1234-5678 / zhang.san@example.cn", ID_NUMBER, MOBILE
    )
    out = stream.getvalue()
    assert ID_NUMBER not in out and MOBILE not in out and "1234-5678" not in out and "zhang.san" not in out
    assert "[身份证号]" in out and "[手机号]" in out and "[邮箱]" in out
    assert redact("order 2026120500001 of 20 items") == "order 2026120500001 of 20 items"  # 13 digits stay


def test_an_exception_keeps_its_class_and_stack_but_not_its_message(json_log):
    get, lines, stream = json_log
    try:
        raise ValueError(f"无法保存：{REPORT_TEXT}，身份证 {ID_NUMBER}")
    except ValueError:
        get("django.request").exception("Internal Server Error: %s", "/pledges/sign/12/")
    out = stream.getvalue()
    assert REPORT_TEXT not in out and ID_NUMBER not in out
    (entry,) = lines()
    assert entry["exception"] == "ValueError"
    assert any("test_logs.py" in frame for frame in entry["stack"])


def test_report_text_is_never_emitted(json_log):
    get, lines, stream = json_log
    get("netconduct.reports").error("filing failed: %s", REPORT_TEXT)
    get("netconduct.reports.views").warning("report %s", REPORT_TEXT)
    get("django.request").warning("Bad Request: %s", "/reports/follow/")
    assert stream.getvalue() == ""


@pytest.mark.once
def test_production_writes_json_lines_with_the_request_id_of_the_response(tmp_path):
    """The production settings end to end: a request through the full middleware stack, its log line on stderr."""
    script = textwrap.dedent(
        f"""
        import logging, django
        django.setup()
        from django.test import Client
        response = Client().get("/no-such-page/{MOBILE}/", HTTP_HOST="netconduct.example.cn", secure=True)
        print("ID=" + response["X-Request-ID"])
        logging.getLogger("netconduct.reports").error("{REPORT_TEXT}")
        logging.getLogger("netconduct.org").warning("bad row: {ID_NUMBER}")
        """
    )
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "SECRET_KEY"}}
    env.update(
        DJANGO_SETTINGS_MODULE="netconduct.settings.production",
        SECRET_KEY=secrets.token_urlsafe(60),
        FIELD_ENCRYPTION_KEYS=f"k1:{secrets.token_hex(32)}",
        ID_HASH_KEY=secrets.token_hex(32),
        DATABASE_URL=f"sqlite:///{tmp_path}/db.sqlite3",
        ALLOWED_HOSTS="netconduct.example.cn",
        NETCONDUCT_DATA_DIR=str(tmp_path),
    )
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    request_id = done.stdout.split("ID=")[1].strip()
    entries = [json.loads(line) for line in done.stderr.splitlines()]  # every line is JSON
    not_found = [e for e in entries if e["logger"] == "django.request"]
    assert not_found and not_found[0]["request_id"] == request_id and not_found[0]["status_code"] == 404
    assert MOBILE not in done.stderr and ID_NUMBER not in done.stderr and REPORT_TEXT not in done.stderr
    assert any(e["message"] == "bad row: [身份证号]" for e in entries)
