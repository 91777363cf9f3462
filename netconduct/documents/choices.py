from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class DocumentKind(models.TextChoices):
    NOTICE = "notice", pgettext_lazy("document kind", "通知")
    NORMS = "norms", _("规范/制度")
    PLEDGE = "pledge", _("承诺书")
    OTHER = "other", _("其他")


class DocumentStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    ISSUED = "issued", _("已印发")
    SUPERSEDED = "superseded", _("已被新版本替代")
    WITHDRAWN = "withdrawn", _("已撤回")


class LinkKind(models.TextChoices):
    ATTACHMENT = "attachment", _("附件")
    CITATION = "citation", _("引用")


class NumberSource(models.TextChoices):
    ALLOCATED = "allocated", _("本系统编号")
    RECORDED = "recorded", _("登记已有文号")
