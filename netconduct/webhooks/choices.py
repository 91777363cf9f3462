from django.db import models
from django.utils.translation import gettext_lazy as _


class EventKind(models.TextChoices):
    """The events that leave the system. Reports and cases are not among them, and never may be."""

    PLEDGE_SIGNED = "pledge.signed", _("承诺书已签订")
    PLEDGE_SEALED = "pledge.sealed", _("承诺书已签章归档")
    CAMPAIGN_LAUNCHED = "campaign.launched", _("宣贯活动已发布")
    CAMPAIGN_OVERDUE = "campaign.overdue", _("宣贯活动已逾期")
    PERSON_CHANGED = "person.changed", _("人员信息变更")
    ACCOUNT_FILED = "account.filed", _("账号已备案")


class EventDeliveryStatus(models.TextChoices):
    PENDING = "pending", _("等待发送")
    SENT = "sent", _("已送达")
    FAILED = "failed", _("发送失败")
