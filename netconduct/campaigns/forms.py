from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from netconduct.core.forms import Form


class CampaignForm(Form):
    title = forms.CharField(label=_("活动名称"), max_length=200)
    unit = forms.ModelChoiceField(label=_("传达范围（含下级组织）"), queryset=None)
    documents = forms.ModelMultipleChoiceField(
        label=_("传达文件"), queryset=None, required=False, widget=forms.CheckboxSelectMultiple
    )
    deadline = forms.DateField(label=_("完成期限"), widget=forms.DateInput(attrs={"type": "date"}))
    include_party_members = forms.BooleanField(label=_("党员（含预备党员）"), required=False, initial=True)
    include_cadres = forms.BooleanField(label=_("干部"), required=False, initial=True)
    include_employees = forms.BooleanField(label=_("职工"), required=False, initial=True)
    requires_read = forms.BooleanField(label=_("要求：阅读并确认"), required=False, initial=True)
    requires_study = forms.BooleanField(label=_("要求：参加专题学习"), required=False)
    requires_pledge = forms.BooleanField(label=_("要求：签订承诺书"), required=False)
    remind_days_before = forms.IntegerField(label=_("期限前几天提醒"), min_value=0, max_value=60, initial=3)

    def __init__(self, *args, units=None, documents=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units
        self.fields["documents"].queryset = documents
        self.fields["documents"].label_from_instance = lambda d: (
            f"{d.number} {d.title}" if d.number else d.title
        )


class DeadlineForm(Form):
    title = forms.CharField(label=_("活动名称"), max_length=200)
    starts_on = forms.DateField(
        label=_("开始日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    deadline = forms.DateField(label=_("完成期限"), widget=forms.DateInput(attrs={"type": "date"}))
    remind_days_before = forms.IntegerField(label=_("期限前几天提醒"), min_value=0, max_value=60)


class ProxyForm(Form):
    reason = forms.CharField(
        label=_("原因"),
        max_length=200,
        help_text=_("例如：无智能手机，已于班前会上传达"),
    )
    conveyed_on = forms.DateField(
        label=_("传达日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


class CopyForm(Form):
    title = forms.CharField(label=_("新活动名称"), max_length=200)
    starts_on = forms.DateField(label=_("开始日期"), widget=forms.DateInput(attrs={"type": "date"}))
    deadline = forms.DateField(label=_("完成期限"), widget=forms.DateInput(attrs={"type": "date"}))
