from netconduct.campaigns.models import Target
from netconduct.core.url_matrix import EVERYONE, STAFF, UrlCase
from netconduct.pledges import services
from netconduct.pledges.models import Pledge
from netconduct.pledges.tests import factories as f
from netconduct.pledges.tests.url_cases_paper import CASES as PAPER_CASES


def _campaign(w):
    return f.pledge_campaign(w.org.group, actor=w.org.root_user, issuer_code="集团党发")


def _member_pledge(w, *, sealed=False) -> Pledge:
    pledge, _ = f.sign(_campaign(w), w.accounts.member)
    if sealed:
        services.pledge_seal(pledge_id=pledge.pk)
    return pledge


def _other_pledge(w) -> Pledge:
    """A pledge of a person outside every tested role's scope (printed for paper; no account to sign with)."""
    campaign = _campaign(w)
    person = w.other_person
    template, label, _text = services.pledge_text_for(campaign=campaign, person=person, on=campaign.deadline)
    return Pledge.objects.create(
        campaign=campaign,
        person=person,
        unit=person.unit,
        template=template,
        year=campaign.year,
        code=services.new_code(),
        unit_label=label,
    )


def _target(person):
    def make(w):
        return {"target_pk": Target.objects.get(campaign=_campaign(w), person=person(w)).pk}

    return make


def _quiz_campaign(unit):
    return lambda w: {"campaign_pk": f.pledge_campaign(unit(w), actor=w.org.root_user, launch=False).pk}


CASES: list = [
    UrlCase("pledges:mine", EVERYONE),
    UrlCase(
        "pledges:sign",
        frozenset({"member"}),
        inside=_target(lambda w: w.member_person),
        outside=_target(lambda w: w.other_person),
    ),
    UrlCase(
        "pledges:detail",
        EVERYONE,
        inside=lambda w: {"pk": _member_pledge(w).pk},
        outside=lambda w: {"pk": _other_pledge(w).pk},
    ),
    UrlCase(
        "pledges:status",
        EVERYONE,
        inside=lambda w: {"pk": _member_pledge(w).pk},
        outside=lambda w: {"pk": _other_pledge(w).pk},
    ),
    UrlCase(
        "pledges:pdf",
        EVERYONE,
        inside=lambda w: {"pk": _member_pledge(w, sealed=True).pk},
        outside=lambda w: {"pk": _other_pledge(w).pk},
    ),
    UrlCase("pledges:verify", EVERYONE, public=True),
    UrlCase("pledges:verify_code", EVERYONE, public=True, inside=lambda w: {"code": _member_pledge(w).code}),
    UrlCase(
        "pledges:quiz",
        STAFF,
        inside=_quiz_campaign(lambda w: w.org.committee),
        outside=_quiz_campaign(lambda w: w.other_branch),
    ),
    *PAPER_CASES,
]
