"""Campaigns and their completion, study sessions and attendance, pledges, the account registry, and report and
case counts. Reads only, through each domain's selectors (and so through the one scoping function)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.http import Http404, HttpResponse
from ninja import Field, File, Query, Router, Schema
from ninja.files import UploadedFile

from netconduct.accounts.selectors import mask_name
from netconduct.campaigns import selectors as campaign_selectors
from netconduct.campaigns.models import Campaign
from netconduct.pledges import selectors as pledge_selectors
from netconduct.pledges import services as pledge_services
from netconduct.pledges import verification
from netconduct.pledges.choices import PledgeMethod, PledgeStatus, VerdictStatus
from netconduct.pledges.models import Pledge
from netconduct.pledges.views import VERIFY_UPLOAD_MAX
from netconduct.registry import selectors as registry_selectors
from netconduct.reports import case_selectors
from netconduct.reports import selectors as report_selectors
from netconduct.studies import selectors as study_selectors
from netconduct.studies.models import Attendance

from . import paging
from .auth import need, scoped, viewer
from .choices import KeyScope
from .errors import OBJECT_ERRORS, READ_ERRORS, ApiError, ErrorOut
from .paging import ObjectId
from .routes_org import Limit, scoped_unit

router = Router()

# ---------------------------------------------------------------------------------------------------- campaigns

CampaignStatusName = Literal["draft", "active", "closed"]


class CampaignOut(Schema):
    id: int
    title: str = Field(description="名称")
    year: int = Field(description="年度")
    unit_id: int = Field(description="发起组织（范围）编号")
    deadline: dt.date = Field(description="完成期限")
    status: CampaignStatusName = Field(description="状态：草稿、进行中、已结束")
    requires_read: bool = Field(description="要求阅读确认")
    requires_study: bool = Field(description="要求参加学习")
    requires_pledge: bool = Field(description="要求签订承诺书")
    launched_at: dt.datetime | None = Field(description="发布时间")
    updated_at: dt.datetime


class CampaignPage(Schema):
    items: list[CampaignOut]
    next_cursor: str | None


class CampaignFilters(Schema):
    cursor: str | None = Field(None, pattern=paging.CURSOR_PATTERN, description="上一页响应中的 next_cursor")
    limit: int = Limit
    status: CampaignStatusName | None = Field(None, description="只取此状态的活动")
    updated_since: paging.Since | None = Field(None, description="只取此时间及之后有变动的活动")


def _campaign_out(c: Campaign) -> dict:
    return {
        f: getattr(c, f)
        for f in (
            "title",
            "year",
            "unit_id",
            "deadline",
            "status",
            "requires_read",
            "requires_study",
            "requires_pledge",
            "launched_at",
            "updated_at",
        )
    } | {"id": c.pk}


def _campaign(request, campaign_id: int) -> Campaign:
    return campaign_selectors.campaign_get_for(viewer=viewer(request), pk=campaign_id)


TAG_CAMPAIGNS = "传达活动 campaigns"


@router.get(
    "campaigns",
    response={200: CampaignPage, **READ_ERRORS},
    tags=[TAG_CAMPAIGNS],
    summary="传达活动列表",
    **scoped(KeyScope.CAMPAIGNS_READ),
)
def campaigns_list(request, filters: Query[CampaignFilters]):
    """密钥范围内发起的活动，以及上级发起、覆盖到本范围的进行中和已结束的活动。"""
    need(request, KeyScope.CAMPAIGNS_READ)
    campaigns = campaign_selectors.campaign_list(viewer=viewer(request), status=filters.status or "")
    if filters.updated_since is not None:
        campaigns = campaigns.filter(updated_at__gte=paging.since(filters.updated_since))
    rows, cursor = paging.page(campaigns, cursor=filters.cursor, limit=filters.limit)
    return {"items": [_campaign_out(c) for c in rows], "next_cursor": cursor}


@router.get(
    "campaigns/{campaign_id}",
    response={200: CampaignOut, **OBJECT_ERRORS},
    tags=[TAG_CAMPAIGNS],
    summary="一个传达活动",
    **scoped(KeyScope.CAMPAIGNS_READ),
)
def campaign_detail(request, campaign_id: ObjectId):
    need(request, KeyScope.CAMPAIGNS_READ)
    return _campaign_out(_campaign(request, campaign_id))


class TallyOut(Schema):
    total: int = Field(description="应完成人数（已离开范围的人不计）")
    read: int = Field(description="已阅读确认")
    studied: int = Field(description="已参加学习")
    pledged: int = Field(description="已签订承诺书")
    done: int = Field(description="已全部完成")
    proxy: int = Field(description="会议传达代确认")
    percent: float = Field(description="完成率（%）")


class CompletionRow(Schema):
    unit_id: int
    name: str
    tally: TallyOut
    overdue: bool = Field(description="已过期限且有人未完成")


class CompletionOut(Schema):
    campaign_id: int
    unit_id: int = Field(description="统计的组织（含下级）")
    total: TallyOut
    overdue: bool
    rows: list[CompletionRow] = Field(description="该组织本身（若有人员）和每个直接下级组织，各含其全部下级")


class UnitQuery(Schema):
    unit: int | None = Field(
        None, ge=1, le=paging.MAX_ID, description="统计哪个组织（含下级）；不填为密钥能看到的最上级"
    )


def _tally(t) -> dict:
    return {
        "total": t.total,
        "read": t.read,
        "studied": t.studied,
        "pledged": t.pledged,
        "done": t.done,
        "proxy": t.proxy,
        "percent": t.percent,
    }


def _focus(request, campaign: Campaign, unit_id: int | None):
    if unit_id is not None:
        return scoped_unit(request, unit_id, "campaign.view")
    focus = campaign_selectors.focus_units(viewer=viewer(request), campaign=campaign)
    if not focus:
        raise Http404
    return focus[0]


@router.get(
    "campaigns/{campaign_id}/completion",
    response={200: CompletionOut, **OBJECT_ERRORS},
    tags=[TAG_CAMPAIGNS],
    summary="完成情况（按组织汇总）",
    **scoped(KeyScope.CAMPAIGNS_READ),
)
def campaign_completion(request, campaign_id: ObjectId, query: Query[UnitQuery]):
    """与活动页面相同的逐级汇总：人数、阅读、学习、承诺、完成和完成率；三次查询，与组织规模无关。"""
    need(request, KeyScope.CAMPAIGNS_READ)
    campaign = _campaign(request, campaign_id)
    focus = _focus(request, campaign, query.unit)
    rollup = campaign_selectors.completion_rollup(campaign=campaign, focus=focus)
    return {
        "campaign_id": campaign.pk,
        "unit_id": focus.pk,
        "total": _tally(rollup.total),
        "overdue": rollup.overdue,
        "rows": [
            {"unit_id": r.unit.pk, "name": r.unit.name, "tally": _tally(r.tally), "overdue": r.overdue}
            for r in rollup.rows
        ],
    }


class TargetOut(Schema):
    person_id: int
    name: str
    unit_id: int
    read_at: dt.datetime | None = Field(description="阅读确认时间")
    read_by_proxy: bool = Field(description="会议传达代确认")
    studied_at: dt.datetime | None = Field(description="参加学习时间")
    pledged_at: dt.datetime | None = Field(description="签订承诺书时间")
    done_at: dt.datetime | None = Field(description="全部完成时间")


class TargetPage(Schema):
    items: list[TargetOut]
    next_cursor: str | None


class TargetFilters(Schema):
    cursor: str | None = Field(None, pattern=paging.CURSOR_PATTERN, description="上一页响应中的 next_cursor")
    limit: int = Limit
    unit: int | None = Field(None, ge=1, le=paging.MAX_ID, description="只取此组织（含下级）的人员")
    status: Literal["done", "pending", "proxy"] | None = Field(None, description="已完成、未完成、会议传达")


@router.get(
    "campaigns/{campaign_id}/people",
    response={200: TargetPage, **OBJECT_ERRORS},
    tags=[TAG_CAMPAIGNS],
    summary="每个人的完成情况",
    **scoped(KeyScope.CAMPAIGNS_READ),
)
def campaign_people(request, campaign_id: ObjectId, filters: Query[TargetFilters]):
    need(request, KeyScope.CAMPAIGNS_READ)
    campaign = _campaign(request, campaign_id)
    focus = _focus(request, campaign, filters.unit)
    targets = campaign_selectors.target_list(
        viewer=viewer(request), campaign=campaign, unit=focus, status=filters.status or ""
    )
    rows, cursor = paging.page(targets, cursor=filters.cursor, limit=filters.limit)
    return {
        "items": [
            {
                "person_id": t.person_id,
                "name": t.person.name,
                "unit_id": t.unit_id,
                "read_at": t.read_at,
                "read_by_proxy": t.read_by_proxy,
                "studied_at": t.studied_at,
                "pledged_at": t.pledged_at,
                "done_at": t.done_at,
            }
            for t in rows
        ],
        "next_cursor": cursor,
    }


# ---------------------------------------------------------------------------------------------------- pledges

PledgeState = Literal["signed_online", "signed_paper", "printed", "not_started"]


class PledgeStatusOut(Schema):
    person_id: int
    name: str
    unit_id: int
    status: PledgeState = Field(description="线上签订、纸质签订、已打印待签、未开始")
    pledge_id: int | None = Field(description="承诺书编号（已打印或已签订时）")
    signed_at: dt.datetime | None = Field(description="签订时间")
    sealed: bool = Field(description="签章PDF是否已归档")


class PledgeStatusPage(Schema):
    items: list[PledgeStatusOut]
    next_cursor: str | None


@router.get(
    "campaigns/{campaign_id}/pledges",
    response={200: PledgeStatusPage, **OBJECT_ERRORS},
    tags=["承诺书 pledges"],
    summary="每个人的承诺书签订情况",
    **scoped(KeyScope.PLEDGES_READ),
)
def campaign_pledges(request, campaign_id: ObjectId, filters: Query[TargetFilters]):
    """活动范围内每个人的承诺书状态；`status` 过滤与完成情况相同（done、pending、proxy）。"""
    need(request, KeyScope.PLEDGES_READ)
    campaign = _campaign(request, campaign_id)
    focus = _focus(request, campaign, filters.unit)
    targets = campaign_selectors.target_list(
        viewer=viewer(request), campaign=campaign, unit=focus, status=filters.status or ""
    )
    rows, cursor = paging.page(targets, cursor=filters.cursor, limit=filters.limit)
    pledges = {
        p.person_id: p
        for p in pledge_selectors.pledges_visible(viewer(request))
        .filter(campaign=campaign, person__in=[t.person_id for t in rows])
        .only("pk", "person_id", "status", "method", "signed_at", "pdf_name")
    }
    items = []
    for t in rows:
        pledge = pledges.get(t.person_id)
        if pledge is None:
            state = "not_started"
        elif pledge.status == PledgeStatus.SIGNED:
            state = "signed_paper" if pledge.method == PledgeMethod.PAPER else "signed_online"
        else:
            state = "printed"
        items.append(
            {
                "person_id": t.person_id,
                "name": t.person.name,
                "unit_id": t.unit_id,
                "status": state,
                "pledge_id": pledge.pk if pledge else None,
                "signed_at": pledge.signed_at if pledge else None,
                "sealed": bool(pledge and pledge.pdf_name),
            }
        )
    return {"items": items, "next_cursor": cursor}


class VerifyQuery(Schema):
    code: str = Field(min_length=1, max_length=40, description="承诺书上的验证码（16位，可带短横线）")


class VerdictOut(Schema):
    """The one verdict of `pledges.verification`: the same as `netconduct verify-pledge` and the public page."""

    verdict: Literal[tuple(VerdictStatus.values)] = Field(  # type: ignore[valid-type]
        description="核验结论：valid 有效、not_archived 不是存档文件、content_changed 内容被改动、invalid 签章无效、"
        "unreadable 无法核验、unknown_code 验证码不存在、not_signed 尚未签订"
    )
    label: str = Field(description="结论的中文名称")
    message: str = Field(description="一句中文说明")
    code: str = Field(description="验证码（找到承诺书时）")
    name_masked: str = Field(description="承诺人（部分隐去）")
    unit: str = Field(description="承诺人单位")
    year: int | None = Field(description="有效年度")
    method: Literal["online", "paper", ""] = Field(description="线上或纸质签订")
    signed_at: dt.datetime | None = Field(description="签订时间；核验文件时为签章的可信时间")
    timestamped: bool = Field(description="签章带有可信时间戳（核验文件时）")
    sha256: str = Field(description="存档文件的 SHA-256")


def _verdict(verdict) -> dict:
    pledge = verdict.pledge
    return {
        "verdict": verdict.status,
        "label": str(verdict.label),
        "message": verdict.message,
        "code": pledge.code_display if pledge else "",
        "name_masked": mask_name(pledge.person.name) if pledge else "",
        "unit": pledge.unit_label if pledge else "",
        "year": pledge.year if pledge else None,
        "method": pledge.method if pledge else "",
        "signed_at": verdict.signed_at,
        "timestamped": verdict.timestamped,
        "sha256": verdict.sha256 or "",
    }


@router.get(
    "pledges/verify",
    response={200: VerdictOut, **OBJECT_ERRORS},
    tags=["承诺书 pledges"],
    summary="按验证码核验承诺书",
    **scoped(KeyScope.PLEDGES_READ),
)
def pledge_verify(request, query: Query[VerifyQuery]):
    """与公开核验页、`netconduct verify-pledge --code` 同一结论（同一函数）。验证码本身即凭证，不受组织范围限制；
    验证码不存在时为 404。"""
    need(request, KeyScope.PLEDGES_READ)
    verdict = verification.pledge_verify_code(query.code)
    if verdict.status == VerdictStatus.UNKNOWN_CODE:
        raise Http404
    return _verdict(verdict)


@router.post(
    "pledges/verify-file",
    response={200: VerdictOut, 413: ErrorOut, **READ_ERRORS},
    tags=["承诺书 pledges"],
    summary="核验承诺书 PDF 文件",
    **scoped(KeyScope.PLEDGES_READ),
)
def pledge_verify_upload(request, file: File[UploadedFile]):
    """上传一份承诺书 PDF：与公开核验页、`netconduct verify-pledge FILE` 同一结论（同一函数）。只有与存档逐字节相同、
    签章完好可信的文件才是“有效”；字节不同为“不是存档文件”。文件不超过 20 MB。"""
    need(request, KeyScope.PLEDGES_READ)
    if file.size > VERIFY_UPLOAD_MAX:
        raise ApiError(413, "file_too_large", "文件超过 20 MB，不是平台生成的承诺书。")
    return _verdict(verification.pledge_verify_file(file.read()))


@router.get(
    "pledges/{pledge_id}/pdf",
    response={**OBJECT_ERRORS},
    tags=["承诺书 pledges"],
    summary="下载签章承诺书 PDF",
    openapi_extra={
        "x-scope": KeyScope.PLEDGES_PDF.value,
        "responses": {
            "200": {
                "description": "签章归档的 PDF，与签订人下载的字节完全相同",
                "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
            }
        },
    },
)
def pledge_pdf(request, pledge_id: ObjectId):
    """签章后归档的 PDF；尚未签章归档的承诺书答 404。"""
    need(request, KeyScope.PLEDGES_PDF)
    pledge: Pledge = pledge_selectors.pledge_get_for(user=viewer(request), pk=pledge_id)
    if not pledge.pdf_name:
        raise Http404
    response = HttpResponse(pledge_services.pledge_pdf_bytes(pledge), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="pledge-{pledge.code}.pdf"'
    response["ETag"] = f'"{pledge.pdf_sha256[:32]}"'
    return response


# ---------------------------------------------------------------------------------------------------- studies

TAG_STUDIES = "学习 sessions"


class SessionOut(Schema):
    id: int
    unit_id: int
    campaign_id: int | None
    form: str = Field(description="形式，如 general_meeting（支部党员大会）、lecture（党课）")
    is_special: bool = Field(description="网络行为规范专题学习")
    topic: str = Field(description="主题")
    starts_at: dt.datetime
    place: str
    status: Literal["draft", "submitted", "accepted", "returned"] = Field(
        description="记录中、已提交、已通过、已退回"
    )
    present: int = Field(description="出席人数")
    marked: int = Field(description="已登记人数")
    updated_at: dt.datetime


class SessionPage(Schema):
    items: list[SessionOut]
    next_cursor: str | None


class SessionFilters(Schema):
    cursor: str | None = Field(None, pattern=paging.CURSOR_PATTERN, description="上一页响应中的 next_cursor")
    limit: int = Limit
    unit: int | None = Field(None, ge=1, le=paging.MAX_ID, description="只取此组织（含下级）的学习")
    updated_since: paging.Since | None = Field(None, description="只取此时间及之后有变动的学习")


def _session_out(s) -> dict:
    return {
        "id": s.pk,
        "unit_id": s.unit_id,
        "campaign_id": s.campaign_id,
        "form": s.form,
        "is_special": s.is_special_study,
        "topic": s.topic,
        "starts_at": s.starts_at,
        "place": s.place,
        "status": s.status,
        "present": s.n_present,
        "marked": s.n_marked,
        "updated_at": s.updated_at,
    }


@router.get(
    "sessions",
    response={200: SessionPage, **READ_ERRORS, 404: ErrorOut},
    tags=[TAG_STUDIES],
    summary="学习记录列表",
    **scoped(KeyScope.STUDIES_READ),
)
def sessions_list(request, filters: Query[SessionFilters]):
    need(request, KeyScope.STUDIES_READ)
    sessions = study_selectors.session_list(viewer=viewer(request), unit=scoped_unit(request, filters.unit))
    if filters.updated_since is not None:
        sessions = sessions.filter(updated_at__gte=paging.since(filters.updated_since))
    rows, cursor = paging.page(sessions, cursor=filters.cursor, limit=filters.limit)
    return {"items": [_session_out(s) for s in rows], "next_cursor": cursor}


class AttendanceOut(Schema):
    person_id: int
    name: str
    status: Literal["present", "absent", "leave"] = Field(description="出席、缺席、请假")
    reason: str = Field(description="缺席或请假的原因")
    via: str = Field(description="manual（书记登记）或 qr（扫码签到）")
    recorded_at: dt.datetime


class SessionDetailOut(SessionOut):
    attendance: list[AttendanceOut]


@router.get(
    "sessions/{session_id}",
    response={200: SessionDetailOut, **OBJECT_ERRORS},
    tags=[TAG_STUDIES],
    summary="一次学习及其考勤",
    **scoped(KeyScope.STUDIES_READ),
)
def session_detail(request, session_id: ObjectId):
    need(request, KeyScope.STUDIES_READ)
    try:
        session = study_selectors.session_list(viewer=viewer(request)).get(pk=session_id)
    except Exception:  # noqa: BLE001  DoesNotExist: outside the key's subtree or no such session
        raise Http404 from None
    attendance = (
        Attendance.objects.filter(session=session).select_related("person").order_by("person__name_pinyin")
    )
    return _session_out(session) | {
        "attendance": [
            {
                "person_id": a.person_id,
                "name": a.person.name,
                "status": a.status,
                "reason": a.reason,
                "via": a.via,
                "recorded_at": a.recorded_at,
            }
            for a in attendance
        ]
    }


# ---------------------------------------------------------------------------------------------------- registry


class AccountOut(Schema):
    id: int
    filing_number: str = Field(description="备案编号")
    platform: str = Field(description="平台，如 wechat_official")
    platform_name: str = Field(description="平台名称（其他平台时）")
    account_kind: str = Field(description="类型：账号或群组")
    name: str = Field(description="账号/群组名称")
    unit_id: int = Field(description="主管单位编号")
    status: str = Field(description="状态")
    filed_on: dt.date = Field(description="备案日期")
    handover_needed: bool = Field(description="待交接")
    updated_at: dt.datetime


class AccountPage(Schema):
    items: list[AccountOut]
    next_cursor: str | None


@router.get(
    "registry/accounts",
    response={200: AccountPage, **READ_ERRORS, 404: ErrorOut},
    tags=["账号备案 registry"],
    summary="备案的账号和群组",
    **scoped(KeyScope.REGISTRY_READ),
)
def registry_accounts(request, filters: Query[SessionFilters]):
    """密钥范围内单位主管的备案账号和群组（不含管理员的手机号）。"""
    need(request, KeyScope.REGISTRY_READ)
    accounts = registry_selectors.account_list(
        viewer=viewer(request),
        filters=registry_selectors.AccountFilter(unit=scoped_unit(request, filters.unit)),
    )
    if filters.updated_since is not None:
        accounts = accounts.filter(updated_at__gte=paging.since(filters.updated_since))
    rows, cursor = paging.page(accounts, cursor=filters.cursor, limit=filters.limit)
    fields = AccountOut.model_fields
    return {
        "items": [{f: getattr(a, "pk" if f == "id" else f) for f in fields} for a in rows],
        "next_cursor": cursor,
    }


# ---------------------------------------------------------------------------------------------------- counts


class UnitCounts(Schema):
    unit_id: int
    reports_total: int = Field(description="举报总数")
    reports_by_state: dict[str, int] = Field(description="按状态：received、verifying、disposed、closed")
    reports_open: int = Field(description="未办结")
    reports_overdue: int = Field(description="逾期未处理")
    cases_by_step: dict[str, int] = Field(description="违规案件按环节计数")


class CountsOut(Schema):
    units: list[UnitCounts] = Field(description="每个责任单位的数量；只有数量，不含任何内容、当事人或举报人")


class YearQuery(Schema):
    year: int | None = Field(None, ge=2000, le=2100, description="只统计此年度受理的举报")


@router.get(
    "reports/counts",
    response={200: CountsOut, **READ_ERRORS},
    tags=["举报与案件 reports"],
    summary="举报与案件数量",
    **scoped(KeyScope.REPORTS_READ),
)
def reports_counts(request, query: Query[YearQuery]):
    """举报（按状态、逾期）与违规案件（按环节）的数量，按责任单位；从不返回内容。"""
    need(request, KeyScope.REPORTS_READ)
    figures = {f.unit.pk: f for f in report_selectors.report_stats(viewer=viewer(request), year=query.year)}
    cases = case_selectors.case_counts(viewer=viewer(request))
    units = []
    for unit_id in sorted(set(figures) | set(cases)):
        fig = figures.get(unit_id)
        units.append(
            {
                "unit_id": unit_id,
                "reports_total": fig.total if fig else 0,
                "reports_by_state": dict(fig.by_state) if fig else {},
                "reports_open": fig.open if fig else 0,
                "reports_overdue": fig.overdue if fig else 0,
                "cases_by_step": cases.get(unit_id, {}),
            }
        )
    return {"units": units}
