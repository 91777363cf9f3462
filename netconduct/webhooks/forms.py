from django import forms
from django.utils.translation import gettext_lazy as _

from netconduct.core.forms import Form

from .choices import EventDeliveryStatus, EventKind


class SubscriptionForm(Form):
    name = forms.CharField(
        label=_("名称"), max_length=100, help_text=_("接收方系统的名称，如“党建信息系统”。")
    )
    url = forms.CharField(
        label=_("接收地址"),
        max_length=500,
        help_text=_("必须是 https:// 开头的公网地址；不接受本机和内部网络地址。"),
    )
    unit = forms.TypedChoiceField(label=_("范围"), coerce=int, help_text=_("只推送该组织及其下级的事件。"))
    events = forms.MultipleChoiceField(
        label=_("事件类型"), choices=EventKind.choices, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, units=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = [(u.pk, u.label) for u in units]


class DeliveryFilterForm(Form):
    status = forms.ChoiceField(
        label=_("状态"), required=False, choices=[("", _("全部"))] + list(EventDeliveryStatus.choices)
    )
