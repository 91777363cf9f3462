"""Signing in through WeCom (企业微信) and DingTalk (钉钉), against a local fake of their server APIs."""

import time
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from netconduct import testing
from netconduct.accounts import inapp, signin
from netconduct.core.models import AuditEvent
from netconduct.org.choices import PersonStatus, Role
from netconduct.org.models import Person

from .fake_platform import FakePlatform

pytestmark = pytest.mark.django_db
WXWORK_UA = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 "
    "wxwork/4.1.16 MicroMessenger/7.0.1 Language/zh ColorScheme/Light"
)
DINGTALK_UA = "Mozilla/5.0 (Linux; Android 13) AppleWebKit/537.36 Chrome/110 Mobile Safari/537.36 AliApp(DingTalk/7.5.0)"
DESK_UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120 Safari/537.36"
CORP_SECRET = "corp-secret-do-not-log-7f3a"
APP_SECRET = "ding-secret-do-not-log-19c2"


@pytest.fixture(scope="module")
def fake():
    server = FakePlatform().start()
    server.secrets = {"wecom": CORP_SECRET, "dingtalk": APP_SECRET}
    yield server
    server.stop()


@pytest.fixture
def platforms(fake, settings, accounts):
    fake.reset()
    cache.clear()
    settings.NETCONDUCT_WECOM_CORP_ID = "ww0123456789"
    settings.NETCONDUCT_WECOM_AGENT_ID = "1000002"
    settings.NETCONDUCT_WECOM_SECRET = CORP_SECRET
    settings.NETCONDUCT_WECOM_API_BASE = fake.base
    settings.NETCONDUCT_WECOM_MATCH = "mobile"
    settings.NETCONDUCT_DINGTALK_APP_KEY = "dingkey01"
    settings.NETCONDUCT_DINGTALK_APP_SECRET = APP_SECRET
    settings.NETCONDUCT_DINGTALK_API_BASE = fake.base
    settings.NETCONDUCT_DINGTALK_OPENAPI_BASE = fake.base
    settings.NETCONDUCT_DINGTALK_MATCH = "mobile"
    # The member of the conftest: 王职工, employee number A1001, mobile 13912345678.
    fake.wecom_users["wangzg"] = {"mobile": "13912345678", "basic": {"mobile": "13912345678"}}
    fake.dingtalk_users["0123"] = {"mobile": "+86-13912345678", "job_number": "A1001"}
    yield fake
    cache.clear()


def _start(client, platform, next_url, ua):
    """Open a page inside the app (or the method's start on a desk); answer the platform address and its state."""
    response = client.get(next_url, HTTP_USER_AGENT=ua)
    assert response.status_code == 302
    location = response["Location"]
    if location.startswith(f"/accounts/login/{platform}/"):
        response = client.get(location, HTTP_USER_AGENT=ua)
        assert response.status_code == 302
        location = response["Location"]
    query = parse_qs(urlsplit(location).query)
    return location, query["state"][0]


def _callback(client, platform, code, state, ua=WXWORK_UA, param=None):
    param = param or (
        "authCode" if platform == "dingtalk" else "code"
    )  # DingTalk's login page sends authCode
    return client.get(
        reverse(f"accounts:login_{platform}_callback"), {param: code, "state": state}, HTTP_USER_AGENT=ua
    )


def _signed_in_user(client):
    return client.session.get("_auth_user_id")


def test_a_page_opened_inside_wecom_goes_to_the_authorize_url_with_the_page_as_next(platforms):
    client = Client()
    location, state = _start(client, "wecom", "/campaigns/?page=2", WXWORK_UA)
    parts = urlsplit(location)
    assert (
        f"{parts.scheme}://{parts.netloc}{parts.path}"
        == "https://open.weixin.qq.com/connect/oauth2/authorize"
    )
    query = parse_qs(parts.query)
    assert query["appid"] == ["ww0123456789"]
    assert query["scope"] == ["snsapi_base"]
    assert query["agentid"] == ["1000002"]
    assert query["redirect_uri"] == ["http://testserver/accounts/login/wecom/callback/"]
    assert location.endswith("#wechat_redirect")
    assert CORP_SECRET not in location
    assert client.session["nc_platform_states"][state]["next"] == "/campaigns/?page=2"


def test_a_desk_browser_and_plain_wechat_are_not_redirected(platforms):
    for ua in (DESK_UA, "Mozilla/5.0 (iPhone) MicroMessenger/8.0.40 NetType/WIFI"):
        response = Client().get("/campaigns/", HTTP_USER_AGENT=ua)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/?")


def test_nothing_happens_inside_wecom_while_it_is_not_configured(platforms, settings):
    settings.NETCONDUCT_WECOM_SECRET = ""
    response = Client().get("/campaigns/", HTTP_USER_AGENT=WXWORK_UA)
    assert response["Location"].startswith("/accounts/login/?")
    assert Client().get(reverse("accounts:login_wecom")).status_code == 404
    html = Client().get(reverse("accounts:login")).content.decode()
    assert 'data-signin-method="wecom"' not in html
    assert 'data-signin-method="dingtalk"' in html


def test_wecom_in_app_sign_in_lands_on_the_page_and_is_audited(platforms, accounts):
    client = Client()
    _, state = _start(client, "wecom", "/campaigns/?page=2", WXWORK_UA)
    response = _callback(client, "wecom", platforms.issue_code("wecom", "wangzg"), state)
    assert response.status_code == 302
    assert response["Location"] == "/campaigns/?page=2"
    assert _signed_in_user(client) == str(accounts.member.pk)
    assert client.session[signin.SESSION_KEY] == "wecom"
    event = AuditEvent.objects.get(action="account.login")
    assert event.actor_id == accounts.member.pk
    assert event.after == {"method": "wecom", "method_label": "企业微信"}
    assert (
        client.get("/campaigns/", HTTP_USER_AGENT=WXWORK_UA).status_code == 200
    )  # signed in: no more detour
    assert platforms.calls["/cgi-bin/gettoken"] == 1


def test_wecom_mobile_through_the_sensitive_information_path(platforms, accounts, settings):
    # Newer applications: user/get gives no mobile; scope snsapi_privateinfo gives a user_ticket for getuserdetail.
    settings.NETCONDUCT_WECOM_SCOPE = "snsapi_privateinfo"
    platforms.wecom_users["wangzg"] = {"mobile": "13912345678", "basic": {}}
    client = Client()
    location, state = _start(client, "wecom", "/", WXWORK_UA)
    assert parse_qs(urlsplit(location).query)["scope"] == ["snsapi_privateinfo"]
    response = _callback(client, "wecom", platforms.issue_code("wecom", "wangzg", with_ticket=True), state)
    assert response.status_code == 302
    assert _signed_in_user(client) == str(accounts.member.pk)
    assert platforms.calls["/cgi-bin/auth/getuserdetail"] == 1
    assert platforms.calls["/cgi-bin/user/get"] == 0


def test_wecom_userid_as_employee_number(platforms, accounts, settings):
    settings.NETCONDUCT_WECOM_MATCH = "employee_no"
    client = Client()
    _, state = _start(client, "wecom", "/", WXWORK_UA)
    assert _callback(client, "wecom", platforms.issue_code("wecom", "A1001"), state).status_code == 302
    assert _signed_in_user(client) == str(accounts.member.pk)
    assert platforms.calls["/cgi-bin/user/get"] == 0


def test_an_expired_or_used_code_is_refused_with_a_message(platforms):
    client = Client()
    _, state = _start(client, "wecom", "/", WXWORK_UA)
    response = _callback(client, "wecom", "stale-code", state)
    assert response.status_code == 403
    assert "企业微信登录授权已过期或已使用，请重新打开页面再试一次。" in response.content.decode()
    assert _signed_in_user(client) is None
    assert not AuditEvent.objects.filter(action="account.login").exists()


def test_a_userid_unknown_to_wecom_is_refused(platforms):
    client = Client()
    _, state = _start(client, "wecom", "/", WXWORK_UA)
    response = _callback(client, "wecom", platforms.issue_code("wecom", "ghost"), state)
    assert response.status_code == 403
    assert "企业微信中没有找到您的成员信息" in response.content.decode()
    assert _signed_in_user(client) is None


def test_a_member_with_no_person_in_the_roster_is_refused_even_with_the_same_name(platforms):
    platforms.wecom_users["stranger"] = {"basic": {"mobile": "13800001111", "name": "王职工"}}
    client = Client()
    _, state = _start(client, "wecom", "/", WXWORK_UA)
    response = _callback(client, "wecom", platforms.issue_code("wecom", "stranger"), state)
    assert response.status_code == 403
    assert "本平台的人员名册中没有手机号 138****1111的人员，无法登录" in response.content.decode()
    assert _signed_in_user(client) is None
    assert not AuditEvent.objects.filter(action="account.login").exists()


def test_an_expired_token_is_refreshed_once_and_the_sign_in_succeeds(platforms, accounts):
    client = Client()
    _, state = _start(client, "wecom", "/", WXWORK_UA)
    _callback(client, "wecom", platforms.issue_code("wecom", "wangzg"), state)
    client.logout()
    platforms.expire_tokens()  # the cached token is still in our cache, but the platform says 42001
    _, state = _start(client, "wecom", "/", WXWORK_UA)
    response = _callback(client, "wecom", platforms.issue_code("wecom", "wangzg"), state)
    assert response.status_code == 302
    assert _signed_in_user(client) == str(accounts.member.pk)
    assert platforms.calls["/cgi-bin/gettoken"] == 2


def test_the_token_is_cached_a_second_sign_in_fetches_none(platforms, accounts):
    for _round in range(2):
        client = Client()
        _, state = _start(client, "wecom", "/", WXWORK_UA)
        assert _callback(client, "wecom", platforms.issue_code("wecom", "wangzg"), state).status_code == 302
    assert platforms.calls["/cgi-bin/gettoken"] == 1
    assert platforms.calls["/cgi-bin/auth/getuserinfo"] == 2
    assert AuditEvent.objects.filter(action="account.login").count() == 2


@pytest.mark.parametrize(
    ("platform", "ua", "label"), [("wecom", WXWORK_UA, "企业微信"), ("dingtalk", DINGTALK_UA, "钉钉")]
)
def test_rate_limiting_gives_a_clear_message(platforms, platform, ua, label):
    client = Client()
    _, state = _start(client, platform, "/", ua)
    platforms.rate_limited = True
    response = _callback(client, platform, "any-code", state, ua)
    assert response.status_code == 429
    assert f"{label}接口调用过于频繁，请稍等一分钟后再试" in response.content.decode()
    assert _signed_in_user(client) is None


@pytest.mark.parametrize("state", ["forged-state", ""])
def test_a_forged_or_missing_state_is_refused(platforms, state):
    client = Client()
    _start(client, "wecom", "/", WXWORK_UA)
    response = _callback(client, "wecom", platforms.issue_code("wecom", "wangzg"), state)
    assert response.status_code == 400
    assert "state 校验未通过" in response.content.decode()
    assert _signed_in_user(client) is None
    assert platforms.calls["/cgi-bin/auth/getuserinfo"] == 0  # the code was never exchanged


def test_a_state_from_another_session_or_used_twice_is_refused(platforms):
    victim, attacker = Client(), Client()
    _, state = _start(attacker, "wecom", "/", WXWORK_UA)
    assert _callback(victim, "wecom", platforms.issue_code("wecom", "wangzg"), state).status_code == 400
    assert _callback(attacker, "wecom", platforms.issue_code("wecom", "wangzg"), state).status_code == 302
    attacker.logout()
    assert _callback(attacker, "wecom", platforms.issue_code("wecom", "wangzg"), state).status_code == 400


@pytest.mark.parametrize("status", [PersonStatus.RETIRED, PersonStatus.TRANSFERRED])
def test_a_person_who_left_is_refused(platforms, accounts, status):
    Person.objects.filter(user=accounts.member).update(status=status)
    client = Client()
    _, state = _start(client, "wecom", "/", WXWORK_UA)
    response = _callback(client, "wecom", platforms.issue_code("wecom", "wangzg"), state)
    assert response.status_code == 403
    assert f"您的人员状态为“{PersonStatus(status).label}”" in response.content.decode()
    assert _signed_in_user(client) is None
    assert not AuditEvent.objects.filter(action="account.login").exists()


def test_wecom_qr_login_at_a_desk(platforms, accounts):
    client = Client()
    html = client.get(reverse("accounts:login") + "?next=/campaigns/").content.decode()
    assert 'data-signin-method="wecom"' in html and 'data-signin-method="dingtalk"' in html
    location, state = _start(client, "wecom", reverse("accounts:login_wecom") + "?next=/campaigns/", DESK_UA)
    parts = urlsplit(location)
    assert (
        f"{parts.scheme}://{parts.netloc}{parts.path}" == "https://login.work.weixin.qq.com/wwlogin/sso/login"
    )
    query = parse_qs(parts.query)
    assert query["login_type"] == ["CorpApp"] and query["appid"] == ["ww0123456789"]
    assert query["agentid"] == ["1000002"]
    response = _callback(client, "wecom", platforms.issue_code("wecom", "wangzg"), state, DESK_UA)
    assert response["Location"] == "/campaigns/"
    assert AuditEvent.objects.get(action="account.login").after["method"] == "wecom"


def test_an_outside_next_is_not_followed(platforms):
    client = Client()
    _, state = _start(
        client, "wecom", reverse("accounts:login_wecom") + "?next=https://evil.example/", DESK_UA
    )
    assert _callback(client, "wecom", platforms.issue_code("wecom", "wangzg"), state)["Location"] == "/"


def test_dingtalk_in_app_sign_in_by_mobile(platforms, accounts):
    client = Client()
    location, state = _start(client, "dingtalk", "/campaigns/", DINGTALK_UA)
    assert location.startswith("https://login.dingtalk.com/oauth2/auth?")
    assert parse_qs(urlsplit(location).query)["client_id"] == ["dingkey01"]
    assert APP_SECRET not in location
    response = _callback(
        client, "dingtalk", platforms.issue_code("dingtalk-login", "0123"), state, DINGTALK_UA
    )
    assert response["Location"] == "/campaigns/"
    assert _signed_in_user(client) == str(accounts.member.pk)
    assert AuditEvent.objects.get(action="account.login").after == {
        "method": "dingtalk",
        "method_label": "钉钉",
    }
    assert platforms.calls["/gettoken"] == 1 and platforms.calls["/topapi/v2/user/get"] == 1


def test_dingtalk_by_job_number_expired_code_unknown_user_and_token_refresh(platforms, accounts, settings):
    settings.NETCONDUCT_DINGTALK_MATCH = "employee_no"
    client = Client()
    _, state = _start(client, "dingtalk", "/", DINGTALK_UA)
    response = _callback(client, "dingtalk", "stale", state, DINGTALK_UA)
    assert "钉钉登录授权已过期或已使用" in response.content.decode()
    _, state = _start(client, "dingtalk", "/", DINGTALK_UA)
    response = _callback(
        client, "dingtalk", platforms.issue_code("dingtalk-login", "nobody"), state, DINGTALK_UA
    )
    assert "钉钉中没有找到您的成员信息" in response.content.decode()
    platforms.expire_tokens()
    _, state = _start(client, "dingtalk", "/", DINGTALK_UA)
    response = _callback(
        client, "dingtalk", platforms.issue_code("dingtalk-login", "0123"), state, DINGTALK_UA
    )
    assert response.status_code == 302
    assert _signed_in_user(client) == str(accounts.member.pk)
    assert platforms.calls["/gettoken"] == 2


def test_the_secret_is_never_logged(platforms, caplog):
    caplog.set_level("DEBUG")
    client = Client()
    for _round in range(2):  # the second one meets an expired token: refresh and retry
        _, state = _start(client, "wecom", "/", WXWORK_UA)
        assert _callback(client, "wecom", platforms.issue_code("wecom", "wangzg"), state).status_code == 302
        client.logout()
        platforms.expire_tokens()
    platforms.rate_limited = True
    _, state = _start(client, "wecom", "/", WXWORK_UA)
    _callback(client, "wecom", "x", state)
    assert "errcode 42001" in caplog.text and "errcode 45009" in caplog.text
    assert CORP_SECRET not in caplog.text


def test_dingtalk_login_page_code_goes_through_the_v1_api_and_an_invalid_one_is_refused(platforms, accounts):
    client = Client()
    _, state = _start(client, "dingtalk", reverse("accounts:login_dingtalk"), DESK_UA)
    response = _callback(client, "dingtalk", "never-issued", state, DESK_UA)
    assert response.status_code == 403
    assert "钉钉登录授权已过期或已使用" in response.content.decode()
    assert platforms.calls["/v1.0/oauth2/userAccessToken"] == 1
    assert platforms.calls["/topapi/v2/user/getuserinfo"] == 0
    assert _signed_in_user(client) is None


def test_dingtalk_micro_app_code_is_exchanged_by_getuserinfo(platforms, accounts):
    # An H5 micro-app page's 免登授权码 (JSAPI requestAuthCode) arrives as `code`: topapi/v2/user/getuserinfo.
    client = Client()
    _, state = _start(client, "dingtalk", "/campaigns/", DINGTALK_UA)
    code = platforms.issue_code("dingtalk", "0123")
    response = _callback(client, "dingtalk", code, state, DINGTALK_UA, param="code")
    assert response["Location"] == "/campaigns/"
    assert _signed_in_user(client) == str(accounts.member.pk)
    assert platforms.calls["/topapi/v2/user/getuserinfo"] == 1
    assert platforms.calls["/v1.0/oauth2/userAccessToken"] == 0


def test_a_system_administrator_still_enters_the_totp_code(platforms, accounts, org):
    testing.grant(accounts.member, Role.SYSADMIN, org.group)
    client = Client()
    _, state = _start(client, "wecom", "/campaigns/", WXWORK_UA)
    response = _callback(client, "wecom", platforms.issue_code("wecom", "wangzg"), state)
    assert response["Location"].startswith(reverse("accounts:otp") + "?")
    assert "next=%2Fcampaigns%2F" in response["Location"]


def test_a_state_older_than_ten_minutes_is_refused(platforms, monkeypatch):
    client = Client()
    _, state = _start(client, "wecom", "/", WXWORK_UA)
    later = time.time() + inapp.STATE_MAX_AGE + 1
    monkeypatch.setattr(inapp.time, "time", lambda: later)
    response = _callback(client, "wecom", platforms.issue_code("wecom", "wangzg"), state)
    assert response.status_code == 400
    assert _signed_in_user(client) is None


def test_htmx_and_posts_inside_the_app_are_not_redirected_to_the_platform(platforms):
    response = Client().get("/campaigns/", HTTP_USER_AGENT=WXWORK_UA, HTTP_HX_REQUEST="true")
    assert not response["Location"].startswith("/accounts/login/wecom/")
    response = Client().post("/campaigns/", HTTP_USER_AGENT=WXWORK_UA)
    assert not response.get("Location", "").startswith("/accounts/login/wecom/")


def test_an_unreachable_platform_gives_a_message_not_a_crash(platforms, settings):
    import socket

    with socket.socket() as probe:  # a loopback port nobody listens on
        probe.bind(("127.0.0.1", 0))
        settings.NETCONDUCT_WECOM_API_BASE = f"http://127.0.0.1:{probe.getsockname()[1]}"
    client = Client()
    _, state = _start(client, "wecom", "/", WXWORK_UA)
    response = _callback(client, "wecom", "any", state)
    assert response.status_code == 403
    assert "暂时无法连接企业微信服务器" in response.content.decode()
    assert _signed_in_user(client) is None


def test_wecom_needs_its_agent_id_too(platforms, settings):
    settings.NETCONDUCT_WECOM_AGENT_ID = ""
    assert Client().get(reverse("accounts:login_wecom")).status_code == 404


def test_a_person_with_no_account_gets_one_through_the_platform(platforms, accounts):
    """A miner who never had a slip opens the link inside WeCom: the platform vouches, an account is opened."""
    person = Person.objects.get(user=accounts.member)
    Person.objects.filter(pk=person.pk).update(user=None)
    accounts.member.delete()
    client = Client()
    _, state = _start(client, "wecom", "/", WXWORK_UA)
    response = _callback(client, "wecom", platforms.issue_code("wecom", "wangzg"), state)
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.user_id is not None and not person.user.has_usable_password()
    assert _signed_in_user(client) == str(person.user_id)
    opened = AuditEvent.objects.get(action="account.open")
    assert opened.after["via"] == "wecom" and opened.object_id == str(person.user_id)


@pytest.mark.parametrize("status", [PersonStatus.TRANSFERRED, PersonStatus.RETIRED])
def test_a_person_who_left_and_has_no_account_gets_none(platforms, accounts, status):
    person = Person.objects.get(user=accounts.member)
    Person.objects.filter(pk=person.pk).update(user=None, status=status)
    accounts.member.delete()
    client = Client()
    _, state = _start(client, "wecom", "/", WXWORK_UA)
    response = _callback(client, "wecom", platforms.issue_code("wecom", "wangzg"), state)
    assert response.status_code == 403
    person.refresh_from_db()
    assert person.user_id is None
    assert not AuditEvent.objects.filter(action__in=["account.open", "account.login"]).exists()
