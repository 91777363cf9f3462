"""Study sessions (学习记录): a branch's sessions with their record, attendance and evidence."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from netconduct.campaigns.models import Campaign
from netconduct.documents.models import Document
from netconduct.org.models import OrgUnit, Person

from .choices import AttendanceStatus, AttendanceVia, SessionForm, SessionStatus


class StudySession(models.Model):
    """A branch's study session (三会一课, 主题党日, 班前班后会, online group) with its record and evidence."""

    unit = models.ForeignKey(
        OrgUnit, verbose_name=_("支部"), on_delete=models.PROTECT, related_name="study_sessions"
    )
    campaign = models.ForeignKey(
        Campaign,
        verbose_name=_("宣贯活动"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="sessions",
    )
    form = models.CharField(_("形式"), max_length=30, choices=SessionForm.choices)
    # The yearly rule (one special study on the norms per branch per year) counts only sessions the secretary marked
    # as that study when recording it: a deliberate choice, off unless ticked.
    is_special_study = models.BooleanField(_("网络行为规范专题学习"), default=False)
    topic = models.CharField(_("主题"), max_length=200)
    starts_at = models.DateTimeField(_("时间"))
    place = models.CharField(_("地点"), max_length=200, blank=True)
    host = models.ForeignKey(
        Person, verbose_name=_("主持人"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorder = models.ForeignKey(
        Person, verbose_name=_("记录人"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    documents = models.ManyToManyField(Document, verbose_name=_("学习文件"), blank=True, related_name="+")
    minutes = models.TextField(_("会议记录"), blank=True)
    status = models.CharField(
        _("状态"), max_length=20, choices=SessionStatus.choices, default=SessionStatus.DRAFT
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    review_opinion = models.TextField(_("审核意见"), blank=True)
    signin_key = models.CharField(max_length=64, default=secrets.token_hex, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-starts_at", "-pk"]
        verbose_name = _("学习记录")
        verbose_name_plural = _("学习记录")
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
    status = models.CharField(_("出席情况"), max_length=20, choices=AttendanceStatus.choices)
    reason = models.CharField(_("原因"), max_length=200, blank=True)
    via = models.CharField(
        _("登记方式"), max_length=20, choices=AttendanceVia.choices, default=AttendanceVia.MANUAL
    )
    recorded_at = models.DateTimeField(_("登记时间"))

    class Meta:
        ordering = ["session", "person"]
        verbose_name = _("出席记录")
        verbose_name_plural = _("出席记录")
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
        verbose_name = _("学习佐证")
        verbose_name_plural = _("学习佐证")

    def __str__(self) -> str:
        return self.name
