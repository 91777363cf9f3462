"""Reports (article 8) and cases (article 9).

A report's text, the reporter's identity (when they chose to show it), replies and files are sealed with AES-GCM
(`core.crypto`), bound to the report's random `uuid`. Nothing in a report row names the reporter, their account,
address or browser: the receipt code and passphrase exist only as argon2 hashes, found through a three-digit
bucket (`locator`) that is not secret.
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from netconduct.org.models import OrgUnit, Person

from .choices import (
    AppealOutcome,
    CaseSource,
    CaseStep,
    Decision,
    Disposition,
    EntryKind,
    MessageKind,
    ProtectionStatus,
    ReferralChannel,
    ReportState,
    UnitChoice,
)


class Report(models.Model):
    """One report of illegal or norm-violating online information or activity."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    locator = models.CharField(_("查询分组"), max_length=3, db_index=True, editable=False)
    code_hash = models.CharField(max_length=200, editable=False)
    passphrase_hash = models.CharField(max_length=200, editable=False)
    category_article = models.PositiveSmallIntegerField(_("条"), null=True, blank=True)
    category_item = models.PositiveSmallIntegerField(_("项"), null=True, blank=True)
    category_label = models.CharField(_("类别"), max_length=100)
    content_enc = models.TextField(_("内容（密文）"), editable=False)
    confidential = models.BooleanField(_("对处理人员保密身份"), default=True)
    unit = models.ForeignKey(OrgUnit, verbose_name=_("受理单位"), on_delete=models.PROTECT, related_name="+")
    unit_basis = models.CharField(_("受理依据"), max_length=10, choices=UnitChoice.choices)
    state = models.CharField(
        _("状态"), max_length=12, choices=ReportState.choices, default=ReportState.RECEIVED
    )
    state_since = models.DateTimeField(_("进入本状态"))
    state_deadline = models.DateTimeField(_("本状态期限"), null=True, blank=True)
    disposition = models.CharField(_("处置方式"), max_length=12, choices=Disposition.choices, blank=True)
    summary_enc = models.TextField(_("办结说明（密文）"), blank=True, editable=False)
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("承办人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # The unit of the grant through which the handler handles it: inspectors above it still see the report.
    handler_unit = models.ForeignKey(
        OrgUnit, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("承办层级")
    )
    # A flood or a prank, as an inspector judged it: kept and counted, never deleted, and no longer shown as due.
    nuisance = models.BooleanField(_("无效骚扰"), default=False)
    filed_at = models.DateTimeField(_("受理时间"))
    verifying_at = models.DateTimeField(_("开始核查"), null=True, blank=True)
    decided_at = models.DateTimeField(_("处置时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)

    class Meta:
        ordering = ["-filed_at", "-pk"]
        verbose_name = _("举报")
        verbose_name_plural = _("举报")
        indexes = [
            models.Index(fields=["unit", "state"], name="report_unit_state_idx"),
            models.Index(fields=["state", "closed_at"], name="report_state_closed_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(state=ReportState.CLOSED) | models.Q(closed_at__isnull=False),
                name="report_closed_has_date",
            ),
            models.CheckConstraint(
                condition=~models.Q(state__in=[ReportState.DISPOSED, ReportState.CLOSED])
                | ~models.Q(disposition=""),
                name="report_disposed_has_disposition",
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def reference(self) -> str:
        """The handlers' number for it; says nothing of the receipt code."""
        return f"JB{timezone.localtime(self.filed_at):%Y}-{self.pk:05d}" if self.pk else "JB-"

    @property
    def context(self) -> str:
        return f"reports.report:{self.uuid}"

    @property
    def is_overdue(self) -> bool:
        return (
            self.state != ReportState.CLOSED
            and not self.nuisance
            and self.state_deadline is not None
            and self.state_deadline < timezone.now()
        )

    @property
    def is_open(self) -> bool:
        return self.state != ReportState.CLOSED


class ReportFile(models.Model):
    """Evidence of a report (screenshot, photo, PDF), kept encrypted on disk; images are re-encoded first so that
    their metadata (location, device) is gone, PDFs rewritten without their document information."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="files")
    position = models.PositiveSmallIntegerField(_("序号"))
    content_type = models.CharField(_("类型"), max_length=50)
    extension = models.CharField(max_length=8)
    size = models.PositiveIntegerField(_("大小"))
    storage_name = models.CharField(max_length=200, editable=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["report", "position"]
        verbose_name = _("举报材料")
        verbose_name_plural = _("举报材料")
        constraints = [
            models.UniqueConstraint(fields=["report", "position"], name="reportfile_position_unique")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return f"材料{self.position}{self.extension}"

    @property
    def context(self) -> str:
        return f"{self.report.context}:file:{self.position}"


class ReportMessage(models.Model):
    """A line in a report's thread: the reporter's addition, a reply to them, or an internal note."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="messages")
    kind = models.CharField(_("类型"), max_length=10, choices=MessageKind.choices)
    body_enc = models.TextField(editable=False)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["report", "created_at", "pk"]
        verbose_name = _("举报往来")
        verbose_name_plural = _("举报往来")

    def __str__(self) -> str:
        return f"{self.report_id} · {self.get_kind_display()}"


# ---------------------------------------------------------------------------------------------------- cases


class Commendation(models.Model):
    """肯定鼓励: a member who set an example online, commended by whom, when and for what."""

    person = models.ForeignKey(Person, verbose_name=_("人员"), on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey(OrgUnit, verbose_name=_("所属组织"), on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(_("事由"))
    granted_by = models.CharField(_("表扬单位"), max_length=100)
    granted_on = models.DateField(_("日期"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-granted_on", "-pk"]
        verbose_name = _("肯定鼓励")
        verbose_name_plural = _("肯定鼓励")
        indexes = [models.Index(fields=["person", "granted_on"], name="commendation_person_idx")]

    def __str__(self) -> str:
        return f"{self.person} · {self.granted_on}"


class ProtectionCase(models.Model):
    """保护和支持: a member attacked online for standing by their position, and what the organisation did."""

    person = models.ForeignKey(Person, verbose_name=_("人员"), on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey(OrgUnit, verbose_name=_("所属组织"), on_delete=models.PROTECT, related_name="+")
    happened = models.TextField(_("遭受围攻情况"))
    links = models.TextField(_("相关链接"), blank=True)
    support = models.JSONField(_("支持措施"), default=list, blank=True)
    support_notes = models.TextField(_("支持情况说明"), blank=True)
    outcome = models.TextField(_("结果"), blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=ProtectionStatus.choices, default=ProtectionStatus.OPEN
    )
    opened_on = models.DateField(_("登记日期"))
    closed_on = models.DateField(_("结束日期"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-opened_on", "-pk"]
        verbose_name = _("保护和支持")
        verbose_name_plural = _("保护和支持")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status=ProtectionStatus.CLOSED) | models.Q(closed_on__isnull=False),
                name="protection_closed_has_date",
            )
        ]

    def __str__(self) -> str:
        return f"{self.person} · {self.opened_on}"


class ViolationCase(models.Model):
    """A case on a possible violation of the norms, taken through its steps in order (立案 → 调查 → 告知本人 →
    本人说明或逾期 → 决定 → 申诉 → 申诉处理 → 结案). Texts are sealed like reports'."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    person = models.ForeignKey(Person, verbose_name=_("当事人"), on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey(OrgUnit, verbose_name=_("所属组织"), on_delete=models.PROTECT, related_name="+")
    citations = models.JSONField(_("涉及条款"), default=list)
    source = models.CharField(_("来源"), max_length=12, choices=CaseSource.choices)
    source_report = models.ForeignKey(
        Report,
        verbose_name=_("来源举报"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="cases",
    )
    source_ref = models.CharField(_("来源编号"), max_length=40, blank=True)
    summary_enc = models.TextField(editable=False)
    step = models.CharField(_("环节"), max_length=20, choices=CaseStep.choices, default=CaseStep.OPENED)
    step_since = models.DateTimeField(_("进入本环节"))
    statement_due = models.DateField(_("说明期限"), null=True, blank=True)
    decision = models.CharField(_("处理决定"), max_length=20, choices=Decision.choices, blank=True)
    decision_ref = models.CharField(_("党纪处分决定文号"), max_length=60, blank=True)
    decided_on = models.DateField(_("决定日期"), null=True, blank=True)
    appeal_due = models.DateField(_("申诉期限"), null=True, blank=True)
    appeal_outcome = models.CharField(_("申诉结果"), max_length=10, choices=AppealOutcome.choices, blank=True)
    appeal_waived_on = models.DateField(_("放弃申诉日期"), null=True, blank=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    opened_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-opened_at", "-pk"]
        verbose_name = _("违规案件")
        verbose_name_plural = _("违规案件")
        indexes = [models.Index(fields=["unit", "step"], name="violation_unit_step_idx")]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(step__in=[CaseStep.DECIDED, CaseStep.CLOSED]) | ~models.Q(decision=""),
                name="violation_decided_has_decision",
            )
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def reference(self) -> str:
        return f"AJ{timezone.localtime(self.opened_at):%Y}-{self.pk:05d}" if self.pk else "AJ-"

    @property
    def context(self) -> str:
        return f"reports.case:{self.uuid}"

    @property
    def statement_overdue(self) -> bool:
        return (
            self.step == CaseStep.STATEMENT_REQUESTED
            and self.statement_due is not None
            and self.statement_due < timezone.localdate()
        )

    @property
    def can_appeal(self) -> bool:
        return (
            self.step == CaseStep.DECIDED
            and self.appeal_waived_on is None
            and self.appeal_due is not None
            and timezone.localdate() <= self.appeal_due
        )

    @property
    def citation_labels(self) -> list[str]:
        return [c["citation"] for c in self.citations]


class CaseEntry(models.Model):
    """One step's record in a violation case: investigation note, notice, statement, decision, appeal."""

    case = models.ForeignKey(ViolationCase, on_delete=models.CASCADE, related_name="entries")
    kind = models.CharField(_("类型"), max_length=20, choices=EntryKind.choices)
    step = models.CharField(_("环节"), max_length=20, choices=CaseStep.choices)
    body_enc = models.TextField(editable=False)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["case", "created_at", "pk"]
        verbose_name = _("案件记录")
        verbose_name_plural = _("案件记录")

    def __str__(self) -> str:
        return f"{self.case_id} · {self.get_kind_display()}"


class CaseFile(models.Model):
    """Evidence of a violation case, encrypted on disk like a report's."""

    case = models.ForeignKey(ViolationCase, on_delete=models.CASCADE, related_name="files")
    position = models.PositiveSmallIntegerField(_("序号"))
    content_type = models.CharField(_("类型"), max_length=50)
    extension = models.CharField(max_length=8)
    size = models.PositiveIntegerField(_("大小"))
    storage_name = models.CharField(max_length=200, editable=False)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["case", "position"]
        verbose_name = _("案件证据")
        verbose_name_plural = _("案件证据")
        constraints = [models.UniqueConstraint(fields=["case", "position"], name="casefile_position_unique")]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return f"证据{self.position}{self.extension}"

    @property
    def context(self) -> str:
        return f"{self.case.context}:file:{self.position}"


def days_from(moment: dt.datetime, days: int) -> dt.datetime:
    return moment + dt.timedelta(days=days)


class Referral(models.Model):
    """A report or a violation case sent on to an outside regulator (移交网信等监管部门, article 8): to whom, when,
    how and under which number, and later their reply. The reply's summary is sealed like the report's texts (it may
    repeat what the report says); the receiver, date, channel and number are not content and stay readable for the
    counts. A referral belongs to exactly one report or one case and is seen by whoever sees that report or case."""

    report = models.ForeignKey(
        Report,
        verbose_name=_("举报"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="referrals",
    )
    case = models.ForeignKey(
        ViolationCase,
        verbose_name=pgettext_lazy("field", "案件"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="referrals",
    )
    receiver = models.CharField(_("接收部门"), max_length=100)
    sent_on = models.DateField(_("移交日期"))
    channel = models.CharField(_("移交方式"), max_length=10, choices=ReferralChannel.choices)
    reference = models.CharField(_("移交文号/编号"), max_length=60, blank=True)
    reply_on = models.DateField(_("回复日期"), null=True, blank=True)
    reply_enc = models.TextField(_("回复摘要（密文）"), blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("登记人"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["sent_on", "pk"]
        verbose_name = _("移交记录")
        verbose_name_plural = _("移交记录")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(report__isnull=False, case__isnull=True)
                | models.Q(report__isnull=True, case__isnull=False),
                name="reports_referral_one_subject",
            ),
            models.CheckConstraint(
                condition=models.Q(reply_on__isnull=True, reply_enc="")
                | (models.Q(reply_on__isnull=False) & ~models.Q(reply_enc="")),
                name="reports_referral_reply_whole",
            ),
        ]

    def __str__(self) -> str:
        return f"移交{self.receiver}（{self.sent_on:%Y-%m-%d}）"

    @property
    def subject(self) -> Report | ViolationCase:
        return self.report if self.report_id else self.case

    @property
    def context(self) -> str:
        return f"{self.subject.context}:referral:{self.pk}"
