"""Campaigns (宣贯活动): documents conveyed to a scope with a deadline, and each person's progress in them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from netconduct.documents.models import Document
from netconduct.org.models import OrgUnit, Person

from .choices import CampaignStatus


class Campaign(models.Model):
    """Documents conveyed to everyone in a unit's subtree (of the chosen categories) by a deadline, with the
    actions each person owes: read and confirm, attend a study session, sign the pledge."""

    unit = models.ForeignKey(
        OrgUnit, verbose_name=_("范围"), on_delete=models.PROTECT, related_name="campaigns"
    )
    title = models.CharField(_("名称"), max_length=200)
    year = models.PositiveSmallIntegerField(_("年度"))
    starts_on = models.DateField(_("开始日期"), null=True, blank=True)
    deadline = models.DateField(_("完成期限"))
    documents = models.ManyToManyField(
        Document, verbose_name=_("传达文件"), related_name="campaigns", blank=True
    )
    include_party_members = models.BooleanField(_("党员"), default=True)
    include_cadres = models.BooleanField(_("干部"), default=True)
    include_employees = models.BooleanField(_("职工"), default=True)
    requires_read = models.BooleanField(_("阅读确认"), default=True)
    requires_study = models.BooleanField(_("参加学习"), default=False)
    requires_pledge = models.BooleanField(_("签订承诺书"), default=False)
    remind_days_before = models.PositiveSmallIntegerField(_("提前提醒天数"), default=3)
    status = models.CharField(
        _("状态"), max_length=20, choices=CampaignStatus.choices, default=CampaignStatus.DRAFT
    )
    launched_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    # Last year's campaign this one was copied from: whom to chase (signed then, not yet now) and who is new.
    copied_from = models.ForeignKey(
        "self",
        verbose_name=_("复制自"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="copies",
    )
    # Bumped when staff require a new pledge against a new version of the norms: only pledges of the current round
    # count for the campaign; those of earlier rounds stay valid for the version they were made to.
    pledge_round = models.PositiveSmallIntegerField(_("承诺书轮次"), default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-year", "-deadline", "-pk"]
        verbose_name = _("宣贯活动")
        verbose_name_plural = _("宣贯活动")
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
            models.CheckConstraint(
                condition=models.Q(starts_on__isnull=True) | models.Q(starts_on__lte=models.F("deadline")),
                name="campaign_starts_before_deadline",
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
    read_at = models.DateTimeField(_("阅读确认时间"), null=True, blank=True)
    read_by_proxy = models.BooleanField(_("会议传达代确认"), default=False)
    studied_at = models.DateTimeField(_("参加学习时间"), null=True, blank=True)
    pledged_at = models.DateTimeField(_("签订承诺书时间"), null=True, blank=True)
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        ordering = ["campaign", "unit", "person"]
        verbose_name = _("宣贯对象")
        verbose_name_plural = _("宣贯对象")
        constraints = [models.UniqueConstraint(fields=["campaign", "person"], name="target_unique")]
        indexes = [
            # The rollup's GROUP BY unit answered from the index alone: the campaign's own targets, in unit order
            # (so no sort: `in_scope` comes after `unit`, as SQLite tests a bare boolean as a filter, not a key),
            # with every column it counts (no table lookups, no other campaign's rows).
            models.Index(
                fields=[
                    "campaign",
                    "unit",
                    "in_scope",
                    "done_at",
                    "read_at",
                    "studied_at",
                    "pledged_at",
                    "read_by_proxy",
                ],
                name="target_rollup_cover_idx",
            )
        ]

    def __str__(self) -> str:
        return f"{self.campaign} · {self.person}"


class ReadReceipt(models.Model):
    """A person's confirmation that they read one document of a campaign, or a secretary's record that it was
    conveyed to them in a meeting (proxy, with a reason)."""

    target = models.ForeignKey(Target, on_delete=models.CASCADE, related_name="receipts")
    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="+")
    confirmed_at = models.DateTimeField(_("确认时间"))
    proxy_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("代确认人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    proxy_reason = models.CharField(_("代确认原因"), max_length=200, blank=True)

    class Meta:
        ordering = ["target", "document"]
        verbose_name = _("阅读回执")
        verbose_name_plural = _("阅读回执")
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
