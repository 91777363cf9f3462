"""Subscribing an integration to the signed outgoing events (webhooks), through its key.

The key must carry the events:manage scope, which only a system administrator can give it; the subscription is bound
to a unit inside the key's subtree, and the administrator who issued the key must still hold the duty over that unit
(`webhooks.services.subscription_create(authorized_by=…)`). The secret is in this answer only."""

from __future__ import annotations

import datetime as dt

from ninja import Field, Router, Schema, Status

from netconduct.webhooks import services as webhook_services
from netconduct.webhooks.choices import EventKind

from . import paging
from .auth import need, scoped, viewer
from .choices import KeyScope
from .errors import OBJECT_ERRORS
from .routes_org import scoped_unit

router = Router()


class SubscriptionIn(Schema):
    name: str = Field(min_length=1, max_length=100, description="订阅名称，如“党建系统”")
    url: str = Field(min_length=1, max_length=500, description="接收地址（https 公网地址）")
    events: list[str] = Field(
        min_length=1, max_length=20, description=f"事件类型：{'、'.join(EventKind.values)}"
    )
    unit_id: int | None = Field(
        None,
        ge=1,
        le=paging.MAX_ID,
        description="只推送该组织及其下级的事件（须在密钥范围内；默认为密钥的组织）",
    )


class SubscriptionOut(Schema):
    id: int
    name: str
    unit_id: int
    events: list[str]
    url_masked: str = Field(description="接收地址（部分隐去）")
    secret: str = Field(description="签名密钥：只在本次返回，请妥善保存")
    created_at: dt.datetime


@router.post(
    "subscriptions",
    response={201: SubscriptionOut, **OBJECT_ERRORS},
    tags=["事件推送 subscriptions"],
    summary="订阅事件推送",
    **scoped(KeyScope.EVENTS_MANAGE),
)
def subscription_create(request, body: SubscriptionIn):
    """为本集成订阅事件：每条推送为签名的 JSON（HMAC-SHA256），失败按退避重试。举报和案件从不推送。"""
    need(request, KeyScope.EVENTS_MANAGE)
    key = request.auth
    unit = scoped_unit(request, body.unit_id or key.unit_id)
    subscription = webhook_services.subscription_create(
        actor=viewer(request),
        authorized_by=key.created_by,
        unit=unit,
        name=body.name,
        url=body.url,
        events=body.events,
    )
    return Status(
        201,
        {
            "id": subscription.pk,
            "name": subscription.name,
            "unit_id": subscription.unit_id,
            "events": subscription.events,
            "url_masked": subscription.url_masked,
            "secret": subscription.secret,
            "created_at": subscription.created_at,
        },
    )
