"""DingTalk (钉钉): sign in inside the app or by QR code at a desk.

Both go through DingTalk's login page https://login.dingtalk.com/oauth2/auth (inside the DingTalk client it signs in
without a QR code; on a desk it shows one). Its callback carries `authCode`, exchanged as DingTalk's documentation
for that page says ("获取登录用户的访问凭证"):
- `POST {OPENAPI}/v1.0/oauth2/userAccessToken` {clientId, clientSecret, code, grantType} → the user's accessToken;
- `GET {OPENAPI}/v1.0/contact/users/me` (header x-acs-dingtalk-access-token) → unionId (and mobile);
- `POST {API}/topapi/user/getbyunionid?access_token=` {"unionid"} → result.userid;
- `POST {API}/topapi/v2/user/get?access_token=` {"userid"} → result.mobile, result.job_number.
A callback that carries only `code` (the 免登授权码 an H5 micro-app page gets from the JSAPI `requestAuthCode`) is
exchanged by `POST {API}/topapi/v2/user/getuserinfo?access_token=` {"code"} → result.userid, then user/get as above.
The app's access token comes from `GET {API}/gettoken?appkey=&appsecret=` (cached, see inapp.Platform.access_token).
{API} is NETCONDUCT_DINGTALK_API_BASE (https://oapi.dingtalk.com), {OPENAPI} NETCONDUCT_DINGTALK_OPENAPI_BASE
(https://api.dingtalk.com).

Matching (`NETCONDUCT_DINGTALK_MATCH`): `mobile` (default) or `employee_no` (DingTalk's job_number, 工号).
Error codes handled: 40078 invalid/used code, 60121 unknown user, 42001/40014/88 token expired or invalid (refresh
once), 90018 (and 90002) rate limited; on the v1.0 API an HTTP 4xx answer (invalid authCode) refuses the sign-in,
and a `code` naming a QPS/flow limit is treated as rate limiting.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from . import inapp, signin


class DingTalk(inapp.Platform):
    key = "dingtalk"
    label = _("钉钉")
    ua_marker = "dingtalk"
    expired_token_codes = frozenset({42001, 40014, 88})
    rate_limit_codes = frozenset({90018, 90002})
    invalid_code_codes = frozenset({40078})
    unknown_user_codes = frozenset({60121})

    def configured(self) -> bool:
        return bool(settings.NETCONDUCT_DINGTALK_APP_KEY and settings.NETCONDUCT_DINGTALK_APP_SECRET)

    def api_base(self) -> str:
        return settings.NETCONDUCT_DINGTALK_API_BASE

    def match_field(self) -> str:
        return settings.NETCONDUCT_DINGTALK_MATCH

    def cache_key(self) -> str:
        return f"nc:dingtalk:token:{settings.NETCONDUCT_DINGTALK_APP_KEY}"

    def authorize_url(self, *, redirect_uri: str, state: str) -> str:
        query = urlencode(
            {
                "redirect_uri": redirect_uri,
                "response_type": "code",
                "client_id": settings.NETCONDUCT_DINGTALK_APP_KEY,
                "scope": "openid corpid",
                "state": state,
                "prompt": "consent",
                **(
                    {"org_type": "management", "corpId": c}
                    if (c := settings.NETCONDUCT_DINGTALK_CORP_ID)
                    else {}
                ),
            }
        )
        return f"{settings.NETCONDUCT_DINGTALK_AUTHORIZE_URL}?{query}"

    qr_url = authorize_url  # the same page shows a QR code on a desk and signs in directly inside the app

    def fetch_token(self) -> tuple[str, int]:
        data = self.request(
            "/gettoken",
            params={
                "appkey": settings.NETCONDUCT_DINGTALK_APP_KEY,
                "appsecret": settings.NETCONDUCT_DINGTALK_APP_SECRET,
            },
        )
        self.raise_for(data)
        return data["access_token"], int(data.get("expires_in") or 7200)

    def code_from(self, request: HttpRequest) -> str:
        authcode = request.GET.get("authCode")
        return f"oauth2:{authcode}" if authcode else request.GET.get("code", "")

    def user_from_code(self, code: str) -> inapp.PlatformUser:
        if code.startswith("oauth2:"):
            userid = self._userid_from_login_page(code.removeprefix("oauth2:"))
        else:
            info = self.call("/topapi/v2/user/getuserinfo", body={"code": code})
            userid = (info.get("result") or {}).get("userid") or ""
        if not userid:
            raise inapp.PlatformError(str(_("您不是本单位钉钉组织的成员，无法登录。")))
        member = self.call("/topapi/v2/user/get", body={"userid": userid, "language": "zh_CN"})
        result = member.get("result") or {}
        return inapp.PlatformUser(
            userid=userid, mobile=result.get("mobile") or "", employee_no=result.get("job_number") or ""
        )

    def _userid_from_login_page(self, authcode: str) -> str:
        base = settings.NETCONDUCT_DINGTALK_OPENAPI_BASE
        grant = self.request(
            "/v1.0/oauth2/userAccessToken",
            params={},
            base=base,
            body={
                "clientId": settings.NETCONDUCT_DINGTALK_APP_KEY,
                "clientSecret": settings.NETCONDUCT_DINGTALK_APP_SECRET,
                "code": authcode,
                "grantType": "authorization_code",
            },
        )
        self._raise_for_openapi(grant)
        me = self.request(
            "/v1.0/contact/users/me",
            params={},
            base=base,
            headers={"x-acs-dingtalk-access-token": grant.get("accessToken", "")},
        )
        self._raise_for_openapi(me)
        if not me.get("unionId"):
            return ""
        found = self.call("/topapi/user/getbyunionid", body={"unionid": me["unionId"]})
        return (found.get("result") or {}).get("userid") or ""

    def _raise_for_openapi(self, data: dict) -> None:
        """DingTalk's v1.0 API answers errors with an HTTP status and {"code", "message"}."""
        status = data.get("http_status")
        if not status:
            return
        code = str(data.get("code") or "")
        inapp.logger.info("dingtalk v1.0 API answered HTTP %s %s", status, code)
        if status == 429 or "qps" in code.lower() or "flow" in code.lower() or "throttl" in code.lower():
            raise inapp.PlatformError(
                str(_("钉钉接口调用过于频繁，请稍等一分钟后再试，或使用账号密码登录。")), code=90018
            )
        raise inapp.PlatformError(str(_("钉钉登录授权已过期或已使用，请重新打开页面再试一次。")), code=40078)


PLATFORM = DingTalk()
inapp.PLATFORMS.append(PLATFORM)
signin.signin_method_register(
    "dingtalk", _("钉钉"), "accounts:login_dingtalk", enabled=PLATFORM.configured, order=31
)
login_dingtalk, login_dingtalk_callback = inapp.view_pair(PLATFORM)
