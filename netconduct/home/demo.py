"""Everything the demo shows, gathered from the apps that own each part: the organisation (org), the seed
documents and this year's campaign (documents, campaigns), its quiz (pledges), and sample reports, cases and
filed accounts (reports, registry)."""

from __future__ import annotations

from django.db import transaction

from netconduct.campaigns.demo import DemoContent, demo_campaign_load
from netconduct.org.models import OrgUnit
from netconduct.pledges.demo import demo_quiz_load
from netconduct.registry.demo import demo_load as registry_demo_load
from netconduct.reports.demo import demo_load as reports_demo_load


@transaction.atomic
def demo_content_load(*, actor, group: OrgUnit) -> DemoContent:
    """Load the demo content once; a second call finds this year's campaign and leaves everything as it is."""
    content = demo_campaign_load(actor=actor, group=group)
    if content.launched:
        demo_quiz_load(actor=actor, campaign=content.campaign)
        reports_demo_load(actor=actor, group=group)
        registry_demo_load(actor=actor, group=group)
    return content
