"""A local stand-in for the WeCom and DingTalk server APIs, on a loopback port, for the sign-in tests.

It implements the documented endpoints the platform modules call, with their documented answers and error codes:
WeCom `/cgi-bin/gettoken`, `/cgi-bin/auth/getuserinfo` (40029 for an unknown or used code), `/cgi-bin/auth/getuserdetail`,
`/cgi-bin/user/get` (60111 for an unknown userid); DingTalk `/gettoken`, `/topapi/v2/user/getuserinfo` (40078),
`/topapi/v2/user/get` (60121), `/topapi/user/getbyunionid` (60121), and DingTalk's v1.0 API for its login page
(`/v1.0/oauth2/userAccessToken`: HTTP 400 for an unknown or used authCode; `/v1.0/contact/users/me`). Any call with a token it did not issue, or one it was told to expire, answers
42001; `rate_limited` makes every call answer 45009 (WeCom) / 90018 (DingTalk). It counts the calls per path.
"""

from __future__ import annotations

import json
import secrets
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


class FakePlatform:
    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.wecom_users: dict[str, dict] = {}  # userid -> {"mobile": ...}
        self.dingtalk_users: dict[str, dict] = {}  # userid -> {"mobile": ..., "job_number": ...}
        self.codes: dict[str, tuple[str, str, bool]] = {}  # code -> (platform, userid, with user_ticket)
        self.tickets: dict[str, str] = {}
        self.tokens: set[str] = set()
        self.user_tokens: dict[str, str] = {}
        self.secrets = {"wecom": "", "dingtalk": ""}
        self.rate_limited = False
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> FakePlatform:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def reset(self) -> None:
        with self.lock:
            self.calls.clear()
            self.wecom_users.clear()
            self.dingtalk_users.clear()
            self.codes.clear()
            self.tickets.clear()
            self.tokens.clear()
            self.user_tokens.clear()
            self.rate_limited = False

    def issue_code(self, platform: str, userid: str, *, with_ticket: bool = False) -> str:
        code = secrets.token_hex(8)
        self.codes[code] = (platform, userid, with_ticket)
        return code

    def expire_tokens(self) -> None:
        """The platform's side of a token expiring early: every token issued so far is refused (42001)."""
        self.tokens.clear()

    # ---------------------------------------------------------------------------------------- the API

    def answer(self, method: str, path: str, query: dict, body: dict, headers) -> dict:
        self.calls[path] += 1
        wecom = path.startswith("/cgi-bin/")
        if path.startswith("/v1.0/"):
            return self._openapi(method, path, body, headers)
        if self.rate_limited:
            return {"errcode": 45009 if wecom else 90018, "errmsg": "api freq out of limit"}
        if path == "/cgi-bin/gettoken":
            if query.get("corpsecret") != self.secrets["wecom"]:
                return {"errcode": 40001, "errmsg": "invalid credential"}
            return self._token()
        if path == "/gettoken":
            if query.get("appsecret") != self.secrets["dingtalk"]:
                return {"errcode": 40089, "errmsg": "不合法的corpid或corpsecret"}
            return self._token()
        if query.get("access_token") not in self.tokens:
            return {"errcode": 42001, "errmsg": "access_token expired"}
        if path == "/cgi-bin/auth/getuserinfo":
            entry = self.codes.pop(query.get("code", ""), None)
            if entry is None or entry[0] != "wecom":
                return {"errcode": 40029, "errmsg": "invalid code"}
            answer = {"errcode": 0, "errmsg": "ok", "userid": entry[1]}
            if entry[2]:
                ticket = secrets.token_hex(8)
                self.tickets[ticket] = entry[1]
                answer["user_ticket"] = ticket
                answer["expires_in"] = 1800
            return answer
        if path == "/cgi-bin/auth/getuserdetail" and method == "POST":
            userid = self.tickets.get(body.get("user_ticket", ""))
            if userid is None:
                return {"errcode": 40129, "errmsg": "invalid user_ticket"}
            return {"errcode": 0, "errmsg": "ok", "userid": userid, **self.wecom_users[userid]}
        if path == "/cgi-bin/user/get":
            user = self.wecom_users.get(query.get("userid", ""))
            if user is None:
                return {"errcode": 60111, "errmsg": "userid not found"}
            # Applications created after 2022-06-20 get no mobile here; the test users say which kind they are.
            return {
                "errcode": 0,
                "errmsg": "ok",
                "userid": query["userid"],
                "name": "某人",
                **user.get("basic", {}),
            }
        if path == "/topapi/v2/user/getuserinfo" and method == "POST":
            entry = self.codes.pop(body.get("code", ""), None)
            if entry is None or entry[0] != "dingtalk":
                return {"errcode": 40078, "errmsg": "不存在的临时授权码"}
            return {"errcode": 0, "errmsg": "ok", "result": {"userid": entry[1], "name": "某人"}}
        if path == "/topapi/user/getbyunionid" and method == "POST":
            userid = body.get("unionid", "").removeprefix("union-")
            if userid not in self.dingtalk_users:
                return {"errcode": 60121, "errmsg": "找不到该用户"}
            return {"errcode": 0, "errmsg": "ok", "result": {"contact_type": 0, "userid": userid}}
        if path == "/topapi/v2/user/get" and method == "POST":
            user = self.dingtalk_users.get(body.get("userid", ""))
            if user is None:
                return {"errcode": 60121, "errmsg": "找不到该用户"}
            return {
                "errcode": 0,
                "errmsg": "ok",
                "result": {"userid": body["userid"], "name": "某人", **user},
            }
        return {"errcode": 404, "errmsg": f"no such endpoint {method} {path}"}

    def _openapi(self, method: str, path: str, body: dict, headers) -> dict:
        """DingTalk's v1.0 API: errors are an HTTP status with {"code", "message"} (returned as "http_status")."""
        if self.rate_limited:
            return {
                "http_status": 403,
                "code": "Forbidden.AccessDenied.QpsLimitForApi",
                "message": "qps limit",
            }
        if path == "/v1.0/oauth2/userAccessToken" and method == "POST":
            entry = self.codes.pop(body.get("code", ""), None)
            if (
                body.get("clientSecret") != self.secrets["dingtalk"]
                or entry is None
                or entry[0] != "dingtalk-login"
            ):
                return {
                    "http_status": 400,
                    "code": "invalidParameter.authCode.notFound",
                    "message": "不合法的临时授权码",
                }
            user_token = f"user-{secrets.token_hex(8)}"
            self.user_tokens[user_token] = entry[1]
            return {"accessToken": user_token, "refreshToken": "r", "expireIn": 7200, "corpId": "dingcorp"}
        if path == "/v1.0/contact/users/me" and method == "GET":
            userid = self.user_tokens.get(headers.get("x-acs-dingtalk-access-token", ""))
            if userid is None:
                return {"http_status": 401, "code": "InvalidAuthentication", "message": "token invalid"}
            return {"nick": "某人", "unionId": f"union-{userid}", "openId": "o", "mobile": "13000000000"}
        return {"http_status": 404, "code": "NotFound", "message": path}

    def _token(self) -> dict:
        token = secrets.token_hex(16)
        self.tokens.add(token)
        return {"errcode": 0, "errmsg": "ok", "access_token": token, "expires_in": 7200}

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self, method: str) -> None:
                parts = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(parts.query).items()}
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}") if length else {}
                with fake.lock:
                    answer = fake.answer(method, parts.path, query, body, self.headers)
                status = answer.pop(
                    "http_status", 200
                )  # the errcode APIs answer errors as 200 with an errcode
                data = json.dumps(answer, ensure_ascii=False).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):  # noqa: N802
                self._serve("GET")

            def do_POST(self):  # noqa: N802
                self._serve("POST")

            def log_message(self, *args):  # quiet
                pass

        return Handler
