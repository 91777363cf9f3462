"""Login accounts. Most belong to a person of the roster and were activated from a printed slip."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """A login account; `person` (reverse one-to-one from org.Person) links it to the roster. `email` follows the
    person's address (Person.email is the one kept); an account without a person keeps its own."""

    email_notifications = models.BooleanField(
        _("邮件提醒"), default=True, help_text=_("关闭后只在平台内提醒，不再发送邮件。")
    )
    # One of settings.LANGUAGES; empty follows the browser (its cookie, then Accept-Language).
    language = models.CharField(_("界面语言"), max_length=10, blank=True, default="")

    class Meta(AbstractUser.Meta):
        ordering = ["username"]
        verbose_name = _("账号")
        verbose_name_plural = _("账号")

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        person = getattr(self, "person", None)
        if person is not None:
            return person.name
        return self.get_full_name() or self.username


class ActivationCode(models.Model):
    """A one-time code on a printed slip: the person opens its link (or types the code) and sets a password.

    Only hashes are stored; the clear code exists on the slip alone. Issuing a new code for a person voids the
    earlier unused ones, so a lost sheet is dealt with by printing a new one.
    """

    class Purpose(models.TextChoices):
        ACTIVATE = "activate", _("开通账号")
        RESET = "reset", _("重置登录")

    person = models.ForeignKey("org.Person", on_delete=models.CASCADE, related_name="activation_codes")
    purpose = models.CharField(max_length=16, choices=Purpose.choices)
    token_hash = models.CharField(max_length=64, unique=True)
    code_hash = models.CharField(max_length=64, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    voided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("激活码")
        verbose_name_plural = _("激活码")

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} · {self.person_id}"
