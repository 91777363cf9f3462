"""DingTalk (钉钉): sign in inside the app or by QR code at a desk.

Documented endpoints used (base `NETCONDUCT_DINGTALK_API_BASE`, https://oapi.dingtalk.com by default):
- `GET /gettoken?appkey=&appsecret=` → access_token, expires_in (cached, see inapp.Platform.access_token);
- `POST /topapi/v2/user/getuserinfo?access_token=` {"code"} → result.userid;
- `POST /topapi/v2/user/get?access_token=` {"userid"} → result.mobile, result.job_number.
Both the in-app page and the desk's QR code go through https://login.dingtalk.com/oauth2/auth; the callback
carries `authCode` (or `code`), exchanged as above.

Matching (`NETCONDUCT_DINGTALK_MATCH`): `mobile` (default) or `employee_no` (DingTalk's job_number, 工号).
Error codes handled: 40078 invalid/used code, 60121 unknown user, 42001/40014/88 token expired or invalid (refresh
once), 90018 (and 90002) rate limited.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from . import inapp, signin


class DingTalk(inapp.Platform):
    key = "dingtalk"
    label = "钉钉"
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

    def code_from(self, request: HttpRequest) -> str:
        return request.GET.get("authCode") or request.GET.get("code") or ""

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

    def user_from_code(self, code: str) -> inapp.PlatformUser:
        info = self.call("/topapi/v2/user/getuserinfo", body={"code": code})
        userid = (info.get("result") or {}).get("userid") or ""
        if not userid:
            raise inapp.PlatformError(str(_("您不是本单位钉钉组织的成员，无法登录。")))
        member = self.call("/topapi/v2/user/get", body={"userid": userid, "language": "zh_CN"})
        result = member.get("result") or {}
        return inapp.PlatformUser(
            userid=userid, mobile=result.get("mobile") or "", employee_no=result.get("job_number") or ""
        )


PLATFORM = DingTalk()
inapp.PLATFORMS.append(PLATFORM)
signin.signin_method_register(
    "dingtalk", _("钉钉"), "accounts:login_dingtalk", enabled=PLATFORM.configured, order=31
)
login_dingtalk, login_dingtalk_callback = inapp.view_pair(PLATFORM)
