"""No log links a reporter to a report: the embedded server's request log, Django's request warnings and gunicorn's
access log carry no line for the reporting pages, while other pages are logged as before."""

from __future__ import annotations

import datetime as dt
import logging
import threading
import urllib.request

import pytest
from django.core.servers.basehttp import WSGIRequestHandler, WSGIServer
from django.test import Client
from django.urls import reverse

from netconduct.core import gunicorn_conf


class Collect(logging.Handler):
    def __init__(self):
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record):
        self.lines.append(self.format(record))


def _app(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"ok"]


def test_the_embedded_servers_request_log_has_no_line_for_reporting_pages():
    """The same server class and request handler as `netconduct quickstart` (Django's basehttp), on a real socket."""
    collect = Collect()
    logger = logging.getLogger("django.server")
    logger.addHandler(collect)
    server = WSGIServer(("127.0.0.1", 0), WSGIRequestHandler)
    server.set_app(_app)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        port = server.server_address[1]
        for path in ("/reports/new/", "/reports/follow/?x=1", "/documents/", "/m/reports/follow/"):
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}") as response:  # noqa: S310
                assert response.read() == b"ok"
    finally:
        server.shutdown()
        server.server_close()
        logger.removeHandler(collect)
    assert any("/documents/" in line for line in collect.lines), collect.lines  # the log itself still works
    assert not [line for line in collect.lines if "/reports/" in line]


@pytest.mark.django_db
def test_django_request_warnings_leave_out_reporting_pages(caplog):
    caplog.set_level(logging.DEBUG)
    bad = Client().post(reverse("reports:follow"), {"code": "1", "passphrase": "x"})
    assert bad.status_code == 400
    Client().get("/no-such-page/")
    messages = [r.getMessage() for r in caplog.records]
    assert any("/no-such-page/" in m for m in messages)  # other pages' warnings are still logged
    assert not [m for m in messages if "/reports/" in m]
    assert not [
        r for r in caplog.records if "/reports/" in str(getattr(getattr(r, "request", None), "path", ""))
    ]


def test_gunicorns_access_log_has_no_line_for_reporting_pages(tmp_path):
    from gunicorn.config import Config
    from gunicorn.glogging import Logger

    log_file = tmp_path / "access.log"
    cfg = Config()
    cfg.set("accesslog", str(log_file))
    glog = Logger(cfg)
    gunicorn_conf.on_starting(None)

    class Response:
        status = "200 OK"
        status_code = 200
        sent = 2
        headers = ()

    class Request:
        headers = ()

    for path in ("/reports/new/", "/documents/"):
        environ = {
            "REQUEST_METHOD": "GET",
            "RAW_URI": path,
            "PATH_INFO": path,
            "QUERY_STRING": "",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "192.0.2.1",
        }
        glog.access(Response(), Request(), environ, dt.timedelta(seconds=0.01))
    for handler in logging.getLogger("gunicorn.access").handlers:
        handler.flush()
    text = log_file.read_text()
    assert "/documents/" in text
    assert "/reports/" not in text
