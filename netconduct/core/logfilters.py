"""A logging filter that keeps the reporting pages out of every log.

A request log line holds a time and a path; with the network's own records (which address connected when) a line for
the reporting pages is enough to tell who filed a report. So no line about those pages is written at all — not the
embedded server's request log (`django.server`), not Django's warnings and errors (`django.request`, e.g. "Bad
Request: /reports/follow/"), and not gunicorn's access log (`netconduct/core/gunicorn_conf.py`). Errors on those pages are
dropped too: a server error at the time of a filing is a line that could be matched with it.

The paths are the setting `NETCONDUCT_UNLOGGED_PATHS` (by default the reporting pages, `/reports/`); a record is
dropped when its message, its arguments or its request's path contain one of them (whatever mount point is in front).
"""

from __future__ import annotations

import logging

DEFAULT_PATHS = ("/reports/",)


def _paths() -> tuple[str, ...]:
    try:
        from django.conf import settings

        return tuple(getattr(settings, "NETCONDUCT_UNLOGGED_PATHS", DEFAULT_PATHS))
    except Exception:  # settings not configured (a bare gunicorn master): the defaults hold
        return DEFAULT_PATHS


class DropUnloggedPaths(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        paths = _paths()
        texts: list[str] = []
        request = getattr(record, "request", None)
        for attr in ("path", "path_info", "requestline", "path_and_query"):
            value = getattr(request, attr, None)
            if isinstance(value, str):
                texts.append(value)
        try:
            texts.append(record.getMessage())
        except Exception:  # a record whose arguments do not format: judge by its parts
            texts.append(str(record.msg))
        args = record.args if isinstance(record.args, tuple) else (record.args,)
        for arg in args:
            if isinstance(arg, dict):
                texts.extend(str(v) for v in arg.values())
            else:
                texts.append(str(arg))
        return not any(path in text for text in texts for path in paths)


def install(*logger_names: str) -> None:
    """Put the filter on loggers configured outside Django's LOGGING (gunicorn's)."""
    for name in logger_names:
        logger = logging.getLogger(name)
        if not any(isinstance(f, DropUnloggedPaths) for f in logger.filters):
            logger.addFilter(DropUnloggedPaths())
