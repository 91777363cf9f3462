"""Subscriptions to outgoing events, each event's delivery to each subscription, and every attempt at sending it."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from netconduct.core import crypto
from netconduct.org.models import OrgUnit

from .choices import EventDeliveryStatus, EventKind

URL_CONTEXT = "webhooks.subscription.url"
SECRET_CONTEXT = "webhooks.subscription.secret"  # noqa: S105 (a key derivation context, not a secret)


class Subscription(models.Model):
    """An address that receives the chosen kinds of event from a unit's subtree, signed with its secret.

    The address may carry a token and the secret signs every message, so both are sealed with the field keys like a
    group robot's; `url` and `secret` read and set the plain values. The secret is shown once, when it is made."""

    unit = models.ForeignKey(OrgUnit, verbose_name=_("范围"), on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("名称"), max_length=100)
    url_enc = models.TextField(_("接收地址（加密）"), editable=False)
    url_hash = models.CharField(max_length=64, editable=False)
    url_masked = models.CharField(_("接收地址"), max_length=200, editable=False)
    secret_enc = models.TextField(_("签名密钥（加密）"), editable=False)
    events = models.JSONField(_("事件类型"), default=list)
    is_enabled = models.BooleanField(_("启用"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["unit__path", "name", "pk"]
        verbose_name = _("事件订阅")
        verbose_name_plural = _("事件订阅")
        constraints = [
            models.UniqueConstraint(fields=["unit", "url_hash"], name="webhooks_subscription_unique_url"),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.url_masked}）"

    @property
    def url(self) -> str:
        return crypto.decrypt(self.url_enc, context=URL_CONTEXT) if self.url_enc else ""

    @url.setter
    def url(self, value: str) -> None:
        self.url_enc = crypto.encrypt(value, context=URL_CONTEXT)
        self.url_hash = crypto.keyed_hash(value, context=URL_CONTEXT)

    @property
    def secret(self) -> str:
        return crypto.decrypt(self.secret_enc, context=SECRET_CONTEXT) if self.secret_enc else ""

    @secret.setter
    def secret(self, value: str) -> None:
        self.secret_enc = crypto.encrypt(value, context=SECRET_CONTEXT)

    def event_labels(self) -> list[str]:
        labels = dict(EventKind.choices)
        return [str(labels.get(kind, kind)) for kind in self.events]


class EventDelivery(models.Model):
    """One event sent (or to be sent) to one subscription: the exact JSON body that is signed, its status and the
    next attempt. `event_id` is the event's own id, the same for every subscription and for a replay; `uuid` names
    this delivery (the X-Netconduct-Delivery header). `key` keeps an event from being recorded twice."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    event_id = models.UUIDField(editable=False)
    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="deliveries")
    kind = models.CharField(_("事件"), max_length=40, choices=EventKind.choices)
    key = models.CharField(max_length=200)
    unit = models.ForeignKey(
        OrgUnit, verbose_name=_("组织"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField(_("内容"))
    status = models.CharField(
        _("状态"), max_length=10, choices=EventDeliveryStatus.choices, default=EventDeliveryStatus.PENDING
    )
    attempts = models.PositiveIntegerField(_("尝试次数"), default=0)
    next_attempt_at = models.DateTimeField(_("下次尝试"), null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(_("最近状态码"), null=True, blank=True)
    last_error = models.CharField(_("最近错误"), max_length=1000, blank=True)
    sent_at = models.DateTimeField(_("送达时间"), null=True, blank=True)
    replay_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="replays"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-pk"]
        verbose_name = _("事件推送记录")
        verbose_name_plural = _("事件推送记录")
        constraints = [
            models.UniqueConstraint(fields=["subscription", "key"], name="webhooks_delivery_unique_key"),
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="webhooks_delivery_due_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {self.subscription_id}（{self.uuid}）"


class DeliveryAttempt(models.Model):
    """One HTTP attempt at a delivery: the answer's status code (none when no answer came) and what went wrong."""

    delivery = models.ForeignKey(EventDelivery, on_delete=models.CASCADE, related_name="attempt_log")
    number = models.PositiveIntegerField(_("第几次"))
    at = models.DateTimeField(_("时间"))
    status_code = models.PositiveSmallIntegerField(_("状态码"), null=True, blank=True)
    error = models.CharField(_("错误"), max_length=1000, blank=True)
    duration_ms = models.PositiveIntegerField(_("耗时（毫秒）"), default=0)

    class Meta:
        ordering = ["delivery", "number", "pk"]
        verbose_name = _("推送尝试")
        verbose_name_plural = _("推送尝试")
        constraints = [
            models.UniqueConstraint(fields=["delivery", "number"], name="webhooks_attempt_unique_number")
        ]

    def __str__(self) -> str:
        return f"{self.delivery_id} #{self.number}: {self.status_code or self.error[:40]}"
