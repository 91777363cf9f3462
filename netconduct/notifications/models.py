"""Notifications (the bell), group robots and the deliveries that carry messages out by e-mail and robot."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from netconduct.org.models import OrgUnit

from .choices import DeliveryChannel, DeliveryStatus, WebhookProvider


class Notification(models.Model):
    """An in-app message to one account. `key` makes sending idempotent: the same reminder is never stored twice."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    key = models.CharField(max_length=200, unique=True)
    title = models.CharField("标题", max_length=200)
    body = models.TextField("内容", blank=True)
    url = models.CharField("链接", max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "站内通知"
        verbose_name_plural = "站内通知"
        indexes = [models.Index(fields=["user", "read_at"], name="notification_user_unread_idx")]

    def __str__(self) -> str:
        return self.title


class UnitWebhook(models.Model):
    """A group robot (WeCom, DingTalk, Feishu) of a unit that receives its reminders."""

    unit = models.ForeignKey(OrgUnit, on_delete=models.CASCADE, related_name="webhooks")
    provider = models.CharField("类型", max_length=20, choices=WebhookProvider.choices)
    url = models.URLField("Webhook 地址", max_length=500)
    secret = models.CharField("加签密钥", max_length=200, blank=True)
    is_enabled = models.BooleanField("启用", default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["unit", "provider", "pk"]
        verbose_name = "群机器人"
        verbose_name_plural = "群机器人"

    def __str__(self) -> str:
        return f"{self.unit} · {self.get_provider_display()}"


class Delivery(models.Model):
    """One outgoing message by e-mail or webhook. `key` makes it idempotent; failures are retried with backoff
    and their last error kept, so nothing is lost silently. `unit` is the unit it was sent for (a robot's delivery
    belongs to the robot's unit) and `source` what sent it (a campaign's title), for the deliveries page."""

    key = models.CharField(max_length=200, unique=True)
    channel = models.CharField(max_length=20, choices=DeliveryChannel.choices)
    unit = models.ForeignKey(
        OrgUnit,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text="发送方的组织（用于查看范围）",
    )
    source = models.CharField("来源", max_length=200, blank=True)
    webhook = models.ForeignKey(
        UnitWebhook, null=True, blank=True, on_delete=models.CASCADE, related_name="deliveries"
    )
    recipient = models.CharField(max_length=300, blank=True)
    subject = models.CharField(max_length=200)
    body = models.TextField()
    status = models.CharField(max_length=20, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "提醒发送"
        verbose_name_plural = "提醒发送"
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="delivery_due_idx")]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} → {self.recipient}"
