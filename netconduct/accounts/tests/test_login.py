import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from netconduct import testing
from netconduct.core.models import AuditEvent
from netconduct.settings import base as base_settings

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-battery-9"
LOGIN = "/accounts/login/"


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()
    yield
    cache.clear()


def _login(client, username, password=PASSWORD, **extra):
    return client.post(reverse("accounts:login"), {"username": username, "password": password, **extra})


def _logged_in_as(client):
    return client.session.get("_auth_user_id")


def test_login_page_is_chinese_and_phone_first():
    response = Client().get(reverse("accounts:login"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "手机号 / 工号 / 用户名" in html
    assert 'name="viewport"' in html
    assert "form-control-lg" in html
    assert reverse("accounts:activate_code") in html


@pytest.mark.parametrize("identifier", ["member", "13912345678", "A1001", "１３９１２３４５６７８"])
def test_login_with_username_mobile_or_employee_number(accounts, identifier):
    client = Client()
    response = _login(client, identifier)
    assert response.status_code == 302
    assert _logged_in_as(client) == str(accounts.member.pk)


def test_wrong_password_is_refused_in_chinese(accounts):
    client = Client()
    response = _login(client, "13912345678", "not-the-password")
    assert response.status_code == 200
    assert _logged_in_as(client) is None
    assert "账号或密码不正确" in response.content.decode()


def test_five_failures_lock_the_account_even_with_the_right_password(accounts):
    client = Client()
    for _ in range(4):
        assert _login(client, "member", "wrong-password").status_code == 200
    locked = _login(client, "member", "wrong-password")
    assert locked.status_code == 429
    response = _login(client, "member", PASSWORD)
    html = response.content.decode()
    assert response.status_code == 429
    assert _logged_in_as(client) is None
    assert "账号已暂时锁定" in html
    assert "30 分钟" in html


def test_lockout_counts_per_account_whichever_identifier_was_typed(accounts):
    client = Client()
    for identifier in ["member", "13912345678", "A1001", "member", "13912345678"]:
        _login(client, identifier, "wrong-password")
    response = _login(client, "A1001", PASSWORD)
    assert response.status_code == 429
    assert _logged_in_as(client) is None
    assert AccessAttempt.objects.filter(username="member").exists()


def test_other_accounts_are_not_locked_by_someone_elses_failures(accounts):
    client = Client()
    for _ in range(5):
        _login(client, "member", "wrong-password")
    assert _login(client, "secretary").status_code == 302


@override_settings(PASSWORD_HASHERS=base_settings.PASSWORD_HASHERS)
def test_passwords_are_stored_with_argon2(org):
    user = testing.make_account("hashed", password="a-long-enough-pass-1")
    user.refresh_from_db()
    assert user.password.startswith("argon2")
    assert _login(Client(), "hashed", "a-long-enough-pass-1").status_code == 302


def test_next_is_honoured_when_it_is_local(accounts):
    response = _login(Client(), "member", next="/org/people/")
    assert response["Location"] == "/org/people/"


def test_next_pointing_elsewhere_is_ignored(accounts):
    response = _login(Client(), "member", next="https://evil.example/steal")
    assert response["Location"] == reverse("home")


def test_session_ends_with_the_browser_and_after_a_shift(accounts):
    client = Client()
    response = _login(client, "member")
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE
    assert cookie["expires"] == "" and cookie["max-age"] == ""  # a browser-session cookie
    assert cookie["httponly"]
    session = Session.objects.get(session_key=cookie.value)
    remaining = (session.expire_date - timezone.now()).total_seconds()
    assert abs(remaining - settings.SESSION_COOKIE_AGE) < 60


@override_settings(SESSION_COOKIE_AGE=5)
def test_an_expired_session_is_logged_out(accounts):
    client = Client()
    _login(client, "member")
    Session.objects.update(expire_date=timezone.now() - timezone.timedelta(seconds=1))
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)


def test_logout_is_post_only(accounts):
    client = Client()
    testing.login(client, accounts.member)
    assert client.get(reverse("accounts:logout")).status_code == 405
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302 and response["Location"] == LOGIN
    assert _logged_in_as(client) is None


def test_password_change_takes_the_old_password_and_ends_other_sessions(accounts):
    phone, desk = Client(), Client()
    _login(phone, "member")
    _login(desk, "A1001")
    response = phone.post(
        reverse("accounts:password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "brand-new-secret-7",
            "new_password2": "brand-new-secret-7",
        },
    )
    assert response.status_code == 302
    assert phone.get(reverse("home")).status_code == 200  # this session continues
    assert desk.get(reverse("home")).status_code == 302  # the other one has ended
    assert _login(Client(), "member", PASSWORD).status_code == 200
    assert _login(Client(), "member", "brand-new-secret-7").status_code == 302
    event = AuditEvent.objects.get(action="account.password_change")
    assert event.object_type == "accounts.user" and event.object_id == str(accounts.member.pk)
    assert event.unit_path == accounts.member.person.unit.path
    assert "brand-new-secret-7" not in str(event.after) and PASSWORD not in str(event.after)


def test_password_change_refuses_a_wrong_old_password_and_weak_new_ones_in_chinese(accounts):
    client = Client()
    testing.login(client, accounts.member)
    url = reverse("accounts:password_change")
    wrong_old = client.post(url, {"old_password": "nope", "new_password1": "x", "new_password2": "x"})
    assert "当前密码不正确" in wrong_old.content.decode()
    weak = client.post(
        url, {"old_password": PASSWORD, "new_password1": "1234567", "new_password2": "1234567"}
    )
    html = weak.content.decode()
    assert "密码太短，至少需要8位" in html and "密码不能全是数字" in html
    assert not AuditEvent.objects.filter(action="account.password_change").exists()
