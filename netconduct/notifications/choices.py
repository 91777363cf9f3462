from django.db import models
from django.utils.translation import gettext_lazy as _


class WebhookProvider(models.TextChoices):
    WECOM = "wecom", _("企业微信群机器人")
    DINGTALK = "dingtalk", _("钉钉群机器人")
    FEISHU = "feishu", _("飞书群机器人")


class DeliveryChannel(models.TextChoices):
    EMAIL = "email", _("电子邮件")
    WEBHOOK = "webhook", _("群机器人")


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("待发送")
    SENT = "sent", _("已发送")
    FAILED = "failed", _("发送失败")
