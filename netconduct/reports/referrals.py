"""Referral to outside regulators (移交网信等监管部门, article 8): a report or a violation case is sent on to the
body that deals with it, and its reply is recorded when it comes.

Only those who handle the report (its inspectors, `policies.report_q`) or the case (`policies.case_q`) record or
see referrals. The audit events are the report's or the case's own (object `reports.report` / `reports.violationcase`,
actions `report.…` / `violation.…`), so `policies.audit_hidden` hides them from everyone else exactly as the rest of
the matter; they carry the receiver, date, channel and number, never the reply's text, which is sealed.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from netconduct.core import crypto
from netconduct.core.audit import Change, audit_record
from netconduct.core.exceptions import ApplicationError, PermissionRefused

from . import policies, selectors
from .choices import ReferralChannel
from .models import Referral, Report, ViolationCase

RECEIVER_MAX = 100
REFERENCE_MAX = 60
REPLY_MAX = 2000
# What the receiver field suggests; any other body may be typed.
RECEIVERS = ("属地网信办", "公安机关网安部门", "上级纪检监察机构", "12377违法和不良信息举报中心")


def _clean(
    *, receiver: str, sent_on: dt.date | None, channel: str, reference: str
) -> tuple[str, dt.date, str, str]:
    receiver = " ".join((receiver or "").split())
    if not receiver:
        raise ApplicationError(_("请填写接收部门（如属地网信办）。"), field="receiver")
    if len(receiver) > RECEIVER_MAX:
        raise ApplicationError(
            _("接收部门最多%(n)d字，现有%(m)d字。") % {"n": RECEIVER_MAX, "m": len(receiver)},
            field="receiver",
        )
    if sent_on is None:
        raise ApplicationError(_("请填写移交日期。"), field="sent_on")
    if sent_on > timezone.localdate():
        raise ApplicationError(_("移交日期不能晚于今天。"), field="sent_on")
    if channel not in ReferralChannel.values:
        raise ApplicationError(_("请选择移交方式：公文/函件、网络举报平台、当面或其他。"), field="channel")
    reference = (reference or "").strip()
    if channel == ReferralChannel.DOCUMENT and not reference:
        raise ApplicationError(_("以公文/函件移交的，请填写文号。"), field="reference")
    if len(reference) > REFERENCE_MAX:
        raise ApplicationError(_("移交文号/编号最多%(n)d字。") % {"n": REFERENCE_MAX}, field="reference")
    return receiver, sent_on, channel, reference


def _subject_locked(actor, *, report: Report | None, case: ViolationCase | None) -> Report | ViolationCase:
    """The report or case, locked, if the actor handles it; otherwise refused (the view has already given 404)."""
    if (report is None) == (case is None):
        raise ValueError("a referral is of one report or one case")
    if report is not None:
        locked = (
            Report.objects.filter(policies.report_q(actor), pk=report.pk)
            .select_for_update(of=("self",))
            .select_related("unit")
            .first()
        )
        if locked is None:
            raise PermissionRefused(_("您无权处理该举报。"))
        return locked
    locked = (
        ViolationCase.objects.filter(policies.case_q(actor), pk=case.pk)
        .select_for_update(of=("self",))
        .select_related("unit")
        .first()
    )
    if locked is None:
        raise PermissionRefused(_("您无权处理该案件。"))
    return locked


def _change(
    subject: Report | ViolationCase, report_action: str, case_action: str, before: dict | None, after: dict
) -> Change:
    """The report's or the case's own event (so `policies.audit_hidden` treats it like the rest of the matter)."""
    if isinstance(subject, Report):
        return Change(
            report_action,
            "reports.report",
            str(subject.pk),
            subject.reference,
            subject.unit.path,
            before,
            after,
        )
    return Change(
        case_action,
        "reports.violationcase",
        str(subject.pk),
        subject.reference,
        subject.unit.path,
        before,
        after,
    )


@transaction.atomic
def referral_create(
    *,
    actor,
    report: Report | None = None,
    case: ViolationCase | None = None,
    receiver: str,
    sent_on: dt.date | None,
    channel: str,
    reference: str = "",
) -> Referral:
    """Record that a report or a case was sent to an outside body."""
    subject = _subject_locked(actor, report=report, case=case)
    receiver, sent_on, channel, reference = _clean(
        receiver=receiver, sent_on=sent_on, channel=channel, reference=reference
    )
    referral = Referral(
        report=subject if isinstance(subject, Report) else None,
        case=subject if isinstance(subject, ViolationCase) else None,
        receiver=receiver,
        sent_on=sent_on,
        channel=channel,
        reference=reference,
        created_by=actor,
    )
    referral.full_clean()
    referral.save()
    audit_record(
        actor=actor,
        change=_change(
            subject,
            "report.refer",
            "violation.refer",
            None,
            {
                "receiver": receiver,
                "sent_on": sent_on,
                "channel": str(ReferralChannel(channel).label),
                "reference": reference,
            },
        ),
    )
    return referral


@transaction.atomic
def referral_reply(*, actor, referral: Referral, reply_on: dt.date | None, summary: str) -> Referral:
    """Record the outside body's reply: its date and a summary (sealed)."""
    referral = Referral.objects.select_for_update().get(pk=referral.pk)
    subject = _subject_locked(actor, report=referral.report, case=referral.case)
    if referral.reply_on is not None:
        raise ApplicationError(_("该移交已登记回复。"), field="summary")
    if reply_on is None:
        raise ApplicationError(_("请填写回复日期。"), field="reply_on")
    if reply_on < referral.sent_on:
        raise ApplicationError(_("回复日期不能早于移交日期。"), field="reply_on")
    if reply_on > timezone.localdate():
        raise ApplicationError(_("回复日期不能晚于今天。"), field="reply_on")
    summary = (summary or "").strip()
    if len(summary) < 2:
        raise ApplicationError(_("请填写回复摘要。"), field="summary")
    if len(summary) > REPLY_MAX:
        raise ApplicationError(
            _("回复摘要最多%(n)d字，现有%(m)d字。") % {"n": REPLY_MAX, "m": len(summary)}, field="summary"
        )
    referral.report, referral.case = (subject, None) if isinstance(subject, Report) else (None, subject)
    referral.reply_on = reply_on
    referral.reply_enc = crypto.encrypt(summary, context=referral.context)
    referral.save(update_fields=["reply_on", "reply_enc"])
    audit_record(
        actor=actor,
        change=_change(
            subject,
            "report.referral_reply",
            "violation.referral_reply",
            {"receiver": referral.receiver, "reply_on": None},
            {"receiver": referral.receiver, "reply_on": reply_on},
        ),
    )
    return referral


# ---------------------------------------------------------------------------------------------------- reads


def referrals_of(subject: Report | ViolationCase) -> list[Referral]:
    """A report's or case's referrals, oldest first, each with its reply opened (`reply_text`). The caller has
    already fetched the subject through its scoped selector."""
    field = "report" if isinstance(subject, Report) else "case"
    rows = list(
        Referral.objects.filter(**{field: subject}).select_related("created_by").order_by("sent_on", "pk")
    )
    for row in rows:
        setattr(row, field, subject)
        row.reply_text = crypto.decrypt(row.reply_enc, context=row.context) if row.reply_enc else ""
    return rows


def referral_get_for(*, viewer, pk, report_pk=None, case_pk=None) -> Referral:
    """A referral of a report or case the viewer handles; 404 otherwise."""
    from django.http import Http404

    qs: QuerySet[Referral]
    if report_pk is not None:
        report = selectors.report_get_for(viewer=viewer, pk=report_pk)
        qs = Referral.objects.filter(report=report)
    else:
        from .case_selectors import violation_get_for

        case = violation_get_for(viewer=viewer, pk=case_pk)
        qs = Referral.objects.filter(case=case)
    try:
        return qs.get(pk=pk)
    except (Referral.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
