"""Exports of a campaign's completion: .xlsx for the offices, a printable PDF summary for the group company and
inspections. Both are built from the selectors' rollups, so they agree with the pages."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from netconduct.core.xlsx import Styled, XlsxBook
from netconduct.org.models import OrgUnit

from . import selectors
from .models import Campaign


@dataclass(frozen=True)
class Column:
    header: str  # in the .xlsx
    short: str  # in the PDF's narrow columns
    value: Callable[[selectors.Tally], object]
    suffix: str = ""  # in the PDF, after the figure


def columns(campaign: Campaign) -> list[Column]:
    """The figures shown for each unit: only the actions this campaign requires get a column."""
    cols = [
        Column(_("应完成人数"), _("应完成"), lambda t: t.total),
        Column(_("已完成"), _("已完成"), lambda t: t.done),
        Column(_("完成率(%)"), _("完成率"), lambda t: t.percent, "%"),
    ]
    if campaign.requires_read:
        cols += [
            Column(_("已阅读确认"), _("阅读"), lambda t: t.read),
            Column(_("其中会议传达"), _("会议传达"), lambda t: t.proxy),
        ]
    if campaign.requires_study:
        cols.append(Column(_("已参加学习"), _("学习"), lambda t: t.studied))
    if campaign.requires_pledge:
        cols.append(Column(_("已签承诺书"), _("承诺书"), lambda t: t.pledged))
    cols.append(Column(_("未完成"), _("未完成"), lambda t: t.pending))
    return cols


# (the campaign's flag, the column, what a person's (read_at, read_by_proxy, studied_at, pledged_at) shows, given
# the words for yes, no and conveyed in a meeting: translated once an export, not once a cell of 100,000 rows)
PERSON_ACTIONS: list[tuple[str, str, Callable[..., str]]] = [
    (
        "requires_read",
        gettext_lazy("已阅读确认"),
        lambda read, proxy, studied, pledged, yes, no, conveyed: (
            conveyed if read and proxy else yes if read else no
        ),
    ),
    (
        "requires_study",
        gettext_lazy("已参加学习"),
        lambda read, proxy, studied, pledged, yes, no, conveyed: yes if studied else no,
    ),
    (
        "requires_pledge",
        gettext_lazy("已签承诺书"),
        lambda read, proxy, studied, pledged, yes, no, conveyed: yes if pledged else no,
    ),
]


def rollup_xlsx(*, viewer, campaign: Campaign, focus: OrgUnit) -> bytes:
    """Sheet 1: `focus` and the units under it (down to the branches), each counted over its subtree as on the
    page, indented by level; sheet 2: everyone not yet done, by unit, with the required actions only."""
    rows = selectors.subtree_rollup(campaign=campaign, focus=focus)
    names = selectors.unit_ancestors_names([r.unit for r in rows])
    cols = columns(campaign)
    book = XlsxBook()
    caption = _("%(title)s　完成情况（%(unit)s，截至%(now)s，期限%(deadline)s）") % {
        "title": campaign.title,
        "unit": focus.name,
        "now": f"{timezone.localtime():%Y-%m-%d %H:%M}",
        "deadline": f"{campaign.deadline:%Y-%m-%d}",
    }
    sheet = book.sheet(_("按单位"), [_("单位"), _("上级单位"), *(c.header for c in cols)], caption=caption)
    for row in rows:
        parent = names.get(row.unit.path[: -OrgUnit.steplen], "")
        top = row.depth == 0
        sheet.append(
            [
                Styled(row.unit.name, indent=row.depth, bold=top),
                parent,
                *(Styled(c.value(row.tally), bold=True) if top else c.value(row.tally) for c in cols),
            ]
        )
    actions = [(str(header), fn) for flag, header, fn in PERSON_ACTIONS if getattr(campaign, flag)]
    people = book.sheet(_("未完成人员"), [_("单位"), _("姓名"), _("工号"), *(h for h, _fn in actions)])
    pending = selectors.target_list(
        viewer=viewer, campaign=campaign, unit=focus, status="pending"
    ).values_list(
        "unit__name",
        "person__name",
        "person__employee_no",
        "read_at",
        "read_by_proxy",
        "studied_at",
        "pledged_at",
    )
    words = (_("是"), _("否"), _("会议传达"))
    for unit_name, name, employee_no, *done in pending.iterator(chunk_size=5000):
        people.append([unit_name, name, employee_no or "", *(fn(*done, *words) for _header, fn in actions)])
    return book.to_bytes()


def rollup_pdf(*, campaign: Campaign, focus: OrgUnit) -> bytes:
    """A printable A4 summary: figures for the whole scope, then one line per unit, the late ones marked."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import LongTable, Paragraph, SimpleDocTemplate, Spacer, TableStyle

    from netconduct.documents.rendering.fonts import Face, FontSet

    rows = selectors.subtree_rollup(campaign=campaign, focus=focus)
    total = rows[0].tally if rows and rows[0].depth == 0 else selectors.Tally()
    cols = columns(campaign)
    now = timezone.localtime()
    title = _("%(title)s完成情况") % {"title": campaign.title}
    subtitle = _("范围：%(unit)s　期限：%(deadline)s　统计时间：%(now)s") % {
        "unit": focus.name,
        "deadline": date_format(campaign.deadline, "DATE_FORMAT"),
        "now": date_format(now, "DATETIME_FORMAT"),
    }
    head = [_("单位"), *(c.short for c in cols)]
    name_width = 180 - 15 * len(cols)  # mm: the figures take what they need, the names the rest
    name_chars = int(name_width / 3.4)  # 9-point CJK characters per column, less the cell padding

    def name(r: selectors.RollupRow) -> str:
        text = "　" * r.depth + r.unit.name  # indented by level, as the page nests them
        return text if len(text) <= name_chars else text[: name_chars - 1] + "…"

    body = [  # plain cells, names cut to the column: 2,000 branches stay a fast table
        [name(r), *(f"{c.value(r.tally)}{c.suffix}" for c in cols)] for r in rows
    ]
    summary = _("应完成%(total)s人，已完成%(done)s人（%(percent)s%%），未完成%(pending)s人") % {
        "total": total.total,
        "done": total.done,
        "percent": total.percent,
        "pending": total.pending,
    }
    summary += (
        _("；其中会议传达%(proxy)s人。") % {"proxy": total.proxy} if campaign.requires_read else _("。")
    )
    fonts = FontSet()
    fonts.add(Face.XIAOBIAOSONG, title)
    fonts.add(
        Face.FANGSONG,
        subtitle + summary + "".join(head) + "".join("".join(r) for r in body) + "第页共—0123456789",
    )
    out = io.BytesIO()
    with fonts.registered() as names:
        title_style = ParagraphStyle(
            "t", fontName=names[Face.XIAOBIAOSONG], fontSize=18, leading=26, alignment=1
        )
        text_style = ParagraphStyle(
            "s", fontName=names[Face.FANGSONG], fontSize=10.5, leading=16, wordWrap="CJK"
        )
        table = LongTable(
            [head, *body],
            colWidths=[name_width * mm] + [15 * mm] * len(cols),
            repeatRows=1,
        )
        style = [
            ("FONTNAME", (0, 0), (-1, -1), names[Face.FANGSONG]),
            ("FONTSIZE", (0, 0), (-1, -1), 9),
            ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f1f1f1")),
            ("ALIGN", (1, 0), (-1, -1), "CENTER"),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ]
        for i, row in enumerate(rows, start=1):
            if row.depth == 0:
                style.append(("BACKGROUND", (0, i), (-1, i), colors.HexColor("#fafafa")))
            if row.overdue:
                style.append(("TEXTCOLOR", (0, i), (-1, i), colors.HexColor("#b00000")))
        table.setStyle(TableStyle(style))

        def footer(canvas, doc):
            canvas.saveState()
            canvas.setFont(names[Face.FANGSONG], 9)
            canvas.drawCentredString(A4[0] / 2, 12 * mm, f"— {doc.page} —")
            canvas.restoreState()

        pdf = SimpleDocTemplate(
            out,
            pagesize=A4,
            leftMargin=15 * mm,
            rightMargin=15 * mm,
            topMargin=18 * mm,
            bottomMargin=20 * mm,
            title=title,
        )
        pdf.build(
            [
                Paragraph(title, title_style),
                Spacer(1, 4 * mm),
                Paragraph(subtitle, text_style),
                Paragraph(summary, text_style),
                Spacer(1, 4 * mm),
                table,
            ],
            onFirstPage=footer,
            onLaterPages=footer,
        )
    return out.getvalue()


def year_compare_xlsx(compare: selectors.YearOverYear) -> bytes:
    """Sheet 1: who signed last year's pledge and not this year's (and whether they are still in scope); sheet 2:
    who is new this year. The same people as the page (the viewer's scope)."""
    from django.utils.translation import gettext as _

    book = XlsxBook()
    caption = _("%(title)s　与%(source)s对比（截至%(now)s）") % {
        "title": compare.campaign.title,
        "source": compare.source.title,
        "now": f"{timezone.localtime():%Y-%m-%d %H:%M}",
    }
    lapsed = book.sheet(
        _("上年已签本年未签"), [_("单位"), _("姓名"), _("工号"), _("本年是否在范围内")], caption=caption
    )
    for person in compare.lapsed.iterator(chunk_size=2000):
        still = _("是") if person.in_scope_now else _("否（已离开范围）")
        lapsed.append([person.unit.name, person.name, person.employee_no or "", still])
    new = book.sheet(_("本年新增"), [_("单位"), _("姓名"), _("工号")], caption=caption)
    for person in compare.new.iterator(chunk_size=2000):
        new.append([person.unit.name, person.name, person.employee_no or ""])
    return book.to_bytes()
