from django.db import models
from django.utils.translation import gettext_lazy as _


class CampaignStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    ACTIVE = "active", _("进行中")
    CLOSED = "closed", _("已结束")


class SessionForm(models.TextChoices):
    BRANCH_GENERAL_MEETING = "general_meeting", _("支部党员大会")
    BRANCH_COMMITTEE = "committee_meeting", _("支部委员会")
    PARTY_GROUP = "party_group", _("党小组会")
    PARTY_LECTURE = "lecture", _("党课")
    THEME_DAY = "theme_day", _("主题党日")
    PRE_SHIFT = "pre_shift", _("班前会")
    POST_SHIFT = "post_shift", _("班后会")
    DEPARTMENT = "department", _("部门例会")
    ONLINE = "online", _("微信群/QQ群线上学习")


class SessionStatus(models.TextChoices):
    DRAFT = "draft", _("记录中")
    SUBMITTED = "submitted", _("已提交")
    ACCEPTED = "accepted", _("已通过")
    RETURNED = "returned", _("已退回")


class AttendanceStatus(models.TextChoices):
    PRESENT = "present", _("出席")
    ABSENT = "absent", _("缺席")
    LEAVE = "leave", _("请假")


class AttendanceVia(models.TextChoices):
    MANUAL = "manual", _("书记登记")
    QR = "qr", _("扫码签到")


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
