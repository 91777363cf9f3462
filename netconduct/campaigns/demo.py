"""The demo campaign on top of the demo organisation: the seed notice and its attachments as documents, and this
year's campaign conveying them to everyone under the committee, launched, with a deadline two weeks out."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from netconduct.documents.demo import SeedDocuments, seed_documents_load
from netconduct.org.demo import COMMITTEE_NAME
from netconduct.org.models import OrgUnit
from netconduct.org.scoping import subtree_q

from . import services
from .models import Campaign


@dataclass
class DemoContent:
    documents: SeedDocuments
    campaign: Campaign | None
    targets: int = 0
    launched: bool = False  # launched by this call (False: it was there already)


@transaction.atomic
def demo_campaign_load(*, actor, group: OrgUnit) -> DemoContent:
    committee = OrgUnit.objects.filter(subtree_q("path", group.path), name=COMMITTEE_NAME).first() or group
    docs = seed_documents_load(actor=actor, group=group, committee=committee)
    today = timezone.localdate()
    title = f"{today.year}年网络行为规范宣贯"
    campaign = Campaign.objects.filter(unit=committee, title=title).first()
    if campaign is not None:
        return DemoContent(docs, campaign)
    campaign = services.campaign_create(
        actor=actor,
        unit=committee,
        title=title,
        deadline=today + dt.timedelta(days=14),
        documents=[docs.notice, docs.norms, docs.pledge],
        requires_read=True,
        requires_study=True,
        requires_pledge=True,
    )
    result = services.campaign_launch(actor=actor, campaign=campaign)
    return DemoContent(docs, campaign, result.added, launched=True)
