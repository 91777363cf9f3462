"""Campaigns for tests, made through the services."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from netconduct.campaigns import services
from netconduct.documents.tests import factories as documents


def campaign(unit, *, actor, launch: bool = True, document=None, **fields):
    document = document or documents.issued_norms(
        unit, actor=actor, issuer_code=fields.pop("issuer_code", "测试党发")
    )
    fields.setdefault("title", "网络行为规范宣贯")
    fields.setdefault("deadline", timezone.localdate() + dt.timedelta(days=10))
    made = services.campaign_create(actor=actor, unit=unit, documents=[document], **fields)
    if launch:
        services.campaign_launch(actor=actor, campaign=made)
    return made
