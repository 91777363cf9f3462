"""Permission cases for the registry URLs. Objects are made through the services inside each request's rolled-back
transaction: inside = the member's (王职工, branch 1) application or account and the committee's review round;
outside = an account or application of another company's branch, made by the superuser in that unit's name."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from netconduct.core.url_matrix import BRANCH_READERS, EVERYONE, STAFF, UrlCase

APPLY_UNIT = frozenset({"sysadmin", "unit_admin", "secretary"})
APPROVERS = APPLY_UNIT  # roles that may approve something (and so delegate)
STEP_ONE = frozenset({"sysadmin", "secretary"})  # the branch secretary's step (and the system administrator)
MEMBER = frozenset({"member"})


def _inside_draft(w):
    from netconduct.registry.tests import factories as f

    return f.draft(w.accounts.member, name="王职工的公众号")


def _inside_submitted(w):
    from netconduct.registry import services

    return services.application_submit(actor=w.accounts.member, application=_inside_draft(w))


def _outside_draft(w):
    from netconduct.registry.choices import OwnerKind
    from netconduct.registry.tests import factories as f

    return f.draft(w.org.root_user, owner_kind=OwnerKind.UNIT, unit=w.other_branch, name="其他公司的群")


def _outside_submitted(w):
    from netconduct.registry import services

    return services.application_submit(actor=w.org.root_user, application=_outside_draft(w))


def _inside_account(w):
    from netconduct.registry.tests import factories as f

    return f.approve_all(_inside_submitted(w), w.org.root_user).account


def _outside_account(w):
    from netconduct.registry.tests import factories as f

    return f.approve_all(_outside_submitted(w), w.org.root_user).account


def _pk(make):
    return lambda w: {"pk": make(w).pk}


def _round(w, unit, account):
    from netconduct.registry import reviews

    review = reviews.review_open(
        actor=w.org.root_user, unit=unit, year=2030, deadline=timezone.localdate() + dt.timedelta(days=30)
    )
    return review, review.items.get(account=account)


def _inside_round(w):
    return _round(w, w.org.committee, _inside_account(w))


def _outside_round(w):
    return _round(w, w.other_branch, _outside_account(w))


def _delegation(w, from_user, to_user):
    from netconduct.registry import services

    today = timezone.localdate()
    return services.delegation_create(actor=from_user, to_user=to_user, starts_on=today, ends_on=today)


CASES = [
    UrlCase("registry:list", EVERYONE, query="?q=公众号&platform=wechat_mp"),
    UrlCase("registry:export", BRANCH_READERS),
    UrlCase("registry:export_pdf", BRANCH_READERS),
    UrlCase(
        "registry:account",
        EVERYONE,
        inside=_pk(_inside_account),
        outside=_pk(_outside_account),
        note="the member applied for it: applicants see their own",
    ),
    UrlCase(
        "registry:account_change",
        APPLY_UNIT | MEMBER,
        method="post",
        inside=_pk(_inside_account),
        outside=_pk(_outside_account),
        note="the applicant, administrators and whoever may apply in the unit's name; not inspectors",
    ),
    UrlCase("registry:account_suspend", STAFF, inside=_pk(_inside_account), outside=_pk(_outside_account)),
    UrlCase("registry:account_close", STAFF, inside=_pk(_inside_account), outside=_pk(_outside_account)),
    UrlCase(
        "registry:account_resume",
        STAFF,
        method="post",
        inside=_pk(_inside_account),
        outside=_pk(_outside_account),
    ),
    UrlCase("registry:applications", EVERYONE),
    UrlCase("registry:apply", EVERYONE),
    UrlCase("registry:application", EVERYONE, inside=_pk(_inside_submitted), outside=_pk(_outside_submitted)),
    UrlCase(
        "registry:application_edit",
        MEMBER,
        inside=_pk(_inside_draft),
        outside=_pk(_outside_draft),
        note="only the applicant edits",
    ),
    UrlCase(
        "registry:application_submit",
        MEMBER,
        method="post",
        inside=_pk(_inside_draft),
        outside=_pk(_outside_draft),
    ),
    UrlCase(
        "registry:application_withdraw",
        MEMBER,
        method="post",
        inside=_pk(_inside_submitted),
        outside=_pk(_outside_submitted),
    ),
    UrlCase(
        "registry:application_decide",
        STEP_ONE,
        method="post",
        inside=_pk(_inside_submitted),
        outside=_pk(_outside_submitted),
        data=lambda w: {"decision": "approve", "comment": "", "version": 1},
        note="the first step is the branch secretary's; others who may read the application get 404",
    ),
    UrlCase(
        "registry:policy",
        STAFF,
        inside=lambda w: {"unit_pk": w.org.branch1.pk},
        outside=lambda w: {"unit_pk": w.other_branch.pk},
    ),
    UrlCase("registry:delegations", APPROVERS, note="accounts holding an approving role"),
    UrlCase(
        "registry:delegation_revoke",
        frozenset({"secretary"}),
        method="post",
        inside=lambda w: {"pk": _delegation(w, w.accounts.secretary, w.accounts.outsider_secretary).pk},
        outside=lambda w: {"pk": _delegation(w, w.other_grant.user, w.accounts.outsider_secretary).pk},
        note="only the one who delegated revokes",
    ),
    UrlCase("registry:reviews", BRANCH_READERS),
    UrlCase("registry:review_create", STAFF),
    UrlCase(
        "registry:review",
        BRANCH_READERS,
        inside=lambda w: {"pk": _inside_round(w)[0].pk},
        outside=lambda w: {"pk": _outside_round(w)[0].pk},
        note="a branch secretary follows their branch's part of the committee's round",
    ),
    UrlCase(
        "registry:review_remind",
        STAFF,
        method="post",
        inside=lambda w: {"pk": _inside_round(w)[0].pk},
        outside=lambda w: {"pk": _outside_round(w)[0].pk},
    ),
    UrlCase(
        "registry:review_close",
        STAFF,
        method="post",
        inside=lambda w: {"pk": _inside_round(w)[0].pk},
        outside=lambda w: {"pk": _outside_round(w)[0].pk},
    ),
    UrlCase(
        "registry:review_answer",
        APPLY_UNIT | MEMBER,
        inside=lambda w: {"pk": _inside_round(w)[1].pk},
        outside=lambda w: {"pk": _outside_round(w)[1].pk},
        note="the account's applicant or administrators, or those who may act in the unit's name",
    ),
    UrlCase("registry:import", STAFF),
    UrlCase(
        "registry:import_preview",
        frozenset(),
        inside=lambda w: {"token": "not-an-upload-of-yours-0123456789"},
        note="a token that is not the caller's own upload is 404 for everyone; the flow is in test_views",
    ),
]


# ---------------------------------------------------------------------------------------------------- follow-through


def _close_request(w, unit, account, answerer):
    from netconduct.registry import reviews

    review, item = _round(w, unit, account)
    return reviews.review_answer(actor=answerer, item=item, answer="close", note="账号已停用")


def _inside_close_request(w):
    return _close_request(w, w.org.committee, _inside_account(w), w.accounts.member)


def _outside_close_request(w):
    return _close_request(w, w.other_branch, _outside_account(w), w.org.root_user)


def _declaration_round(unit_of, code):
    def make(w):
        from netconduct.campaigns.tests import factories as campaign_factories
        from netconduct.registry import declarations

        campaign = campaign_factories.campaign(unit_of(w), actor=w.org.root_user, issuer_code=code)
        return {"pk": declarations.declaration_round_open(actor=w.org.root_user, campaign=campaign).pk}

    return make


_inside_declaration = _declaration_round(lambda w: w.org.committee, "西北能化党发")
_outside_declaration = _declaration_round(lambda w: w.other_branch, "其他党发")

CASES += [
    UrlCase("registry:late", BRANCH_READERS, query="?which=unfiled"),
    UrlCase("registry:late_export", BRANCH_READERS),
    UrlCase("registry:close_requests", STAFF, query="?status=rejected"),
    UrlCase(
        "registry:close_request_approve",
        STAFF,
        method="post",
        inside=_pk(_inside_close_request),
        outside=_pk(_outside_close_request),
        data=lambda w: {"on": ""},
    ),
    UrlCase(
        "registry:close_request_reject",
        STAFF,
        method="post",
        inside=_pk(_inside_close_request),
        outside=_pk(_outside_close_request),
        data=lambda w: {"reason": "账号仍承担宣传任务"},
    ),
    UrlCase("registry:declaration_rounds", BRANCH_READERS),
    UrlCase("registry:declaration_round_create", STAFF),
    UrlCase(
        "registry:declaration_round",
        BRANCH_READERS,
        inside=_inside_declaration,
        outside=_outside_declaration,
        note="a branch secretary follows their branch's part of the committee's round",
    ),
    UrlCase(
        "registry:declaration_export",
        BRANCH_READERS,
        inside=_inside_declaration,
        outside=_outside_declaration,
    ),
    UrlCase(
        "registry:declare",
        MEMBER | frozenset({"secretary"}),
        inside=_inside_declaration,
        outside=_outside_declaration,
        note="everyone the campaign asks answers for themselves: the member and the branch secretary are both its people",
    ),
]
