from __future__ import annotations

from django import forms
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from netconduct.core.forms import Form
from netconduct.org.forms import UnitChoiceField
from netconduct.org.models import OrgUnit

from .extract import MAX_BYTES, SUPPORTED


def _file_help() -> str:
    """Interpolated when shown, not at import: the language is the request's."""
    return gettext("%(types)s，不超过 %(mb)d MB；PDF 须有文字层（扫描件无法检查）") % {
        "types": gettext("、").join(SUPPORTED),
        "mb": MAX_BYTES // (1024 * 1024),
    }


MAX_TEXT_CHARS = 500_000


class CheckForm(Form):
    text = forms.CharField(
        label=_("要检查的文字"),
        required=False,
        strip=False,
        max_length=MAX_TEXT_CHARS,
        error_messages={
            "max_length": _(
                "文字过长：一次最多检查 %(limit_value)d 个字（现有 %(show_value)d 个），请分段检查。"
            )
        },
        widget=forms.Textarea(
            attrs={"rows": 7, "placeholder": _("把准备发布的文字粘贴到这里"), "autocomplete": "off"}
        ),
    )
    file = forms.FileField(
        label=_("或上传文件"),
        required=False,
        help_text=lazy(_file_help, str)(),
        widget=forms.ClearableFileInput(attrs={"accept": ".txt,.docx,.pdf,.xlsx"}),
        error_messages={"empty": _("文件是空的（0 字节）。"), "invalid": _("没有收到文件，请重新选择。")},
    )

    def clean(self):
        data = super().clean()
        if not self.errors and not data.get("file") and not (data.get("text") or "").strip():
            raise forms.ValidationError(_("请粘贴要检查的文字，或选择一个文件。"))
        return data


class KeywordAddForm(Form):
    unit = UnitChoiceField(label=_("所属单位"), queryset=OrgUnit.objects.none())
    terms = forms.CharField(
        label=_("关键词"),
        widget=forms.Textarea(attrs={"rows": 5, "placeholder": _("每行一个，如内部项目、系统或场所的名称")}),
        help_text=_("至少两个字；英文不区分大小写，全角半角视为相同。"),
    )
    note = forms.CharField(label=_("说明"), max_length=200, required=False)

    def __init__(self, *args, units, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units
        if units.count() == 1:
            self.fields["unit"].initial = units.first().pk


class KeywordSearchForm(forms.Form):
    q = forms.CharField(label=_("查找"), required=False, max_length=100)
