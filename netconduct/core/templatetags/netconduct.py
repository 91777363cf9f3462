from __future__ import annotations

from django import template
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
}
HIDDEN = {"path", "unit_id"}

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
    "campaign.read_confirm": _("确认阅读"),
    "campaign.read_proxy": _("会议传达代确认"),
    "session.create": _("新建学习记录"),
    "session.update": _("修改学习记录"),
    "session.attendance_set": _("登记出席"),
    "session.sign_in": _("扫码签到"),
    "session.evidence_add": _("上传佐证"),
    "session.submit": _("提交学习记录"),
    "session.review": _("审核学习记录"),
}


def _choices() -> dict[str, dict[str, str]]:
    from netconduct.org.choices import Gender, PersonStatus, PoliticalStatus, Role, UnitKind

    return {
        "kind": dict(UnitKind.choices),
        "political_status": dict(PoliticalStatus.choices),
        "status": dict(PersonStatus.choices),
        "gender": dict(Gender.choices),
        "role": dict(Role.choices),
    }


@register.filter
def audit_action(code: str) -> str:
    return str(ACTIONS.get(code, code))


def _show(value) -> str:
    if isinstance(value, list | tuple):
        return "、".join(_show(v) for v in value) or "—"
    if isinstance(value, dict):
        return "，".join(f"{LABELS.get(k, k)}：{_show(v)}" for k, v in value.items()) or "—"
    if value is None or value == "":
        return "—"
    if value is True:
        return "是"
    if value is False:
        return "否"
    return str(value)


@register.filter
def audit_changes(event) -> list[tuple[str, str, str | None]]:
    """(label, before, after) rows; on a creation only the fields that hold something."""
    before, after = event.before or {}, event.after or {}
    choices = _choices()

    def show(key, value) -> str:
        if isinstance(value, list | tuple | dict):
            return _show(value)
        return _show(choices.get(key, {}).get(value, value))

    rows = []
    for key in list(after) + [k for k in before if k not in after]:
        if key in HIDDEN:
            continue
        label = LABELS.get(key, key)
        if key == "name" and event.object_type == "org.person":
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
