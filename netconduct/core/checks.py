"""System checks of the deployment (`netconduct check --deploy`)."""

from __future__ import annotations

from django.core.checks import Warning, register

from .links import site_url


@register("netconduct", deploy=True)
def site_url_check(app_configs, **kwargs) -> list[Warning]:
    if site_url():
        return []
    return [
        Warning(
            "SITE_URL is not set: QR codes on pledges and activation slips, and links in e-mails and robot "
            "messages, cannot name the platform's address.",
            hint="Set SITE_URL to the address people open, e.g. SITE_URL=https://netconduct.example.cn",
            id="netconduct.W001",
        )
    ]
