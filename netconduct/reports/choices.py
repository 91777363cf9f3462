from django.db import models
from django.utils.translation import gettext_lazy as _


class ReportState(models.TextChoices):
    RECEIVED = "received", _("已受理")
    VERIFYING = "verifying", _("核查中")
    DISPOSED = "disposed", _("已处置")
    CLOSED = "closed", _("已办结")


# The only moves a report makes, in this order.
NEXT_STATE = {
    ReportState.RECEIVED: ReportState.VERIFYING,
    ReportState.VERIFYING: ReportState.DISPOSED,
    ReportState.DISPOSED: ReportState.CLOSED,
}


class Disposition(models.TextChoices):
    INTERNAL = "internal", _("内部处理")
    REFERRED = "referred", _("移交网信等监管部门")
    UNFOUNDED = "unfounded", _("经核查不实")


class Platform(models.TextChoices):
    WECHAT = "wechat", _("微信（朋友圈、群、公众号）")
    WEIBO = "weibo", _("微博")
    DOUYIN = "douyin", _("抖音、快手等短视频")
    QQ = "qq", _("QQ")
    FORUM = "forum", _("论坛、贴吧、社区")
    NEWS = "news", _("新闻网站、客户端")
    LIVE = "live", _("直播平台")
    OTHER = "other", _("其他")


class MessageKind(models.TextChoices):
    ADDITION = "addition", _("举报人补充")
    REPLY = "reply", _("答复举报人")
    NOTE = "note", _("内部记录")


class UnitChoice(models.TextChoices):
    MINE = "mine", _("我所在的党组织")
    REPORTED = "reported", _("被举报人所在单位（从列表选择）")


# ---------------------------------------------------------------------------------------------------- cases


class SupportKind(models.TextChoices):
    CLARIFICATION = "clarification", _("组织澄清正名")
    LEGAL = "legal", _("法律援助")
    PLATFORM = "platform", _("向平台投诉、申请删除")
    POLICE = "police", _("向网信、公安部门反映")
    CARE = "care", _("谈心谈话、关心关爱")
    OTHER = "other", _("其他")


class ProtectionStatus(models.TextChoices):
    OPEN = "open", _("处理中")
    CLOSED = "closed", _("已结束")


class CaseSource(models.TextChoices):
    REPORT = "report", _("举报")
    INSPECTION = "inspection", _("监督检查")
    OTHER = "other", _("其他")


class CaseStep(models.TextChoices):
    OPENED = "opened", _("已立案")
    INVESTIGATING = "investigating", _("调查核实")
    STATEMENT_REQUESTED = "statement_requested", _("已告知，待本人说明")
    STATEMENT_RECEIVED = "statement_received", _("本人已说明")
    STATEMENT_LAPSED = "statement_lapsed", _("逾期未说明")
    DECIDED = "decided", _("已作出处理决定")
    APPEALED = "appealed", _("本人已申诉")
    APPEAL_DECIDED = "appeal_decided", _("申诉已处理")
    CLOSED = "closed", _("已结案")


# Each step and the steps it may go to; nothing is skipped: a decision needs the person's statement or its lapse.
CASE_MOVES: dict[str, tuple[str, ...]] = {
    CaseStep.OPENED: (CaseStep.INVESTIGATING,),
    CaseStep.INVESTIGATING: (CaseStep.STATEMENT_REQUESTED,),
    CaseStep.STATEMENT_REQUESTED: (CaseStep.STATEMENT_RECEIVED, CaseStep.STATEMENT_LAPSED),
    CaseStep.STATEMENT_RECEIVED: (CaseStep.DECIDED,),
    CaseStep.STATEMENT_LAPSED: (CaseStep.DECIDED,),
    CaseStep.DECIDED: (CaseStep.APPEALED, CaseStep.CLOSED),
    CaseStep.APPEALED: (CaseStep.APPEAL_DECIDED,),
    CaseStep.APPEAL_DECIDED: (CaseStep.CLOSED,),
    CaseStep.CLOSED: (),
}


class Decision(models.TextChoices):
    NO_VIOLATION = "no_violation", _("不构成违反规范")
    CRITICISM = "criticism", _("批评教育")
    TALK = "talk", _("谈话提醒")
    ADMONISH = "admonish", _("诫勉")
    PARTY_DISCIPLINE = "party_discipline", _("党纪处分（另行决定，此处登记）")


class AppealOutcome(models.TextChoices):
    UPHELD = "upheld", _("维持原决定")
    CHANGED = "changed", _("变更原决定")
    REVOKED = "revoked", _("撤销原决定")


class EntryKind(models.TextChoices):
    NOTE = "note", _("调查记录")
    NOTICE = "notice", _("告知本人")
    STATEMENT = "statement", _("本人说明")
    DECISION = "decision", _("处理决定")
    APPEAL = "appeal", _("申诉")
    APPEAL_DECISION = "appeal_decision", _("申诉处理")
    WAIVER = "waiver", _("放弃申诉")
    CLOSING = "closing", _("结案")


class ReferralChannel(models.TextChoices):
    """How a report or case was sent to an outside regulator (article 8: 向网络监管部门报告)."""

    DOCUMENT = "document", _("公文/函件")
    PLATFORM = "platform", _("网络举报平台")
    IN_PERSON = "in_person", _("当面")
    OTHER = "other", _("其他")
