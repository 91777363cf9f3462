"""The campaign page's rollup rows (`{% rollup_rows %}`) are the rows the template engine rendered before them:
the same markup, figures, translations and escaping, late units, proxies and every required action's column."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.template import Context, Template
from django.utils import translation

from netconduct import testing
from netconduct.campaigns import selectors, services
from netconduct.campaigns.models import Target
from netconduct.campaigns.templatetags.campaign_rollup import rollup_rows
from netconduct.campaigns.tests import factories as f
from netconduct.org import services as org_services

pytestmark = pytest.mark.django_db

# The loop that campaign_detail.html held before the tag, kept here as the reference.
TEMPLATE_ROWS = Template(
    """{% load i18n %}{% for r in rollup.rows %}
      <tr{% if r.overdue %} class="table-danger"{% endif %} data-unit="{{ r.unit.name }}">
        <td>{% if r.unit.pk == focus.pk %}{% translate "本级人员" %}{% elif r.has_children %}<a href="?unit={{ r.unit.pk }}">{{ r.unit.name }}</a>{% else %}<a href="?unit={{ r.unit.pk }}&people=1">{{ r.unit.name }}</a>{% endif %}{% if r.overdue %} <span class="badge text-bg-danger">{% translate "逾期" %}</span>{% endif %}{% if r.branches_behind %} <span class="small text-danger">{% blocktranslate count n=r.branches_behind %}{{ n }}个支部未完成{% plural %}{{ n }}个支部未完成{% endblocktranslate %}</span>{% endif %}</td>
        <td class="text-end">{{ r.tally.total }}</td>
        <td class="text-end">{{ r.tally.done }}</td>
        <td><div class="progress nc-progress-lg" role="progressbar" aria-label="{% if r.unit.pk == focus.pk %}{% translate "本级人员" %}{% else %}{{ r.unit.name }}{% endif %}{% translate "完成率" %}" aria-valuenow="{{ r.tally.percent }}" aria-valuemin="0" aria-valuemax="100"><div class="progress-bar {% if r.tally.percent >= 100 %}bg-success{% elif r.overdue %}bg-danger{% endif %}" data-nc-width="{{ r.tally.percent|stringformat:'f' }}">{{ r.tally.percent }}%</div></div></td>
        {% if campaign.requires_read %}<td class="text-end d-none d-md-table-cell">{{ r.tally.read }}{% if r.tally.proxy %} <span class="small text-secondary">({% translate "会议传达" %}{{ r.tally.proxy }})</span>{% endif %}</td>{% endif %}
        {% if campaign.requires_study %}<td class="text-end d-none d-md-table-cell">{{ r.tally.studied }}</td>{% endif %}
        {% if campaign.requires_pledge %}<td class="text-end d-none d-md-table-cell">{{ r.tally.pledged }}</td>{% endif %}
      </tr>
    {% endfor %}"""
)


def _markup(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r">\s+<", "><", str(html))).strip()


def test_rows_are_the_templates_rows_late_proxied_escaped_in_both_languages(org, accounts):
    odd = org_services.unit_create(
        actor=org.root_user, parent=org.plant, name='<b>"甲&乙"<b>支部', kind="branch"
    )
    for name in ("一", "二", "三"):
        testing.make_person(odd, name=f"新人{name}")
    testing.make_person(org.committee, name="党委本级")
    campaign = f.campaign(org.committee, actor=accounts.unit_admin, requires_study=True, requires_pledge=True)
    member = Target.objects.get(campaign=campaign, person=accounts.member.person)
    services.read_proxy(actor=accounts.secretary, target=member, reason="班前会传达")
    late = campaign.deadline + dt.timedelta(days=1)
    checked = 0
    for focus, today in ((org.committee, late), (org.plant, late), (org.plant, None), (org.branch1, late)):
        rollup = selectors.completion_rollup(campaign=campaign, focus=focus, today=today)
        for language in ("zh-hans", "en"):
            with translation.override(language):
                expected = TEMPLATE_ROWS.render(
                    Context({"rollup": rollup, "focus": focus, "campaign": campaign})
                )
                assert _markup(rollup_rows(rollup, campaign)) == _markup(expected)
        checked += len(rollup.rows)
    at_plant = selectors.completion_rollup(campaign=campaign, focus=org.plant, today=late)
    html = str(rollup_rows(at_plant, campaign))
    assert "&lt;b&gt;&quot;甲&amp;乙&quot;&lt;b&gt;支部" in html and "<b>" not in html
    assert "table-danger" in html and "(会议传达1)" in html
    committee = str(
        rollup_rows(selectors.completion_rollup(campaign=campaign, focus=org.committee, today=late), campaign)
    )
    assert "本级人员" in committee and "个支部未完成" in committee
    assert checked >= 6
