from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from netconduct.core.forms import Form
from netconduct.org.models import OrgUnit

from .choices import KeyScope


class ApiKeyForm(Form):
    name = forms.CharField(
        label=_("名称"),
        max_length=60,
        help_text=_("对接的系统，如“人事系统同步”。审计日志以此记录密钥的每次写入。"),
    )
    unit = forms.ModelChoiceField(
        label=_("组织范围"), queryset=OrgUnit.objects.none(), help_text=_("密钥只能读写该组织及其下级。")
    )
    scopes = forms.MultipleChoiceField(
        label=_("权限"), choices=KeyScope.choices, widget=forms.CheckboxSelectMultiple
    )
    expires_on = forms.DateField(
        label=_("到期日期"), required=False, help_text=_("留空则长期有效，直到吊销。")
    )
    source = forms.CharField(
        label=_("外部系统标识"),
        max_length=60,
        required=False,
        help_text=_(
            "外部编号（external_id）所属的系统；留空则同名称。换发密钥时填同一标识，外部编号继续有效。"
        ),
    )

    def __init__(self, *args, units=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if units is not None:
            self.fields["unit"].queryset = units
