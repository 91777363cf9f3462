"""Campaigns (宣贯活动): documents conveyed to a scope with a deadline, each person's progress, study sessions with
attendance, notifications and reminder deliveries."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models

from netconduct.documents.models import Document
from netconduct.org.models import OrgUnit, Person

from .choices import (
    AttendanceStatus,
    AttendanceVia,
    CampaignStatus,
    DeliveryChannel,
    DeliveryStatus,
    SessionForm,
    SessionStatus,
    WebhookProvider,
)


class Campaign(models.Model):
    """Documents conveyed to everyone in a unit's subtree (of the chosen categories) by a deadline, with the
    actions each person owes: read and confirm, attend a study session, sign the pledge."""

    unit = models.ForeignKey(OrgUnit, verbose_name="范围", on_delete=models.PROTECT, related_name="campaigns")
    title = models.CharField("名称", max_length=200)
    year = models.PositiveSmallIntegerField("年度")
    deadline = models.DateField("完成期限")
    documents = models.ManyToManyField(
        Document, verbose_name="传达文件", related_name="campaigns", blank=True
    )
    include_party_members = models.BooleanField("党员", default=True)
    include_cadres = models.BooleanField("干部", default=True)
    include_employees = models.BooleanField("职工", default=True)
    requires_read = models.BooleanField("阅读确认", default=True)
    requires_study = models.BooleanField("参加学习", default=False)
    requires_pledge = models.BooleanField("签订承诺书", default=False)
    remind_days_before = models.PositiveSmallIntegerField("提前提醒天数", default=3)
    status = models.CharField(
        "状态", max_length=20, choices=CampaignStatus.choices, default=CampaignStatus.DRAFT
    )
    launched_at = models.DateTimeField("发布时间", null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-year", "-deadline", "-pk"]
        verbose_name = "宣贯活动"
        verbose_name_plural = "宣贯活动"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(include_party_members=True)
                | models.Q(include_cadres=True)
                | models.Q(include_employees=True),
                name="campaign_has_category",
            ),
            models.CheckConstraint(
                condition=models.Q(requires_read=True)
                | models.Q(requires_study=True)
                | models.Q(requires_pledge=True),
                name="campaign_has_action",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_active(self) -> bool:
        return self.status == CampaignStatus.ACTIVE

    def category_q(self, prefix: str = "") -> models.Q:
        """People of the campaign's categories (a person who is several counts once)."""
        q = models.Q(pk__in=[])
        if self.include_party_members:
            q |= models.Q(**{f"{prefix}is_party_member": True}) | models.Q(
                **{f"{prefix}is_probationary": True}
            )
        if self.include_cadres:
            q |= models.Q(**{f"{prefix}is_cadre": True})
        if self.include_employees:
            q |= models.Q(**{f"{prefix}is_employee": True})
        return q

    @property
    def required_actions(self) -> list[str]:
        return [
            name
            for name, flag in (
                ("read", self.requires_read),
                ("study", self.requires_study),
                ("pledge", self.requires_pledge),
            )
            if flag
        ]


class Target(models.Model):
    """One person's part in a campaign. The unit is where they are now; `in_scope` turns off when they leave the
    scope (the row and its receipts stay, the counts drop them)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="targets")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="campaign_targets")
    unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    in_scope = models.BooleanField(default=True)
    added_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField("阅读确认时间", null=True, blank=True)
    read_by_proxy = models.BooleanField("会议传达代确认", default=False)
    studied_at = models.DateTimeField("参加学习时间", null=True, blank=True)
    pledged_at = models.DateTimeField("签订承诺书时间", null=True, blank=True)
    done_at = models.DateTimeField("完成时间", null=True, blank=True)

    class Meta:
        ordering = ["campaign", "unit", "person"]
        verbose_name = "宣贯对象"
        verbose_name_plural = "宣贯对象"
        constraints = [models.UniqueConstraint(fields=["campaign", "person"], name="target_unique")]
        indexes = [models.Index(fields=["campaign", "in_scope", "unit"], name="target_rollup_idx")]

    def __str__(self) -> str:
        return f"{self.campaign} · {self.person}"


class ReadReceipt(models.Model):
    """A person's confirmation that they read one document of a campaign, or a secretary's record that it was
    conveyed to them in a meeting (proxy, with a reason)."""

    target = models.ForeignKey(Target, on_delete=models.CASCADE, related_name="receipts")
    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="+")
    confirmed_at = models.DateTimeField("确认时间")
    proxy_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="代确认人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    proxy_reason = models.CharField("代确认原因", max_length=200, blank=True)

    class Meta:
        ordering = ["target", "document"]
        verbose_name = "阅读回执"
        verbose_name_plural = "阅读回执"
        constraints = [
            models.UniqueConstraint(fields=["target", "document"], name="readreceipt_unique"),
            models.CheckConstraint(
                condition=models.Q(proxy_by__isnull=True) | ~models.Q(proxy_reason=""),
                name="readreceipt_proxy_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.target.person} · {self.document}"

    @property
    def is_proxy(self) -> bool:
        return bool(self.proxy_reason)


class StudySession(models.Model):
    """A branch's study session (三会一课, 主题党日, 班前班后会, online group) with its record and evidence."""

    unit = models.ForeignKey(
        OrgUnit, verbose_name="支部", on_delete=models.PROTECT, related_name="study_sessions"
    )
    campaign = models.ForeignKey(
        Campaign,
        verbose_name="宣贯活动",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="sessions",
    )
    form = models.CharField("形式", max_length=30, choices=SessionForm.choices)
    is_special = models.BooleanField("网络行为规范专题学习", default=True)
    topic = models.CharField("主题", max_length=200)
    starts_at = models.DateTimeField("时间")
    place = models.CharField("地点", max_length=200, blank=True)
    host = models.ForeignKey(
        Person, verbose_name="主持人", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorder = models.ForeignKey(
        Person, verbose_name="记录人", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    documents = models.ManyToManyField(Document, verbose_name="学习文件", blank=True, related_name="+")
    minutes = models.TextField("会议记录", blank=True)
    status = models.CharField(
        "状态", max_length=20, choices=SessionStatus.choices, default=SessionStatus.DRAFT
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    review_opinion = models.TextField("审核意见", blank=True)
    signin_key = models.CharField(max_length=64, default=secrets.token_hex, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-starts_at", "-pk"]
        verbose_name = "学习记录"
        verbose_name_plural = "学习记录"
        indexes = [models.Index(fields=["unit", "starts_at"], name="session_unit_time_idx")]

    def __str__(self) -> str:
        return f"{self.starts_at:%Y-%m-%d} {self.topic}"

    @property
    def is_editable(self) -> bool:
        return self.status in (SessionStatus.DRAFT, SessionStatus.RETURNED)


class Attendance(models.Model):
    """Who was at a session: present, absent or on leave with a reason; marked by the secretary or by QR scan."""

    session = models.ForeignKey(StudySession, on_delete=models.CASCADE, related_name="attendance")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="attendance")
    status = models.CharField("出席情况", max_length=20, choices=AttendanceStatus.choices)
    reason = models.CharField("原因", max_length=200, blank=True)
    via = models.CharField(
        "登记方式", max_length=20, choices=AttendanceVia.choices, default=AttendanceVia.MANUAL
    )
    recorded_at = models.DateTimeField("登记时间")

    class Meta:
        ordering = ["session", "person"]
        verbose_name = "出席记录"
        verbose_name_plural = "出席记录"
        constraints = [
            models.UniqueConstraint(fields=["session", "person"], name="attendance_unique"),
            models.CheckConstraint(
                condition=models.Q(status="present") | ~models.Q(reason=""),
                name="attendance_absence_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} · {self.get_status_display()}"


def evidence_path(instance: SessionEvidence, filename: str) -> str:
    return f"sessions/{instance.session_id}/{instance.sha256[:16]}-{filename}"


class SessionEvidence(models.Model):
    """A photo, screenshot or scan kept as evidence of a session."""

    session = models.ForeignKey(StudySession, on_delete=models.CASCADE, related_name="evidence")
    file = models.FileField(upload_to=evidence_path)
    name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["session", "pk"]
        verbose_name = "学习佐证"
        verbose_name_plural = "学习佐证"

    def __str__(self) -> str:
        return self.name


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
    """One outgoing reminder by e-mail or webhook. `key` makes it idempotent; failures are retried with backoff
    and their last error kept, so nothing is lost silently."""

    key = models.CharField(max_length=200, unique=True)
    channel = models.CharField(max_length=20, choices=DeliveryChannel.choices)
    campaign = models.ForeignKey(
        Campaign, null=True, blank=True, on_delete=models.CASCADE, related_name="deliveries"
    )
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
