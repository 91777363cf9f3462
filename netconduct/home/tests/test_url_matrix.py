"""Every URL of the product, requested as every role, on an object inside and outside the role's scope."""

from __future__ import annotations

import importlib
import pkgutil
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse

import netconduct
from netconduct import testing
from netconduct.core.url_matrix import ROLES, Exempt, UrlCase, product_url_names
from netconduct.org import services
from netconduct.org.choices import Role, UnitKind
from netconduct.org.models import RoleGrant


def _collect() -> tuple[list[UrlCase], list[Exempt]]:
    cases: list[UrlCase] = []
    exempt: list[Exempt] = []
    for module in pkgutil.iter_modules(netconduct.__path__):
        try:
            mod = importlib.import_module(f"netconduct.{module.name}.tests.url_cases")
        except ModuleNotFoundError:
            continue
        cases.extend(getattr(mod, "CASES", []))
        exempt.extend(getattr(mod, "EXEMPT", []))
    return cases, exempt


CASES, EXEMPTIONS = _collect()


def test_every_url_has_a_case_or_a_written_exemption():
    covered = {c.name for c in CASES} | {e.name for e in EXEMPTIONS}
    missing = sorted(product_url_names() - covered)
    assert not missing, f"URLs without a permission case (add them to <app>/tests/url_cases.py): {missing}"
    stale = sorted(covered - product_url_names())
    assert not stale, f"cases for URLs that no longer exist: {stale}"
    assert all(e.reason.strip() for e in EXEMPTIONS)


@dataclass
class World:
    org: object
    accounts: object
    member_person: object
    other_branch: object
    other_person: object
    inside_grant: object
    other_grant: object


@pytest.fixture
def world(org, accounts) -> World:
    root = org.root_user
    other_company = services.unit_create(actor=root, parent=org.group, name="其他公司", kind=UnitKind.COMPANY)
    other_branch = services.unit_create(
        actor=root, parent=other_company, name="其他公司党支部", kind=UnitKind.BRANCH
    )
    other_person = testing.make_person(other_branch, name="外单位人员")
    other_user = testing.make_account("other-secretary")
    other_grant = testing.grant(other_user, Role.SECRETARY, other_branch)
    return World(
        org=org,
        accounts=accounts,
        member_person=accounts.member.person,
        other_branch=other_branch,
        other_person=other_person,
        inside_grant=RoleGrant.objects.get(user=accounts.secretary, role=Role.SECRETARY),
        other_grant=other_grant,
    )


def _request(client: Client, case: UrlCase, kwargs: dict, world: World):
    url = reverse(case.name, kwargs=kwargs or None) + case.query
    return (
        getattr(client, case.method)(url, data=case.data(world)) if case.method == "post" else client.get(url)
    )


def _in_rollback(fn):
    with transaction.atomic():
        try:
            return fn()
        finally:
            transaction.set_rollback(True)


def _is_login_redirect(response) -> bool:
    return response.status_code == 302 and "/accounts/login" in response["Location"]


@pytest.mark.django_db
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_url_permission_matrix(case: UrlCase, world: World):
    failures: list[str] = []
    for role in ROLES:
        user = getattr(world.accounts, role)
        client = Client()
        testing.login(client, user)
        response = _in_rollback(lambda c=client: _request(c, case, case.inside(world), world))
        if role in case.allowed:
            if response.status_code not in case.expect_ok or _is_login_redirect(response):
                failures.append(f"{role}: inside → {response.status_code}, expected success")
        elif response.status_code != 404:
            failures.append(f"{role}: inside → {response.status_code}, expected 404")
        if case.outside is not None and role != "sysadmin":
            response = _in_rollback(lambda c=client: _request(c, case, case.outside(world), world))
            if response.status_code != 404:
                failures.append(f"{role}: outside → {response.status_code}, expected 404")
    anonymous = _in_rollback(lambda: _request(Client(), case, case.inside(world), world))
    if case.public:
        if anonymous.status_code not in case.expect_ok:
            failures.append(f"anonymous → {anonymous.status_code}, expected success")
    elif not _is_login_redirect(anonymous) and anonymous.status_code != 404:
        failures.append(f"anonymous → {anonymous.status_code}, expected the login page or 404")
    assert not failures, f"{case.name}: " + "; ".join(failures)


# Every parameter a page reads, with a value no form would send: huge, negative, non-numeric, NUL bytes, unknown
# choices, impossible dates, a redirect elsewhere. Pages answer them with their normal page, a message, a redirect or
# a 404 — never a server error.
HOSTILE_QUERY = (
    "?year=99999999999999999999&page=-1&unit=abc%00&status=%3Cscript%3E&kind=nope&under=-5&tab=..%2F..&format=exe"
    "&person=1e309&document=-1&open=%00&closed=x&missing=x&answer=x&report=99999999999999999999999&people=x"
    "&download=x&inline=x&fragment=x&action=x&next=%2F%2Fevil.example&q=%00%27&month=13&date=9999-99-99"
)
GET_CASES = [c for c in CASES if c.method == "get"]


@pytest.mark.django_db
@pytest.mark.parametrize("case", GET_CASES, ids=[c.name for c in GET_CASES])
def test_hostile_query_parameters_never_break_a_page(case: UrlCase, world: World):
    roles = [r for r in ROLES if r in case.allowed][:1] or ["member"]
    clients = []
    for role in roles:
        client = Client()
        testing.login(client, getattr(world.accounts, role))
        clients.append((role, client))
    if case.public:
        clients.append(("anonymous", Client()))
    for role, client in clients:
        url = reverse(case.name, kwargs=case.inside(world) or None) + HOSTILE_QUERY
        response = _in_rollback(lambda c=client, u=url: c.get(u))
        assert response.status_code < 500, f"{case.name} as {role}: {response.status_code}"
        if response.status_code in (301, 302):
            target = urlsplit(response["Location"])
            assert target.netloc in ("", "testserver"), f"{case.name} redirects off the site"


class _Forms(HTMLParser):
    """The POST forms of a page: (action, [(field name, input type)])."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[tuple[str, list[tuple[str, str]]]] = []
        self._open = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self._open = (attrs.get("method") or "get").lower() == "post"
            if self._open:
                self.forms.append((attrs.get("action") or "", []))
        elif self._open and tag in ("input", "select", "textarea") and attrs.get("name"):
            kind = attrs.get("type", tag).lower() if tag == "input" else tag
            if kind not in ("submit", "button", "file", "image", "reset"):
                self.forms[-1][1].append((attrs["name"], kind))

    def handle_endtag(self, tag):
        if tag == "form":
            self._open = False


# Each value goes into every field of every form at once: a number too large for any column, a negative count, an
# impossible date, a NUL byte (PostgreSQL refuses them in text), a choice no list offers.
HOSTILE_VALUES = ("99999999999999999999", "-1", "9999-99-99", "甲\x00乙", "不存在的选项")
FORM_CASES = [c for c in GET_CASES if not c.public or c.allowed]


@pytest.mark.django_db
@pytest.mark.parametrize("case", FORM_CASES, ids=[c.name for c in FORM_CASES])
def test_hostile_form_values_never_break_a_page(case: UrlCase, world: World):
    role = next((r for r in ROLES if r in case.allowed), "member")
    client = Client()
    testing.login(client, getattr(world.accounts, role))
    page_url = reverse(case.name, kwargs=case.inside(world) or None)

    def run():
        page = client.get(page_url)
        if page.status_code != 200 or "text/html" not in page.get("Content-Type", ""):
            return
        parser = _Forms()
        parser.feed(page.content.decode())
        csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode())
        for action, fields in parser.forms:
            target = action or page_url
            if not target.startswith("/") or target.startswith(
                ("/accounts/logout", "/i18n/", "/accounts/language/")
            ):
                continue
            for value in HOSTILE_VALUES:
                data = {name: value for name, kind in fields if name != "csrfmiddlewaretoken"}
                if csrf:
                    data["csrfmiddlewaretoken"] = csrf[1]
                response = client.post(target, data)
                assert response.status_code < 500, (
                    f"{case.name}: POST {target} with {value!r} → {response.status_code}"
                )

    _in_rollback(run)
