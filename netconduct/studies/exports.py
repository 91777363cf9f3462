"""Exports of study sessions: the yearly rule as an .xlsx for the organisation department."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from netconduct.core.xlsx import XlsxBook

from . import selectors


def yearly_rule_xlsx(*, viewer, year: int) -> bytes:
    """Every branch of the viewer's scope, those with an accepted special study in `year` and those without (the
    same rows and counts as the page), one sheet."""
    rule = selectors.yearly_rule(viewer=viewer, year=year)
    book = XlsxBook()
    caption = _(
        "%(year)s年度网络行为规范专题学习（截至%(now)s；共%(total)s个党支部，已开展%(held)s个，未开展%(missing)s个）"
    ) % {
        "year": year,
        "now": f"{timezone.localtime():%Y-%m-%d %H:%M}",
        "total": rule.total,
        "held": rule.held,
        "missing": rule.missing,
    }
    sheet = book.sheet(
        _("专题学习"),
        [_("党支部"), _("上级组织"), _("是否开展"), _("已通过次数"), _("最近一次"), _("未通过的记录")],
        caption=caption,
    )
    for row in rule.rows:
        sheet.append(
            [
                row.unit.name,
                row.parent_name,
                _("已开展") if row.held else _("未开展"),
                row.n_special,
                timezone.localtime(row.latest) if row.latest else None,
                row.n_pending,
            ]
        )
    return book.to_bytes()
