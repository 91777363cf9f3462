"""A real receiver for tests: an HTTP server on 127.0.0.1 that checks each message's signature and timestamp on its
own (hmac.compare_digest with the secret it was given), as a subscriber's system would, and fails on demand."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

TOLERANCE_SECONDS = 300


def verify(secret: str, headers, body: bytes, *, now: float | None = None) -> bool:
    """What a subscriber does, written without the app's code: timestamp fresh, signature equal."""
    timestamp = headers.get("X-Netconduct-Timestamp", "")
    signature = headers.get("X-Netconduct-Signature", "")
    if not timestamp.isdigit() or abs((now or time.time()) - int(timestamp)) > TOLERANCE_SECONDS:
        return False
    expected = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(signature, "sha256=" + expected)


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    verified: bool

    @property
    def message(self) -> dict:
        return json.loads(self.body)


@dataclass
class Receiver:
    base: str
    secret: str = ""  # the subscription's secret, set by the test once it is made
    answers: list[int] = field(default_factory=list)  # status codes for the next requests, then 200
    received: list[Received] = field(default_factory=list)

    def url(self, path: str = "/hooks/netconduct") -> str:
        return self.base + path

    @property
    def accepted(self) -> list[Received]:
        return [r for r in self.received if r.verified]


def _handler(receiver: Receiver):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            ok = verify(receiver.secret, self.headers, body)
            receiver.received.append(Received(self.path, dict(self.headers.items()), body, ok))
            status = receiver.answers.pop(0) if receiver.answers else (200 if ok else 401)
            data = b'{"ok": true}' if status < 300 else b'{"error": "boom"}'
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    return Handler


@pytest.fixture
def receiver(settings):
    settings.NETCONDUCT_WEBHOOK_ALLOW_LOCAL = True
    server = ThreadingHTTPServer(("127.0.0.1", 0), None)
    instance = Receiver(base=f"http://127.0.0.1:{server.server_address[1]}")
    server.RequestHandlerClass = _handler(instance)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield instance
    server.shutdown()
    server.server_close()
