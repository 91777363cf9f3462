"""Signing in with the directory (LDAP), against a real OpenLDAP server started for these tests (see slapd.py)."""

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from django.urls import reverse

from netconduct import testing
from netconduct.accounts import ldap, signin
from netconduct.core.models import AuditEvent
from netconduct.org import services as org_services
from netconduct.org.choices import PersonStatus, Role
from netconduct.org.models import Person, RoleGrant
from netconduct.settings import env

from . import slapd as slapd_helper

pytestmark = pytest.mark.django_db
LOGIN_LDAP = "/accounts/login/ldap/"


@pytest.fixture(scope="module")
def slapd():
    slapd_helper.require_slapd()
    server = slapd_helper.slapd_start()
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def directory(settings, slapd):
    """The platform configured for the test server, as the README's example configuration does."""
    settings.NETCONDUCT_LDAP_URI = slapd.uri
    settings.NETCONDUCT_LDAP_BIND_DN = slapd_helper.ADMIN_DN
    settings.NETCONDUCT_LDAP_BIND_PASSWORD = slapd_helper.ADMIN_PASSWORD
    settings.NETCONDUCT_LDAP_USER_BASE = slapd_helper.PEOPLE
    settings.NETCONDUCT_LDAP_USER_FILTER = "(&(objectClass=inetOrgPerson)(uid=%(user)s))"
    settings.NETCONDUCT_LDAP_START_TLS = True
    settings.NETCONDUCT_LDAP_CA_FILE = slapd.ca_file
    settings.NETCONDUCT_LDAP_SYNC = ["email"]
    settings.AUTHENTICATION_BACKENDS = [*settings.AUTHENTICATION_BACKENDS, ldap.BACKEND]
    return settings


def _login(client, username, password, **extra):
    return client.post(LOGIN_LDAP, {"username": username, "password": password, **extra})


def _signed_in(client):
    return client.session.get("_auth_user_id")


def test_the_login_page_offers_the_directory_only_when_it_is_configured(settings):
    settings.NETCONDUCT_LDAP_URI = ""
    html = Client().get(reverse("accounts:login")).content.decode()
    assert "单位目录账号（LDAP）" not in html
    assert Client().get(LOGIN_LDAP).status_code == 404
    settings.NETCONDUCT_LDAP_URI = "ldap://127.0.0.1:9"
    html = Client().get(reverse("accounts:login")).content.decode()
    assert "单位目录账号（LDAP）" in html
    assert f'href="{LOGIN_LDAP}"' in html
    page = Client().get(LOGIN_LDAP)
    assert page.status_code == 200
    assert "目录账号（办公电脑登录名）" in page.content.decode()
    assert 'name="viewport"' in page.content.decode()


def test_a_directory_user_signs_in_as_the_person_with_their_employee_number(accounts, directory):
    client = Client()
    response = _login(client, "wangzg", "dir-pass-wang", next="/pledges/")
    assert response.status_code == 302
    assert response["Location"] == "/pledges/"
    assert _signed_in(client) == str(accounts.member.pk)
    assert client.session[signin.SESSION_KEY] == "ldap"
    event = AuditEvent.objects.get(action="account.login")
    assert event.actor_id == accounts.member.pk
    assert event.after == {"method": "ldap", "method_label": "单位目录账号（LDAP）"}
    assert get_user_model().objects.count() == 7  # nobody new: the person's own account


def test_attributes_named_for_sync_are_copied_to_the_person_and_audited(accounts, directory):
    person = Person.objects.get(user=accounts.member)
    assert person.email != "wang.zg@example.cn"
    _login(Client(), "wangzg", "dir-pass-wang")
    person.refresh_from_db()
    accounts.member.refresh_from_db()
    assert person.email == accounts.member.email == "wang.zg@example.cn"
    assert person.name == "王职工"  # the name is copied only when NETCONDUCT_LDAP_SYNC names it
    sync = AuditEvent.objects.get(action="person.directory_sync")
    assert sync.after == {"email": "wang.zg@example.cn"}
    # A second sign-in changes nothing, so it records no sync.
    _login(Client(), "wangzg", "dir-pass-wang")
    assert AuditEvent.objects.filter(action="person.directory_sync").count() == 1


def test_the_name_is_copied_when_configured(accounts, directory, org):
    directory.NETCONDUCT_LDAP_SYNC = ["email", "name"]
    person = testing.make_person(org.branch1, name="赵某", employee_no="A9999")
    _login(Client(), "zhaoyh", "dir-pass-zhao")
    person.refresh_from_db()
    assert person.name == "赵远航"
    assert person.name_pinyin.startswith("zhao")


def test_a_person_without_an_account_matched_by_mobile_gets_one_without_a_password(org, directory):
    person = testing.make_person(org.branch1, name="李书记", mobile="13900002222")
    client = Client()
    response = _login(client, "lisj", "dir-pass-li")
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.user is not None
    assert _signed_in(client) == str(person.user.pk)
    assert not person.user.has_usable_password()
    opened = AuditEvent.objects.get(action="account.open")
    assert opened.after["via"] == "ldap"
    assert opened.after["person_id"] == person.pk


def test_a_directory_user_who_matches_no_person_is_refused_and_no_account_is_made(accounts, directory, org):
    testing.make_person(org.branch1, name="赵远航")  # same name, no number in common: names never match
    users = get_user_model().objects.count()
    client = Client()
    response = _login(client, "zhaoyh", "dir-pass-zhao")
    html = response.content.decode()
    assert response.status_code == 200
    assert _signed_in(client) is None
    assert "人员名册中没有工号或手机号与之相符的人员" in html
    assert "A9999" in html
    assert get_user_model().objects.count() == users
    assert not AuditEvent.objects.filter(action__in=["account.login", "account.open"]).exists()


def test_a_wrong_directory_password_is_refused_in_chinese(accounts, directory):
    client = Client()
    response = _login(client, "wangzg", "not-the-password")
    assert response.status_code == 200
    assert _signed_in(client) is None
    assert "目录账号或密码不正确" in response.content.decode()


def test_the_local_password_is_not_a_directory_password_and_the_other_way_round(accounts, directory):
    client = Client()
    assert _login(client, "member", "correct-horse-battery-9").status_code == 200
    assert _signed_in(client) is None
    response = client.post(reverse("accounts:login"), {"username": "wangzg", "password": "dir-pass-wang"})
    assert response.status_code == 200
    assert _signed_in(client) is None


def test_an_account_locked_in_the_directory_is_refused(accounts, directory):
    # uid=locked carries pwdAccountLockedTime (ppolicy) and the member's employee number; its password is right.
    client = Client()
    response = _login(client, "locked", "dir-pass-locked")
    assert response.status_code == 200
    assert _signed_in(client) is None
    assert "目录账号或密码不正确" in response.content.decode()


def test_five_wrong_directory_passwords_lock_the_name_here_too(accounts, directory):
    client = Client()
    for _ in range(4):
        assert _login(client, "wangzg", "wrong").status_code == 200
    assert _login(client, "wangzg", "wrong").status_code == 429
    response = _login(client, "wangzg", "dir-pass-wang")
    assert response.status_code == 429
    assert _signed_in(client) is None


@pytest.mark.parametrize("status", [PersonStatus.TRANSFERRED, PersonStatus.RETIRED])
def test_a_person_who_left_cannot_sign_in_through_the_directory(accounts, directory, status):
    Person.objects.filter(user=accounts.member).update(status=status)
    client = Client()
    response = _login(client, "wangzg", "dir-pass-wang")
    assert response.status_code == 200
    assert _signed_in(client) is None
    assert f"您的人员状态为“{PersonStatus(status).label}”" in response.content.decode()
    assert not AuditEvent.objects.filter(action="account.login").exists()


def test_leaving_ends_a_directory_session_already_open(accounts, directory):
    client = Client()
    _login(client, "wangzg", "dir-pass-wang")
    assert client.get(reverse("accounts:profile")).status_code == 200
    person = Person.objects.get(user=accounts.member)
    org_services.person_update(actor=testing.superuser(), person=person, status=PersonStatus.TRANSFERRED)
    response = client.get(reverse("accounts:profile"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_no_account_is_made_for_a_person_who_left(org, directory):
    person = testing.make_person(org.branch1, name="李书记", mobile="13900002222")
    Person.objects.filter(pk=person.pk).update(status=PersonStatus.RETIRED)
    response = _login(Client(), "lisj", "dir-pass-li")
    assert "您的人员状态为“退休”" in response.content.decode()
    person.refresh_from_db()
    assert person.user is None


def test_system_administrators_still_pass_totp_after_the_directory(org, directory):
    admin = testing.make_account(
        "sysadm-local", person=testing.make_person(org.group, name="管理员", employee_no="S0001")
    )
    testing.grant(admin, Role.SYSADMIN, org.group)
    client = Client()
    response = _login(client, "sysadm", "dir-pass-sys")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:otp"))
    assert client.session[signin.SESSION_KEY] == "ldap"
    assert client.get("/").status_code == 302


@pytest.mark.parametrize("ldaps", [False, True], ids=["starttls", "ldaps"])
def test_tls_refuses_a_server_whose_certificate_the_configured_ca_did_not_sign(
    accounts, directory, slapd, ldaps
):
    if ldaps:
        directory.NETCONDUCT_LDAP_URI, directory.NETCONDUCT_LDAP_START_TLS = slapd.ldaps_uri, False
    directory.NETCONDUCT_LDAP_CA_FILE = slapd.other_ca_file
    client = Client()
    response = _login(client, "wangzg", "dir-pass-wang")
    assert response.status_code == 200
    assert _signed_in(client) is None
    assert "暂时无法安全连接单位目录服务器" in response.content.decode()


def test_ldaps_with_the_test_ca_signs_in(accounts, directory, slapd):
    directory.NETCONDUCT_LDAP_URI, directory.NETCONDUCT_LDAP_START_TLS = slapd.ldaps_uri, False
    client = Client()
    assert _login(client, "wangzg", "dir-pass-wang").status_code == 302
    assert _signed_in(client) == str(accounts.member.pk)


def test_an_unreachable_server_is_not_called_a_wrong_password(accounts, directory):
    directory.NETCONDUCT_LDAP_URI = "ldap://127.0.0.1:9"
    directory.NETCONDUCT_LDAP_START_TLS = False
    response = _login(Client(), "wangzg", "dir-pass-wang")
    html = response.content.decode()
    assert "暂时无法安全连接单位目录服务器" in html
    assert "目录账号或密码不正确" not in html


def test_a_service_account_the_directory_refuses_is_named_as_a_configuration_error(accounts, directory):
    directory.NETCONDUCT_LDAP_BIND_PASSWORD = "not-the-admin-password"
    response = _login(Client(), "wangzg", "dir-pass-wang")
    assert "查询账号配置有误" in response.content.decode()


def test_plain_ldap_without_starttls_works_when_so_configured(accounts, directory):
    directory.NETCONDUCT_LDAP_START_TLS = False
    directory.NETCONDUCT_LDAP_CA_FILE = ""
    client = Client()
    assert _login(client, "wangzg", "dir-pass-wang").status_code == 302
    assert _signed_in(client) == str(accounts.member.pk)


# ---------------------------------------------------------------------------------------------------- groups → roles

SECRETARIES = f"cn=secretaries,{slapd_helper.GROUPS}"
INSPECTORS = f"cn=inspectors,{slapd_helper.GROUPS}"


def _map_groups(directory, mapping):
    directory.NETCONDUCT_LDAP_GROUP_BASE = slapd_helper.GROUPS
    directory.NETCONDUCT_LDAP_GROUP_ROLES = {dn.lower(): role for dn, role in mapping.items()}


def test_directory_groups_give_no_roles_unless_mapped(accounts, directory):
    grants = RoleGrant.objects.count()
    _login(Client(), "wangzg", "dir-pass-wang")
    assert RoleGrant.objects.count() == grants


def test_a_mapped_group_gives_its_role_on_the_persons_own_unit_once(org, directory):
    _map_groups(directory, {SECRETARIES: Role.SECRETARY})
    person = testing.make_person(org.branch1, name="李书记", mobile="13900002222")
    client = Client()
    assert _login(client, "lisj", "dir-pass-li").status_code == 302
    person.refresh_from_db()
    grant = RoleGrant.objects.get(user=person.user)
    assert (grant.role, grant.unit) == (Role.SECRETARY, org.branch1)
    event = AuditEvent.objects.get(action="grant.create", object_id=str(grant.pk))
    assert event.after["via"] == "ldap" and event.actor_id is None
    _login(Client(), "lisj", "dir-pass-li")
    assert RoleGrant.objects.filter(user=person.user).count() == 1


def test_a_group_can_never_give_the_inspector_role(accounts, directory):
    # Even if the setting were forced past its check at start-up, the grant is not made.
    _map_groups(directory, {INSPECTORS: Role.INSPECTOR, SECRETARIES: Role.SYSADMIN})
    assert _login(Client(), "wangzg", "dir-pass-wang").status_code == 302
    assert not RoleGrant.objects.filter(user=accounts.member).exists()


@pytest.mark.parametrize("role", ["inspector", "sysadmin", "nonsense"])
def test_the_setting_refuses_roles_a_group_may_not_give(role):
    with pytest.raises(ImproperlyConfigured, match="inspector role stays with the discipline line"):
        env.ldap_group_roles(f"{INSPECTORS}|{role}")
    assert env.ldap_group_roles(f" {SECRETARIES}|secretary ; ") == {SECRETARIES.lower(): "secretary"}
    assert env.ldap_group_roles("") == {}


def test_a_person_who_left_gets_no_role_from_a_group(accounts, directory):
    _map_groups(directory, {SECRETARIES: Role.SECRETARY})
    Person.objects.filter(user=accounts.member).update(status=PersonStatus.RETIRED)
    _login(Client(), "wangzg", "dir-pass-wang")
    assert not RoleGrant.objects.filter(user=accounts.member).exists()
