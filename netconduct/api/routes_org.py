"""Units and people: read, create and move units, and people upserted in batches."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Field, Query, Router, Schema, Status
from pydantic import ConfigDict

from netconduct.org import selectors as org_selectors
from netconduct.org import services as org_services
from netconduct.org.choices import CATEGORY_FIELDS, UnitKind
from netconduct.org.models import OrgUnit, Person

from . import paging, sync
from .auth import need, scoped, viewer
from .choices import KeyScope
from .errors import OBJECT_ERRORS, READ_ERRORS, ApiError, ErrorOut
from .models import ExternalRef
from .paging import ObjectId

router = Router()

UnitKindName = Literal[
    "group", "company", "committee", "general_branch", "branch", "department", "party_group"
]
StatusName = Literal["active", "transferred", "retired"]
PoliticalName = Literal["party_member", "probationary", "league", "democratic_party", "masses"]
Limit = Field(paging.DEFAULT_LIMIT, ge=1, le=paging.MAX_LIMIT, description="每页条数（1–1000）")


class ListFilters(Schema):
    cursor: str | None = Field(None, pattern=paging.CURSOR_PATTERN, description="上一页响应中的 next_cursor")
    limit: int = Limit
    unit: int | None = Field(None, ge=1, le=paging.MAX_ID, description="只取此组织（含下级）的记录：组织编号")
    updated_since: paging.Since | None = Field(
        None, description="只取此时间及之后有变动的记录（ISO 8601），用于增量同步"
    )


# ---------------------------------------------------------------------------------------------------- units


class UnitOut(Schema):
    id: int
    name: str = Field(description="名称")
    short_name: str = Field(description="简称")
    kind: UnitKindName = Field(description="类型：集团、公司、党委、党总支、党支部、部门、党小组")
    code: str = Field(description="代字")
    parent_id: int | None = Field(description="上级组织编号；密钥范围的最上级组织也给出其上级编号")
    depth: int = Field(description="层级，最上级为1")
    is_active: bool = Field(description="是否启用（未撤销）")
    closed_on: dt.date | None = Field(description="撤销日期")
    updated_at: dt.datetime


class UnitPage(Schema):
    items: list[UnitOut]
    next_cursor: str | None = Field(description="下一页的游标；最后一页为 null")


def _units_out(units: list[OrgUnit]) -> list[dict]:
    parent_paths = {u.parent_path for u in units if u.depth > 1}
    parents = (
        dict(OrgUnit.objects.filter(path__in=parent_paths).values_list("path", "pk")) if parent_paths else {}
    )
    return [
        {
            "id": u.pk,
            "name": u.name,
            "short_name": u.short_name,
            "kind": u.kind,
            "code": u.code,
            "parent_id": parents.get(u.parent_path) if u.depth > 1 else None,
            "depth": u.depth,
            "is_active": u.is_active,
            "closed_on": u.closed_on,
            "updated_at": u.updated_at,
        }
        for u in units
    ]


def scoped_unit(request, pk: int | None, action: str = "org.view") -> OrgUnit | None:
    if pk is None:
        return None
    return org_selectors.unit_get_for(viewer=viewer(request), pk=pk, action=action)


@router.get(
    "units",
    response={200: UnitPage, **READ_ERRORS, 404: ErrorOut},
    tags=["组织 units"],
    summary="组织列表",
    **scoped(KeyScope.UNITS_READ),
)
def units_list(request, filters: Query[ListFilters]):
    """密钥范围内的组织，按编号顺序分页；`unit` 只取某组织及其下级，`updated_since` 只取此后有变动的组织。"""
    need(request, KeyScope.UNITS_READ)
    units = org_selectors.unit_list(viewer=viewer(request))
    top = scoped_unit(request, filters.unit)
    if top is not None:
        units = units.subtree_of(top)
    if filters.updated_since is not None:
        units = units.filter(updated_at__gte=paging.since(filters.updated_since))
    rows, cursor = paging.page(units, cursor=filters.cursor, limit=filters.limit)
    return {"items": _units_out(rows), "next_cursor": cursor}


@router.get(
    "units/{unit_id}",
    response={200: UnitOut, **OBJECT_ERRORS},
    tags=["组织 units"],
    summary="一个组织",
    **scoped(KeyScope.UNITS_READ),
)
def unit_detail(request, unit_id: ObjectId):
    need(request, KeyScope.UNITS_READ)
    return _units_out([scoped_unit(request, unit_id)])[0]


class UnitIn(Schema):
    parent_id: int = Field(ge=1, le=paging.MAX_ID, description="上级组织编号（须在密钥范围内）")
    name: str = Field(max_length=100, description="名称")
    kind: UnitKindName = Field(description="类型")
    short_name: str = Field("", max_length=50, description="简称")
    code: str = Field("", max_length=30, description="代字")


@router.post(
    "units",
    response={201: UnitOut, **OBJECT_ERRORS},
    tags=["组织 units"],
    summary="新建组织",
    **scoped(KeyScope.UNITS_WRITE),
)
def unit_create(request, body: UnitIn):
    """在密钥范围内的组织下新建下级组织；同一上级下不能重名，层级须合乎组织类型。"""
    need(request, KeyScope.UNITS_WRITE)
    parent = scoped_unit(request, body.parent_id, "org.manage")
    unit = org_services.unit_create(
        actor=viewer(request),
        parent=parent,
        name=body.name,
        kind=UnitKind(body.kind),
        short_name=body.short_name,
        code=body.code,
    )
    return Status(201, _units_out([unit])[0])


class UnitMoveIn(Schema):
    parent_id: int = Field(ge=1, le=paging.MAX_ID, description="新的上级组织编号（须在密钥范围内）")


@router.post(
    "units/{unit_id}/move",
    response={200: UnitOut, **OBJECT_ERRORS},
    tags=["组织 units"],
    summary="移动组织",
    **scoped(KeyScope.UNITS_WRITE),
)
def unit_move(request, unit_id: ObjectId, body: UnitMoveIn):
    """把组织连同其全部下级移到另一上级之下；人员和记录随之移动。"""
    need(request, KeyScope.UNITS_WRITE)
    unit = scoped_unit(request, unit_id, "org.manage")
    parent = scoped_unit(request, body.parent_id, "org.manage")
    moved = org_services.unit_move(actor=viewer(request), unit=unit, new_parent=parent)
    return _units_out([moved])[0]


# ---------------------------------------------------------------------------------------------------- people


class PersonOut(Schema):
    id: int
    external_id: str | None = Field(description="本密钥所属外部系统中的编号")
    name: str = Field(description="姓名")
    employee_no: str | None = Field(description="工号")
    id_number_masked: str = Field(description="身份证号（脱敏）")
    gender: Literal["M", "F"] = Field(description="性别（由身份证号得出）")
    mobile_masked: str = Field(description="手机号码（脱敏）")
    unit_id: int = Field(description="所属组织编号")
    political_status: PoliticalName = Field(description="政治面貌")
    is_party_member: bool
    is_probationary: bool
    is_cadre: bool
    is_employee: bool
    position: str = Field(description="职务/岗位")
    status: StatusName = Field(description="状态：在岗、调离、退休")
    status_since: dt.date | None = Field(description="状态日期")
    has_account: bool = Field(description="是否已开通登录账号")
    updated_at: dt.datetime


class PersonPage(Schema):
    items: list[PersonOut]
    next_cursor: str | None


class PeopleFilters(ListFilters):
    status: StatusName | None = Field(None, description="只取此状态的人员；不填为全部（含调离、退休）")


def _people_out(request, people: list[Person]) -> list[dict]:
    refs = dict(
        ExternalRef.objects.filter(source=request.auth.source, person__in=[p.pk for p in people]).values_list(
            "person", "external_id"
        )
    )
    return [
        {
            "id": p.pk,
            "external_id": refs.get(p.pk),
            "name": p.name,
            "employee_no": p.employee_no,
            "id_number_masked": p.id_number_masked,
            "gender": p.gender,
            "mobile_masked": p.mobile_masked,
            "unit_id": p.unit_id,
            "political_status": p.political_status,
            **{f: getattr(p, f) for f in CATEGORY_FIELDS.values()},
            "position": p.position,
            "status": p.status,
            "status_since": p.status_since,
            "has_account": p.user_id is not None,
            "updated_at": p.updated_at,
        }
        for p in people
    ]


@router.get(
    "people",
    response={200: PersonPage, **READ_ERRORS, 404: ErrorOut},
    tags=["人员 people"],
    summary="人员列表",
    **scoped(KeyScope.PEOPLE_READ),
)
def people_list(request, filters: Query[PeopleFilters]):
    """密钥范围内的人员（身份证号、手机号脱敏），按编号顺序分页。"""
    need(request, KeyScope.PEOPLE_READ)
    people = org_selectors.person_list(
        viewer=viewer(request), unit=scoped_unit(request, filters.unit), status=filters.status or ""
    )
    if filters.updated_since is not None:
        people = people.filter(updated_at__gte=paging.since(filters.updated_since))
    rows, cursor = paging.page(people, cursor=filters.cursor, limit=filters.limit)
    return {"items": _people_out(request, rows), "next_cursor": cursor}


class PersonIn(Schema):
    model_config = ConfigDict(
        extra="forbid"
    )  # a misspelt field ("unit" for "unit_id") must not pass unnoticed

    external_id: str | None = Field(
        None, min_length=1, max_length=64, description="外部系统中的编号（按密钥的外部系统区分）"
    )
    id_number: str | None = Field(
        None, max_length=40, description="身份证号；新增人员必填，已有外部编号时可省略"
    )
    name: str | None = Field(None, max_length=60, description="姓名")
    employee_no: str | None = Field(None, max_length=40, description="工号")
    mobile: str | None = Field(None, max_length=40, description="手机号码")
    email: str | None = Field(None, max_length=254, description="电子邮箱")
    unit_id: int | None = Field(None, ge=1, le=paging.MAX_ID, description="所属组织编号；与现有不同即为调动")
    political_status: PoliticalName | None = Field(None, description="政治面貌")
    is_cadre: bool | None = Field(None, description="是否干部")
    position: str | None = Field(None, max_length=100, description="职务/岗位")
    status: StatusName | None = Field(
        None, description="状态；transferred（调离）、retired（退休）即离开，账号随之停用"
    )


class BatchIn(Schema):
    items: list[PersonIn] = Field(min_length=1, max_length=sync.MAX_ITEMS, description="1–1000 项")


class BatchItemOut(Schema):
    item: int = Field(description="项的序号，从1开始")
    id: int = Field(description="人员编号")


class BatchOut(Schema):
    created: int
    updated: int
    unchanged: int
    external_ids_linked: int
    items: list[BatchItemOut]


@router.post(
    "people/batch",
    response={200: BatchOut, **READ_ERRORS},
    tags=["人员 people"],
    summary="批量同步人员（新增或更新）",
    **scoped(KeyScope.PEOPLE_WRITE),
)
def people_batch(request, body: BatchIn):
    """按身份证号或外部编号匹配人员：没有的新增，有的更新；与花名册导入相同的校验、提示和幂等性。

    - 未给出的字段、以及值为空的字段保持不变。
    - `unit_id` 与现有组织不同即为调动；`status` 为 transferred/retired 即登记离开（其账号停用、角色撤销）。
    - 整批要么全部生效，要么全部不生效：任何一项有误时答 422，`errors` 逐项列出序号（item，从1开始）、字段和原因。
    - 同一批再次提交不产生任何改动，也不记审计事件。
    """
    need(request, KeyScope.PEOPLE_WRITE)
    items = [item.dict(exclude_unset=True) for item in body.items]
    try:
        result = sync.people_sync(key=request.auth, items=items)
    except sync.BatchRefused as refused:
        count = len({e["item"] for e in refused.errors})
        raise ApiError(422, "batch_refused", f"本批有{count}项有误，整批未生效。", refused.errors) from None
    return {
        "created": result.created,
        "updated": result.updated,
        "unchanged": result.unchanged,
        "external_ids_linked": result.external_ids_linked,
        "items": [{"item": o.item, "id": o.id} for o in result.items],
    }


@router.get(
    "people/{person_id}",
    response={200: PersonOut, **OBJECT_ERRORS},
    tags=["人员 people"],
    summary="一名人员",
    **scoped(KeyScope.PEOPLE_READ),
)
def person_detail(request, person_id: ObjectId):
    need(request, KeyScope.PEOPLE_READ)
    return _people_out(request, [org_selectors.person_get_for(viewer=viewer(request), pk=person_id)])[0]
