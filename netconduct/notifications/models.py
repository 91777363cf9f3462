"""Notifications (the bell), group robots and the deliveries that carry messages out by e-mail and robot."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from netconduct.core import crypto
from netconduct.org.models import OrgUnit

from .choices import DeliveryChannel, DeliveryStatus, WebhookProvider


class Notification(models.Model):
    """An in-app message to one account. `key` makes sending idempotent: the same reminder is never stored twice."""

    # Indexes: the key's unique one and (user, read_at) — which also serves the account's own list and the
    # cascade from the account — and no others: a reminder run inserts 100,000 rows, each into every index.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications", db_index=False
    )
    key = models.CharField(max_length=200)  # unique by a constraint: no second, LIKE-only index on PostgreSQL
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    url = models.CharField(_("链接"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("站内通知")
        verbose_name_plural = _("站内通知")
        constraints = [models.UniqueConstraint(fields=["key"], name="notification_key_unique")]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_user_unread_idx")]

    def __str__(self) -> str:
        return self.title


URL_CONTEXT = "unitwebhook.url"
SECRET_CONTEXT = "unitwebhook.secret"  # noqa: S105 (a context label, not a secret)


def webhook_url_hash(url: str) -> str:
    """The keyed hash through which an address is matched (the same robot added twice) without decrypting."""
    return crypto.keyed_hash(url, context=URL_CONTEXT)


class UnitWebhook(models.Model):
    """A group robot (WeCom, DingTalk, Feishu) of a unit that receives its reminders.

    Whoever holds a robot's address (its token) or signing secret can post into the group, so both are sealed with
    the field keys like other secrets at rest; `url` and `secret` read and set the plain values."""

    unit = models.ForeignKey(OrgUnit, on_delete=models.CASCADE, related_name="webhooks")
    provider = models.CharField(_("类型"), max_length=20, choices=WebhookProvider.choices)
    url_enc = models.TextField(_("Webhook 地址（加密）"), editable=False)
    url_hash = models.CharField(max_length=64, editable=False)
    secret_enc = models.TextField(_("加签密钥（加密）"), blank=True, editable=False)
    is_enabled = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["unit", "provider", "pk"]
        verbose_name = _("群机器人")
        verbose_name_plural = _("群机器人")
        constraints = [models.UniqueConstraint(fields=["unit", "url_hash"], name="unitwebhook_unique_url")]

    def __str__(self) -> str:
        return f"{self.unit} · {self.get_provider_display()}"

    @property
    def url(self) -> str:
        return crypto.decrypt(self.url_enc, context=URL_CONTEXT) if self.url_enc else ""

    @url.setter
    def url(self, value: str) -> None:
        self.url_enc = crypto.encrypt(value, context=URL_CONTEXT)
        self.url_hash = webhook_url_hash(value)

    @property
    def secret(self) -> str:
        return crypto.decrypt(self.secret_enc, context=SECRET_CONTEXT) if self.secret_enc else ""

    @secret.setter
    def secret(self, value: str) -> None:
        self.secret_enc = crypto.encrypt(value, context=SECRET_CONTEXT) if value else ""


class Delivery(models.Model):
    """One outgoing message by e-mail or webhook. `key` makes it idempotent; failures are retried with backoff
    and their last error kept, so nothing is lost silently. `unit` is the unit it was sent for (a robot's delivery
    belongs to the robot's unit) and `source` what sent it (a campaign's title), for the deliveries page."""

    # Indexes: only those a query uses, and partial where most rows need no entry — a reminder run inserts
    # 100,000 e-mails and updates each twice (lease, sent), and every index of a row costs each of those writes.
    key = models.CharField(max_length=200)  # unique by a constraint: no second, LIKE-only index on PostgreSQL
    channel = models.CharField(max_length=20, choices=DeliveryChannel.choices)
    unit = models.ForeignKey(
        OrgUnit,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text=_("发送方的组织（用于查看范围）"),
    )
    source = models.CharField(_("来源"), max_length=200, blank=True)
    webhook = models.ForeignKey(
        UnitWebhook,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="deliveries",
        db_index=False,
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
        verbose_name = _("提醒发送")
        verbose_name_plural = _("提醒发送")
        constraints = [models.UniqueConstraint(fields=["key"], name="delivery_key_unique")]
        indexes = [
            # What is due, in the order it is taken: the pending rows only, so that marking a delivery sent
            # removes it rather than adds, and a claim reads its batch off the index without sorting the queue.
            models.Index(
                fields=["next_attempt_at", "id"],
                condition=Q(status=DeliveryStatus.PENDING),
                name="delivery_pending_idx",
            ),
            models.Index(
                fields=["-created_at"], condition=Q(status=DeliveryStatus.FAILED), name="delivery_failed_idx"
            ),
            models.Index(fields=["webhook"], condition=Q(webhook__isnull=False), name="delivery_webhook_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} → {self.recipient}"


class JobRun(models.Model):
    """One run of a scheduled job (notifications/schedule.py) for one due time. (job, due_at) is unique, so two
    workers that find the same job due run it once: the second one's insert fails and it moves on."""

    class Result(models.TextChoices):
        RUNNING = "running", _("进行中")
        OK = "ok", _("成功")
        FAILED = "failed", _("失败")

    job = models.CharField(_("任务"), max_length=64)
    due_at = models.DateTimeField(_("应运行时间"))
    started_at = models.DateTimeField(_("开始时间"))
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    result = models.CharField(_("结果"), max_length=10, choices=Result.choices, default=Result.RUNNING)
    summary = models.TextField(_("摘要"), blank=True)

    class Meta:
        ordering = ["-due_at", "-pk"]
        verbose_name = _("定时任务运行")
        verbose_name_plural = _("定时任务运行")
        constraints = [models.UniqueConstraint(fields=["job", "due_at"], name="jobrun_once_per_due_time")]
        indexes = [models.Index(fields=["job", "-due_at"], name="jobrun_job_due_idx")]

    def __str__(self) -> str:
        return f"{self.job} @ {self.due_at:%Y-%m-%d %H:%M}"


class WorkerHeartbeat(models.Model):
    """When a worker last ran the scheduler's tick (one row: the newest wins). Health checks read it through
    `schedule.last_worker_heartbeat()`."""

    name = models.CharField(max_length=32, unique=True, default="scheduler")
    seen_at = models.DateTimeField()

    class Meta:
        verbose_name = _("后台任务心跳")
        verbose_name_plural = _("后台任务心跳")

    def __str__(self) -> str:
        return f"{self.name} @ {self.seen_at:%Y-%m-%d %H:%M}"
