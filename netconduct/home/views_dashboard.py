"""The committee's dashboard (system and unit administrators): the page, its charts, the units behind each figure
and the spreadsheets. Anyone without the `dashboard.view` scope is answered 404, as for other staff pages."""

from __future__ import annotations

import csv
import io

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import content_disposition_header, urlencode
from django.utils.translation import gettext as _

from netconduct.campaigns.choices import CampaignStatus
from netconduct.core.xlsx import XLSX_TYPE, XlsxBook, csv_row
from netconduct.org import scoping
from netconduct.reports.choices import ReportState

from . import dashboard as board

PAGE_SIZE = 100
# Colours with at least 3:1 against white (chart marks) and the one red of the site for what is behind.
GREEN, BLUE, AMBER, RED, GREY = "#198754", "#0b5ed7", "#b35c00", "#c8161d", "#6c757d"


def _charts(d: board.Dashboard) -> dict[str, dict]:
    """Each chart as ECharts options (plain JSON, no functions): every mark carries the URL of the units behind it,
    which the page's script opens on a click."""
    y = d.year
    campaigns = d.campaigns.rows
    campaign_chart = {
        "grid": {"left": 8, "right": 48, "top": 8, "bottom": 8, "containLabel": True},
        "xAxis": {"type": "value", "max": 100, "axisLabel": {"formatter": "{value}%"}},
        "yAxis": {
            "type": "category",
            "inverse": True,
            "data": [f.campaign.title for f in campaigns],
            "axisLabel": {"width": 110, "overflow": "truncate"},
        },
        "tooltip": {"trigger": "item", "formatter": "{b}: {c}%"},
        "series": [
            {
                "type": "bar",
                "barMaxWidth": 18,
                "label": {"show": True, "position": "right", "formatter": "{c}%"},
                "data": [
                    {
                        "value": f.percent,
                        "url": board.drill_url("campaigns", y, campaign=f.campaign.pk),
                        "itemStyle": {"color": GREEN if f.percent >= 100 else (RED if f.late else BLUE)},
                    }
                    for f in campaigns
                ],
            }
        ],
        "height": max(160, 40 + 32 * len(campaigns)),
    }
    months = [_("%(m)s月") % {"m": m} for m in range(1, 13)]
    s = d.studies
    study_chart = {
        "grid": {"left": 8, "right": 8, "top": 36, "bottom": 8, "containLabel": True},
        "legend": {"top": 0},
        "tooltip": {"trigger": "axis"},
        "xAxis": {"type": "category", "data": months, "axisLabel": {"interval": 1}},
        "yAxis": {"type": "value", "minInterval": 1},
        "series": [
            {
                "name": _("当月开展的支部"),
                "type": "bar",
                "barMaxWidth": 20,
                "itemStyle": {"color": BLUE},
                "data": [
                    {"value": n, "url": board.drill_url("studies", y, month=i + 1)}
                    for i, n in enumerate(s.months)
                ],
            },
            {
                "name": _("累计已开展"),
                "type": "line",
                "itemStyle": {"color": GREEN},
                "data": [{"value": n, "url": board.drill_url("studies", y, held=1)} for n in s.reached],
            },
        ],
        "height": 260,
    }
    p = d.pledges
    pledge_chart = {
        "tooltip": {"trigger": "item", "formatter": "{b}: {c} ({d}%)"},
        "legend": {"bottom": 0},
        "series": [
            {
                "type": "pie",
                "radius": ["35%", "65%"],
                "center": ["50%", "45%"],
                "label": {"position": "inside", "formatter": "{c}", "color": "#fff", "fontWeight": "bold"},
                "data": [
                    {
                        "name": _("线上签订"),
                        "value": p.online.this,
                        "url": board.drill_url("pledges", y, method="online"),
                        "itemStyle": {"color": GREEN},
                    },
                    {
                        "name": _("纸质签订"),
                        "value": p.paper.this,
                        "url": board.drill_url("pledges", y, method="paper"),
                        "itemStyle": {"color": BLUE},
                    },
                    {
                        "name": _("尚未签订"),
                        "value": p.outstanding.this,
                        "url": board.drill_url("pledges", y, method="outstanding"),
                        "itemStyle": {"color": RED},
                    },
                ],
            }
        ],
        "height": 260,
    }
    r = d.registry.rows
    stacks = [
        ("confirmed", _("年检确认"), GREEN),
        ("closing", _("申请注销"), AMBER),
        ("pending", _("未答复"), RED),
        ("unreviewed", _("未纳入年检"), GREY),
    ]
    registry_chart = {
        "grid": {"left": 8, "right": 16, "top": 36, "bottom": 8, "containLabel": True},
        "legend": {"top": 0},
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "xAxis": {"type": "value", "minInterval": 1},
        "yAxis": {
            "type": "category",
            "inverse": True,
            "data": [f.label for f in r],
            "axisLabel": {"width": 90, "overflow": "truncate"},
        },
        "series": [
            {
                "name": label,
                "type": "bar",
                "stack": "review",
                "barMaxWidth": 18,
                "itemStyle": {"color": colour},
                "data": [
                    {"value": getattr(f, key), "url": board.drill_url("registry", y, platform=f.platform)}
                    for f in r
                ],
            }
            for key, label, colour in stacks
        ],
        "height": max(180, 60 + 30 * len(r)),
    }
    rep = d.reports
    report_chart = {
        "grid": {"left": 8, "right": 8, "top": 36, "bottom": 8, "containLabel": True},
        "legend": {"top": 0},
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "xAxis": {"type": "category", "data": [label for _v, label, _p in rep.states]},
        "yAxis": {"type": "value", "minInterval": 1},
        "series": [
            {
                "name": _("%(y)s年") % {"y": y - 1},
                "type": "bar",
                "barMaxWidth": 20,
                "itemStyle": {"color": GREY},
                "data": [
                    {"value": p.last, "url": board.drill_url("reports", y - 1)} for _v, _l, p in rep.states
                ],
            },
            {
                "name": _("%(y)s年") % {"y": y},
                "type": "bar",
                "barMaxWidth": 20,
                "itemStyle": {"color": BLUE},
                "data": [{"value": p.this, "url": board.drill_url("reports", y)} for _v, _l, p in rep.states],
            },
        ],
        "height": 240,
    }
    return {
        "campaigns": campaign_chart,
        "studies": study_chart,
        "pledges": pledge_chart,
        "registry": registry_chart,
        "reports": report_chart,
    }


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    scoping.require_any_or_404(request.user, board.ACTION)
    year = board.parse_year(request.GET.get("year"))
    d = board.dashboard(viewer=request.user, year=year)
    return render(
        request,
        "home/dashboard.html",
        {
            "d": d,
            "year": year,
            "last_year": year - 1,
            "years": board.years_offered(),
            "charts": _charts(d),
            "months": list(zip(range(1, 13), d.studies.months, d.studies.reached, strict=True)),
            "drill": {s: board.drill_url(s, year) for s in board.DRILLS},
            "missing_url": board.drill_url("studies", year, held=0),
            "overdue_url": board.drill_url("campaigns", year, overdue=1),
            "statuses": CampaignStatus,
        },
    )


def _figure(value) -> object:
    return "" if value is None else value


@login_required
def dashboard_export(request: HttpRequest) -> HttpResponse:
    """The dashboard's figures as a workbook: one sheet per section, this year beside last year."""
    scoping.require_any_or_404(request.user, board.ACTION)
    year = board.parse_year(request.GET.get("year"))
    d = board.dashboard(viewer=request.user, year=year)
    book = XlsxBook()
    this_y, last_y = _("%(y)s年") % {"y": year}, _("%(y)s年") % {"y": year - 1}

    def pairs(title: str, rows: list[tuple[str, board.Pair]]) -> None:
        sheet = book.sheet(title, [_("指标"), this_y, last_y, _("增减")], caption=f"{title}（{this_y}）")
        for label, pair in rows:
            sheet.append([label, _figure(pair.this), _figure(pair.last), _figure(pair.delta)])

    c = d.campaigns
    pairs(
        _("概览"),
        [
            (_("宣贯活动"), c.count),
            (_("进行中的宣贯活动"), c.open),
            (_("已结束的宣贯活动"), c.closed),
            (_("宣贯完成率（%）"), c.completion),
            (_("逾期未完成的组织"), c.units_overdue),
            (_("已开展专题学习的支部"), d.studies.held),
            (_("专题学习覆盖率（%）"), d.studies.coverage),
            (_("线上签订承诺书"), d.pledges.online),
            (_("纸质签订承诺书"), d.pledges.paper),
            (_("尚未签订承诺书"), d.pledges.outstanding),
            (_("新备案账号"), d.registry.filed),
            (_("年检已答复账号"), d.registry.reviewed),
            (_("举报"), d.reports.reports),
            (_("举报平均办结天数"), d.reports.close_days),
            (_("案件"), d.reports.cases),
            (_("已结案件"), d.reports.cases_closed),
            (_("案件平均结案天数"), d.reports.case_days),
        ],
    )
    sheet = book.sheet(
        _("宣贯活动"),
        [_("活动"), _("状态"), _("完成期限"), _("应完成"), _("已完成"), _("完成率（%）"), _("逾期组织")],
    )
    for f in c.rows:
        sheet.append(
            [
                f.campaign.title,
                f.campaign.get_status_display(),
                f.campaign.deadline,
                f.total,
                f.done,
                f.percent,
                f.units_overdue,
            ]
        )
    sheet = book.sheet(_("专题学习"), [_("月份"), _("当月开展的支部"), _("累计已开展"), _("支部总数")])
    for month, n, reached in zip(range(1, 13), d.studies.months, d.studies.reached, strict=True):
        sheet.append([_("%(m)s月") % {"m": month}, n, reached, d.studies.branches])
    sheet = book.sheet(
        _("备案账号"),
        [
            _("平台"),
            _("在册"),
            this_y + _("备案"),
            last_y + _("备案"),
            _("年检确认"),
            _("申请注销"),
            _("未答复"),
            _("未纳入年检"),
        ],
    )
    for f in d.registry.rows:
        sheet.append(
            [f.label, f.active, f.filed, f.filed_last, f.confirmed, f.closing, f.pending, f.unreviewed]
        )
    sheet = book.sheet(_("举报状态"), [_("状态"), this_y, last_y])
    for _value, label, pair in d.reports.states:
        sheet.append([label, pair.this, pair.last])
    response = HttpResponse(book.to_bytes(), content_type=XLSX_TYPE)
    response["Content-Disposition"] = content_disposition_header(
        True, _("委员会看板-%(y)s年.xlsx") % {"y": year}
    )
    response["Cache-Control"] = "no-store"
    return response


@login_required
def dashboard_drill(request: HttpRequest, section: str, pk: int | None = None) -> HttpResponse:
    """The units behind one section's figures, in the viewer's scope (under unit `pk` when given: 404 outside)."""
    scoping.require_any_or_404(request.user, board.ACTION)
    if section not in board.DRILLS:
        raise Http404
    focus = board.unit_get_for(viewer=request.user, pk=pk) if pk is not None else None
    year = board.parse_year(request.GET.get("year"))
    result = board.drill(viewer=request.user, section=section, year=year, params=request.GET, focus=focus)
    headers = [_("组织"), _("上级组织"), *(str(c.label) for c in result.columns)]
    fmt = request.GET.get("format", "")
    if fmt in ("xlsx", "csv"):
        rows = board.drill_rows(result, list(result.units))
        stem = f"{result.title}-{year}"
        if fmt == "csv":
            out = io.StringIO()
            out.write("\ufeff")  # Excel opens UTF-8 with a byte order mark as UTF-8
            writer = csv.writer(out)
            writer.writerow(csv_row(headers))
            for row in rows:
                writer.writerow(csv_row([row["unit"].name, row["parent"], *_cells(row["values"])]))
            response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
            response["Content-Disposition"] = content_disposition_header(True, f"{stem}.csv")
        else:
            book = XlsxBook()
            caption = f"{result.title} {result.filter_label}（{year}）".strip()
            sheet = book.sheet(str(result.title), headers, caption=caption)
            for row in rows:
                sheet.append([row["unit"].name, row["parent"], *_cells(row["values"])])
            response = HttpResponse(book.to_bytes(), content_type=XLSX_TYPE)
            response["Content-Disposition"] = content_disposition_header(True, f"{stem}.xlsx")
        response["Cache-Control"] = "no-store"
        return response
    page = Paginator(result.units, PAGE_SIZE).get_page(request.GET.get("page"))
    filter_keys = {k for _label, params in result.choices for k in params}
    current = {k: request.GET[k] for k in filter_keys if request.GET.get(k)}
    choices = [
        (label, f"{request.path}?{urlencode({'year': year, **params})}", params == current)
        for label, params in result.choices
    ]
    keep = request.GET.copy()
    keep.pop("page", None)
    keep.pop("format", None)
    return render(
        request,
        "home/dashboard_drill.html",
        {
            "drill": result,
            "section": section,
            "focus": focus,
            "year": year,
            "years": board.years_offered(),
            "page": page,
            "rows": board.drill_rows(result, list(page.object_list)),
            "query": keep.urlencode(),
            "choices": choices,
            "here": request.path,
            "dashboard_url": reverse("dashboard:index") + f"?year={year}",
            "states": ReportState,
        },
    )


def _cells(values: list) -> list:
    out = []
    for value in values:
        if isinstance(value, bool):
            out.append(_("是") if value else _("否"))
        else:
            out.append(_figure(value))
    return out
