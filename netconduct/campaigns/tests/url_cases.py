import datetime as dt

from netconduct.campaigns.models import Target
from netconduct.campaigns.tests import factories as f
from netconduct.core.url_matrix import BRANCH_READERS, EVERYONE, STAFF, UrlCase

PROXY = frozenset({"sysadmin", "unit_admin", "secretary"})


def _campaign(launch=True):
    return lambda w: {"pk": f.campaign(w.org.committee, actor=w.org.root_user, launch=launch).pk}


def _outside(launch=True):
    return lambda w: {
        "pk": f.campaign(w.other_branch, actor=w.org.root_user, launch=launch, issuer_code="其他党发").pk
    }


def _target(person):
    def make(w):
        campaign = f.campaign(w.org.group, actor=w.org.root_user, issuer_code="集团党发")
        return {"pk": Target.objects.get(campaign=campaign, person=person(w)).pk}

    return make


def _read(person):
    def make(w):
        campaign = f.campaign(w.org.group, actor=w.org.root_user, issuer_code="集团党发")
        target = Target.objects.get(campaign=campaign, person=person(w))
        return {"pk": target.pk, "document_pk": campaign.documents.get().pk}

    return make


def _copied(unit, code):
    """A launched campaign copied from last year's, as its compare page needs."""

    def make(w):
        from netconduct.campaigns import services

        source = f.campaign(unit(w), actor=w.org.root_user, issuer_code=code)
        copy = services.campaign_copy(
            actor=w.org.root_user,
            campaign=source,
            title="下一年度网络行为规范宣贯",
            starts_on=source.deadline,
            deadline=source.deadline + dt.timedelta(days=30),
            year=source.year + 1,
        )
        services.campaign_launch(actor=w.org.root_user, campaign=copy)  # a draft is its managers' only
        return {"pk": copy.pk}

    return make


def member(w):
    return w.member_person


def other(w):
    return w.other_person


CASES: list = [
    UrlCase("campaigns:list", EVERYONE),
    UrlCase("campaigns:create", STAFF),
    UrlCase("campaigns:detail", BRANCH_READERS, inside=_campaign(), outside=_outside()),
    UrlCase("campaigns:edit", STAFF, inside=_campaign(), outside=_outside()),
    UrlCase("campaigns:launch", STAFF, method="post", inside=_campaign(False), outside=_outside(False)),
    UrlCase("campaigns:close", STAFF, method="post", inside=_campaign(), outside=_outside()),
    UrlCase("campaigns:export", BRANCH_READERS, inside=_campaign(), outside=_outside()),
    UrlCase("campaigns:summary_pdf", BRANCH_READERS, inside=_campaign(), outside=_outside()),
    UrlCase("campaigns:copy", STAFF, inside=_campaign(), outside=_outside()),
    UrlCase(
        "campaigns:year_compare",
        BRANCH_READERS,
        inside=_copied(lambda w: w.org.committee, "测试党发"),
        outside=_copied(lambda w: w.other_branch, "其他党发"),
    ),
    UrlCase(
        "campaigns:year_compare_export",
        BRANCH_READERS,
        inside=_copied(lambda w: w.org.committee, "测试党发"),
        outside=_copied(lambda w: w.other_branch, "其他党发"),
    ),
    UrlCase("campaigns:repledge", STAFF, method="post", inside=_campaign(), outside=_outside()),
    UrlCase("campaigns:target_proxy", PROXY, inside=_target(member), outside=_target(other)),
    UrlCase("campaigns:my_task", frozenset({"member"}), inside=_target(member), outside=_target(other)),
    UrlCase("campaigns:my_read", frozenset({"member"}), inside=_read(member), outside=_read(other)),
]
