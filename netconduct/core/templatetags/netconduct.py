from __future__ import annotations

import datetime as dt
import re

from django import template
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

register = template.Library()

LABELS = {
    "name": _("名称"),
    "short_name": _("简称"),
    "kind": _("类型"),
    "code": _("代字"),
    "parent": _("上级"),
    "is_active": _("启用"),
    "closed_on": _("撤销日期"),
    "closed_reason": _("撤销原因"),
    "employee_no": _("工号"),
    "id_number": _("身份证号"),
    "gender": _("性别"),
    "birth_date": _("出生日期"),
    "mobile": _("手机"),
    "is_party_member": _("中共党员"),
    "is_probationary": _("预备党员"),
    "is_cadre": _("干部"),
    "is_employee": _("职工"),
    "political_status": _("政治面貌"),
    "position": _("职务/岗位"),
    "status": _("状态"),
    "status_since": _("状态日期"),
    "is_demo": _("演示数据"),
    "unit": _("组织"),
    "user": _("账号"),
    "role": _("角色"),
    # documents and campaigns
    "title": _("标题"),
    "issuer": _("发文单位"),
    "issuer_mark": _("发文机关标志"),
    "issuer_code": _("发文机关代字"),
    "number": _("文号"),
    "addressees": _("主送机关"),
    "body": _("正文"),
    "signer_unit": _("署名单位"),
    "signed_on": _("成文日期"),
    "printer_unit": _("印发机关"),
    "printed_on": _("印发日期"),
    "version": _("版本"),
    "supersedes": _("替代"),
    "reason": _("原因"),
    "articles": _("条数"),
    "items": _("项数"),
    "sha256": _("SHA-256"),
    "size": _("大小"),
    "year": _("年度"),
    "deadline": _("期限"),
    "documents": _("文件"),
    "document": _("文件"),
    "categories": _("人员类别"),
    "actions": _("要求"),
    "remind_days_before": _("提前提醒天数"),
    "added": _("新增对象"),
    "returned": _("重新纳入"),
    "moved": _("调动"),
    "left": _("移出范围"),
    "confirmed_at": _("确认时间"),
    "conveyed_at": _("传达时间"),
    "topic": _("主题"),
    "form": _("形式"),
    "place": _("地点"),
    "starts_at": _("时间"),
    "minutes": _("记录"),
    "opinion": _("意见"),
    "minutes_chars": _("记录字数"),
    "is_special": _("专题学习"),
    "is_special_study": _("专题学习"),
    "starts_on": _("开始日期"),
    "copied_from": _("复制自"),
    "documents_replaced": _("换为现行版本的文件"),
    "documents_dropped": _("未沿用的文件"),
    "norms": _("规范"),
    "pledge_round": _("承诺书轮次"),
    "pledges_reset": _("需重新签订人数"),
    "host": _("主持人"),
    "recorder": _("记录人"),
    "decision": _("审核结果"),
    "content_type": _("文件类型"),
    "questions": _("测试题"),
    "admins": _("管理员"),
    "answer": _("年检答复"),
    "answers": _("答复情况"),
    "audience": _("受众人数"),
    "review": _("年检"),
    "date": _("日期"),
    "file": _("文件"),
    "files": _("文件数"),
    "note": _("备注"),
    "row": _("行号"),
    "comment": _("审批意见"),
    "filing_number": _("备案编号"),
    "step": _("审批步骤"),
    "steps": _("审批步骤"),
    "revoked": _("已撤销"),
    "filing_code": _("备案编号代字"),
    "group_threshold": _("群组人数门槛"),
    "accounts": _("账号数"),
    "emails": _("邮件数"),
    "notifications": _("通知数"),
    "pending": _("未答复"),
    "category": _("类别"),
    "closed_before": _("办结早于"),
    "handler": _("承办人"),
    "references": _("编号"),
    "reports": _("举报数"),
    "texts": _("清除内容条数"),
    "source": _("来源"),
    "created": _("新增"),
    "updated": _("更新"),
    "unchanged": _("未变"),
    "device": _("设备"),
    "expires_at": _("有效期至"),
    "purpose": _("用途"),
    "via": _("方式"),
    "voided_earlier": _("作废的旧凭条"),
    "terms": _("关键词"),
}
# Internal ids: the event already names its object, and an id means nothing to a reader.
HIDDEN = {
    "path",
    "unit_id",
    "application",
    "on_behalf_of",
    "ids",
    "person_id",
    "activation_code_id",
    "device_id",
}

ACTIONS = {
    "unit.create": _("新建组织"),
    "unit.update": _("修改组织"),
    "unit.move": _("移动组织"),
    "unit.close": _("撤销组织"),
    "person.create": _("新增人员"),
    "person.update": _("修改人员"),
    "person.reveal_id": _("查看身份证号"),
    "grant.create": _("授予角色"),
    "grant.revoke": _("撤销角色"),
    "account.deactivate": _("停用账号"),
    "account.reactivate": _("恢复账号"),
    "account.profile": _("修改个人设置"),
    "account.language": _("切换界面语言"),
    "document.create": _("起草文件"),
    "document.update": _("修改草稿"),
    "document.set_norms": _("导入条文"),
    "document.add_link": _("添加附件/引用"),
    "document.add_file": _("上传附件文件"),
    "document.issue": _("印发"),
    "document.record": _("登记已印发文件"),
    "document.new_version": _("建立新版本"),
    "document.withdraw": _("撤回文件"),
    "document.delete_draft": _("删除草稿"),
    "campaign.create": _("新建宣贯活动"),
    "campaign.update": _("修改宣贯活动"),
    "campaign.launch": _("发布宣贯活动"),
    "campaign.close": _("结束宣贯活动"),
    "campaign.sync": _("同步宣贯对象"),
    "campaign.copy": _("复制为下一年度活动"),
    "campaign.repledge": _("要求按新版规范重新签订"),
    "campaign.read_confirm": _("确认阅读"),
    "campaign.read_proxy": _("会议传达代确认"),
    "session.create": _("新建学习记录"),
    "session.update": _("修改学习记录"),
    "session.attendance_set": _("登记出席"),
    "session.sign_in": _("扫码签到"),
    "session.evidence_add": _("上传佐证"),
    "session.submit": _("提交学习记录"),
    "session.review": _("审核学习记录"),
    "pledge.sign": _("签订承诺书"),
    "pledge.seal": _("承诺书加盖电子签章"),
    "pledge.seal_wait": _("承诺书等待可信时间戳"),
    "pledge.quiz_set": _("设置签订前测试题"),
    "report.file": _("提交举报"),
    "report.read": _("查阅举报"),
    "report.file_read": _("查看举报附件"),
    "report.assign": _("指定承办人"),
    "report.advance": _("变更办理状态"),
    "report.reply": _("答复举报人"),
    "report.note": _("办理备注"),
    "report.add_information": _("举报人补充材料"),
    "report.purge": _("清除到期举报"),
    "report.rekey": _("举报密钥轮换"),
    "report.nuisance": _("标记无效骚扰"),
    "report.refer": _("移交监管部门"),
    "report.referral_reply": _("登记移交回复"),
    "violation.refer": _("案件移交监管部门"),
    "violation.referral_reply": _("登记案件移交回复"),
    "violation.waive_appeal": _("放弃申诉"),
    "commendation.create": _("登记肯定鼓励"),
    "protection.create": _("登记保护支持"),
    "protection.update": _("更新保护支持"),
    "violation.open": _("立案"),
    "violation.investigating": _("开始调查"),
    "violation.statement_requested": _("告知并听取陈述"),
    "violation.statement_received": _("收到本人陈述"),
    "violation.statement_lapsed": _("陈述期限届满"),
    "violation.statement": _("本人陈述"),
    "violation.decided": _("作出处理决定"),
    "violation.appeal": _("提出申诉"),
    "violation.appealed": _("受理申诉"),
    "violation.appeal_decided": _("申诉处理决定"),
    "violation.closed": _("结案"),
    "violation.note": _("调查记录"),
    "violation.file_read": _("查看案件材料"),
    "registry.apply": _("填写备案申请"),
    "registry.application_update": _("修改备案申请"),
    "registry.submit": _("提交备案审批"),
    "registry.withdraw": _("撤回备案申请"),
    "registry.decide": _("备案审批"),
    "registry.change_start": _("发起变更备案"),
    "registry.suspend": _("暂停账号"),
    "registry.resume": _("恢复账号"),
    "registry.close": _("注销账号"),
    "registry.handover_flag": _("管理员变动待交接"),
    "registry.policy_set": _("备案设置"),
    "registry.delegate": _("审批委托"),
    "registry.delegation_revoke": _("撤销审批委托"),
    "registry.review_open": _("开启年检"),
    "registry.review_answer": _("年检答复"),
    "registry.review_remind": _("年检提醒"),
    "registry.review_close": _("结束年检"),
    "registry.import": _("导入备案台账"),
    "registry.close_request_approve": _("同意年检注销申请"),
    "registry.close_request_reject": _("不同意年检注销申请"),
    "registry.declaration_open": _("发起规模申报"),
    "registry.declare": _("规模申报"),
    "registry.late_remind": _("逾期变更备案提醒"),
    "account.activation_issue": _("发放开通凭条"),
    "account.reset_issue": _("发放重置凭条"),
    "account.activate": _("开通账号"),
    "account.open": _("经身份平台开通账号"),
    "account.login": _("登录"),
    "person.directory_sync": _("按单位目录同步人员信息"),
    "account.reset": _("重置密码"),
    "account.password_change": _("修改密码"),
    "account.totp_confirm": _("启用动态口令"),
    "account.create_system": _("建立系统账号"),
    "account.create_superuser": _("建立超级管理员"),
    "account.create_demo": _("建立演示账号"),
    "roster.import": _("导入花名册"),
    "pledge.print": _("打印纸质承诺书"),
    "pledge.scan_upload": _("上传纸质承诺书扫描件"),
    "pledge.scan_ignore": _("忽略扫描页"),
    "pledge.export": _("导出承诺书"),
    "evidence.request": _("生成检查材料包"),
    "evidence.download": _("下载检查材料包"),
    "reminders.run": _("发送提醒"),
    "delivery.retry": _("重发通知"),
    "webhook.create": _("添加群机器人"),
    "webhook.enable": _("启用群机器人"),
    "webhook.disable": _("停用群机器人"),
    "webhook.test": _("测试群机器人"),
    "api_key.create": _("创建接口密钥"),
    "api_key.revoke": _("吊销接口密钥"),
    "api.people_sync": _("经接口同步人员"),
    "event_subscription.create": _("订阅事件推送"),
    "event_subscription.enable": _("启用事件订阅"),
    "event_subscription.disable": _("停用事件订阅"),
    "event_subscription.rotate_secret": _("更换事件订阅密钥"),
    "event_delivery.replay": _("重新推送事件"),
    "selfcheck.keyword.add": _("添加自查关键词"),
    "selfcheck.keyword.delete": _("删除自查关键词"),
    "system.backup": _("数据备份"),
    "system.restore": _("从备份恢复"),
}


# Labels of coded values in audit events ({"kind": {"branch": "党支部"}, ...}), registered by the apps that own the
# codes (in their AppConfig.ready), so that the ground floor does not import them. A field name that means different
# things on different objects ("status" of a person, of a campaign) is registered with the object's type.
VALUE_LABELS: dict[str, dict[str, str]] = {}
OBJECT_VALUE_LABELS: dict[tuple[str, str], dict[str, str]] = {}


def register_value_labels(field: str, choices, *, object_type: str | None = None) -> None:
    labels = {str(k): v for k, v in dict(choices).items()}
    if object_type is None:
        VALUE_LABELS.setdefault(field, {}).update(labels)
    else:
        OBJECT_VALUE_LABELS.setdefault((object_type, field), {}).update(labels)


def register_field_labels(labels: dict[str, str], *, object_type: str | None = None) -> None:
    """Labels of the fields an app writes into its audit events (before/after keys)."""
    if object_type is None:
        LABELS.update(labels)
    else:
        OBJECT_LABELS.update({(object_type, k): v for k, v in labels.items()})


def register_model_labels(*models) -> None:
    """Field names and coded values of models, from their verbose names and choices, for events on them."""
    for model in models:
        object_type = model._meta.label_lower
        for field in model._meta.get_fields():
            if not hasattr(field, "verbose_name") or field.name in HIDDEN:
                continue
            # only a name the model gives, not the one Django makes up from the attribute
            if str(field.verbose_name) != field.name.replace("_", " "):
                OBJECT_LABELS.setdefault((object_type, field.name), field.verbose_name)
            if getattr(field, "choices", None):
                register_value_labels(field.name, field.choices, object_type=object_type)


OBJECT_LABELS: dict[tuple[str, str], str] = {}


def _value_labels(object_type: str, field: str) -> dict[str, str]:
    return OBJECT_VALUE_LABELS.get((object_type, field)) or VALUE_LABELS.get(field, {})


def field_label(object_type: str, key: str) -> str:
    if (object_type, key) in OBJECT_LABELS:
        return str(OBJECT_LABELS[(object_type, key)])
    if key in LABELS:
        return str(LABELS[key])
    # Per-person entries are keyed "name#id" so that namesakes stay apart in the record; the reader sees the name.
    if (person := _PERSON_KEY.match(key)) is not None:
        return person.group(1)
    return key


_PERSON_KEY = re.compile(r"^(.+)#\d+$")


@register.filter
def audit_action(code: str) -> str:
    return str(ACTIONS.get(code, code))


def _show(value) -> str:
    if isinstance(value, list | tuple):
        return str(_("、")).join(_show(v) for v in value) or "—"
    if isinstance(value, dict):
        colon = str(_("："))
        return str(_("，")).join(f"{LABELS.get(k, k)}{colon}{_show(v)}" for k, v in value.items()) or "—"
    if value is None or value == "":
        return "—"
    if value is True:
        return str(_("是"))
    if value is False:
        return str(_("否"))
    if isinstance(value, str) and _ISO_DATETIME.match(value):
        return timezone.localtime(dt.datetime.fromisoformat(value)).strftime("%Y-%m-%d %H:%M")
    return str(value)


_ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}:\d{2}|Z)$")


@register.filter
def audit_changes(event) -> list[tuple[str, str, str | None]]:
    """(label, before, after) rows; on a creation only the fields that hold something."""
    before, after = event.before or {}, event.after or {}
    object_type = event.object_type or ""

    def show(key, value) -> str:
        labels = _value_labels(object_type, key)
        if isinstance(value, list | tuple):
            return _show([labels.get(v, v) if isinstance(v, str) else v for v in value])
        if isinstance(value, dict):
            return _show({labels.get(k, k): v for k, v in value.items()})
        return _show(labels.get(value, value) if isinstance(value, str | int | bool) else value)

    rows = []
    for key in list(after) + [k for k in before if k not in after]:
        if key in HIDDEN:
            continue
        label = field_label(object_type, key)
        if key == "name" and object_type == "org.person":
            label = _("姓名")
        if before and after:
            rows.append((label, show(key, before.get(key)), show(key, after.get(key))))
        elif after:
            if after.get(key) in (None, "", False):
                continue
            rows.append((label, "", show(key, after[key])))
        else:
            rows.append((label, show(key, before[key]), None))
    return rows
