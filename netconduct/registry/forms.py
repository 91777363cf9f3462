from __future__ import annotations

import datetime as dt
import re

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from netconduct.core.forms import Form
from netconduct.org.choices import Role
from netconduct.org.validation import to_halfwidth

from .choices import (
    AccountKind,
    AccountStatus,
    Decision,
    DeclarationAnswer,
    FilingBasis,
    OwnerKind,
    Platform,
    ReviewAnswer,
    StepLevel,
)
from .services import AdminInput

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
ADMIN_HELP = _("每行一人：姓名 手机号码，同名时再加工号，例如：王职工 13912345678 A1001")


_PHONE = re.compile(r"(?:\+?86[\s-]*)?1(?:[\s-]*\d){10}")


def parse_admins(text: str) -> list[AdminInput]:
    """One administrator a line: name, mobile (spaces, dashes and +86 allowed), then optionally the employee number."""
    admins = []
    for n, raw in enumerate((text or "").splitlines(), start=1):
        line = to_halfwidth(raw).strip()
        if not line:
            continue
        name, _sep, rest = re.sub(r"[,，;；、/]", " ", line).partition(" ")
        phone = _PHONE.search(rest)
        if not name or not rest.strip():
            raise ValidationError(
                _("第%(n)s行“%(strip)s”：请写成“姓名 手机号码”。") % {"n": n, "strip": raw.strip()}
            )
        if phone is None:
            admins.append(
                AdminInput(name, rest.strip().split()[0])
            )  # the service names what is wrong with it
            continue
        employee_no = (rest[: phone.start()] + " " + rest[phone.end() :]).strip()
        admins.append(AdminInput(name, phone.group(0), employee_no.split()[0] if employee_no else ""))
    return admins


def admins_text(admins) -> str:
    lines = []
    for a in admins:
        employee_no = a.person.employee_no if a.person_id and a.person and a.person.employee_no else ""
        lines.append(" ".join(p for p in (a.name, a.phone, employee_no) if p))
    return "\n".join(lines)


class ApplicationForm(Form):
    owner_kind = forms.ChoiceField(
        label=_("申请主体"), choices=OwnerKind.choices, widget=forms.RadioSelect, initial=OwnerKind.PERSON
    )
    unit = forms.ModelChoiceField(
        label=_("主管单位"),
        queryset=None,
        required=False,
        empty_label=_("（个人申请不用选）"),
        help_text=_("以单位名义申请时选择；个人申请为本人所在组织"),
    )
    platform = forms.ChoiceField(label=_("平台"), choices=[("", _("请选择"))] + list(Platform.choices))
    platform_name = forms.CharField(
        label=_("平台名称"), max_length=50, required=False, help_text=_("境外平台或其他平台请填写名称")
    )
    account_kind = forms.ChoiceField(label=_("类型"), choices=AccountKind.choices)
    name = forms.CharField(label=_("账号/群组名称"), max_length=100)
    platform_ref = forms.CharField(label=_("平台ID或链接"), max_length=300, required=False)
    purpose = forms.CharField(label=_("用途"), widget=forms.Textarea(attrs={"rows": 2}))
    official_capacity = forms.BooleanField(label=_("以职务身份注册或建立"), required=False, initial=True)
    leader = forms.CharField(label=_("分管领导"), max_length=50, required=False)
    admins = forms.CharField(
        label=_("管理员"), widget=forms.Textarea(attrs={"rows": 2}), help_text=ADMIN_HELP
    )
    audience = forms.IntegerField(label=_("预计受众/群规模（人）"), min_value=0, required=False)
    platform_verified = forms.BooleanField(label=_("已通过平台认证"), required=False)
    content_review = forms.CharField(
        label=_("内容审核安排"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text=_("如：发布前由分管领导审核，涉密、敏感内容不得发布"),
    )
    planned_open_on = forms.DateField(label=_("计划开通日期"), widget=DATE, required=False)
    changed_on = forms.DateField(label=_("变更发生日期"), widget=DATE, required=False)
    change_note = forms.CharField(
        label=_("变更说明"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )

    def __init__(self, *args, units=None, change: bool = False, creating: bool = True, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if creating:
            self.fields["unit"].queryset = units
        else:
            del self.fields["owner_kind"], self.fields["unit"]
        if change:
            del self.fields["planned_open_on"]
        else:
            del self.fields["changed_on"], self.fields["change_note"]

    def clean_admins(self) -> list[AdminInput]:
        return parse_admins(self.cleaned_data["admins"])

    def clean(self):
        data = super().clean()
        if data.get("owner_kind") == OwnerKind.UNIT and not data.get("unit"):
            self.add_error("unit", _("以单位名义申请时，请选择主管单位。"))
        return data


class DecideForm(Form):
    decision = forms.ChoiceField(label=_("审批意见"), choices=Decision.choices, widget=forms.RadioSelect)
    comment = forms.CharField(
        label=_("意见说明"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text=_("退回或不同意时必填"),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


class StatusForm(Form):
    on = forms.DateField(label=_("日期"), widget=DATE)
    reason = forms.CharField(label=_("原因"), max_length=300, widget=forms.Textarea(attrs={"rows": 2}))


class FilterForm(Form):
    q = forms.CharField(
        label=_("搜索"),
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("名称、备案编号、ID、管理员")}),
    )
    unit = forms.ModelChoiceField(label=_("单位"), queryset=None, required=False, empty_label=_("全部单位"))
    platform = forms.ChoiceField(
        label=_("平台"), choices=[("", _("全部平台"))] + list(Platform.choices), required=False
    )
    kind = forms.ChoiceField(
        label=_("类型"), choices=[("", _("全部类型"))] + list(AccountKind.choices), required=False
    )
    status = forms.ChoiceField(
        label=_("状态"), choices=[("", _("全部状态"))] + list(AccountStatus.choices), required=False
    )
    basis = forms.ChoiceField(
        label=_("备案依据"), choices=[("", _("全部依据"))] + list(FilingBasis.choices), required=False
    )
    admin = forms.CharField(label=_("管理员"), required=False)
    handover = forms.BooleanField(label=_("只看待交接"), required=False)

    def __init__(self, *args, units=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units


STEP_ROLES = [
    ("", _("（不设此步）")),
    (Role.SECRETARY, Role.SECRETARY.label),
    (Role.UNIT_ADMIN, Role.UNIT_ADMIN.label),
    (Role.INSPECTOR, Role.INSPECTOR.label),
    (Role.SYSADMIN, Role.SYSADMIN.label),
]
STEP_ROWS = 4


class PolicyForm(Form):
    filing_code = forms.CharField(
        label=_("备案代字"),
        max_length=30,
        required=False,
        help_text=_("如“西北能化网备”；留空则沿用上级设置或按党委代字生成"),
    )
    follower_threshold = forms.IntegerField(
        label=_("个人账号粉丝数超过此数须备案"), min_value=1, required=False
    )
    group_threshold = forms.IntegerField(
        label=_("个人建立的群成员超过此数须备案"), min_value=1, required=False
    )

    def __init__(self, *args, units=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for n in range(1, STEP_ROWS + 1):
            self.fields[f"step{n}_role"] = forms.ChoiceField(
                label=_("第%(n)s步 审批角色") % {"n": n}, choices=STEP_ROLES, required=False
            )
            self.fields[f"step{n}_level"] = forms.ChoiceField(
                label=_("第%(n)s步 层级") % {"n": n}, choices=StepLevel.choices, required=False
            )
            self.fields[f"step{n}_unit"] = forms.ModelChoiceField(
                label=_("第%(n)s步 指定组织") % {"n": n}, queryset=units, required=False
            )
            self.fields[f"step{n}_label"] = forms.CharField(
                label=_("第%(n)s步 名称") % {"n": n}, max_length=100, required=False
            )
        # The mixin styled the fields that existed when it ran; the step fields came after.
        for name, field in self.fields.items():
            if name.startswith("step"):
                css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
                field.widget.attrs["class"] = css

    def step_rows(self):
        return [
            [self[f"step{n}_{part}"] for part in ("role", "level", "unit", "label")]
            for n in range(1, STEP_ROWS + 1)
        ]

    def steps(self):
        from .services import StepInput

        data = self.cleaned_data
        return [
            StepInput(
                data[f"step{n}_role"],
                data[f"step{n}_level"] or StepLevel.BRANCH,
                data[f"step{n}_unit"],
                data[f"step{n}_label"],
            )
            for n in range(1, STEP_ROWS + 1)
            if data.get(f"step{n}_role")
        ]


class DelegationForm(Form):
    to_user = forms.CharField(
        label=_("受托人"), max_length=150, help_text=_("受托人的登录名、手机号码或工号")
    )
    starts_on = forms.DateField(label=_("开始日期"), widget=DATE)
    ends_on = forms.DateField(label=_("结束日期"), widget=DATE)
    reason = forms.CharField(label=_("事由"), max_length=200, required=False)

    def clean_to_user(self):
        from netconduct.org.models import Person

        text = to_halfwidth(self.cleaned_data["to_user"]).strip()
        User = get_user_model()
        user = User.objects.filter(username=text, is_active=True).first()
        if user is None:
            person = (
                Person.objects.filter(user__is_active=True)
                .filter(**({"mobile": text} if text.isdigit() and len(text) == 11 else {"employee_no": text}))
                .select_related("user")
                .first()
            )
            user = person.user if person else None
        if user is None:
            raise ValidationError(_("找不到“%(text)s”对应的有效账号。") % {"text": text})
        return user


class ReviewOpenForm(Form):
    unit = forms.ModelChoiceField(label=_("范围"), queryset=None)
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    deadline = forms.DateField(label=_("答复期限"), widget=DATE)
    title = forms.CharField(
        label=_("名称"), max_length=100, required=False, help_text=_("留空则为“某年度网络账号年检”")
    )

    def __init__(self, *args, units=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units


class ReviewAnswerForm(Form):
    answer = forms.ChoiceField(
        label=_("答复"),
        choices=[
            (ReviewAnswer.CONFIRMED, ReviewAnswer.CONFIRMED.label),
            (ReviewAnswer.CLOSE, ReviewAnswer.CLOSE.label),
        ],
        widget=forms.RadioSelect,
    )
    audience = forms.IntegerField(label=_("目前受众/群规模（人）"), min_value=0, required=False)
    note = forms.CharField(
        label=_("说明"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text=_("申请注销时必填"),
    )


class ImportForm(Form):
    file = forms.FileField(label=_("备案台账（.xlsx）"))


def default_deadline() -> dt.date:
    return timezone.localdate() + dt.timedelta(days=30)


# ---------------------------------------------------------------------------------------------------- follow-through


class LateFilterForm(Form):
    unit = forms.ModelChoiceField(label=_("组织"), queryset=None, required=False, empty_label=_("全部"))
    which = forms.ChoiceField(
        label=_("情况"),
        required=False,
        choices=[("", _("全部")), ("unfiled", _("逾期未提交")), ("filed", _("逾期提交"))],
    )

    def __init__(self, *args, units=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units


class CloseRejectForm(Form):
    reason = forms.CharField(label=_("不同意注销的理由"), max_length=300, required=False)


class CloseApproveForm(Form):
    on = forms.DateField(label=_("注销日期"), widget=DATE, required=False)


class DeclarationRoundForm(Form):
    campaign = forms.ModelChoiceField(label=_("传达任务"), queryset=None, empty_label=_("请选择"))
    follower_threshold = forms.IntegerField(
        label=_("账号粉丝数标准"),
        min_value=1,
        required=False,
        help_text=_("粉丝数超过此数的个人账号需要备案"),
    )
    group_threshold = forms.IntegerField(
        label=_("群成员数标准"), min_value=1, required=False, help_text=_("成员数超过此数的群组需要备案")
    )
    note = forms.CharField(label=_("说明"), max_length=300, required=False)

    def __init__(self, *args, campaigns=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["campaign"].queryset = campaigns


class DeclarationForm(Form):
    answer = forms.ChoiceField(
        label=_("您是否运营粉丝数或成员数超过上述标准的个人账号或群组？"),
        choices=DeclarationAnswer.choices,
        widget=forms.RadioSelect,
        required=False,
    )
    platform = forms.ChoiceField(
        label=_("平台"), choices=[("", _("请选择")), *Platform.choices], required=False
    )
    account_kind = forms.ChoiceField(
        label=_("类型"), choices=[("", _("请选择")), *AccountKind.choices], required=False
    )
    name = forms.CharField(label=_("账号/群组名称"), max_length=100, required=False)
    audience = forms.IntegerField(
        label=_("粉丝数/群成员数（约数即可）"),
        min_value=0,
        required=False,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
