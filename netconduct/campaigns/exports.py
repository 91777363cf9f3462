"""Exports of a campaign's completion: .xlsx for the offices, a printable PDF summary for the group company and
inspections. Both are built from the selectors' rollups, so they agree with the pages."""

from __future__ import annotations

import io

from django.utils import timezone
from openpyxl import Workbook

from netconduct.org.models import OrgUnit

from . import selectors
from .models import Campaign

HEADERS = [
    "单位",
    "上级单位",
    "应完成人数",
    "已完成",
    "完成率(%)",
    "已阅读确认",
    "其中会议传达",
    "已参加学习",
    "已签承诺书",
    "未完成",
]


def _tally_cells(t: selectors.Tally) -> list:
    return [t.total, t.done, t.percent, t.read, t.proxy, t.studied, t.pledged, t.pending]


def rollup_xlsx(*, viewer, campaign: Campaign, focus: OrgUnit) -> bytes:
    """Sheet 1: every unit with people under `focus`; sheet 2: everyone not yet done, by unit."""
    rows = selectors.branch_rollup(campaign=campaign, focus=focus)
    names = selectors.unit_ancestors_names([r.unit for r in rows])
    book = Workbook(write_only=True)
    sheet = book.create_sheet("按单位")
    sheet.append(
        [
            f"{campaign.title}　完成情况（{focus.name}，截至{timezone.localtime():%Y-%m-%d %H:%M}，期限{campaign.deadline:%Y-%m-%d}）"
        ]
    )
    sheet.append(HEADERS)
    total = selectors.Tally()
    for row in rows:
        parent = names.get(row.unit.path[: -OrgUnit.steplen], "")
        sheet.append([row.unit.name, parent, *_tally_cells(row.tally)])
        total.add(row.tally)
    sheet.append(["合计", "", *_tally_cells(total)])
    people = book.create_sheet("未完成人员")
    people.append(["单位", "姓名", "工号", "已阅读确认", "已参加学习", "已签承诺书"])
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
    for unit_name, name, employee_no, read_at, proxy, studied_at, pledged_at in pending.iterator(
        chunk_size=5000
    ):
        people.append(
            [
                unit_name,
                name,
                employee_no or "",
                ("会议传达" if proxy else "是") if read_at else "否",
                "是" if studied_at else "否",
                "是" if pledged_at else "否",
            ]
        )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def rollup_pdf(*, campaign: Campaign, focus: OrgUnit) -> bytes:
    """A printable A4 summary: figures for the whole scope, then one line per unit, the late ones marked."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import LongTable, Paragraph, SimpleDocTemplate, Spacer, TableStyle

    from netconduct.documents.rendering.fonts import Face, FontSet

    rows = selectors.branch_rollup(campaign=campaign, focus=focus)
    total = selectors.Tally()
    for row in rows:
        total.add(row.tally)
    now = timezone.localtime()
    title = f"{campaign.title}完成情况"
    subtitle = (
        f"范围：{focus.name}　期限：{campaign.deadline:%Y年%-m月%-d日}　统计时间：{now:%Y年%-m月%-d日 %H:%M}"
    )
    head = ["单位", "应完成", "已完成", "完成率", "阅读", "会议传达", "学习", "承诺书", "未完成"]
    body = [  # plain cells, names cut to the column: 2,000 branches stay a fast table
        [
            r.unit.name if len(r.unit.name) <= 16 else r.unit.name[:15] + "…",
            *[str(v) for v in _tally_cells(r.tally)[:2]],
            f"{r.tally.percent}%",
            *[str(v) for v in _tally_cells(r.tally)[3:]],
        ]
        for r in rows
    ]
    summary = f"应完成{total.total}人，已完成{total.done}人（{total.percent}%），未完成{total.pending}人；其中会议传达{total.proxy}人。"
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
            colWidths=[52 * mm] + [15 * mm] * 8,
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
