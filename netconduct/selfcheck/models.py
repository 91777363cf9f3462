"""The committee's keyword list and the anonymous daily tallies. The checked texts themselves are never stored."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from netconduct.org.models import OrgUnit

from .choices import TallyKind


class SelfcheckKeyword(models.Model):
    """A word that should not appear in a public post: an internal project, system or place name (article 5, item 2).

    Every self-check uses every keyword; `unit` says whose list it belongs to, and only staff whose scope covers
    that unit may change it. `key` is the form the detector matches (full-width folded, lower case), unique per unit.
    """

    unit = models.ForeignKey(OrgUnit, verbose_name=_("所属组织"), on_delete=models.PROTECT, related_name="+")
    term = models.CharField(_("关键词"), max_length=100)
    key = models.CharField(_("匹配形式"), max_length=100, editable=False)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["key", "pk"]
        verbose_name = _("保密关键词")
        verbose_name_plural = _("保密关键词")
        constraints = [
            models.UniqueConstraint(fields=["unit", "key"], name="selfcheckkeyword_unit_key_unique"),
            models.CheckConstraint(condition=~models.Q(key=""), name="selfcheckkeyword_key_not_empty"),
        ]

    def __str__(self) -> str:
        return self.term


class SelfcheckTally(models.Model):
    """How many self-checks ran on a day (kind "check") and how many findings of each kind they made.

    Deliberately nothing else: no account, no unit, no text, no time of day.
    """

    day = models.DateField(_("日期"))
    kind = models.CharField(_("类别"), max_length=32, choices=TallyKind.choices)
    count = models.PositiveIntegerField(_("数量"), default=0)

    class Meta:
        ordering = ["-day", "kind"]
        verbose_name = _("自查匿名统计")
        verbose_name_plural = _("自查匿名统计")
        constraints = [models.UniqueConstraint(fields=["day", "kind"], name="selfchecktally_day_kind_unique")]

    def __str__(self) -> str:
        return f"{self.day} {self.get_kind_display()} {self.count}"
