from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from netconduct.core.forms import Form

from .choices import DeliveryStatus, WebhookProvider


class WebhookForm(Form):
    """The address is checked by the service (https, the provider's host), whose messages say what to fix."""

    provider = forms.ChoiceField(label=_("类型"), choices=WebhookProvider.choices)
    url = forms.CharField(
        label=_("Webhook 地址"),
        max_length=600,
        error_messages={"required": _("请填写 Webhook 地址。")},
        widget=forms.TextInput(attrs={"inputmode": "url", "autocomplete": "off", "spellcheck": "false"}),
        help_text=_("在群聊的“群机器人”设置中添加机器人后复制完整地址。"),
    )
    secret = forms.CharField(
        label=_("加签密钥（可选）"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        help_text=_(
            "钉钉、飞书机器人开启“加签/签名校验”时填写；企业微信留空。若机器人用“自定义关键词”，请设为“宣贯提醒”。"
        ),
    )


class DeliveryFilterForm(Form):
    status = forms.ChoiceField(
        label=_("状态"),
        required=False,
        choices=[("", _("失败和待发送")), *DeliveryStatus.choices],
    )
