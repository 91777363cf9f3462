"""The campaign page's rollup table, one row per unit, built in one pass.

At a 100,000-person committee the page lists 183 units. Through the template engine each row was some sixty nodes
(variables resolved attribute by attribute, localized and escaped one by one, a translation looked up per cell), and
the rows cost about as much as the query that counts them. Here a row is one format string: the labels are
translated once per page, the figures localized once per distinct value, the names escaped once."""

from __future__ import annotations

from functools import lru_cache

from django import template
from django.utils.formats import localize
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, ngettext

register = template.Library()

ROW = (
    '<tr{row_class} data-unit="{name}"><td>{label}{late}{behind}</td>'
    '<td class="text-end">{total}</td><td class="text-end">{done}</td>'
    '<td><div class="progress nc-progress-lg" role="progressbar" aria-label="{who}{rate}" aria-valuenow="{percent}"'
    ' aria-valuemin="0" aria-valuemax="100"><div class="progress-bar {bar}" data-nc-width="{width:f}">{percent}%</div>'
    "</div></td>{read}{studied}{pledged}</tr>\n"
)
CELL = '<td class="text-end d-none d-md-table-cell">{}</td>'


@register.simple_tag
def rollup_rows(rollup, campaign) -> SafeString:
    """The `<tr>`s of the page's rollup table: each unit's figures, the required actions' columns only, the late
    ones marked; a unit with units below links to its own rollup, one without to its people."""
    number = lru_cache(maxsize=None, typed=True)(localize)
    own_people = escape(gettext("本级人员"))
    late = ' <span class="badge text-bg-danger">{}</span>'.format(escape(gettext("逾期")))
    rate = escape(gettext("完成率"))
    conveyed = escape(gettext("会议传达"))
    focus_pk = rollup.focus.pk
    out = []
    for r in rollup.rows:
        tally, unit = r.tally, r.unit
        name = escape(unit.name)
        if unit.pk == focus_pk:
            label = who = own_people
        elif r.has_children:
            label, who = f'<a href="?unit={unit.pk}">{name}</a>', name
        else:
            label, who = f'<a href="?unit={unit.pk}&people=1">{name}</a>', name
        behind = ""
        if r.branches_behind:
            n = r.branches_behind
            text = ngettext("%(n)s个支部未完成", "%(n)s个支部未完成", n) % {"n": number(n)}
            behind = f' <span class="small text-danger">{text}</span>'
        read = ""
        if campaign.requires_read:
            proxy = (
                f' <span class="small text-secondary">({conveyed}{number(tally.proxy)})</span>'
                if tally.proxy
                else ""
            )
            read = CELL.format(f"{number(tally.read)}{proxy}")
        percent = tally.percent
        out.append(
            ROW.format(
                row_class=' class="table-danger"' if r.overdue else "",
                name=name,
                label=label,
                late=late if r.overdue else "",
                behind=behind,
                total=number(tally.total),
                done=number(tally.done),
                who=who,
                rate=rate,
                percent=number(percent),
                bar="bg-success" if percent >= 100 else "bg-danger" if r.overdue else "",
                width=percent,
                read=read,
                studied=CELL.format(number(tally.studied)) if campaign.requires_study else "",
                pledged=CELL.format(number(tally.pledged)) if campaign.requires_pledge else "",
            )
        )
    return mark_safe("".join(out))  # noqa: S308 — every name and label above is escaped; figures are numbers
