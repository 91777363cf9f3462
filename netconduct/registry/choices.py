from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Platform(models.TextChoices):
    WEIBO = "weibo", _("微博")
    WECHAT_MP = "wechat_mp", _("微信公众号")
    WECHAT_CHANNELS = "wechat_channels", _("微信视频号")
    WECHAT_GROUP = "wechat_group", _("微信群")
    WECOM_GROUP = "wecom_group", _("企业微信群")
    QQ_GROUP = "qq_group", _("QQ群")
    DOUYIN = "douyin", _("抖音")
    KUAISHOU = "kuaishou", _("快手")
    BILIBILI = "bilibili", _("哔哩哔哩")
    XIAOHONGSHU = "xiaohongshu", _("小红书")
    ZHIHU = "zhihu", _("知乎")
    TOUTIAO = "toutiao", _("今日头条")
    TENCENT_MEETING = "tencent_meeting", _("腾讯会议")
    LIVE = "live", _("网络直播")
    FORUM = "forum", _("论坛社区")
    OVERSEAS = "overseas", _("境外平台")
    OTHER = "other", _("其他")


# Platforms whose name must be given in `platform_name` (the overseas platform, or the other one).
NAMED_PLATFORMS = frozenset({Platform.OVERSEAS, Platform.OTHER})
# Platforms that are groups by nature: their size is a member count, compared with the group threshold.
GROUP_PLATFORMS = frozenset({Platform.WECHAT_GROUP, Platform.WECOM_GROUP, Platform.QQ_GROUP})


class AccountKind(models.TextChoices):
    ACCOUNT = "account", _("账号")
    GROUP = "group", _("群组")
    LIVE = "live", _("直播频道")


class OwnerKind(models.TextChoices):
    PERSON = "person", _("个人")
    UNIT = "unit", _("单位")


class ApplicationKind(models.TextChoices):
    OPEN = "open", _("开通备案")
    CHANGE = "change", _("变更备案")


class ApplicationStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("审批中")
    RETURNED = "returned", _("退回修改")
    REJECTED = "rejected", _("未通过")
    APPROVED = "approved", _("已备案")
    WITHDRAWN = "withdrawn", _("已撤回")


EDITABLE_STATUSES = frozenset({ApplicationStatus.DRAFT, ApplicationStatus.RETURNED})


class Decision(models.TextChoices):
    APPROVE = "approve", _("同意")
    RETURN = "return", _("退回修改")
    REJECT = "reject", _("不同意")


class StepLevel(models.TextChoices):
    BRANCH = "branch", _("申请人所在党支部")
    COMMITTEE = "committee", _("所属党委")
    UNIT = "unit", _("指定组织")


class AccountStatus(models.TextChoices):
    ACTIVE = "active", _("正常")
    SUSPENDED = "suspended", pgettext_lazy("account status", "暂停使用")
    CLOSED = "closed", _("已注销")


class FilingBasis(models.TextChoices):
    """Why an account is in the registry."""

    OFFICIAL = "official", _("职务身份")
    SIZE = "size", _("规模达到备案标准")
    VOLUNTARY = "voluntary", _("主动报备")


class RoundStatus(models.TextChoices):
    OPEN = "open", _("进行中")
    CLOSED = "closed", _("已结束")


class ReviewAnswer(models.TextChoices):
    PENDING = "pending", _("未答复")
    CONFIRMED = "confirmed", _("仍在使用、符合规范")
    CLOSE = "close", _("申请注销")


class CloseRequest(models.TextChoices):
    """Where a yearly review's "ask to close" (申请注销) stands with the staff."""

    PENDING = "pending", _("待处理")
    APPROVED = "approved", _("已同意注销")
    REJECTED = "rejected", _("不同意注销")


class DeclarationAnswer(models.TextChoices):
    YES = "yes", _("有，达到备案标准")
    NO = "no", _("没有")
