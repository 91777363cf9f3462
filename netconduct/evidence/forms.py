from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from netconduct.core.forms import Form


class PackForm(Form):
    unit = forms.TypedChoiceField(label=_("单位"), coerce=int, help_text=_("包括该单位及其全部下级组织。"))
    year = forms.IntegerField(label=_("年度"), required=False, min_value=2000, max_value=2100)
    campaign = forms.TypedChoiceField(
        label=_("或只取一个宣贯活动"),
        coerce=int,
        required=False,
        empty_value=None,
        help_text=_("选择活动时按该活动生成，年度取活动的年度。"),
    )

    def __init__(self, *args, units=(), campaigns=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = [(u.pk, u.label) for u in units]
        self.fields["campaign"].choices = [("", _("（全年度的全部活动）"))] + [
            (c.pk, f"{c.year} · {c.title}") for c in campaigns
        ]
        self.fields["year"].initial = timezone.localdate().year
