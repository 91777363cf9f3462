"""The main pages in Chromium under the Content-Security-Policy: nothing is blocked, and what moved out of inline
code (sizes, the tree filter, the chart) still works."""

from __future__ import annotations

import pytest
from django.urls import reverse

from netconduct.campaigns.tests import factories as f

pytestmark = [pytest.mark.browser, pytest.mark.once, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct-horse-battery-9"


def _watch(tab) -> list[str]:
    """Console messages and policy violation events the page reports."""
    seen: list[str] = []
    tab.on("console", lambda m: seen.append(m.text) if "Content Security Policy" in m.text else None)
    tab.add_init_script(
        "document.addEventListener('securitypolicyviolation', e => "
        "console.error('Content Security Policy violation: ' + e.violatedDirective + ' ' + e.blockedURI));"
    )
    return seen


def _log_in(tab, live_server, username: str) -> None:
    tab.goto(live_server.url + reverse("accounts:login"))
    tab.fill("#id_username", username)
    tab.fill("#id_password", PASSWORD)
    tab.click("button[type=submit]")
    tab.wait_for_load_state("networkidle")


def test_main_pages_report_no_policy_violation(live_server, page, phone, org, accounts):
    campaign = f.campaign(org.committee, actor=accounts.unit_admin, title="2026年网络行为规范宣贯")
    violations = _watch(page)
    page.goto(live_server.url + reverse("reports:file"))  # the public filing page, not signed in
    page.wait_for_load_state("networkidle")
    _log_in(page, live_server, "unitadmin")
    urls = [
        reverse("home"),
        reverse("campaigns:list"),
        reverse("campaigns:detail", args=[campaign.pk]),
        reverse("org:tree"),
        reverse("notifications:notifications"),
        reverse("audit:list"),
        reverse("registry:list"),
        reverse("selfcheck:check"),
        reverse("accounts:activation_units"),
        reverse("accounts:password_change"),
    ]
    for url in urls:
        response = page.goto(live_server.url + url)
        page.wait_for_load_state("networkidle")
        assert "script-src 'self'" in response.headers["content-security-policy"], url
        assert not violations, (url, violations)

    # The watch does see a violation: an inline style injected into the page is blocked and reported.
    page.evaluate("document.body.insertAdjacentHTML('beforeend', '<div style=\"color:red\">x</div>')")
    page.wait_for_timeout(300)
    assert violations
    violations.clear()

    page.goto(live_server.url + reverse("campaigns:detail", args=[campaign.pk]))
    bar = page.locator(".progress-bar").first
    assert bar.evaluate("el => el.style.width").endswith("%")  # set from data-nc-width
    assert page.locator("#rollup-chart svg").count() == 1  # the chart drew
    page.goto(live_server.url + reverse("org:tree"))
    page.fill("#tree-filter", "第二党支部")
    assert page.locator("#org-tree li", has_text="机关党支部").last.is_hidden()  # the leaf itself

    phone_violations = _watch(phone)
    _log_in(phone, live_server, "13912345678")
    for url in [
        reverse("home"),
        reverse("campaigns:my_tasks") if _has("campaigns:my_tasks") else reverse("home"),
    ]:
        phone.goto(live_server.url + url)
        phone.wait_for_load_state("networkidle")
    assert not phone_violations and not violations


def _has(name: str) -> bool:
    from django.urls import NoReverseMatch

    try:
        reverse(name)
    except NoReverseMatch:
        return False
    return True
