"""gunicorn settings of the deploy/ units: `gunicorn -c python:netconduct.ops.gunicorn_conf netconduct.wsgi`.

The reporting pages' filter on gunicorn's own loggers (core/gunicorn_conf.py), and Prometheus' multiprocess mode:
each worker process writes its counts under PROMETHEUS_MULTIPROC_DIR, emptied at start, and a worker that ends
has its live gauges removed.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from netconduct.core.gunicorn_conf import post_worker_init  # noqa: F401 (gunicorn reads it from here)
from netconduct.core.logfilters import install

LOGGERS = ("gunicorn.access", "gunicorn.error")


def on_starting(server) -> None:
    install(*LOGGERS)
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if folder:
        shutil.rmtree(folder, ignore_errors=True)  # counts of a previous run would be added to this one's
        Path(folder).mkdir(parents=True, exist_ok=True)


def child_exit(server, worker) -> None:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
