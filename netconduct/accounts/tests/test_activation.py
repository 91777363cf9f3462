"""Activation and reset slips, from the secretary's sheet to the member's first login."""

import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from netconduct import testing
from netconduct.accounts import services
from netconduct.accounts.models import ActivationCode
from netconduct.core.exceptions import PermissionRefused
from netconduct.core.models import AuditEvent
from netconduct.org.choices import PersonStatus, Role
from netconduct.org.models import Person

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "spring-mine-shift-42"
SLIP_CODE = re.compile(r'class="nc-slip-code">([A-Z0-9]{4}-[A-Z0-9]{4})<')
SLIP_NAME = re.compile(r'class="nc-slip-name">([^<]+)<')


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()
    yield
    cache.clear()


@dataclass
class Roster:
    zhao: Person  # 在岗, no account
    qian: Person  # 在岗, no account
    sun: Person  # 调离: no slip
    far: Person  # branch2, no account


@pytest.fixture
def roster(org, accounts) -> Roster:
    zhao = testing.make_person(org.branch1, name="赵大山", employee_no="E20001", mobile="13800000001")
    qian = testing.make_person(org.branch1, name="钱二", employee_no="E20002", mobile="13800000002")
    sun = testing.make_person(org.branch1, name="孙三", employee_no="E20003", status=PersonStatus.TRANSFERRED)
    far = testing.make_person(org.branch2, name="周远", employee_no="E30001", mobile="13800000009")
    return Roster(zhao, qian, sun, far)


def _client(user) -> Client:
    client = Client()
    testing.login(client, user)
    return client


def _issue(actor, person, purpose=ActivationCode.Purpose.ACTIVATE) -> services.IssuedSlip:
    (slip,) = services.activation_issue(actor=actor, people=[person], purpose=purpose)
    return slip


def _redeem_by_link(token: str, password: str = NEW_PASSWORD, client: Client | None = None):
    client = client or Client()
    url = reverse("accounts:activate", args=[token])
    return client, client.post(url, {"password1": password, "password2": password})


def _redeem_by_code(identifier: str, code: str, password: str = NEW_PASSWORD, client: Client | None = None):
    client = client or Client()
    data = {"identifier": identifier, "code": code, "password1": password, "password2": password}
    return client, client.post(reverse("accounts:activate_code"), data)


def _logged_in(client: Client):
    return client.session.get("_auth_user_id")


# ---------------------------------------------------------------------------------------------------- the sheet


def test_secretary_prints_one_slip_per_person_without_an_account(accounts, roster):
    client = _client(accounts.secretary)
    form = client.get(reverse("accounts:activation_sheet", args=[roster.zhao.unit_id]))
    assert form.status_code == 200
    assert "赵大山" in form.content.decode() and "孙三" not in form.content.decode()

    response = client.post(reverse("accounts:activation_sheet", args=[roster.zhao.unit_id]), {"mode": "all"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    names = SLIP_NAME.findall(html)
    assert sorted(names) == ["赵大山", "钱二"]  # not 孙三 (调离), not the member or secretary (accounts)
    codes = SLIP_CODE.findall(html)
    assert len(codes) == 2 and len(set(codes)) == 2
    assert html.count("<svg") == 2  # one QR code per slip
    assert "E20001" not in html and "E****1" in html  # employee numbers masked on the slip
    assert "netconduct/css/activation-sheet.css" in html  # the print rules, in a static file under the CSP
    from django.contrib.staticfiles import finders

    sheet_css = Path(finders.find("netconduct/css/activation-sheet.css")).read_text(encoding="utf-8")
    assert "@page" in sheet_css and "A4" in sheet_css
    assert ActivationCode.objects.filter(person__in=[roster.zhao, roster.qian], used_at=None).count() == 2
    events = AuditEvent.objects.filter(action="account.activation_issue")
    assert sorted(e.object_repr for e in events) == ["赵大山", "钱二"]
    assert {e.unit_path for e in events} == {roster.zhao.unit.path}


def test_selected_people_only(accounts, roster):
    client = _client(accounts.secretary)
    url = reverse("accounts:activation_sheet", args=[roster.zhao.unit_id])
    nobody = client.post(url, {"mode": "selected"})
    assert "请至少勾选一人" in nobody.content.decode()
    response = client.post(url, {"mode": "selected", "people": [roster.qian.pk]})
    assert SLIP_NAME.findall(response.content.decode()) == ["钱二"]


def test_codes_are_stored_only_as_hashes(accounts, roster):
    slip = _issue(accounts.secretary, roster.zhao)
    row = ActivationCode.objects.get(person=roster.zhao)
    assert slip.code not in (row.token_hash, row.code_hash) and slip.token not in (
        row.token_hash,
        row.code_hash,
    )
    assert len(slip.code) == 8 and set(slip.code) <= set(services.CODE_ALPHABET)
    assert not set("01OIL") & set(services.CODE_ALPHABET)
    assert slip.code_display == f"{slip.code[:4]}-{slip.code[4:]}"


def test_issue_skips_people_with_accounts_and_people_not_in_post(accounts, roster):
    slips = services.activation_issue(
        actor=accounts.secretary,
        people=[roster.zhao, roster.sun, accounts.member.person],
        purpose=ActivationCode.Purpose.ACTIVATE,
    )
    assert [s.person.pk for s in slips] == [roster.zhao.pk]


def test_outsider_secretary_gets_404_for_another_branch(accounts, roster):
    client = _client(accounts.outsider_secretary)
    sheet = reverse("accounts:activation_sheet", args=[roster.zhao.unit_id])
    assert client.get(sheet).status_code == 404
    assert client.post(sheet, {"mode": "all"}).status_code == 404
    reset = reverse("accounts:person_reset", args=[accounts.member.person.pk])
    assert client.get(reset).status_code == 404
    assert client.post(reset).status_code == 404
    assert not ActivationCode.objects.exists()
    with pytest.raises(PermissionRefused):
        services.activation_issue(
            actor=accounts.outsider_secretary, people=[roster.zhao], purpose=ActivationCode.Purpose.ACTIVATE
        )


@pytest.mark.parametrize("role", ["member", "inspector"])
def test_members_and_inspectors_get_404_on_the_activation_pages(accounts, roster, role):
    client = _client(getattr(accounts, role))
    assert client.get(reverse("accounts:activation_units")).status_code == 404
    sheet = reverse("accounts:activation_sheet", args=[roster.zhao.unit_id])
    assert client.get(sheet).status_code == 404
    assert client.post(sheet, {"mode": "all"}).status_code == 404
    assert client.post(reverse("accounts:person_reset", args=[roster.zhao.pk])).status_code == 404
    assert not ActivationCode.objects.exists()


def test_units_page_counts_people_with_and_without_accounts(
    accounts, roster, org, django_assert_max_num_queries
):
    client = _client(accounts.unit_admin)
    response = client.get(reverse("accounts:activation_units"))
    rows = {row.unit.name: row for row in response.context["rows"]}
    # branch1: 李书记 and 王职工 have accounts; 赵大山 and 钱二 do not; 孙三 has left and is not counted
    assert (rows["甲醇厂第一党支部"].people, rows["甲醇厂第一党支部"].with_account) == (4, 2)
    assert (rows["甲醇厂第二党支部"].people, rows["甲醇厂第二党支部"].with_account) == (1, 0)
    assert rows["甲醇厂党总支"].people == 5 and rows["甲醇厂党总支"].without_account == 3
    assert "机关党支部" not in rows  # nobody there
    secretary_rows = _client(accounts.secretary).get(reverse("accounts:activation_units")).context["rows"]
    assert [r.unit.name for r in secretary_rows] == ["甲醇厂第一党支部"]

    with django_assert_max_num_queries(12) as before:
        client.get(reverse("accounts:activation_units"))
    for i in range(15):
        testing.make_person(org.office, name=f"新人{'甲乙丙丁戊己庚辛壬癸子丑寅卯辰'[i]}")
    with django_assert_max_num_queries(len(before.captured_queries)):
        client.get(reverse("accounts:activation_units"))


# ---------------------------------------------------------------------------------------------------- redeeming


def test_the_link_activates_once_and_the_person_then_logs_in_with_their_mobile(accounts, roster):
    slip = _issue(accounts.secretary, roster.zhao)
    page = Client().get(reverse("accounts:activate", args=[slip.token]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "赵*山" in html and "甲醇厂第一党支部" in html
    assert page["Referrer-Policy"] == "same-origin"

    client, response = _redeem_by_link(slip.token)
    assert response.status_code == 302
    roster.zhao.refresh_from_db()
    user = roster.zhao.user
    assert user is not None and _logged_in(client) == str(user.pk)
    assert user.username == f"p{roster.zhao.pk}"

    again = Client().get(reverse("accounts:activate", args=[slip.token]))
    assert again.status_code == 410 and "已经使用过" in again.content.decode()
    _, replay = _redeem_by_link(slip.token, "another-pass-99")
    assert replay.status_code == 410

    fresh = Client()
    login = fresh.post(reverse("accounts:login"), {"username": "13800000001", "password": NEW_PASSWORD})
    assert login.status_code == 302 and _logged_in(fresh) == str(user.pk)
    event = AuditEvent.objects.get(action="account.activate")
    assert event.object_type == "accounts.user" and event.object_id == str(user.pk)
    assert event.actor_id == user.pk and event.unit_path == roster.zhao.unit.path


def test_the_code_activates_once(accounts, roster):
    slip = _issue(accounts.secretary, roster.qian)
    step_one = Client().post(
        reverse("accounts:activate_code"), {"identifier": "E20002", "code": slip.code_display.lower()}
    )
    html = step_one.content.decode()
    assert 'name="password1"' in html and "钱*" in html  # on to the password step, the slip's owner named

    client, response = _redeem_by_code("E20002", slip.code_display.lower())
    assert response.status_code == 302
    roster.qian.refresh_from_db()
    assert roster.qian.user is not None and _logged_in(client) == str(roster.qian.user.pk)

    _, again = _redeem_by_code("E20002", slip.code)
    assert again.status_code == 200 and "已经使用过" in again.content.decode()
    assert Person.objects.get(pk=roster.qian.pk).user_id == roster.qian.user.pk


def test_an_expired_slip_is_refused_in_chinese(accounts, roster):
    slip = _issue(accounts.secretary, roster.zhao)
    ActivationCode.objects.update(expires_at=timezone.now() - timezone.timedelta(minutes=1))
    page = Client().get(reverse("accounts:activate", args=[slip.token]))
    assert page.status_code == 410 and "已过期" in page.content.decode()
    _, by_code = _redeem_by_code("E20001", slip.code)
    assert "已过期" in by_code.content.decode()
    roster.zhao.refresh_from_db()
    assert roster.zhao.user is None


def test_reissuing_voids_the_earlier_slip(accounts, roster):
    first = _issue(accounts.secretary, roster.zhao)
    second = _issue(accounts.secretary, roster.zhao)
    page = Client().get(reverse("accounts:activate", args=[first.token]))
    assert page.status_code == 410 and "已作废" in page.content.decode()
    _, by_code = _redeem_by_code("13800000001", first.code)
    assert "已作废" in by_code.content.decode()
    _, response = _redeem_by_link(second.token)
    assert response.status_code == 302


def test_wrong_codes_are_refused_and_then_rate_limited(accounts, roster):
    slip = _issue(accounts.secretary, roster.zhao)
    wrong = "ABCD-EFGH" if slip.code != "ABCDEFGH" else "HGFE-DCBA"
    url = reverse("accounts:activate_code")
    first = Client().post(url, {"identifier": "E20001", "code": wrong})
    assert "工号/手机号或激活码不正确" in first.content.decode()
    # the same person typed in other ways shares one counter
    for identifier in ["E20001", "13800000001", " １３８" + "０" * 7 + "１ "] * 3:
        Client().post(url, {"identifier": identifier, "code": wrong})
    limited = Client().post(url, {"identifier": "E20001", "code": slip.code})
    html = limited.content.decode()
    assert "尝试次数过多" in html and 'name="password1"' not in html
    _, redeem = _redeem_by_code("13800000001", slip.code)
    assert "尝试次数过多" in redeem.content.decode()
    roster.zhao.refresh_from_db()
    assert roster.zhao.user is None
    # other people are not affected
    other = _issue(accounts.secretary, roster.qian)
    _, fine = _redeem_by_code("E20002", other.code)
    assert fine.status_code == 302


def test_a_code_works_only_with_its_own_persons_number(accounts, roster):
    slip = _issue(accounts.secretary, roster.zhao)
    _, response = _redeem_by_code("E20002", slip.code)
    assert "工号/手机号或激活码不正确" in response.content.decode()


def test_weak_passwords_are_refused_in_chinese_and_the_slip_stays_usable(accounts, roster):
    slip = _issue(accounts.secretary, roster.zhao)
    _, numeric = _redeem_by_link(slip.token, "12345678")
    assert "密码不能全是数字" in numeric.content.decode()
    client = Client()
    mismatch = client.post(
        reverse("accounts:activate", args=[slip.token]),
        {"password1": NEW_PASSWORD, "password2": "other-1234"},
    )
    assert "两次输入的密码不一致" in mismatch.content.decode()
    _, ok = _redeem_by_link(slip.token)
    assert ok.status_code == 302


def test_the_activation_page_never_shows_full_numbers(accounts, roster):
    slip = _issue(accounts.secretary, roster.zhao)
    pages = [
        Client().get(reverse("accounts:activate", args=[slip.token])),
        Client().post(reverse("accounts:activate_code"), {"identifier": "13800000001", "code": slip.code}),
    ]
    for page in pages:
        html = page.content.decode()
        assert 'name="password1"' in html
        assert "E20001" not in html
        assert roster.zhao.id_number not in html and roster.zhao.id_number_masked not in html
        assert "赵大山" not in html


def test_an_unknown_link_is_404_in_chinese():
    response = Client().get(reverse("accounts:activate", args=["no-such-token"]))
    assert response.status_code == 404 and "激活链接无效" in response.content.decode()


# ---------------------------------------------------------------------------------------------------- resetting


def test_reset_sets_a_new_password_and_the_old_one_stops_working(accounts):
    member = accounts.member
    old_session = Client()
    old_session.post(reverse("accounts:login"), {"username": "member", "password": "correct-horse-battery-9"})
    assert _logged_in(old_session) == str(member.pk)

    secretary = _client(accounts.secretary)
    confirm = secretary.get(reverse("accounts:person_reset", args=[member.person.pk]))
    assert confirm.status_code == 200 and "重置登录" in confirm.content.decode()
    sheet = secretary.post(reverse("accounts:person_reset", args=[member.person.pk]))
    html = sheet.content.decode()
    assert SLIP_NAME.findall(html) == ["王职工"] and "重置登录单" in html
    (code,) = SLIP_CODE.findall(html)

    client, response = _redeem_by_code("A1001", code, "a-whole-new-pass-5")
    assert response.status_code == 302 and _logged_in(client) == str(member.pk)
    assert old_session.get(reverse("home")).status_code == 302  # the old session has ended
    refused = Client().post(
        reverse("accounts:login"), {"username": "13912345678", "password": "correct-horse-battery-9"}
    )
    assert refused.status_code == 200
    accepted = Client().post(
        reverse("accounts:login"), {"username": "13912345678", "password": "a-whole-new-pass-5"}
    )
    assert accepted.status_code == 302
    assert AuditEvent.objects.filter(action="account.reset_issue", object_id=str(member.pk)).count() == 1
    assert AuditEvent.objects.filter(action="account.reset", object_id=str(member.pk)).count() == 1
    assert Person.objects.get(pk=member.person.pk).user_id == member.pk  # the same account, not a new one


def test_reset_voids_earlier_reset_slips(accounts):
    first = _issue(accounts.secretary, accounts.member.person, ActivationCode.Purpose.RESET)
    _issue(accounts.secretary, accounts.member.person, ActivationCode.Purpose.RESET)
    _, response = _redeem_by_link(first.token)
    assert response.status_code == 410 and "已作废" in response.content.decode()


def test_reset_unlocks_an_account_locked_by_failed_logins(accounts):
    for _ in range(5):
        Client().post(reverse("accounts:login"), {"username": "member", "password": "wrong"})
    slip = _issue(accounts.secretary, accounts.member.person, ActivationCode.Purpose.RESET)
    _redeem_by_link(slip.token)
    response = Client().post(reverse("accounts:login"), {"username": "A1001", "password": NEW_PASSWORD})
    assert response.status_code == 302


def test_a_secretary_cannot_reset_an_account_holding_higher_roles(accounts, org):
    admin_person = testing.make_person(org.branch1, name="高管理", employee_no="E90001")
    admin_user = testing.make_account("bigadmin", person=admin_person)
    testing.grant(admin_user, Role.UNIT_ADMIN, org.committee)
    client = _client(accounts.secretary)
    response = client.post(reverse("accounts:person_reset", args=[admin_person.pk]), follow=True)
    assert "有权授予这些角色的管理员" in response.content.decode()
    assert not ActivationCode.objects.filter(person=admin_person).exists()
    # the unit admin over the committee may
    assert services.activation_issue(
        actor=accounts.sysadmin, people=[admin_person], purpose=ActivationCode.Purpose.RESET
    )


def test_a_reset_slip_is_not_printed_for_someone_without_an_account(accounts, roster):
    client = _client(accounts.secretary)
    response = client.post(reverse("accounts:person_reset", args=[roster.zhao.pk]), follow=True)
    assert "尚未开通账号" in response.content.decode()
    assert not ActivationCode.objects.exists()


# ---------------------------------------------------------------------------------------------------- secrets


def test_no_code_token_or_password_reaches_the_audit_log(accounts, roster):
    secrets = []
    slip = _issue(accounts.secretary, roster.zhao)
    secrets += [slip.code, slip.code_display, slip.token]
    _redeem_by_link(slip.token, "first-secret-pass-1")
    slip2 = _issue(accounts.secretary, roster.qian)
    secrets += [slip2.code, slip2.code_display, slip2.token]
    _redeem_by_code("E20002", slip2.code, "second-secret-pass-2")
    reset = _issue(accounts.secretary, accounts.member.person, ActivationCode.Purpose.RESET)
    secrets += [reset.code, reset.code_display, reset.token]
    _redeem_by_link(reset.token, "third-secret-pass-3")
    accounts.member.refresh_from_db()
    client = _client(accounts.member)
    client.post(
        reverse("accounts:password_change"),
        {
            "old_password": "third-secret-pass-3",
            "new_password1": "fourth-secret-pass-4",
            "new_password2": "fourth-secret-pass-4",
        },
    )
    secrets += ["first-secret-pass-1", "second-secret-pass-2", "third-secret-pass-3", "fourth-secret-pass-4"]
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"account.activation_issue", "account.activate", "account.reset_issue", "account.reset"} <= actions
    assert "account.password_change" in actions
    for event in AuditEvent.objects.all():
        dumped = " ".join(str(v) for v in [event.object_repr, event.before, event.after, event.actor_label])
        for secret in secrets:
            assert secret not in dumped, (event.action, secret)
        row_hashes = ActivationCode.objects.values_list("token_hash", "code_hash")
        for token_hash, code_hash in row_hashes:
            assert token_hash not in dumped and code_hash not in dumped


def test_issuing_a_sheet_takes_the_same_queries_for_two_people_or_twelve(accounts, org, roster):
    client = _client(accounts.secretary)
    url = reverse("accounts:activation_sheet", args=[org.branch1.pk])
    with CaptureQueriesContext(connection) as two:
        assert len(SLIP_NAME.findall(client.post(url, {"mode": "all"}).content.decode())) == 2
    ActivationCode.objects.all().delete()
    for i in range(10):
        testing.make_person(org.branch1, name=f"职工{'甲乙丙丁戊己庚辛壬癸'[i]}", employee_no=f"E4000{i}")
    with CaptureQueriesContext(connection) as twelve:
        assert len(SLIP_NAME.findall(client.post(url, {"mode": "all"}).content.decode())) == 12
    assert len(twelve.captured_queries) == len(two.captured_queries)
