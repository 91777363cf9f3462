"""WeCom (企业微信): sign in inside the app (OAuth, `snsapi_base` or `snsapi_privateinfo`) or by QR code at a desk.

Documented endpoints used (base `NETCONDUCT_WECOM_API_BASE`, https://qyapi.weixin.qq.com by default):
- `GET /cgi-bin/gettoken?corpid=&corpsecret=` → access_token, expires_in (cached, see inapp.Platform.access_token);
- `GET /cgi-bin/auth/getuserinfo?access_token=&code=` → userid (and user_ticket with scope snsapi_privateinfo);
  the same exchange serves the in-app OAuth code and the QR login code;
- `POST /cgi-bin/auth/getuserdetail?access_token=` {"user_ticket"} → mobile (the sensitive-information path that
  applications created after 2022-06-20 must use; needs scope snsapi_privateinfo and the member's consent);
- `GET /cgi-bin/user/get?access_token=&userid=` → mobile for older applications (newer ones get no mobile here).

Matching (`NETCONDUCT_WECOM_MATCH`): `mobile` (default) — the mobile from getuserdetail, else from user/get;
`employee_no` — the WeCom userid is the employee number (工号), as many organisations set it up.
Error codes handled: 40029 invalid code, 60111 unknown userid, 42001/40014/40001 token expired or invalid (refresh
once), 45009/45033 rate limited.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from . import inapp, signin


class WeCom(inapp.Platform):
    key = "wecom"
    label = _("企业微信")
    ua_marker = "wxwork"
    expired_token_codes = frozenset({42001, 40014, 40001})
    rate_limit_codes = frozenset({45009, 45033})
    invalid_code_codes = frozenset({40029})
    unknown_user_codes = frozenset({60111, 46004})

    def configured(self) -> bool:
        return bool(
            settings.NETCONDUCT_WECOM_CORP_ID
            and settings.NETCONDUCT_WECOM_AGENT_ID
            and settings.NETCONDUCT_WECOM_SECRET
        )

    def api_base(self) -> str:
        return settings.NETCONDUCT_WECOM_API_BASE

    def match_field(self) -> str:
        return settings.NETCONDUCT_WECOM_MATCH

    def cache_key(self) -> str:
        return f"nc:wecom:token:{settings.NETCONDUCT_WECOM_CORP_ID}:{settings.NETCONDUCT_WECOM_AGENT_ID}"

    def authorize_url(self, *, redirect_uri: str, state: str) -> str:
        query = urlencode(
            {
                "appid": settings.NETCONDUCT_WECOM_CORP_ID,
                "redirect_uri": redirect_uri,
                "response_type": "code",
                "scope": settings.NETCONDUCT_WECOM_SCOPE,
                "state": state,
                "agentid": settings.NETCONDUCT_WECOM_AGENT_ID,
            }
        )
        return f"{settings.NETCONDUCT_WECOM_AUTHORIZE_URL}?{query}#wechat_redirect"

    def qr_url(self, *, redirect_uri: str, state: str) -> str:
        query = urlencode(
            {
                "login_type": "CorpApp",
                "appid": settings.NETCONDUCT_WECOM_CORP_ID,
                "agentid": settings.NETCONDUCT_WECOM_AGENT_ID,
                "redirect_uri": redirect_uri,
                "state": state,
            }
        )
        return f"{settings.NETCONDUCT_WECOM_QR_URL}?{query}"

    def fetch_token(self) -> tuple[str, int]:
        data = self.request(
            "/cgi-bin/gettoken",
            params={
                "corpid": settings.NETCONDUCT_WECOM_CORP_ID,
                "corpsecret": settings.NETCONDUCT_WECOM_SECRET,
            },
        )
        self.raise_for(data)
        return data["access_token"], int(data.get("expires_in") or 7200)

    def user_from_code(self, code: str) -> inapp.PlatformUser:
        info = self.call("/cgi-bin/auth/getuserinfo", params={"code": code})
        userid = info.get("userid") or info.get("UserId") or ""
        if not userid:  # an openid: someone from outside the organisation
            raise inapp.PlatformError(str(_("您不是本单位企业微信的成员，无法登录。")))
        if self.match_field() == "employee_no":
            return inapp.PlatformUser(userid=userid, employee_no=userid)
        mobile = ""
        if info.get("user_ticket"):
            detail = self.call("/cgi-bin/auth/getuserdetail", body={"user_ticket": info["user_ticket"]})
            mobile = detail.get("mobile") or ""
        if not mobile:
            member = self.call("/cgi-bin/user/get", params={"userid": userid})
            mobile = member.get("mobile") or ""
        return inapp.PlatformUser(userid=userid, mobile=mobile)


PLATFORM = WeCom()
inapp.PLATFORMS.append(PLATFORM)
signin.signin_method_register(
    "wecom", _("企业微信"), "accounts:login_wecom", enabled=PLATFORM.configured, order=30
)
login_wecom, login_wecom_callback = inapp.view_pair(PLATFORM)
