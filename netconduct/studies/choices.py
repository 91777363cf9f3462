from django.db import models
from django.utils.translation import gettext_lazy as _


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
