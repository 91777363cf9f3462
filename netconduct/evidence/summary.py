"""The pack's summary (汇总说明), the first file an inspector opens: what was issued and when, how it was conveyed,
the study sessions held, pledge completion by branch, who is outstanding and why, and what the pack holds.

Long lists are cut in the PDF (the full lists are in the pack's spreadsheets) so that a 2,000-branch committee's
summary stays a document one reads; the tables are plain cells, which ReportLab lays out fast.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils import timezone

from netconduct.documents.rendering.fonts import Face
from netconduct.documents.rendering.layout import balanced_lines
from netconduct.studies.records import mixed_fonts

from .contents import Outstanding, PackContents

SESSION_ROWS_MAX = 1000
BRANCH_ROWS_MAX = 3000
OUTSTANDING_ROWS_MAX = 500
MISSING_BRANCHES_MAX = 500


@dataclass
class Inventory:
    """What the pack holds, counted before it is written."""

    documents: int
    sessions: int
    photos: int
    pledges: int
    tables: list[str]


def _date(value) -> str:
    if value is None:
        return "—"
    local = timezone.localtime(value) if hasattr(value, "hour") else value
    return f"{local:%Y-%m-%d}"


def _fit(text: str, font: str, size: float, width: float) -> str:
    """`text` on one line of `width` points, cut with "…" when longer (names in the long tables)."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    text = (text or "").replace("\n", " ")
    if stringWidth(text, font, size) <= width:
        return text
    low, high = 0, len(text)
    while low < high:  # the longest prefix that fits with the ellipsis
        middle = (low + high + 1) // 2
        if stringWidth(text[:middle] + "…", font, size) <= width:
            low = middle
        else:
            high = middle - 1
    return text[:low] + "…"


def _plain(mixed, cell: str, font: str, width: float, style):
    """A one-line cell cut to its column; one holding a rare character (a name outside GB2312) is set inline in
    its subset font instead, and wraps."""
    from reportlab.platypus import Paragraph

    if mixed.rare_chars and not mixed.rare_chars.isdisjoint(cell):
        return Paragraph(mixed.markup(cell, font), style)
    return _fit(cell, font, 9, width)


SHORT_ACTIONS = {"未阅读确认": "未阅读", "未参加学习": "未学习", "未签订承诺书": "未签承诺书"}


def _short(missing: str) -> str:
    """ "未阅读、未学习、未签承诺书": the table's narrow column (the spreadsheet keeps the full words)."""
    for long, short in SHORT_ACTIONS.items():
        missing = missing.replace(long, short)
    return missing


def _pct(part: int, whole: int) -> str:
    return f"{round(100 * part / whole, 1)}%" if whole else "—"


def render_summary(
    contents: PackContents,
    *,
    outstanding: Sequence[Outstanding],
    inventory: Inventory,
    requester: str,
    generated_at=None,
) -> bytes:
    """The summary PDF (unsealed: the builder seals it)."""
    from reportlab.lib import colors
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.pdfbase.pdfmetrics import stringWidth
    from reportlab.platypus import KeepTogether, LongTable, Paragraph, SimpleDocTemplate, Spacer, TableStyle

    generated_at = timezone.localtime(generated_at or timezone.now())
    c = contents
    blocks: list[tuple[str, object]] = []  # ("h", text) heading, ("p", text) paragraph, ("t", (widths, rows))

    def h(text: str) -> None:
        blocks.append(("h", text))

    def para(text: str) -> None:
        blocks.append(("p", text))

    def table(
        widths: list[float],
        head: list[str],
        rows: list[list[str]],
        numeric_from: int = 99,
        wrap: bool = False,
    ) -> None:
        """A table; `wrap`: cells wrap (short tables), else each cell is one line, cut to its column (long ones)."""
        blocks.append(("t", (widths, head, rows, numeric_from, wrap)))

    scope = f"宣贯活动“{c.campaign.title}”" if c.campaign is not None else f"{c.year}年度"
    para(
        f"单位：{c.unit.name}（含下级组织）　范围：{scope}　生成时间：{generated_at:%Y-%m-%d %H:%M}　生成人：{requester}"
    )

    # 一、文件下发
    h("一、文件下发情况")
    if c.documents:
        para(f"本范围内宣贯活动共传达文件{len(c.documents)}份：")
        table(
            [68, 44, 22, 46],
            ["文件标题", "文号", "印发日期", "所属宣贯活动"],
            [
                [
                    d.title,
                    d.number or "—",
                    _date(d.issued_at),
                    "、".join(c.document_campaigns.get(d.pk, [])),
                ]
                for d in c.documents
            ],
            wrap=True,
        )
    else:
        para("本范围内没有已发布的宣贯活动传达文件。")
    if c.campaigns:
        table(
            [70, 34, 24, 24, 28],
            ["宣贯活动", "发起单位", "发布日期", "完成期限", "要求"],
            [
                [
                    c.labels.get(x.pk, x.title),
                    x.unit.name,
                    _date(x.launched_at),
                    f"{x.deadline:%Y-%m-%d}",
                    "、".join(
                        label
                        for flag, label in (
                            (x.requires_read, "阅读"),
                            (x.requires_study, "学习"),
                            (x.requires_pledge, "承诺书"),
                        )
                        if flag
                    ),
                ]
                for x in c.campaigns
            ],
            wrap=True,
        )

    # 二、传达情况
    h("二、传达情况（阅读回执）")
    if c.figures:
        rows = []
        for f in c.figures:
            t = f.total
            rows.append(
                [
                    c.labels.get(f.campaign.pk, f.campaign.title),
                    f.focus.name,
                    str(t.total),
                    str(t.read) if f.campaign.requires_read else "—",
                    str(t.proxy) if f.campaign.requires_read else "—",
                    _pct(t.read, t.total) if f.campaign.requires_read else "—",
                    str(t.done),
                    _pct(t.done, t.total),
                ]
            )
        table(
            [50, 28, 16, 16, 18, 18, 16, 18],
            ["宣贯活动", "统计范围", "应完成", "已阅读", "会议传达", "阅读率", "已完成", "完成率"],
            rows,
            numeric_from=2,
            wrap=True,
        )
        para("“会议传达”为未使用本平台的人员，由支部书记在会议上传达后代为确认，并记录了原因。")
    else:
        para("无。")

    # 三、学习开展
    h("三、学习开展情况")
    total_branches = len(c.branches)
    para(
        f"共有{total_branches}个党支部，其中{c.branches_held}个已开展专题学习（已提交或已审核通过的学习记录），"
        f"{total_branches - c.branches_held}个尚未开展；学习记录共{len(c.sessions)}次。"
    )
    if c.sessions:
        shown = c.sessions[:SESSION_ROWS_MAX]
        table(
            [22, 44, 26, 62, 26],
            ["日期", "支部", "形式", "主题", "出席/应到"],
            [
                [
                    _date(s.starts_at),
                    s.unit_name,
                    s.form,
                    s.topic,
                    f"{s.present}/{s.marked}",
                ]
                for s in shown
            ],
            numeric_from=4,
        )
        if len(c.sessions) > len(shown):
            para(f"以上列出前{len(shown)}次，全部{len(c.sessions)}次见“04-完成情况/学习开展情况.xlsx”。")
    missing = [b for b in c.branches if not b.sessions]
    if missing:
        para(f"尚未开展专题学习的党支部（{len(missing)}个）：")
        shown_missing = missing[:MISSING_BRANCHES_MAX]
        table(
            [90, 90],
            ["党支部", "上级组织"],
            [[b.name, b.parent] for b in shown_missing],
        )
        if len(missing) > len(shown_missing):
            para(f"以上列出前{len(shown_missing)}个，全部见“04-完成情况/学习开展情况.xlsx”。")

    # 四、承诺书
    h("四、承诺书签订情况（按党支部）")
    pledge_figures = [f for f in c.figures if f.campaign.requires_pledge]
    if not pledge_figures:
        para("本范围内的宣贯活动未要求签订承诺书。")
    for f in pledge_figures:
        t = f.pledge_total
        para(
            f"“{c.labels.get(f.campaign.pk, f.campaign.title)}”：应签{t.total}人，已签{t.signed}人（线上{t.online}人，纸质{t.paper}人），"
            f"签订率{_pct(t.signed, t.total)}，未签{t.unsigned}人"
            + (
                f"；另有{f.waiting_for_seal}份已签订、正在等待可信时间戳签章，未收入本材料包"
                if f.waiting_for_seal
                else ""
            )
            + "。"
        )
        shown_rows = f.pledge_rows[:BRANCH_ROWS_MAX]
        table(
            [80, 18, 18, 18, 18, 28],
            ["单位", "应签", "已签", "线上", "纸质", "签订率"],
            [
                [
                    r.unit.name,
                    str(r.tally.total),
                    str(r.tally.signed),
                    str(r.tally.online),
                    str(r.tally.paper),
                    _pct(r.tally.signed, r.tally.total),
                ]
                for r in shown_rows
            ],
            numeric_from=1,
        )
        if len(f.pledge_rows) > len(shown_rows):
            para(f"以上列出前{len(shown_rows)}个单位，全部见“04-完成情况”中的承诺书签订表。")

    # 五、未完成
    h("五、未完成人员及原因")
    if not c.outstanding_count:
        para("全部人员均已完成。")
    else:
        para(
            f"未完成共{c.outstanding_count}人次。原因一栏为学习记录中登记的缺席、请假原因；"
            "完整名单见“04-完成情况/未完成人员及原因.xlsx”。"
        )
        shown_people = list(outstanding[:OUTSTANDING_ROWS_MAX])
        if len(c.figures) > 1:  # which campaign each line is about
            table(
                [30, 16, 34, 50, 50],
                ["单位", "姓名", "宣贯活动", "未完成事项", "缺席学习原因"],
                [
                    [o.unit_name, o.name, o.campaign, _short(o.missing), o.absence or "—"]
                    for o in shown_people
                ],
                wrap=True,
            )
        else:
            table(
                [40, 18, 46, 76],
                ["单位", "姓名", "未完成事项", "缺席学习原因"],
                [[o.unit_name, o.name, _short(o.missing), o.absence or "—"] for o in shown_people],
                wrap=True,
            )
        if c.outstanding_count > len(shown_people):
            para(f"以上列出前{len(shown_people)}人次。")

    # 六、材料清单
    h("六、材料清单")
    for line in (
        f"01-文件：传达的通知与规范{inventory.documents}份（PDF，按公文格式生成）。",
        f"02-学习记录：学习会议记录{inventory.sessions}份（PDF），会议照片{inventory.photos}张。",
        f"03-承诺书：已签章归档的承诺书{inventory.pledges}份（存档原件，含电子签章和可信时间戳）。",
        f"04-完成情况：{'、'.join(inventory.tables) or '无'}。",
        "manifest.json 列出本材料包每个文件的 SHA-256 摘要，manifest.json.p7s 是本单位电子签章对清单的签名；"
        "本汇总说明带有同一签章。核验：netconduct verify-pack 材料包.zip，或 "
        "openssl cms -verify -binary -inform DER -in manifest.json.p7s -content manifest.json -CAfile 根证书.pem -purpose any。",
    ):
        para(line)

    # ----------------------------------------------------------------------------------------- render
    title = c.title
    text = [title, "第页共—0123456789"]
    for kind, value in blocks:
        if kind == "t":
            widths, head, rows, _n, _wrap = value
            text.append("".join(head))
            text.extend("".join(r) for r in rows)
        else:
            text.append(str(value))
    joined = "".join(text)
    out = io.BytesIO()
    with mixed_fonts({Face.XIAOBIAOSONG: title, Face.FANGSONG: joined, Face.HEITI: joined}) as mixed:
        fonts = mixed.names
        serif, sans = fonts[Face.FANGSONG], fonts[Face.HEITI]
        title_style = ParagraphStyle(
            "t", fontName=fonts[Face.XIAOBIAOSONG], fontSize=18, leading=26, alignment=1
        )
        h_style = ParagraphStyle("h", fontName=sans, fontSize=12.5, leading=20, spaceBefore=8, spaceAfter=3)
        cell_style = ParagraphStyle("c", fontName=serif, fontSize=9, leading=11, wordWrap="CJK")
        num_style = ParagraphStyle("n", parent=cell_style, alignment=1)
        p_style = ParagraphStyle("p", fontName=serif, fontSize=10.5, leading=16, wordWrap="CJK", spaceAfter=3)
        width = 180 * mm - 14  # the frame's width, less its padding
        lines = balanced_lines(title, lambda t: stringWidth(t, fonts[Face.XIAOBIAOSONG], 18), width)
        heading = "<br/>".join(
            mixed.markup(text, title_style.fontName) for text, _w, _last in lines
        )  # 排列对称, as official titles are
        story: list = [Paragraph(heading, title_style), Spacer(1, 4 * mm)]
        pending_heading = None
        for kind, value in blocks:
            if kind == "h":
                pending_heading = Paragraph(mixed.markup(value, sans), h_style)
                continue
            if kind == "p":
                item = Paragraph(mixed.markup(value, serif), p_style)
            else:
                widths, head, rows, numeric_from, wrap = value
                room = [w * mm - 8 for w in widths]  # less the cells' padding
                if wrap:
                    body = [
                        [
                            Paragraph(
                                mixed.markup(cell, serif), num_style if i >= numeric_from else cell_style
                            )
                            for i, cell in enumerate(row)
                        ]
                        for row in rows
                    ]
                else:
                    body = [
                        [_plain(mixed, cell, serif, room[i], cell_style) for i, cell in enumerate(row)]
                        for row in rows
                    ]
                item = LongTable([head, *body], colWidths=[w * mm for w in widths], repeatRows=1)
                item.setStyle(
                    TableStyle(
                        [
                            ("FONTNAME", (0, 0), (-1, -1), serif),
                            ("FONTNAME", (0, 0), (-1, 0), sans),
                            ("FONTSIZE", (0, 0), (-1, -1), 9),
                            ("LEADING", (0, 0), (-1, -1), 11),
                            ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                            ("LEFTPADDING", (0, 0), (-1, -1), 4),
                            ("RIGHTPADDING", (0, 0), (-1, -1), 4),
                            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f1f1f1")),
                            ("ALIGN", (numeric_from, 0), (-1, -1), "CENTER"),
                            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                        ]
                    )
                )
            if pending_heading is not None:
                # a heading never ends a page alone: it goes over with what follows it
                story.append(KeepTogether([pending_heading, item]) if kind == "p" else pending_heading)
                if kind != "p":
                    story.append(item)
                pending_heading = None
            else:
                story.append(item)
            if kind == "t":
                story.append(Spacer(1, 3 * mm))

        def footer(canvas, doc):
            canvas.saveState()
            canvas.setFont(serif, 9)
            canvas.drawCentredString(105 * mm, 10 * mm, f"— {doc.page} —")
            canvas.restoreState()

        SimpleDocTemplate(
            out,
            pagesize=(210 * mm, 297 * mm),
            leftMargin=15 * mm,
            rightMargin=15 * mm,
            topMargin=18 * mm,
            bottomMargin=18 * mm,
            title=title,
            author=c.unit.name,
            creator="netconduct",
        ).build(story, onFirstPage=footer, onLaterPages=footer)
    return out.getvalue()
