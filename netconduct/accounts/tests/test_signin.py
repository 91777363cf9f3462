"""The sign-in foundation every login method goes through: status, audit with the method, session, TOTP, listing."""

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from netconduct import testing
from netconduct.accounts import signin
from netconduct.core.models import AuditEvent
from netconduct.org import services as org_services
from netconduct.org.choices import PersonStatus
from netconduct.org.models import Person

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-battery-9"


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def extra_method():
    """A method registered for the test only; `state["on"]` stands for its configuration."""
    state = {"on": False}
    signin.signin_method_register(
        "testway", "测试方式登录", "accounts:activate_code", enabled=lambda: state["on"]
    )
    yield state
    signin._METHODS.pop("testway", None)


def _login(client, username, password=PASSWORD):
    return client.post(reverse("accounts:login"), {"username": username, "password": password})


@pytest.mark.parametrize("status", [PersonStatus.TRANSFERRED, PersonStatus.RETIRED])
def test_a_person_who_left_cannot_sign_in_with_a_password_even_if_the_account_was_left_open(accounts, status):
    # Older data: the status changed without the account being closed. The one check still refuses, by name.
    Person.objects.filter(user=accounts.member).update(status=status)
    client = Client()
    response = _login(client, "A1001")
    html = response.content.decode()
    assert response.status_code == 200
    assert client.session.get("_auth_user_id") is None
    assert f"您的人员状态为“{PersonStatus(status).label}”" in html
    assert not AuditEvent.objects.filter(action="account.login").exists()


def test_leaving_through_the_service_refuses_the_password_too(accounts):
    person = Person.objects.get(user=accounts.member)
    org_services.person_update(actor=testing.superuser(), person=person, status=PersonStatus.RETIRED)
    client = Client()
    _login(client, "member")
    assert client.session.get("_auth_user_id") is None


def test_signin_complete_refuses_a_person_who_left_and_changes_nothing(accounts, rf):
    Person.objects.filter(user=accounts.member).update(status=PersonStatus.TRANSFERRED)
    request = rf.get("/")
    request.session = Client().session
    with pytest.raises(signin.SigninRefused, match="调离"):
        signin.signin_complete(request, accounts.member, method="password", backend="x", next_url="/")
    assert signin.SESSION_KEY not in request.session
    assert not AuditEvent.objects.filter(action="account.login").exists()


def test_a_password_sign_in_is_audited_with_its_method_and_stored_on_the_session(accounts):
    client = Client()
    response = _login(client, "13912345678")
    assert response.status_code == 302
    assert client.session[signin.SESSION_KEY] == "password"
    event = AuditEvent.objects.get(action="account.login")
    assert event.actor_id == accounts.member.pk
    assert event.object_id == str(accounts.member.pk)
    assert event.after == {"method": "password", "method_label": "账号密码"}


def test_an_unknown_method_is_a_programming_error(accounts, rf):
    request = rf.get("/")
    request.session = Client().session
    with pytest.raises(ValueError, match="nosuch"):
        signin.signin_complete(request, accounts.member, method="nosuch", backend="x", next_url="/")


def test_system_administrators_still_pass_totp_after_signing_in(accounts):
    client = Client()
    response = _login(client, "sysadmin")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:otp"))
    assert client.get("/").status_code == 302  # nothing else opens before the second factor


def test_the_login_page_lists_a_method_only_while_it_is_configured(extra_method):
    html = Client().get(reverse("accounts:login")).content.decode()
    assert "测试方式登录" not in html
    extra_method["on"] = True
    html = Client().get(reverse("accounts:login") + "?next=/pledges/").content.decode()
    assert "测试方式登录" in html
    assert 'data-signin-method="testway"' in html
    assert "?next=/pledges/" in html
    assert [m.key for m in signin.signin_methods_enabled()] == ["testway"]
    assert signin.signin_method_label("testway") == "测试方式登录"
    assert signin.signin_method_label("") == ""


def test_the_directory_settings_are_checked(settings):
    import importlib.util

    from netconduct.accounts.checks import ldap_settings_check

    # Without the [ldap] extra, a configured directory is also an error of its own (E002).
    missing = set() if importlib.util.find_spec("django_auth_ldap") else {"accounts.E002"}

    settings.NETCONDUCT_LDAP_URI = ""
    assert ldap_settings_check() == []
    settings.NETCONDUCT_LDAP_URI = "ldap://dc1.example.cn"
    settings.NETCONDUCT_LDAP_USER_BASE = ""
    settings.NETCONDUCT_LDAP_START_TLS = False
    settings.NETCONDUCT_LDAP_GROUP_ROLES = {"cn=x,dc=example,dc=cn": "secretary"}
    settings.NETCONDUCT_LDAP_GROUP_BASE = ""
    assert {p.id for p in ldap_settings_check()} == {
        "accounts.E003",
        "accounts.E004",
        "accounts.W001",
    } | missing
    settings.NETCONDUCT_LDAP_URI = "http://dc1.example.cn"
    assert "accounts.E001" in {p.id for p in ldap_settings_check()}
    settings.NETCONDUCT_LDAP_URI = "ldaps://dc1.example.cn"
    settings.NETCONDUCT_LDAP_USER_BASE = "ou=people,dc=example,dc=cn"
    settings.NETCONDUCT_LDAP_GROUP_ROLES = {}
    assert {p.id for p in ldap_settings_check()} == missing
