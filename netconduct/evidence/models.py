"""Inspection evidence packs (检查材料包): one zip of what a unit did for the norms in a year or in one campaign,
sealed, built in the background and kept for download."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from netconduct.campaigns.models import Campaign
from netconduct.org.models import OrgUnit

from .choices import PackStatus


class EvidencePack(models.Model):
    """A pack asked for by `requester`: the unit's subtree, for a year (every campaign of it) or for one campaign."""

    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("申请人"), on_delete=models.PROTECT, related_name="+"
    )
    unit = models.ForeignKey(OrgUnit, verbose_name=_("单位"), on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("年度"))
    campaign = models.ForeignKey(
        Campaign,
        verbose_name=_("宣贯活动"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(_("状态"), max_length=10, choices=PackStatus.choices, default=PackStatus.QUEUED)
    done = models.PositiveIntegerField(_("已完成项数"), default=0)
    total = models.PositiveIntegerField(_("总项数"), default=0)
    stage = models.CharField(_("当前步骤"), max_length=100, blank=True)
    file_name = models.CharField(_("文件"), max_length=300, blank=True)  # under the default storage
    size = models.PositiveBigIntegerField(_("大小"), default=0)
    sha256 = models.CharField("SHA-256", max_length=64, blank=True)
    files = models.PositiveIntegerField(_("文件数"), default=0)
    error = models.TextField(_("错误"), blank=True)
    created_at = models.DateTimeField(_("申请时间"), auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("检查材料包")
        verbose_name_plural = _("检查材料包")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="done") | ~models.Q(file_name=""),
                name="evidencepack_done_has_file",
            ),
        ]
        indexes = [models.Index(fields=["requester", "created_at"], name="evidencepack_requester_idx")]

    def __str__(self) -> str:
        scope = self.campaign.title if self.campaign_id else _("%(year)s年度") % {"year": self.year}
        return _("%(name)s检查材料（%(scope)s）") % {"name": self.unit.name, "scope": scope}

    @property
    def is_working(self) -> bool:
        return self.status in (PackStatus.QUEUED, PackStatus.RUNNING)

    @property
    def percent(self) -> int:
        if self.status == PackStatus.DONE:
            return 100
        return min(99, int(100 * self.done / self.total)) if self.total else 0
