from django.db import models
from django.utils.translation import gettext_lazy as _

from . import kinds


class Kind(models.TextChoices):
    ID_CARD = kinds.ID_CARD, _("身份证号")
    MOBILE = kinds.MOBILE, _("手机号码")
    LANDLINE = kinds.LANDLINE, _("固定电话")
    BANK_CARD = kinds.BANK_CARD, _("银行卡号")
    EMAIL = kinds.EMAIL, _("电子邮箱")
    IP = kinds.IP, _("IP地址")
    PLATE = kinds.PLATE, _("车牌号")
    PASSPORT = kinds.PASSPORT, _("护照/通行证号")
    ADDRESS = kinds.ADDRESS, _("住址")
    PERSON = kinds.PERSON, _("姓名")
    CLASSIFICATION_MARK = kinds.CLASSIFICATION_MARK, _("密级标志")
    INTERNAL_MARK = kinds.INTERNAL_MARK, _("内部标识")
    DOC_NUMBER = kinds.DOC_NUMBER, _("发文字号")
    KEYWORD = kinds.KEYWORD, _("保密关键词")


class TallyKind(models.TextChoices):
    """What a tally counts: checks run, or findings of one kind."""

    CHECK = "check", _("自查次数")
    ID_CARD = Kind.ID_CARD.value, Kind.ID_CARD.label
    MOBILE = Kind.MOBILE.value, Kind.MOBILE.label
    LANDLINE = Kind.LANDLINE.value, Kind.LANDLINE.label
    BANK_CARD = Kind.BANK_CARD.value, Kind.BANK_CARD.label
    EMAIL = Kind.EMAIL.value, Kind.EMAIL.label
    IP = Kind.IP.value, Kind.IP.label
    PLATE = Kind.PLATE.value, Kind.PLATE.label
    PASSPORT = Kind.PASSPORT.value, Kind.PASSPORT.label
    ADDRESS = Kind.ADDRESS.value, Kind.ADDRESS.label
    PERSON = Kind.PERSON.value, Kind.PERSON.label
    CLASSIFICATION_MARK = Kind.CLASSIFICATION_MARK.value, Kind.CLASSIFICATION_MARK.label
    INTERNAL_MARK = Kind.INTERNAL_MARK.value, Kind.INTERNAL_MARK.label
    DOC_NUMBER = Kind.DOC_NUMBER.value, Kind.DOC_NUMBER.label
    KEYWORD = Kind.KEYWORD.value, Kind.KEYWORD.label


class Severity(models.TextChoices):
    HIGH = kinds.HIGH, _("高")
    MEDIUM = kinds.MEDIUM, _("中")
    LOW = kinds.LOW, _("低")
