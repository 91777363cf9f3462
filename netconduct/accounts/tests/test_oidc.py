"""Sign-in through OpenID Connect, against a real certified provider (panva's `oidc-provider`, run by Node from
oidc_provider/provider.mjs on a loopback port): the code flow with PKCE, state, nonce, the ID token's signature and
audience, matching the person, refusals, the audit event and logout."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import secrets
import shutil
import subprocess
import time
from contextlib import contextmanager
from html import unescape
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

import pytest
import requests
from django.core.cache import cache
from django.test import Client, override_settings
from django.urls import reverse

from netconduct import testing
from netconduct.accounts import oidc, signin
from netconduct.core.models import AuditEvent
from netconduct.org.choices import PersonStatus
from netconduct.org.models import Person

HERE = Path(__file__).resolve().parent
NODE_MODULES = HERE.parents[2] / ".ci" / "node" / "node_modules"
CLIENT_ID, CLIENT_SECRET = "netconduct", "test-client-secret-0123456789"
OTHER_ID, OTHER_SECRET = "another-app", "another-secret-0123456789"
PASSWORD = "correct-horse-battery-9"  # the accounts fixture's local password
ACCOUNTS = {  # the provider's fixed accounts: sub -> claims
    "u-member": {"name": "王职工", "employee_number": "A1001", "phone_number": "13700000000"},
    "u-by-mobile": {"name": "随便叫什么", "phone_number": "+86 138-0000-0042"},
    "u-namesake": {
        "name": "王职工",
        "employee_number": "Z9999",
    },  # same name as the member: never matched by it
    "u-retired": {"employee_number": "R1001"},
    "u-no-account": {"employee_number": "N1001"},
    "u-admin": {"employee_number": "S0001"},
    "u-shared-mobile": {"phone_number": "13600000001"},
}


def _node_or_skip() -> str:
    node = shutil.which("node")
    missing = None
    if node is None:
        missing = "Node.js is not installed (apt-get install nodejs npm)"
    elif not (NODE_MODULES / "oidc-provider").is_dir():
        missing = "the npm package oidc-provider is not installed (cd .ci/node && npm ci)"
    if missing:
        if os.environ.get("CI"):
            pytest.fail(f"CI runs the OpenID Connect tests: {missing}")
        pytest.skip(missing)
    return node


@contextmanager
def provider_running(base_url: str):
    """Start the provider with our client (redirecting to `base_url`) and another one; yield its issuer."""
    node = _node_or_skip()
    config = {
        "clients": [
            {
                "client_id": CLIENT_ID,
                "client_secret": CLIENT_SECRET,
                "redirect_uris": [f"{base_url}/accounts/login/oidc/callback/"],
                "post_logout_redirect_uris": [f"{base_url}/accounts/login/"],
            },
            {
                "client_id": OTHER_ID,
                "client_secret": OTHER_SECRET,
                "redirect_uris": ["http://127.0.0.1/another-app/callback"],
            },
        ],
        "accounts": ACCOUNTS,
    }
    process = subprocess.Popen(
        [node, str(HERE / "oidc_provider" / "provider.mjs"), str(NODE_MODULES)],
        env={**os.environ, "OIDC_TEST_CONFIG": json.dumps(config)},
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        line = process.stdout.readline()
        if not line.startswith("READY "):
            raise RuntimeError(f"the OpenID provider did not start: {line!r}")
        yield line.split()[1]
    finally:
        process.terminate()
        process.wait(timeout=10)


@contextmanager
def configured(issuer: str):
    with override_settings(
        OIDC_ISSUER=issuer,
        OIDC_CLIENT_ID=CLIENT_ID,
        OIDC_CLIENT_SECRET=CLIENT_SECRET,
        OIDC_SCOPES="openid profile phone employee",  # the employee number is in the provider's own scope
    ):
        cache.clear()
        yield
        cache.clear()


def _login_at_provider(session: requests.Session, url: str, login: str, *, until: str) -> str:
    """Follow the provider's pages as a browser would, signing in as `login` on its login form, until it sends
    the browser to an address starting with `until`; answer that address."""
    response = session.get(url, allow_redirects=False, timeout=10)
    for _step in range(12):
        if response.is_redirect:
            url = urljoin(response.url, response.headers["Location"])
            if url.startswith(until):
                return url
            response = session.get(url, allow_redirects=False, timeout=10)
            continue
        html = response.text
        action = re.search(r'<form[^>]*action="([^"]+)"', html)
        assert action, f"no form on the provider's page: {html[:500]}"
        fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html))
        fields.update({"login": login, "password": "any", "logout": "yes"})  # login form, or "sign me out"
        response = session.post(
            urljoin(response.url, unescape(action.group(1))), data=fields, allow_redirects=False, timeout=10
        )
    raise AssertionError("the provider did not send the browser back")


def _oidc_sign_in(client: Client, login: str, *, next_url: str = "/accounts/profile/"):
    """Our start page → the provider's login → our callback; answer (callback response, provider session)."""
    start = client.get(reverse("accounts:oidc_start"), {"next": next_url})
    assert start.status_code == 302, start.content.decode()[:500]
    at_provider = requests.Session()
    back = _login_at_provider(at_provider, start["Location"], login, until="http://testserver/")
    return client.get(back), at_provider


def _token_for_another_client(issuer: str, login: str, *, nonce: str) -> str:
    """A genuine ID token from the same provider, issued to another client (so its audience is not us)."""
    verifier = secrets.token_urlsafe(40)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    redirect_uri = "http://127.0.0.1/another-app/callback"
    query = {
        "response_type": "code",
        "client_id": OTHER_ID,
        "redirect_uri": redirect_uri,
        "scope": "openid",
        "state": "s",
        "nonce": nonce,
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    back = _login_at_provider(
        requests.Session(), f"{issuer}/auth?{urlencode(query)}", login, until=redirect_uri
    )
    code = parse_qs(urlsplit(back).query)["code"][0]
    token = requests.post(
        f"{issuer}/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "code_verifier": verifier,
        },
        auth=(OTHER_ID, OTHER_SECRET),
        timeout=10,
    )
    token.raise_for_status()
    return token.json()["id_token"]


@pytest.fixture(scope="module")
def issuer():
    with provider_running("http://testserver") as url:
        yield url


@pytest.fixture
def on(issuer):
    with configured(issuer):
        yield issuer


def _logged_in_as(client: Client):
    return client.session.get("_auth_user_id")


# ---------------------------------------------------------------------------------------------------- off / listed


@pytest.mark.django_db
def test_off_by_default_the_method_is_not_listed_and_its_pages_answer_404(client):
    assert not oidc.oidc_enabled()
    assert "oidc" not in [m.key for m in signin.signin_methods_enabled()]
    assert 'data-signin-method="oidc"' not in client.get(reverse("accounts:login")).content.decode()
    assert client.get(reverse("accounts:oidc_start")).status_code == 404
    assert client.get(reverse("accounts:oidc_callback"), {"code": "x", "state": "y"}).status_code == 404


@pytest.mark.django_db
def test_configured_it_is_listed_on_the_login_page_with_next(on, client):
    html = client.get(reverse("accounts:login"), {"next": "/accounts/profile/"}).content.decode()
    assert 'data-signin-method="oidc"' in html
    assert "统一身份认证登录" in html
    assert f"{reverse('accounts:oidc_start')}?next=/accounts/profile/" in html


def _check_ids() -> list[str]:
    return sorted(problem.id for problem in oidc.oidc_settings_check())


def test_half_set_or_clear_text_configurations_are_reported_by_the_checks():
    assert _check_ids() == []  # off: nothing to say
    with override_settings(OIDC_ISSUER="https://idp.example.cn"):
        assert _check_ids() == ["accounts.E101"]
    with override_settings(OIDC_CLIENT_ID="nc", OIDC_TOKEN_ENDPOINT="https://idp.example.cn/token"):
        assert _check_ids() == ["accounts.E102"]
    with override_settings(OIDC_CLIENT_ID="nc", OIDC_ISSUER="http://idp.example.cn"):
        assert _check_ids() == ["accounts.W101"]
    with override_settings(OIDC_CLIENT_ID="nc", OIDC_ISSUER="idp.example.cn"):
        assert _check_ids() == ["accounts.E103"]
    with override_settings(OIDC_CLIENT_ID="nc", OIDC_ISSUER="http://127.0.0.1:9000"):
        assert _check_ids() == []  # a provider on this machine
    with override_settings(OIDC_CLIENT_ID="nc", OIDC_ISSUER="https://idp.example.cn"):
        assert _check_ids() == []


# ---------------------------------------------------------------------------------------------------- the flow


@pytest.mark.django_db
def test_the_code_flow_signs_the_member_in_by_employee_number_audited_as_oidc(on, accounts):
    client = Client()
    response, _provider = _oidc_sign_in(client, "u-member", next_url="/accounts/profile/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/profile/"
    assert _logged_in_as(client) == str(accounts.member.pk)
    assert client.session[signin.SESSION_KEY] == "oidc"
    assert oidc.SESSION_FLOW not in client.session  # used once
    event = AuditEvent.objects.get(action="account.login")
    assert event.actor_id == accounts.member.pk
    assert event.after == {"method": "oidc", "method_label": "统一身份认证登录"}


@pytest.mark.django_db
def test_the_authorization_request_carries_pkce_s256_state_and_nonce(on, accounts):
    client = Client()
    location = client.get(reverse("accounts:oidc_start"))["Location"]
    query = {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}
    flow = client.session[oidc.SESSION_FLOW]
    assert location.startswith(f"{on}/auth?")
    assert query["response_type"] == "code"
    assert query["client_id"] == CLIENT_ID
    assert query["state"] == flow["state"] and query["nonce"] == flow["nonce"]
    assert query["code_challenge_method"] == "S256"
    digest = hashlib.sha256(flow["verifier"].encode()).digest()
    assert query["code_challenge"] == base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    assert "code_verifier" not in query  # the verifier stays with us until the token request


@pytest.mark.django_db
def test_a_person_is_matched_by_mobile_when_there_is_no_employee_number(on, org, accounts):
    person = testing.make_person(org.branch1, name="赵手机", mobile="13800000042")
    user = testing.make_account("zhao", person=person)
    client = Client()
    response, _provider = _oidc_sign_in(client, "u-by-mobile")
    assert response.status_code == 302
    assert _logged_in_as(client) == str(user.pk)


@pytest.mark.django_db
def test_nobody_matching_is_refused_in_chinese_even_with_a_namesake_and_no_account_is_made(on, accounts):
    users_before = set(type(accounts.member).objects.values_list("pk", flat=True))
    client = Client()
    response, _provider = _oidc_sign_in(client, "u-namesake")  # same name as 王职工 (A1001), other number
    assert response.status_code == 403
    html = response.content.decode()
    assert "人员名册中没有工号或手机号与之相符的人员" in html
    assert "Z9999" in html
    assert _logged_in_as(client) is None
    assert set(type(accounts.member).objects.values_list("pk", flat=True)) == users_before
    assert not AuditEvent.objects.filter(action="account.login").exists()


@pytest.mark.django_db
def test_a_matched_person_without_an_account_gets_one_opened_and_audited(on, org, accounts):
    person = testing.make_person(org.branch1, name="孙未开通", employee_no="N1001")
    client = Client()
    response, _provider = _oidc_sign_in(client, "u-no-account")
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.user is not None
    assert not person.user.has_usable_password()
    assert _logged_in_as(client) == str(person.user.pk)
    opened = AuditEvent.objects.get(action="account.open")
    assert opened.object_id == str(person.user.pk)
    assert opened.after["via"] == "oidc" and opened.after["person_id"] == person.pk
    assert AuditEvent.objects.filter(action="account.login", actor_id=person.user.pk).count() == 1
    # the second time the same account is used, nothing more is opened
    response, _provider = _oidc_sign_in(Client(), "u-no-account")
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action="account.open").count() == 1


@pytest.mark.django_db
def test_a_person_who_left_and_has_no_account_gets_none(on, org, accounts):
    person = testing.make_person(org.branch1, name="孙调离", employee_no="N1001")
    Person.objects.filter(pk=person.pk).update(status=PersonStatus.TRANSFERRED)
    client = Client()
    response, _provider = _oidc_sign_in(client, "u-no-account")
    assert response.status_code == 403
    assert "您的人员状态为“调离”" in response.content.decode()
    person.refresh_from_db()
    assert person.user is None
    assert not AuditEvent.objects.filter(action__in=["account.open", "account.login"]).exists()


@pytest.mark.django_db
def test_a_mobile_shared_by_two_people_names_nobody(on, org, accounts):
    first = testing.make_person(org.branch1, name="周一", mobile="13600000001")
    second = testing.make_person(org.branch2, name="周二", employee_no="M2")
    Person.objects.filter(pk=second.pk).update(mobile="13600000001")  # older data: the roster had it twice
    client = Client()
    response, _provider = _oidc_sign_in(client, "u-shared-mobile")
    assert response.status_code == 403
    assert "手机号对应了多名人员" in response.content.decode()
    assert not Person.objects.filter(pk__in=[first.pk, second.pk], user__isnull=False).exists()


@pytest.mark.django_db
def test_a_system_administrator_still_passes_the_second_factor(on, org, accounts):
    person = testing.make_person(org.group, name="系统管理员", employee_no="S0001")
    Person.objects.filter(pk=person.pk).update(user=accounts.sysadmin)
    client = Client()
    response, _provider = _oidc_sign_in(client, "u-admin", next_url="/accounts/profile/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:otp") + "?")
    assert "next=%2Faccounts%2Fprofile%2F" in response["Location"]
    assert client.session[signin.SESSION_KEY] == "oidc"


@pytest.mark.django_db
def test_a_retired_person_is_refused_by_the_one_status_check(on, org, accounts):
    person = testing.make_person(org.branch1, name="钱退休", employee_no="R1001")
    testing.make_account("qian", person=person)
    Person.objects.filter(pk=person.pk).update(status=PersonStatus.RETIRED)  # the account was left open
    client = Client()
    response, _provider = _oidc_sign_in(client, "u-retired")
    assert response.status_code == 403
    assert "您的人员状态为“退休”" in response.content.decode()
    assert _logged_in_as(client) is None
    assert not AuditEvent.objects.filter(action="account.login").exists()


# ---------------------------------------------------------------------------------------------------- refusals


@pytest.mark.django_db
def test_a_wrong_state_is_refused_and_the_flow_cannot_be_replayed(on, accounts):
    client = Client()
    start = client.get(reverse("accounts:oidc_start"))
    back = _login_at_provider(requests.Session(), start["Location"], "u-member", until="http://testserver/")
    parts = urlsplit(back)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert client.get(parts.path, {**query, "state": "伪造"}).status_code == 403  # not a 500 either
    start = client.get(reverse("accounts:oidc_start"))
    back = _login_at_provider(requests.Session(), start["Location"], "u-member", until="http://testserver/")
    parts = urlsplit(back)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    forged = client.get(parts.path, {**query, "state": "forged-" + query["state"]})
    assert forged.status_code == 403
    assert "校验码（state）不符" in forged.content.decode()
    assert _logged_in_as(client) is None
    replay = client.get(back)  # the right state now: the flow was used up by the refusal
    assert replay.status_code == 403
    assert "登录请求已过期" in replay.content.decode()
    assert _logged_in_as(client) is None


@pytest.mark.django_db
def test_the_provider_answering_with_an_error_is_refused_with_its_reason(on, accounts):
    client = Client()
    at_provider = requests.Session()
    login_page = at_provider.get(
        client.get(reverse("accounts:oidc_start"))["Location"], allow_redirects=False
    )
    interaction = urljoin(login_page.url, login_page.headers["Location"])
    # the person cancels at the provider (its abort link): it answers access_denied with our state
    back = _login_at_provider(at_provider, f"{interaction}/abort", "", until="http://testserver/")
    assert "error=access_denied" in back
    response = client.get(back)
    assert response.status_code == 403
    assert "统一身份认证平台未完成登录（End-User aborted interaction）" in response.content.decode()
    assert _logged_in_as(client) is None


@pytest.mark.django_db
def test_a_callback_that_was_not_started_here_is_refused(on, accounts):
    response = Client().get(reverse("accounts:oidc_callback"), {"code": "abc", "state": "abc"})
    assert response.status_code == 403
    assert "登录请求已过期或不是从本平台发起的" in response.content.decode()


@pytest.mark.django_db
def test_a_nonce_mismatch_is_refused(on, accounts):
    client = Client()
    start = client.get(reverse("accounts:oidc_start"))
    back = _login_at_provider(requests.Session(), start["Location"], "u-member", until="http://testserver/")
    session = client.session
    session[oidc.SESSION_FLOW] = {**session[oidc.SESSION_FLOW], "nonce": "not-the-one-sent"}
    session.save()
    response = client.get(back)
    assert response.status_code == 403
    assert "身份凭证未通过校验" in response.content.decode()
    assert _logged_in_as(client) is None
    assert not AuditEvent.objects.filter(action="account.login").exists()


@pytest.mark.django_db
def test_an_id_token_for_another_audience_or_with_a_broken_signature_is_refused(on):
    token = _token_for_another_client(on, "u-member", nonce="n-1")
    with pytest.raises(oidc.OidcRefused, match="身份凭证未通过校验"):
        oidc.oidc_id_token_claims(token, nonce="n-1")  # we are CLIENT_ID; the token is for OTHER_ID
    with override_settings(OIDC_CLIENT_ID=OTHER_ID):  # the same token is good for its own audience...
        assert oidc.oidc_id_token_claims(token, nonce="n-1")["sub"] == "u-member"
        with pytest.raises(oidc.OidcRefused):  # ...but not with another nonce
            oidc.oidc_id_token_claims(token, nonce="n-2")
        head, payload, signature = token.split(".")
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        forged = base64.urlsafe_b64encode(json.dumps({**claims, "sub": "u-retired"}).encode()).rstrip(b"=")
        with pytest.raises(oidc.OidcRefused):
            oidc.oidc_id_token_claims(f"{head}.{forged.decode()}.{signature}", nonce="n-1")


@pytest.mark.django_db
def test_an_answer_naming_another_issuer_is_refused(on, accounts):
    # RFC 9207: the provider names itself in its answer; an answer relayed from another provider is refused
    client = Client()
    start = client.get(reverse("accounts:oidc_start"))
    back = _login_at_provider(requests.Session(), start["Location"], "u-member", until="http://testserver/")
    parts = urlsplit(back)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert query["iss"] == on
    response = client.get(parts.path, {**query, "iss": "https://idp.elsewhere.example"})
    assert response.status_code == 403
    assert "签发者" in response.content.decode()
    assert _logged_in_as(client) is None


@pytest.mark.django_db
def test_an_expired_flow_is_refused(on, accounts):
    client = Client()
    start = client.get(reverse("accounts:oidc_start"))
    back = _login_at_provider(requests.Session(), start["Location"], "u-member", until="http://testserver/")
    session = client.session
    session[oidc.SESSION_FLOW] = {
        **session[oidc.SESSION_FLOW],
        "at": int(time.time()) - oidc.FLOW_MAX_AGE - 5,
    }
    session.save()
    response = client.get(back)
    assert response.status_code == 403
    assert _logged_in_as(client) is None


# ---------------------------------------------------------------------------------------------------- logout


@pytest.mark.django_db
def test_logout_ends_our_session_and_the_providers(on, accounts):
    client = Client()
    _response, at_provider = _oidc_sign_in(client, "u-member")
    assert _logged_in_as(client) == str(accounts.member.pk)
    id_token = client.session[oidc.SESSION_ID_TOKEN]
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    location = response["Location"]
    query = {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}
    assert location.startswith(f"{on}/session/end?")
    assert query["id_token_hint"] == id_token
    assert query["post_logout_redirect_uri"] == "http://testserver/accounts/login/"
    assert _logged_in_as(client) is None
    assert client.get(reverse("accounts:profile")).status_code == 302  # back to the login page
    # the provider accepts the hint and, once confirmed, sends the browser back to our login page
    back = _login_at_provider(at_provider, location, "", until="http://testserver/")
    assert back == "http://testserver/accounts/login/"
    # and its session is gone: the next sign-in asks for the login again
    again = requests.Session()
    again.cookies = at_provider.cookies
    start = Client().get(reverse("accounts:oidc_start"))["Location"]
    page = again.get(start, timeout=10, allow_redirects=False)
    page = again.get(urljoin(start, page.headers["Location"]), timeout=10, allow_redirects=False)
    assert 'name="login"' in page.text


@pytest.mark.django_db
def test_a_password_session_logs_out_locally_only(on, accounts):
    client = Client()
    client.post(reverse("accounts:login"), {"username": "member", "password": PASSWORD})
    assert _logged_in_as(client) == str(accounts.member.pk)
    response = client.post(reverse("accounts:logout"))
    assert response["Location"] == reverse("accounts:login")
    assert _logged_in_as(client) is None


# ---------------------------------------------------------------------------------------------------- browser


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_code_flow_in_a_real_browser_lands_on_the_next_page(live_server, page, org, accounts):
    with provider_running(live_server.url) as issuer, configured(issuer):
        page.goto(f"{live_server.url}{reverse('accounts:login')}?next=/accounts/profile/")
        page.click('a[data-signin-method="oidc"]')
        page.wait_for_url(f"{issuer}/**")
        page.fill('input[name="login"]', "u-member")
        page.fill('input[name="password"]', "any")
        page.click('button[type="submit"]')
        page.wait_for_url(f"{live_server.url}/accounts/profile/")
        assert "王职工" in page.content()
        event = AuditEvent.objects.get(action="account.login")
        assert event.actor_id == accounts.member.pk and event.after["method"] == "oidc"
