"""gunicorn settings for production: `gunicorn -c python:netconduct.core.gunicorn_conf netconduct.wsgi:application`.

gunicorn writes no access log unless asked (`--access-logfile`); when it does, or for its error log, the reporting
pages are kept out of it by the same filter as Django's loggers (`core.logfilters`): no line for /reports/… that
could be matched with a filing time.
"""

from __future__ import annotations

from .logfilters import install

LOGGERS = ("gunicorn.access", "gunicorn.error")


def on_starting(server) -> None:
    install(*LOGGERS)


def post_worker_init(worker) -> None:
    install(*LOGGERS)  # each worker process sets its loggers up again
