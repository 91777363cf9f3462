"""The audit log: append-only events chained by hash (SM3), so that an edit or a deletion in the database shows."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEvent(models.Model):
    """One change made through a service: who, when, what, before and after (personal fields masked)."""

    seq = models.PositiveBigIntegerField(_("序号"), unique=True, editable=False)
    created_at = models.DateTimeField(_("时间"), editable=False, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # The hashed content names the actor by `actor_ref`, kept as it was recorded: deleting the account empties the
    # link above (SET NULL) but changes nothing the hash covers.
    actor_ref = models.PositiveBigIntegerField(
        _("操作人编号（记录时）"), null=True, blank=True, editable=False
    )
    actor_label = models.CharField(_("操作人（记录时）"), max_length=150, blank=True)
    action = models.CharField(_("操作"), max_length=64, db_index=True)
    object_type = models.CharField(_("对象类型"), max_length=64)
    object_id = models.CharField(_("对象编号"), max_length=64, blank=True)
    object_repr = models.CharField(_("对象"), max_length=255, blank=True)
    unit_path = models.CharField(_("所属组织路径"), max_length=255, blank=True, db_index=True)
    before = models.JSONField(_("变更前"), null=True, blank=True)
    after = models.JSONField(_("变更后"), null=True, blank=True)
    prev_hash = models.CharField(max_length=64, editable=False)
    hash = models.CharField(max_length=64, editable=False, unique=True)

    class Meta:
        ordering = ["-seq"]
        verbose_name = _("审计事件")
        verbose_name_plural = _("审计事件")
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object_idx")]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.object_repr}"


class AuditHead(models.Model):
    """The newest link of the chain, kept apart so that cutting events off the end is detected too.

    Its row is also the lock every audit write takes, which puts events in one order across concurrent requests.
    """

    seq = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64, default="0" * 64)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("审计链头")
        verbose_name_plural = _("审计链头")
        constraints = [models.CheckConstraint(condition=models.Q(pk=1), name="audithead_singleton")]

    def __str__(self) -> str:
        return f"head #{self.seq}"
