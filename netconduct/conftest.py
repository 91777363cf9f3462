"""Fixtures shared by every app's tests: the standard organisation and one account per role."""

from __future__ import annotations

import os
from dataclasses import dataclass

import pytest

from netconduct import testing
from netconduct.notifications.tests.robots import robot  # noqa: F401 (a fixture: a fake group-robot server)
from netconduct.org.choices import Role


@pytest.fixture
def org(db) -> testing.StandardOrg:
    return testing.build_standard_org()


@dataclass
class RoleAccounts:
    sysadmin: object
    unit_admin: object  # over the committee
    secretary: object  # of branch1
    inspector: object  # over the committee
    member: object  # a person of branch1 with an account and no grant
    outsider_secretary: object  # of branch2: branch1 is out of their scope

    def all(self) -> dict[str, object]:
        return {
            "sysadmin": self.sysadmin,
            "unit_admin": self.unit_admin,
            "secretary": self.secretary,
            "inspector": self.inspector,
            "member": self.member,
        }


@pytest.fixture
def accounts(org) -> RoleAccounts:
    sysadmin = testing.make_account("sysadmin")
    testing.grant(sysadmin, Role.SYSADMIN, org.group)
    unit_admin = testing.make_account("unitadmin")
    testing.grant(unit_admin, Role.UNIT_ADMIN, org.committee)
    secretary = testing.make_account(
        "secretary",
        person=testing.make_person(org.branch1, name="李书记", categories=["party_member", "cadre"]),
    )
    testing.grant(secretary, Role.SECRETARY, org.branch1)
    inspector = testing.make_account("inspector")
    testing.grant(inspector, Role.INSPECTOR, org.committee)
    member = testing.make_account(
        "member",
        person=testing.make_person(org.branch1, name="王职工", employee_no="A1001", mobile="13912345678"),
    )
    outsider = testing.make_account("secretary2")
    testing.grant(outsider, Role.SECRETARY, org.branch2)
    return RoleAccounts(sysadmin, unit_admin, secretary, inspector, member, outsider)


# ---------------------------------------------------------------------------------------------------- browser

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright; required in CI, skipped elsewhere when it is not installed."""
    import os
    from pathlib import Path

    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail("CI runs the browser tests: install Debian's chromium (apt-get install chromium)")
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    # Playwright's sync API runs an event loop in this thread; the ORM calls the tests make are still synchronous.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield instance
        instance.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    yield tab
    context.close()


@pytest.fixture
def phone(browser):
    """A phone-sized page, as members open links inside WeChat."""
    context = browser.new_context(
        locale="zh-CN",
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
        user_agent="Mozilla/5.0 (Linux; Android 13) AppleWebKit/537.36 Chrome/120 Mobile Safari/537.36 MicroMessenger/8.0",
    )
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    yield tab
    context.close()


def pytest_collection_modifyitems(config, items):
    """Checks marked `once` do not touch the configured database; the PostgreSQL pass of CI leaves them to the
    SQLite pass instead of running them twice."""
    if not os.environ.get("DATABASE_URL"):
        return
    skip = pytest.mark.skip(reason="database-independent check: runs once, in the SQLite pass")
    for item in items:
        if item.get_closest_marker("once"):
            item.add_marker(skip)
