"""axe-core on every main page, at desk and phone width, as each role and as an anonymous visitor.

A page passes with no critical and no serious violation. axe-core comes from the npm registry into `.ci/node/`
(`cd .ci/node && npm install`); `.ci/run` installs it, and like the browser itself it is required when CI is set.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from netconduct import testing
from netconduct.core.url_matrix import ROLES
from netconduct.home.tests.test_url_matrix import CASES, world  # noqa: F401 (a fixture: objects in every scope)

pytestmark = [pytest.mark.browser, pytest.mark.once]

AXE = Path(__file__).resolve().parents[3] / ".ci" / "node" / "node_modules" / "axe-core" / "axe.min.js"

# The main pages: a URL name and, when it takes one, the case of test_url_matrix that makes its object.
PAGES = [
    "home",
    "campaigns:list",
    "campaigns:detail",
    "campaigns:my_task",
    "campaigns:year_compare",
    "documents:list",
    "documents:detail",
    "studies:session_list",
    "studies:session_detail",
    "studies:yearly_rule",
    "pledges:mine",
    "pledges:sign",
    "pledges:verify",
    "pledges:tracking",
    "registry:list",
    "registry:apply",
    "registry:account",
    "reports:home",
    "reports:file",
    "reports:follow",
    "reports:handle_list",
    "selfcheck:check",
    "org:tree",
    "org:people",
    "org:person",
    "notifications:notifications",
    "notifications:deliveries",
    "audit:list",
    "dashboard:index",
    "dashboard:drill",
    "accounts:login",
]
PUBLIC = ["accounts:login", "pledges:verify", "reports:follow"]
WIDTHS = {"desk": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
# Only what makes a page unusable to someone: the rules of these impacts fail the test.
FAILING_IMPACTS = {"critical", "serious"}


@pytest.fixture(scope="session")
def axe_source() -> str:
    if not AXE.exists():
        if os.environ.get("CI"):
            pytest.fail("CI runs the accessibility check: install axe-core (cd .ci/node && npm install)")
        pytest.skip("axe-core is not installed (cd .ci/node && npm install)")
    return AXE.read_text(encoding="utf-8")


def _cases_by_name() -> dict:
    return {c.name: c for c in CASES if c.method == "get"}


def _urls(objects, role: str | None) -> list[tuple[str, str]]:
    cases = _cases_by_name()
    urls = []
    for name in PAGES:
        case = cases[name]
        if role is None and name not in PUBLIC:
            continue
        if role is not None and role not in case.allowed:
            continue
        kwargs = case.inside(objects)
        urls.append((name, reverse(name, kwargs=kwargs or None) + case.query))
    return urls


def _violations(tab, axe_source: str) -> list[dict]:
    if not tab.evaluate("typeof window.axe !== 'undefined'"):
        tab.add_script_tag(content=axe_source)
    return tab.evaluate(
        """async () => {
            const result = await axe.run(document, {resultTypes: ['violations']});
            return result.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                targets: v.nodes.map(n => n.target.join(' ')).slice(0, 4),
            }));
        }"""
    )


def _check(browser, live_server, axe_source, urls, user) -> list[str]:
    failures = []
    for width, viewport in WIDTHS.items():
        context = browser.new_context(
            # bypass_csp: the product's policy forbids inline scripts, which is how axe-core is injected here; the
            # policy itself is checked by test_csp_browser.py.
            locale="zh-CN",
            viewport=viewport,
            is_mobile=width == "phone",
            bypass_csp=True,
        )
        tab = context.new_page()
        tab.set_default_timeout(15_000)
        if user is not None:
            client = Client()
            testing.login(client, user)  # the session of a real login, second factor included
            cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
            context.add_cookies(
                [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}]
            )
        who = user.username if user is not None else "anonymous"
        for name, url in urls:
            response = tab.goto(live_server.url + url)
            assert response.ok, f"{name} ({url}) as {who}: HTTP {response.status}"
            for v in _violations(tab, axe_source):
                if v["impact"] in FAILING_IMPACTS:
                    failures.append(
                        f"{name} [{width}, {who}] {v['impact']} {v['id']}: {v['help']} "
                        f"— {'; '.join(v['targets'])}"
                    )
        context.close()
    return failures


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("role", [*ROLES, None], ids=[*ROLES, "anonymous"])
def test_main_pages_have_no_serious_accessibility_violations(role, browser, live_server, axe_source, world):  # noqa: F811
    urls = _urls(world, role)
    assert urls
    user = getattr(world.accounts, role) if role else None
    failures = _check(browser, live_server, axe_source, urls, user)
    assert not failures, f"{len(failures)} critical/serious axe-core violations:\n" + "\n".join(failures)


def test_the_check_sees_a_serious_violation(browser, axe_source):
    """The harness itself: a red bar with pale text and an unlabelled select are reported."""
    context = browser.new_context(locale="zh-CN", bypass_csp=True)
    tab = context.new_page()
    tab.set_content(
        '<html lang="zh-CN"><head><title>t</title></head><body><main>'
        '<p style="background:#b3261e;color:rgba(255,255,255,.55)">首页</p><select><option>全部</option></select>'
        "</main></body></html>"
    )
    found = {(v["id"], v["impact"]) for v in _violations(tab, axe_source)}
    context.close()
    assert {("color-contrast", "serious"), ("select-name", "critical")} <= found
