from netconduct import testing
from netconduct.core.url_matrix import BRANCH_READERS, EVERYONE, STAFF, UrlCase
from netconduct.org.choices import Role

from .. import case_services
from ..models import ProtectionCase
from . import factories as f

INSPECTOR = frozenset({"inspector"})
MEMBER = frozenset({"member"})


def _report(where, *, with_file=False):
    def make(w):
        unit = w.org.branch1 if where == "inside" else w.other_branch
        files = [f.png_upload()] if with_file else []
        filed = f.file_report(w.accounts.member, unit=unit, files=files)
        kwargs = {"pk": filed.report.pk}
        if with_file:
            kwargs["file_pk"] = filed.report.files.get().pk
        return kwargs

    return make


def _case_maker(w):
    user = testing.make_account("case-maker")
    testing.grant(user, Role.INSPECTOR, w.org.group)
    return user


def _case(where, *, with_file=False):
    def make(w):
        person = w.member_person if where == "inside" else w.other_person
        actor = _case_maker(w)
        case = f.violation(person, actor=actor)
        kwargs = {"pk": case.pk}
        if with_file:
            case_services.violation_note(actor=actor, case=case, text="截图", files=[f.png_upload()])
            kwargs["file_pk"] = case.files.get().pk
        return kwargs

    return make


def _protection(where):
    def make(w):
        person = w.member_person if where == "inside" else w.other_person
        case = case_services.protection_create(
            actor=w.org.root_user, person=person, happened="遭到网络围攻辱骂。"
        )
        return {"pk": ProtectionCase.objects.get(pk=case.pk).pk}

    return make


def _referral_of(make_subject, kind):
    """A referral recorded on the report or case that `make_subject` makes, by an inspector over the whole group."""

    def make(w):
        from django.utils import timezone

        from .. import referrals
        from ..models import Report, ViolationCase

        kwargs = make_subject(w)
        actor = testing.make_account(f"referrer-{kind}")
        testing.grant(actor, Role.INSPECTOR, w.org.group)
        subject = (Report if kind == "report" else ViolationCase).objects.get(pk=kwargs["pk"])
        referral = referrals.referral_create(
            actor=actor,
            **{kind: subject},
            receiver="属地网信办",
            sent_on=timezone.localdate(),
            channel="platform",
        )
        return {"pk": subject.pk, "referral_pk": referral.pk}

    return make


REFERRAL = {"receiver": "属地网信办", "sent_on": "2026-01-05", "channel": "platform", "reference": "12377-1"}
REPLY = {"reply_on": "2026-01-20", "summary": "已依法处置，删除相关信息。"}

CASES: list = [
    UrlCase("reports:home", EVERYONE, public=True),
    UrlCase("reports:file", EVERYONE, public=True),
    UrlCase("reports:follow", EVERYONE, public=True),
    UrlCase(
        "reports:follow_add",
        EVERYONE,
        public=True,
        method="post",
        expect_ok=(400,),
        note="without a valid token: the follow form again, saying why",
    ),
    UrlCase("reports:handle_list", INSPECTOR),
    UrlCase("reports:handle_detail", INSPECTOR, inside=_report("inside"), outside=_report("outside")),
    UrlCase(
        "reports:handle_assign",
        INSPECTOR,
        method="post",
        inside=_report("inside"),
        outside=_report("outside"),
        data=lambda w: {"handler": w.accounts.inspector.pk},
    ),
    UrlCase(
        "reports:handle_advance",
        INSPECTOR,
        method="post",
        inside=_report("inside"),
        outside=_report("outside"),
    ),
    UrlCase(
        "reports:handle_message",
        INSPECTOR,
        method="post",
        inside=_report("inside"),
        outside=_report("outside"),
        data=lambda w: {"kind": "note", "text": "已电话核实"},
    ),
    UrlCase(
        "reports:handle_nuisance",
        INSPECTOR,
        method="post",
        inside=_report("inside"),
        outside=_report("outside"),
    ),
    UrlCase(
        "reports:handle_file",
        INSPECTOR,
        inside=_report("inside", with_file=True),
        outside=_report("outside", with_file=True),
    ),
    UrlCase("reports:stats", STAFF),
    UrlCase("reports:violation_list", INSPECTOR),
    UrlCase("reports:violation_create", INSPECTOR),
    UrlCase("reports:violation_detail", INSPECTOR, inside=_case("inside"), outside=_case("outside")),
    UrlCase(
        "reports:violation_advance",
        INSPECTOR,
        method="post",
        inside=_case("inside"),
        outside=_case("outside"),
        data=lambda w: {"step": "investigating"},
    ),
    UrlCase(
        "reports:violation_note",
        INSPECTOR,
        method="post",
        inside=_case("inside"),
        outside=_case("outside"),
        data=lambda w: {"text": "调取聊天记录"},
    ),
    UrlCase(
        "reports:violation_file",
        INSPECTOR,
        inside=_case("inside", with_file=True),
        outside=_case("outside", with_file=True),
    ),
    UrlCase(
        "reports:violation_waive",
        INSPECTOR,
        method="post",
        inside=_case("inside"),
        outside=_case("outside"),
        data=lambda w: {"text": "本人签署了放弃申诉声明"},
    ),
    UrlCase("reports:my_case", MEMBER, inside=_case("inside"), outside=_case("outside")),
    UrlCase(
        "reports:my_case_waive",
        MEMBER,
        method="post",
        inside=_case("inside"),
        outside=_case("outside"),
    ),
    UrlCase("reports:support_list", BRANCH_READERS),
    UrlCase("reports:commendation_create", BRANCH_READERS),
    UrlCase("reports:protection_create", BRANCH_READERS),
    UrlCase(
        "reports:protection_detail",
        BRANCH_READERS,
        inside=_protection("inside"),
        outside=_protection("outside"),
    ),
    UrlCase(
        "reports:handle_refer",
        INSPECTOR,
        method="post",
        inside=_report("inside"),
        outside=_report("outside"),
        data=lambda w: REFERRAL,
    ),
    UrlCase(
        "reports:handle_referral_reply",
        INSPECTOR,
        method="post",
        inside=_referral_of(_report("inside"), "report"),
        outside=_referral_of(_report("outside"), "report"),
        data=lambda w: REPLY,
    ),
    UrlCase(
        "reports:violation_refer",
        INSPECTOR,
        method="post",
        inside=_case("inside"),
        outside=_case("outside"),
        data=lambda w: REFERRAL,
    ),
    UrlCase(
        "reports:violation_referral_reply",
        INSPECTOR,
        method="post",
        inside=_referral_of(_case("inside"), "case"),
        outside=_referral_of(_case("outside"), "case"),
        data=lambda w: REPLY,
    ),
]
