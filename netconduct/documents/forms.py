from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from netconduct.core.forms import Form

from .choices import DocumentKind, DocumentStatus, LinkKind


class DocumentForm(Form):
    kind = forms.ChoiceField(label=_("文种"), choices=DocumentKind.choices)
    title = forms.CharField(label=_("标题"), max_length=200)
    issuer_mark = forms.CharField(
        label=_("发文机关标志"), max_length=100, required=False, help_text=_("例如：中共××公司委员会文件")
    )
    issuer_code = forms.CharField(
        label=_("发文机关代字"),
        max_length=30,
        required=False,
        help_text=_("例如：西北能化党发；印发时按年度自动编号"),
    )
    addressees = forms.CharField(label=_("主送机关"), max_length=200, required=False)
    body = forms.CharField(
        label=_("正文"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 14}),
        help_text=_("每段一行；“一、”开头为一级标题，“（一）”开头为二级标题。"),
    )
    signer_unit = forms.CharField(label=_("署名单位"), max_length=100, required=False)
    signed_on = forms.DateField(
        label=_("成文日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    printer_unit = forms.CharField(label=_("印发机关"), max_length=100, required=False)
    printed_on = forms.DateField(
        label=_("印发日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


class DocumentFilterForm(Form):
    q = forms.CharField(label=_("标题或文号"), required=False)
    kind = forms.ChoiceField(
        label=_("文种"), choices=[("", _("全部文种"))] + DocumentKind.choices, required=False
    )
    status = forms.ChoiceField(
        label=_("状态"), choices=[("", _("全部状态"))] + DocumentStatus.choices, required=False
    )


class NormsImportForm(Form):
    text = forms.CharField(
        label=_("规范全文"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 16}),
        help_text=_("可直接粘贴 Word 或扫描识别出的文字；断行、（一）/(一)、列表符号都能识别。"),
    )
    file = forms.FileField(label=_("或上传 .txt / .docx 文件"), required=False)


class LinkForm(Form):
    kind = forms.ChoiceField(label=_("类型"), choices=LinkKind.choices)
    target = forms.ModelChoiceField(label=_("本系统中的文件"), queryset=None, required=False)
    cited_number = forms.CharField(label=_("文号"), max_length=60, required=False)
    cited_title = forms.CharField(label=_("标题（系统外文件）"), max_length=200, required=False)

    def __init__(self, *args, targets=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target"].queryset = targets


class FileForm(Form):
    file = forms.FileField(label=_("附件文件"))


class ReasonForm(Form):
    reason = forms.CharField(label=_("原因"), max_length=200)
