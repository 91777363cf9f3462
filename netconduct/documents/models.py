"""Documents (notices, norms, pledge templates), their numbers, attachments, citations and structured norms."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from netconduct.org.models import OrgUnit

from .choices import DocumentKind, DocumentStatus, LinkKind, NumberSource


class DocumentNumberCounter(models.Model):
    """The last sequence given out per issuer code and year (发文字号); bumped by an UPDATE inside the issuing
    transaction, so concurrent issuing waits on the row and a rolled-back issue leaves no gap."""

    issuer_code = models.CharField(_("发文机关代字"), max_length=30)
    year = models.PositiveSmallIntegerField(_("年份"))
    last = models.PositiveIntegerField(_("已用序号"), default=0)

    class Meta:
        ordering = ["issuer_code", "year"]
        verbose_name = _("发文字号计数")
        verbose_name_plural = _("发文字号计数")
        constraints = [
            models.UniqueConstraint(fields=["issuer_code", "year"], name="docnumber_counter_unique")
        ]

    def __str__(self) -> str:
        return f"{self.issuer_code}〔{self.year}〕{self.last}"


class Document(models.Model):
    """One version of an official document. Issued versions never change; a new version supersedes them."""

    issuer = models.ForeignKey(
        OrgUnit, verbose_name=_("发文单位"), on_delete=models.PROTECT, related_name="documents"
    )
    issuer_mark = models.CharField(_("发文机关标志"), max_length=100, blank=True)
    kind = models.CharField(
        _("文种"), max_length=20, choices=DocumentKind.choices, default=DocumentKind.NOTICE
    )
    title = models.CharField(_("标题"), max_length=200)
    issuer_code = models.CharField(_("发文机关代字"), max_length=30, blank=True)
    year = models.PositiveSmallIntegerField(_("年份"), null=True, blank=True)
    sequence = models.PositiveIntegerField(_("序号"), null=True, blank=True)
    number = models.CharField(_("发文字号"), max_length=60, blank=True)
    number_source = models.CharField(
        _("文号来源"), max_length=20, choices=NumberSource.choices, default=NumberSource.ALLOCATED
    )
    addressees = models.CharField(_("主送机关"), max_length=200, blank=True)
    body = models.TextField(_("正文"), blank=True)
    signer_unit = models.CharField(_("署名单位"), max_length=100, blank=True)
    signed_on = models.DateField(_("成文日期"), null=True, blank=True)
    printer_unit = models.CharField(_("印发机关"), max_length=100, blank=True)
    printed_on = models.DateField(_("印发日期"), null=True, blank=True)
    status = models.CharField(
        _("状态"), max_length=20, choices=DocumentStatus.choices, default=DocumentStatus.DRAFT
    )
    series = models.UUIDField(_("版本系列"), default=uuid.uuid4, editable=False, db_index=True)
    version = models.PositiveSmallIntegerField(_("版本"), default=1)
    supersedes = models.OneToOneField(
        "self",
        verbose_name=_("替代的版本"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="superseded_by",
    )
    issued_at = models.DateTimeField(_("印发时间"), null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    withdrawn_reason = models.CharField(_("撤回原因"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-year", "-sequence", "-created_at", "-pk"]
        verbose_name = _("文件")
        verbose_name_plural = _("文件")
        indexes = [
            models.Index(fields=["issuer", "status"], name="document_issuer_status_idx"),
            models.Index(fields=["number"], name="document_number_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["issuer_code", "year", "sequence"],
                condition=models.Q(sequence__isnull=False),
                name="document_number_unique",
            ),
            models.UniqueConstraint(fields=["series", "version"], name="document_series_version_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}" if self.number else self.title

    @property
    def is_draft(self) -> bool:
        return self.status == DocumentStatus.DRAFT

    @property
    def is_norms(self) -> bool:
        return self.kind == DocumentKind.NORMS


class DocumentLink(models.Model):
    """An attachment that is another document, or a document this one cites (by number, inside or outside)."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="links")
    kind = models.CharField(_("类型"), max_length=20, choices=LinkKind.choices)
    target = models.ForeignKey(
        Document, null=True, blank=True, on_delete=models.PROTECT, related_name="linked_from"
    )
    cited_number = models.CharField(_("文号"), max_length=60, blank=True)
    cited_title = models.CharField(_("标题"), max_length=200, blank=True)
    position = models.PositiveSmallIntegerField(_("顺序"), default=0)

    class Meta:
        ordering = ["document", "kind", "position", "pk"]
        verbose_name = _("文件关联")
        verbose_name_plural = _("文件关联")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(target__isnull=False) | ~models.Q(cited_title=""),
                name="documentlink_has_target_or_title",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}：{self.title}"

    @property
    def title(self) -> str:
        return self.target.title if self.target_id else self.cited_title

    @property
    def number(self) -> str:
        return self.target.number if self.target_id else self.cited_number


def document_file_path(instance: DocumentFile, filename: str) -> str:
    return f"documents/{instance.document.series}/{instance.sha256[:16]}-{filename}"


class DocumentFile(models.Model):
    """A file attached to a document (a scan, a spreadsheet); kept with its hash."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="files")
    file = models.FileField(upload_to=document_file_path)
    name = models.CharField(_("文件名"), max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["document", "position", "pk"]
        verbose_name = _("附件文件")
        verbose_name_plural = _("附件文件")

    def __str__(self) -> str:
        return self.name


class NormArticle(models.Model):
    """第N条 of a norms document; cited as "第四条"."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="articles")
    number = models.PositiveSmallIntegerField(_("条"))
    heading = models.CharField(_("条标题"), max_length=200, blank=True)
    text = models.TextField(_("条文"), blank=True)

    class Meta:
        ordering = ["document", "number"]
        verbose_name = _("条")
        verbose_name_plural = _("条")
        constraints = [models.UniqueConstraint(fields=["document", "number"], name="normarticle_unique")]

    def __str__(self) -> str:
        return f"{self.citation} {self.heading}".strip()

    @property
    def citation(self) -> str:
        from .citations import cite

        return cite(self.number)


class NormItem(models.Model):
    """（N） of an article; cited as "第四条第（六）项"."""

    article = models.ForeignKey(NormArticle, on_delete=models.CASCADE, related_name="items")
    number = models.PositiveSmallIntegerField(_("项"))
    text = models.TextField(_("项文"))

    class Meta:
        ordering = ["article", "number"]
        verbose_name = _("项")
        verbose_name_plural = _("项")
        constraints = [models.UniqueConstraint(fields=["article", "number"], name="normitem_unique")]

    def __str__(self) -> str:
        return f"{self.citation} {self.text[:20]}"

    @property
    def citation(self) -> str:
        from .citations import cite

        return cite(self.article.number, self.number)

    @property
    def label(self) -> str:
        """ "（六）", as the item is numbered in the text."""
        from .norms_parser import to_chinese_numeral

        return f"（{to_chinese_numeral(self.number)}）"
