from django.db import models
from django.utils.translation import gettext_lazy as _


class CampaignStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    ACTIVE = "active", _("进行中")
    CLOSED = "closed", _("已结束")
