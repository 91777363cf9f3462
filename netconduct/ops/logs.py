"""Log records as one JSON object a line, each with the request id, and without personal data.

Production sends every log line through `JsonFormatter` (settings/production.py). What a line may hold is decided
here, not by whoever wrote the log call:

- the message, with ID numbers, mobile numbers and e-mail addresses replaced by `[身份证号]`, `[手机号]`, `[邮箱]`;
- of an exception, its class and the stack's file:line:function, never its message: an exception's message is
  where a report's text, a roster cell or a form value ends up (`ValidationError("… 张三 …")`);
- records about the reporting pages are dropped before they get here (core/logfilters.py `DropUnloggedPaths`),
  and records of the reports app's own loggers are dropped too: a report's contents are never logged.

The request id comes from `RequestIdMiddleware` (ops/middleware.py): the `X-Request-ID` of the proxy in front
(nginx's `$request_id`) when it is a plain token, else a fresh one; the response echoes it, so a person's
complaint ("error 500, code 3f2a…") finds its log lines.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import json
import logging
import re
import traceback

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("netconduct_request_id", default="")

# An 18-character resident ID number (17 digits and a digit or X), a 15-digit old one, a mainland mobile number
# (with or without +86 and separators), an e-mail address. Not part of a longer run of digits.
_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])(?:\d{17}[\dXx]|\d{15})(?![0-9A-Za-z])")
_MOBILE = re.compile(r"(?<!\d)(?:\+?86[ -]?)?1[3-9]\d(?:[ -]?\d{4}){2}(?!\d)")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
DROPPED_LOGGERS = ("netconduct.reports",)
MAX_MESSAGE = 2000


def redact(text: str) -> str:
    text = _ID_NUMBER.sub("[身份证号]", text)
    text = _MOBILE.sub("[手机号]", text)
    return _EMAIL.sub("[邮箱]", text)


class RequestIdFilter(logging.Filter):
    """Puts the current request's id on every record (empty outside a request: the worker, commands)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", ""):
            # Django logs a 4xx/5xx after the middleware has returned: the request itself still carries the id.
            request = getattr(record, "request", None)
            record.request_id = getattr(request, "request_id", "") or request_id_var.get()
        return True


class DropPrivateLoggers(logging.Filter):
    """No record of the reports app's loggers: what they would say is about a report."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not any(record.name == n or record.name.startswith(n + ".") for n in DROPPED_LOGGERS)


def _stack(exc_info) -> list[str]:
    _type, _value, tb = exc_info
    return [f"{frame.filename}:{frame.lineno}:{frame.name}" for frame in traceback.extract_tb(tb)][-20:]


class JsonFormatter(logging.Formatter):
    """`{"time", "level", "logger", "message", "request_id", …}` on one line; see the module's docstring."""

    # Extra attributes Django and gunicorn put on records that are safe to keep (numbers and names, no paths).
    SAFE_EXTRAS = ("status_code", "route", "method", "duration_ms", "task", "worker")

    def format(self, record: logging.LogRecord) -> str:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a record whose arguments do not format still gets a line
            message = str(record.msg)
        entry: dict[str, object] = {
            "time": dt.datetime.fromtimestamp(record.created, tz=dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": redact(message)[:MAX_MESSAGE],
            "request_id": getattr(record, "request_id", "")
            or getattr(getattr(record, "request", None), "request_id", "")
            or request_id_var.get(),
        }
        request = getattr(record, "request", None)
        match = getattr(request, "resolver_match", None)
        if match is not None:
            entry["route"] = match.view_name
        for name in self.SAFE_EXTRAS:
            value = getattr(record, name, None)
            if isinstance(value, int | float | str) and name not in entry:
                entry[name] = value if not isinstance(value, str) else redact(value)[:200]
        if record.exc_info and record.exc_info[0] is not None:
            entry["exception"] = record.exc_info[0].__qualname__
            entry["stack"] = _stack(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)
