"""API keys that a system administrator issues to an integration, and the external ids integrations match people by."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from netconduct.org.models import OrgUnit, Person

from .choices import KeyScope


class ApiKey(models.Model):
    """A key for one integration: bound to a unit's subtree and a list of scopes.

    The clear key (`nc_<prefix>_<secret>`) is shown once, when it is created; only the prefix (to find the row)
    and the SHA-256 of the whole key are kept. Each key acts through its own service account, which cannot log in
    and holds one grant on the key's unit: the platform's one scoping function then answers for the key exactly as
    for a person, and every write is audited under the account's name, "API:<key name>".
    """

    name = models.CharField(_("名称"), max_length=60, unique=True)
    prefix = models.CharField(_("前缀"), max_length=16, unique=True, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    unit = models.ForeignKey(OrgUnit, verbose_name=_("范围"), on_delete=models.PROTECT, related_name="+")
    scopes = models.JSONField(_("权限"), default=list)
    source = models.CharField(
        _("外部系统标识"),
        max_length=60,
        help_text=_("外部编号（external_id）所属的系统；同一系统的多把密钥共用一套外部编号。"),
    )
    account = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="api_key", editable=False
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    expires_at = models.DateTimeField(_("到期时间"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("API密钥")
        verbose_name_plural = _("API密钥")

    def __str__(self) -> str:
        return self.name

    @property
    def is_usable(self) -> bool:
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > timezone.now())

    @property
    def status_label(self) -> str:
        if self.revoked_at is not None:
            return _("已吊销")
        if self.expires_at is not None and self.expires_at <= timezone.now():
            return _("已过期")
        return _("有效")

    @property
    def scope_labels(self) -> list[str]:
        return [str(KeyScope(s).label) for s in self.scopes if s in KeyScope.values]


class ExternalRef(models.Model):
    """A person's id in an outside system (an HR system's employee id): people sync by it as well as by ID number."""

    source = models.CharField(_("外部系统"), max_length=60)
    external_id = models.CharField(_("外部编号"), max_length=64)
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["source", "external_id"]
        verbose_name = _("外部编号")
        verbose_name_plural = _("外部编号")
        constraints = [
            models.UniqueConstraint(fields=["source", "external_id"], name="externalref_unique_id"),
            models.UniqueConstraint(fields=["source", "person"], name="externalref_unique_person"),
        ]

    def __str__(self) -> str:
        return f"{self.source}:{self.external_id}"
