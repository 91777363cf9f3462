from django.db import models
from django.utils.translation import gettext_lazy as _


class CampaignStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    ACTIVE = "active", _("进行中")
    CLOSED = "closed", _("已结束")


# What a campaign can require of a person: the label people read, and the Target field that records it done.
ACTION_LABELS = {"read": "阅读确认传达文件", "study": "参加专题学习", "pledge": "签订承诺书"}
ACTION_FIELDS = {"read": "read_at", "study": "studied_at", "pledge": "pledged_at"}
