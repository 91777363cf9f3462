"""A fake group-robot server for tests: WeCom, DingTalk and Feishu endpoints on 127.0.0.1 that check signatures as
the real ones do and fail on demand. Use the `robot` fixture (import it into the test module)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


@dataclass
class Robot:
    """A group-robot server on 127.0.0.1 that checks signatures like the real ones and fails on demand."""

    base: str
    secrets: dict[str, str] = field(default_factory=dict)  # provider -> secret it expects
    fail_next: int = 0  # answer the next n requests with HTTP 500
    always_fail: bool = False
    redirect: bool = False  # answer with a redirect elsewhere
    received: list[dict] = field(default_factory=list)  # accepted messages: provider, path, query, body

    def url(self, provider: str) -> str:
        return {
            "wecom": f"{self.base}/wecom/cgi-bin/webhook/send?key=k-123",
            "dingtalk": f"{self.base}/dingtalk/robot/send?access_token=t-456",
            "feishu": f"{self.base}/feishu/open-apis/bot/v2/hook/h-789",
        }[provider]


def _handler(robot: Robot):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):  # keep test output quiet
            pass

        def _answer(self, status: int, payload: dict) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self):
            length = int(self.headers.get("Content-Length", "0"))
            body = json.loads(self.rfile.read(length).decode("utf-8"))
            parts = urllib.parse.urlsplit(self.path)
            query = urllib.parse.parse_qs(parts.query)
            provider = parts.path.split("/")[1]
            if robot.redirect:
                self.send_response(302)
                self.send_header("Location", "http://127.0.0.1:9/elsewhere")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return None
            if robot.always_fail or robot.fail_next > 0:
                robot.fail_next = max(0, robot.fail_next - 1)
                return self._answer(500, {"error": "boom"})
            secret = robot.secrets.get(provider)
            if provider == "wecom":
                ok = body.get("msgtype") == "markdown" and body["markdown"]["content"]
                return self._accept(provider, parts, query, body, ok, {"errcode": 40008, "errmsg": "bad"})
            if provider == "dingtalk":
                ok = body.get("msgtype") == "text" and body["text"]["content"]
                if secret:
                    ts = query.get("timestamp", [""])[0]
                    expected = base64.b64encode(
                        hmac.new(secret.encode(), f"{ts}\n{secret}".encode(), hashlib.sha256).digest()
                    ).decode()
                    ok = ok and query.get("sign", [""])[0] == expected
                return self._accept(
                    provider, parts, query, body, ok, {"errcode": 310000, "errmsg": "sign not match"}
                )
            if provider == "feishu":
                ok = body.get("msg_type") == "text" and body["content"]["text"]
                if secret:
                    ts = body.get("timestamp", "")
                    key = f"{ts}\n{secret}".encode()
                    expected = base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()
                    ok = ok and body.get("sign") == expected
                return self._accept(
                    provider, parts, query, body, ok, {"code": 19021, "msg": "sign match fail"}
                )
            return self._answer(404, {})

        def _accept(self, provider, parts, query, body, ok, refusal):
            if not ok:
                return self._answer(200, refusal)
            robot.received.append({"provider": provider, "path": parts.path, "query": query, "body": body})
            return self._answer(200, {"errcode": 0, "errmsg": "ok"} if provider != "feishu" else {"code": 0})

    return Handler


@pytest.fixture
def robot(settings):
    settings.NETCONDUCT_WEBHOOK_ALLOW_LOCAL = True
    settings.NETCONDUCT_WEBHOOK_TIMEOUT = 3
    server = ThreadingHTTPServer(("127.0.0.1", 0), None)
    state = Robot(base=f"http://127.0.0.1:{server.server_address[1]}")
    server.RequestHandlerClass = _handler(state)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()
