from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from netconduct.core.forms import DateInput, Form

from .choices import CATEGORY_FIELDS, Category, PersonStatus, PoliticalStatus, Role, UnitKind
from .models import OrgUnit, Person


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: OrgUnit) -> str:
        return ("\u3000" * max(obj.depth - 1, 0)) + obj.name


class UnitEditForm(Form):
    name = forms.CharField(label=_("名称"), max_length=100)
    short_name = forms.CharField(label=_("简称"), max_length=50, required=False)
    code = forms.CharField(
        label=_("代字"),
        max_length=30,
        required=False,
        help_text=_("发文字号、备案编号中使用的简称，如“西北能化党”"),
    )


class UnitAddForm(UnitEditForm):
    kind = forms.ChoiceField(label=_("类型"), choices=UnitKind.choices)

    field_order = ["name", "kind", "short_name", "code"]


class UnitMoveForm(Form):
    new_parent = UnitChoiceField(label=_("新的上级组织"), queryset=OrgUnit.objects.none())

    def __init__(self, *args, parents, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["new_parent"].queryset = parents


class UnitCloseForm(Form):
    closed_on = forms.DateField(
        label=_("撤销日期"), initial=timezone.localdate, widget=forms.DateInput(attrs={"type": "date"})
    )
    reason = forms.CharField(label=_("撤销原因"), max_length=200, widget=forms.Textarea(attrs={"rows": 2}))


class PersonForm(Form):
    name = forms.CharField(label=_("姓名"), max_length=50)
    id_number = forms.CharField(label=_("身份证号"), max_length=30)
    employee_no = forms.CharField(label=_("工号"), max_length=30, required=False)
    mobile = forms.CharField(label=_("手机号码"), max_length=30, required=False)
    email = forms.CharField(
        label=_("电子邮箱"),
        max_length=254,
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
        help_text=_("填写后，本人可收到邮件提醒（本人可在“我的设置”中关闭）。"),
    )
    categories = forms.MultipleChoiceField(
        label=_("人员类别"), choices=Category.choices, widget=forms.CheckboxSelectMultiple, required=False
    )
    political_status = forms.ChoiceField(label=_("政治面貌"), choices=PoliticalStatus.choices)
    position = forms.CharField(label=_("职务/岗位"), max_length=100, required=False)
    unit = UnitChoiceField(label=_("所属组织"), queryset=OrgUnit.objects.none())
    status = forms.ChoiceField(label=_("状态"), choices=PersonStatus.choices, initial=PersonStatus.ACTIVE)
    status_since = forms.DateField(
        label=_("状态日期"),
        required=False,
        widget=DateInput(),
        help_text=_("调离或退休的日期；不填则为保存当天。"),
    )

    def __init__(self, *args, units, person: Person | None = None, **kwargs) -> None:
        if person is not None:
            kwargs.setdefault("initial", {}).update(
                {
                    "name": person.name,
                    "employee_no": person.employee_no or "",
                    "mobile": person.mobile,
                    "email": person.email,
                    "categories": [c for c, f in CATEGORY_FIELDS.items() if getattr(person, f)],
                    "political_status": person.political_status,
                    "position": person.position,
                    "unit": person.unit_id,
                    "status": person.status,
                    "status_since": person.status_since,
                }
            )
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units
        if person is not None:
            # The ID number is kept encrypted and shown masked; leave it empty to keep it.
            self.fields["id_number"].required = False
            self.fields["id_number"].help_text = _("当前：%(masked)s。不修改请留空。") % {
                "masked": person.id_number_masked
            }

    def service_fields(self, *, editing: bool) -> dict:
        data = dict(self.cleaned_data)
        if editing and not data.get("id_number"):
            data.pop("id_number", None)
        if not data.get("status_since"):
            data.pop("status_since", None)
        return data


class GrantForm(Form):
    username = forms.CharField(label=_("账号（用户名、手机号或工号）"), max_length=150)
    role = forms.ChoiceField(label=_("角色"), choices=[c for c in Role.choices if c[0] != Role.MEMBER])

    def __init__(self, *args, roles: list[str] | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if roles is not None:  # only the roles the viewer may hand out here
            self.fields["role"].choices = [c for c in Role.choices if c[0] in roles]


class PeopleFilterForm(Form):
    q = forms.CharField(
        label=_("搜索"),
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("姓名、拼音首字母或工号"), "type": "search"}),
    )
    category = forms.ChoiceField(
        label=_("类别"), required=False, choices=[("", _("全部类别")), *Category.choices]
    )
    status = forms.ChoiceField(
        label=_("状态"), required=False, choices=[*PersonStatus.choices, ("all", _("全部状态"))]
    )
    has_account = forms.ChoiceField(
        label=_("账号"), required=False, choices=[("", _("全部")), ("yes", _("已开通")), ("no", _("未开通"))]
    )
