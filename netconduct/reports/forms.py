"""Forms of reports and cases. Services validate the rules; forms only shape the input."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from netconduct.core.forms import DateInput, Form
from netconduct.org.models import OrgUnit

from . import selectors
from .choices import (
    AppealOutcome,
    CaseSource,
    Decision,
    Disposition,
    MessageKind,
    Platform,
    ReferralChannel,
    SupportKind,
    UnitChoice,
)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; the service checks each (type by content, size, count)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault(
            "widget", MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp,application/pdf"})
        )
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [f for f in data if f]
        return [data] if data else []


def _unit_label(unit: OrgUnit) -> str:
    return "\u3000" * max(0, unit.depth - 2) + unit.name


class ReportForm(Form):
    category = forms.ChoiceField(label=_("涉及的规范条款"))
    platform = forms.ChoiceField(
        label=_("在哪个平台发现"), choices=[("", _("—— 请选择 ——")), *Platform.choices]
    )
    link = forms.CharField(label=_("链接"), required=False, max_length=1000, help_text=_("网址，可留空"))
    seen_on = forms.DateField(
        label=_("发现日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    subject = forms.CharField(
        label=_("被举报的人或账号"), required=False, max_length=200, help_text=_("姓名、网名或账号，可留空")
    )
    description = forms.CharField(
        label=_("举报内容"),
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("看到了什么、何时何处，尽量具体；至少10个字"),
    )
    files = MultipleFileField(
        label=_("证据材料"),
        help_text=_("截图、照片或 PDF，每个不超过10 MB，最多10个；图片中的位置等信息会被去除"),
    )
    confidential = forms.TypedChoiceField(
        label=_("身份"),
        choices=[("1", _("保密：处理人员看不到我是谁")), ("0", _("实名：处理人员可以看到我的姓名和单位"))],
        coerce=lambda v: v == "1",
        initial="1",
        widget=forms.RadioSelect,
    )
    unit_basis = forms.ChoiceField(
        label=_("由哪个党组织受理"),
        choices=UnitChoice.choices,
        initial=UnitChoice.MINE,
        widget=forms.RadioSelect,
    )
    reported_unit = forms.ModelChoiceField(
        label=_("被举报人所在单位"),
        queryset=OrgUnit.objects.none(),
        required=False,
        empty_label=_("—— 请选择 ——"),
    )
    passphrase = forms.CharField(
        label=_("设置查询密码"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("至少8个字符。凭查询码和这个密码，不登录也能查看进展、补充材料。请牢记，平台无法找回"),
    )
    passphrase2 = forms.CharField(
        label=_("再输入一次查询密码"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    once = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args, anonymous: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if anonymous:
            # Without an account there is nobody to name and no unit of the reporter's: confidential, and sent to
            # the reported person's unit.
            del self.fields["confidential"]
            del self.fields["unit_basis"]
            self.fields["reported_unit"].required = True
            self.fields["reported_unit"].error_messages["required"] = _("请选择被举报人所在单位。")
        self.anonymous = anonymous
        choices = [(c.value, f"{c.citation} {c.text[:30]}") for c in selectors.norm_choices()]
        self.fields["category"].choices = [("", _("—— 请选择 ——")), *choices, (selectors.OTHER, _("其他"))]
        units = selectors.routable_units()
        self.fields["reported_unit"].queryset = units
        self.fields["reported_unit"].label_from_instance = _unit_label

    def clean(self):
        data = super().clean()
        if data.get("passphrase") and data.get("passphrase") != data.get("passphrase2"):
            self.add_error("passphrase2", _("两次输入的查询密码不一致。"))
        return data


class FollowForm(Form):
    code = forms.CharField(
        label=_("查询码"),
        max_length=40,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "off", "placeholder": "0000 0000 0000 0000 0000"}
        ),
    )
    passphrase = forms.CharField(
        label=_("查询密码"), widget=forms.PasswordInput(attrs={"autocomplete": "off"})
    )


class AddInformationForm(Form):
    token = forms.CharField(widget=forms.HiddenInput)
    text = forms.CharField(label=_("补充内容"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
    files = MultipleFileField(label=_("补充材料"), help_text=_("截图、照片或 PDF"))


class AssignForm(Form):
    handler = forms.TypedChoiceField(label=_("承办人"), coerce=int)

    def __init__(self, *args, candidates=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["handler"].choices = [(c.user.pk, c.label) for c in candidates]


class AdvanceForm(Form):
    disposition = forms.ChoiceField(
        label=_("处置方式"), choices=[("", _("—— 请选择 ——")), *Disposition.choices], required=False
    )
    summary = forms.CharField(
        label=_("办结说明（举报人可见）"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    reply = forms.CharField(
        label=_("同时答复举报人（可留空）"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class MessageForm(Form):
    kind = forms.ChoiceField(
        label=_("类型"),
        choices=[
            (MessageKind.REPLY, _("答复举报人（举报人可见）")),
            (MessageKind.NOTE, _("内部记录（举报人不可见）")),
        ],
        widget=forms.RadioSelect,
        initial=MessageKind.REPLY,
    )
    text = forms.CharField(label=_("内容"), widget=forms.Textarea(attrs={"rows": 3}))


class ReportFilterForm(Form):
    state = forms.ChoiceField(label=_("状态"), required=False)
    overdue = forms.BooleanField(label=_("只看超期"), required=False)
    mine = forms.BooleanField(label=_("只看我承办的"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from .choices import ReportState

        self.fields["state"].choices = [("", _("全部状态")), *ReportState.choices]


# ---------------------------------------------------------------------------------------------------- cases


class PersonField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("人员（工号或姓名）"))
        kwargs.setdefault("max_length", 50)
        super().__init__(**kwargs)


class CommendationForm(Form):
    person = PersonField()
    reason = forms.CharField(label=_("事由"), widget=forms.Textarea(attrs={"rows": 3}))
    granted_by = forms.CharField(label=_("表扬单位"), max_length=100)
    granted_on = forms.DateField(label=_("日期"), widget=forms.DateInput(attrs={"type": "date"}))


class ProtectionForm(Form):
    person = PersonField()
    happened = forms.CharField(label=_("遭受围攻情况"), widget=forms.Textarea(attrs={"rows": 4}))
    links = forms.CharField(
        label=_("相关链接"), required=False, widget=forms.Textarea(attrs={"rows": 2}), help_text=_("每行一个")
    )
    support = forms.MultipleChoiceField(
        label=_("支持措施"), choices=SupportKind.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    support_notes = forms.CharField(
        label=_("支持情况说明"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class ProtectionUpdateForm(Form):
    support = forms.MultipleChoiceField(
        label=_("支持措施"), choices=SupportKind.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    support_notes = forms.CharField(
        label=_("支持情况说明"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    outcome = forms.CharField(label=_("结果"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    close = forms.BooleanField(label=_("事项已结束"), required=False)


class ViolationForm(Form):
    person = PersonField(label=_("当事人（工号或姓名）"))
    citations = forms.CharField(
        label=_("涉及条款"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("每行一项，如“第四条第（六）项”或“4.6”"),
    )
    source = forms.ChoiceField(label=_("来源"), choices=CaseSource.choices)
    summary = forms.CharField(label=_("问题线索摘要"), widget=forms.Textarea(attrs={"rows": 4}))


class CaseAdvanceForm(Form):
    step = forms.ChoiceField(label=_("下一环节"))
    text = forms.CharField(label=_("内容"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    decision = forms.ChoiceField(label=_("处理决定"), required=False, choices=[("", "——"), *Decision.choices])
    decision_ref = forms.CharField(label=_("党纪处分决定文号"), required=False, max_length=60)
    appeal_outcome = forms.ChoiceField(
        label=_("申诉处理结果"), required=False, choices=[("", "——"), *AppealOutcome.choices]
    )

    def __init__(self, *args, steps=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["step"].choices = list(steps)


class CaseNoteForm(Form):
    text = forms.CharField(label=_("调查记录"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    files = MultipleFileField(label=_("证据材料"))


class StatementForm(Form):
    text = forms.CharField(label=_("您的说明"), widget=forms.Textarea(attrs={"rows": 6}))


class ReferralForm(Form):
    """移交网信等监管部门: the service checks the rules and names the field."""

    receiver = forms.CharField(
        label=_("接收部门"),
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"list": "referral-receivers", "placeholder": _("如：属地网信办")}),
    )
    sent_on = forms.DateField(label=_("移交日期"), required=False, widget=DateInput())
    channel = forms.ChoiceField(
        label=_("移交方式"), choices=[("", _("请选择")), *ReferralChannel.choices], required=False
    )
    reference = forms.CharField(
        label=_("移交文号/编号"),
        max_length=60,
        required=False,
        help_text=_("公文/函件的文号，或举报平台给出的受理编号"),
    )


class ReferralReplyForm(Form):
    reply_on = forms.DateField(label=_("回复日期"), required=False, widget=DateInput())
    summary = forms.CharField(label=_("回复摘要"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
