from __future__ import annotations

from pathlib import Path

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from netconduct.core.forms import Form

from .reader import MACRO, MACRO_SUFFIXES, SPREADSHEET_SUFFIXES


class RosterUploadForm(Form):
    file = forms.FileField(
        label=_("花名册文件"),
        help_text=_("支持 .xlsx、.xls、.ods 和 .csv（UTF-8 或 GBK 编码）；单个文件不超过 20 MB、20 万行。"),
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(SPREADSHEET_SUFFIXES)}),
    )
    create_units = forms.BooleanField(
        label=_("自动创建不存在的组织"),
        required=False,
        help_text=_("“所属组织”写成路径（如 某公司党委/某党总支/某党支部）时，按路径新建缺少的组织。"),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        suffix = Path(upload.name).suffix.lower()
        if suffix in MACRO_SUFFIXES:
            raise forms.ValidationError(MACRO)
        if suffix not in SPREADSHEET_SUFFIXES:
            raise forms.ValidationError(
                _("不支持“%(suffix)s”类型的文件，请上传 .xlsx、.xls、.ods 或 .csv 文件。"),
                params={"suffix": suffix or _("无扩展名")},
            )
        limit = settings.NETCONDUCT_ROSTER_MAX_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                _("文件大小 %(size).1f MB，超过 %(limit).0f MB 的上限。请拆分后再导入。"),
                params={"size": upload.size / (1 << 20), "limit": limit / (1 << 20)},
            )
        return upload
