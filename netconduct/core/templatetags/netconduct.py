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
