from django.db import models
from django.utils.translation import gettext_lazy as _


class PledgeStatus(models.TextChoices):
    PRINTED = "printed", _("已打印待签")
    SIGNED = "signed", _("已签订")


class PledgeMethod(models.TextChoices):
    ONLINE = "online", _("线上签订")
    PAPER = "paper", _("纸质签订")


class SignatureKind(models.TextChoices):
    DRAWN = "drawn", _("手写签名")
    TYPED = "typed", _("输入姓名")


class PaperCopy(models.TextChoices):
    SIGNER = "A", _("本人留存")
    ARCHIVE = "B", _("组织留存")


class ScanPageStatus(models.TextChoices):
    MATCHED = "matched", _("已识别")
    ASSIGNED = "assigned", _("人工指定")
    UNMATCHED = "unmatched", _("待指定")
    IGNORED = "ignored", _("已忽略")


class VerdictStatus(models.TextChoices):
    """The one answer a verification gives (command line, public page, API alike)."""

    VALID = "valid", _("有效")
    NOT_ARCHIVED = "not_archived", _("不是存档文件")
    CONTENT_CHANGED = "content_changed", _("内容被改动")
    INVALID = "invalid", _("签章无效")
    UNREADABLE = "unreadable", _("无法核验")
    UNKNOWN_CODE = "unknown_code", _("验证码不存在")
    NOT_SIGNED = "not_signed", _("尚未签订")
