"""The dashboard in Chromium: its charts draw under the Content-Security-Policy, a click on a mark opens the units
behind it, and at 390 px nothing scrolls sideways."""

from __future__ import annotations

import pytest
from django.urls import reverse

from netconduct.campaigns.models import Target
from netconduct.campaigns.services import read_confirm
from netconduct.campaigns.tests import factories as f
from netconduct.home.tests.test_csp_browser import _log_in, _watch

pytestmark = [pytest.mark.browser, pytest.mark.once, pytest.mark.django_db(transaction=True)]
# The registry's chart is drawn only where accounts are filed; these four always are.
CHARTS = ("chart-campaigns", "chart-studies", "chart-pledges", "chart-reports")


def test_charts_draw_and_a_click_opens_the_units_behind_them(live_server, page, phone, org, accounts):
    campaign = f.campaign(org.committee, actor=accounts.unit_admin, title="看板测试宣贯")
    target = Target.objects.get(campaign=campaign, person=accounts.member.person)
    read_confirm(actor=accounts.member, target=target, document=campaign.documents.get())  # a bar to click on
    violations = _watch(page)
    _log_in(page, live_server, "unitadmin")
    page.goto(live_server.url + reverse("dashboard:index"))
    page.wait_for_load_state("networkidle")
    for chart in CHARTS:
        assert page.locator(f'[data-nc-chart="{chart}"] svg').count() == 1, chart
    assert page.locator("[data-nc-chart]").count() == page.locator("[data-nc-chart] svg").count()
    assert not violations, violations

    # A point on the campaign's bar (10 % along its first category), placed through the chart's own API.
    box = page.locator('[data-nc-chart="chart-campaigns"]').bounding_box()
    x, y = page.evaluate(
        """() => echarts.getInstanceByDom(document.querySelector('[data-nc-chart="chart-campaigns"]'))
                 .convertToPixel({seriesIndex: 0}, [10, 0])"""
    )
    with page.expect_navigation():
        page.mouse.click(box["x"] + x, box["y"] + y)
    assert page.url.startswith(live_server.url + reverse("dashboard:drill", kwargs={"section": "campaigns"}))
    assert f"campaign={campaign.pk}" in page.url
    assert page.locator("#drill-table tbody tr").count() >= 1
    assert page.get_by_text("看板测试宣贯").count() >= 1

    _log_in(phone, live_server, "unitadmin")
    for url in (reverse("dashboard:index"), reverse("dashboard:drill", kwargs={"section": "campaigns"})):
        phone.goto(live_server.url + url)
        phone.wait_for_load_state("networkidle")
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390, url
