"""Writes to cases (article 9): commendations, protection and support, violation cases with due process.

Violation cases move through their steps in order (choices.CASE_MOVES); the person concerned is told through an
in-app notification and answers — their statement and any appeal — with their own account. Every step is one
audit event naming the case's number and step, never its texts nor the person.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from netconduct.core import crypto
from netconduct.core.audit import Change, audit_record
from netconduct.core.exceptions import ApplicationError, PermissionRefused
from netconduct.documents.citations import cite, parse_citation
from netconduct.notifications.services import Message, notifications_send
from netconduct.org import scoping
from netconduct.org.models import Person

from . import evidence, notify, policies, selectors
from .choices import (
    CASE_MOVES,
    AppealOutcome,
    CaseSource,
    CaseStep,
    Decision,
    EntryKind,
    ProtectionStatus,
    SupportKind,
)
from .models import CaseEntry, CaseFile, Commendation, ProtectionCase, Report, ViolationCase
from .services import _clean_text

# ---------------------------------------------------------------------------------------------------- support


def _person_for(actor, person: Person, action: str) -> Person:
    person = Person.objects.select_related("unit").get(pk=person.pk)
    scoping.require(actor, action, person.unit.path)
    return person


def _support_change(action: str, obj, after: dict | None = None, before: dict | None = None) -> Change:
    return Change(
        action, f"reports.{type(obj).__name__.lower()}", str(obj.pk), str(obj), obj.unit.path, before, after
    )


@transaction.atomic
def commendation_create(
    *, actor, person: Person, reason: str, granted_by: str, granted_on: dt.date
) -> Commendation:
    person = _person_for(actor, person, "case.support")
    reason = _clean_text(reason, field="reason", label=_("事由"), minimum=4)
    granted_by = (granted_by or "").strip()
    if not granted_by:
        raise ApplicationError(_("请填写表扬单位（由谁肯定鼓励）。"), field="granted_by")
    if granted_on is None or granted_on > timezone.localdate():
        raise ApplicationError(_("日期不能为空，也不能晚于今天。"), field="granted_on")
    item = Commendation(
        person=person,
        unit=person.unit,
        reason=reason,
        granted_by=granted_by[:100],
        granted_on=granted_on,
        created_by=actor,
    )
    item.full_clean()
    item.save()
    audit_record(
        actor=actor,
        change=_support_change(
            "commendation.create",
            item,
            {"name": person.name, "granted_by": item.granted_by, "date": granted_on},
        ),
    )
    return item


def _clean_support(support: Sequence[str]) -> list[str]:
    values = [s for s in support if s]
    bad = [s for s in values if s not in SupportKind.values]
    if bad:
        raise ApplicationError(_("支持措施“%(bad)s”不在可选范围内。") % {"bad": bad[0]}, field="support")
    return sorted(set(values), key=SupportKind.values.index)


@transaction.atomic
def protection_create(
    *,
    actor,
    person: Person,
    happened: str,
    links: str = "",
    support: Sequence[str] = (),
    support_notes: str = "",
) -> ProtectionCase:
    person = _person_for(actor, person, "case.support")
    item = ProtectionCase(
        person=person,
        unit=person.unit,
        happened=_clean_text(happened, field="happened", label=_("遭受围攻情况"), minimum=4),
        links=_clean_text(links, field="links", label=_("相关链接"), required=False),
        support=_clean_support(support),
        support_notes=_clean_text(
            support_notes, field="support_notes", label=_("支持情况说明"), required=False
        ),
        opened_on=timezone.localdate(),
        created_by=actor,
    )
    item.full_clean()
    item.save()
    audit_record(
        actor=actor,
        change=_support_change("protection.create", item, {"name": person.name, "support": item.support}),
    )
    return item


@transaction.atomic
def protection_update(
    *,
    actor,
    case: ProtectionCase,
    support: Sequence[str],
    support_notes: str,
    outcome: str,
    close: bool = False,
) -> ProtectionCase:
    case = ProtectionCase.objects.select_for_update().select_related("unit", "person").get(pk=case.pk)
    scoping.require(actor, "case.support", case.unit.path)
    if case.status == ProtectionStatus.CLOSED:
        raise ApplicationError(_("该事项已结束，不能再修改。"))
    before = {"support": case.support, "status": case.status}
    case.support = _clean_support(support)
    case.support_notes = _clean_text(
        support_notes, field="support_notes", label=_("支持情况说明"), required=False
    )
    case.outcome = _clean_text(outcome, field="outcome", label=_("结果"), required=close)
    if close:
        case.status, case.closed_on = ProtectionStatus.CLOSED, timezone.localdate()
    case.full_clean()
    case.save()
    audit_record(
        actor=actor,
        change=_support_change(
            "protection.update", case, {"support": case.support, "status": case.status}, before
        ),
    )
    return case


# ---------------------------------------------------------------------------------------------------- violations


def _seal(case: ViolationCase, suffix: str, text: str) -> str:
    return crypto.encrypt(text, context=f"{case.context}:{suffix}")


def _entry(case: ViolationCase, kind: str, text: str, author) -> CaseEntry | None:
    if not text:
        return None
    entry = CaseEntry.objects.create(case=case, kind=kind, step=case.step, body_enc="", author=author)
    entry.body_enc = _seal(case, f"entry:{entry.pk}", text)
    entry.save(update_fields=["body_enc"])
    return entry


def _case_change(case: ViolationCase, action: str, before: dict | None, after: dict | None) -> Change:
    return Change(
        action, "reports.violationcase", str(case.pk), case.reference, case.unit.path, before, after
    )


def clean_citations(values: Sequence[str]) -> list[dict]:
    """Citations typed as "第四条第（六）项" or "4.6", checked against the current norms."""
    norms = selectors.current_norms()
    result: list[dict] = []
    for raw in values:
        raw = raw.strip()
        if not raw:
            continue
        try:
            if raw[0].isdigit():
                article_s, _dot, item_s = raw.partition(".")
                article, item = int(article_s), int(item_s) if item_s else None
            else:
                article, item = parse_citation(raw)
        except ValueError:
            raise ApplicationError(
                _("“%(raw)s”不是条款引用，请写成“第四条第（六）项”或“第七条”。") % {"raw": raw},
                field="citations",
            ) from None
        if norms is None or selectors.norm_lookup(article, item, norms) is None:
            raise ApplicationError(
                _("现行规范中没有%(cite)s。") % {"cite": cite(article, item)}, field="citations"
            )
        entry = {"article": article, "item": item, "citation": cite(article, item)}
        if entry not in result:
            result.append(entry)
    if not result:
        raise ApplicationError(_("请至少填写一项涉及的条款。"), field="citations")
    return result


def _notify(case: ViolationCase, key: str, title: str, body: str) -> None:
    user = case.person.user
    if user is None:
        return
    notifications_send(  # the key makes it at most once: a person already told is not told again
        messages=[
            Message(
                user_id=user.pk,
                key=f"reports.case:{case.pk}:{key}",
                title=title,
                body=body,
                url=reverse("reports:my_case", kwargs={"pk": case.pk}),
            )
        ]
    )


@transaction.atomic
def violation_open(
    *,
    actor,
    person: Person,
    citations: Sequence[str],
    source: str,
    summary: str,
    source_report: Report | None = None,
) -> ViolationCase:
    person = _person_for(actor, person, "case.violation")
    if not policies.covers(actor, person.unit.path):
        raise PermissionRefused(_("您无权在该组织范围内立案。"))
    if source not in CaseSource.values:
        raise ApplicationError(_("请选择案件来源。"), field="source")
    if source == CaseSource.REPORT:
        if (
            source_report is None
            or not selectors.report_visible(viewer=actor).filter(pk=source_report.pk).exists()
        ):
            raise ApplicationError(_("来源为举报时，须从您承办的举报立案。"), field="source")
    else:
        source_report = None
    cited = clean_citations(citations)
    summary = _clean_text(summary, field="summary", label=_("问题线索摘要"), minimum=5)
    now = timezone.now()
    case = ViolationCase(
        person=person,
        unit=person.unit,
        citations=cited,
        source=source,
        source_report=source_report,
        source_ref=source_report.reference if source_report else "",
        step=CaseStep.OPENED,
        step_since=now,
        opened_by=actor,
        opened_at=now,
    )
    case.summary_enc = _seal(case, "summary", summary)
    case.save()
    notify.case_tell_inspectors(case, step="opened", label=_("已立案"), actor=actor)
    audit_record(
        actor=actor,
        change=_case_change(
            case,
            "violation.open",
            None,
            {
                "step": str(CaseStep.OPENED.label),
                "source": str(CaseSource(source).label),
                "citations": [c["citation"] for c in cited],
            },
        ),
    )
    return case


def _locked_case(actor, case: ViolationCase) -> ViolationCase:
    locked = (
        ViolationCase.objects.select_for_update(of=("self",))
        .select_related("unit", "person", "person__user")
        .filter(policies.case_q(actor), pk=case.pk)
        .first()
    )
    if locked is None:
        raise PermissionRefused(_("您无权处理该案件。"))
    return locked


def _move(case: ViolationCase, to: str) -> None:
    if to not in CASE_MOVES[CaseStep(case.step)]:
        raise ApplicationError(
            _("案件当前处于“%(get_step_display)s”，不能直接进入“%(CaseStep)s”。")
            % {"get_step_display": case.get_step_display(), "CaseStep": CaseStep(to).label},
            field="step",
        )
    case.step, case.step_since = to, timezone.now()


@transaction.atomic
def violation_advance(
    *,
    actor,
    case: ViolationCase,
    to: str,
    text: str = "",
    decision: str = "",
    decision_ref: str = "",
    appeal_outcome: str = "",
) -> ViolationCase:
    """An inspector takes the case to its next step. Each step asks for what due process needs at that point."""
    case = _locked_case(actor, case)
    before = {"step": case.get_step_display()}
    after: dict = {}
    today = timezone.localdate()
    if to not in CaseStep.values:
        raise ApplicationError(_("请选择下一环节。"), field="step")
    if to not in CASE_MOVES[CaseStep(case.step)]:
        _move(case, to)  # raises, naming the current step
    if to == CaseStep.INVESTIGATING:
        _move(case, to)
        _entry(case, EntryKind.NOTE, _clean_text(text, field="text", label=_("说明"), required=False), actor)
    elif to == CaseStep.STATEMENT_REQUESTED:
        notice = _clean_text(
            text, field="text", label=_("告知本人的内容（反映的问题、涉及条款）"), minimum=10
        )
        _move(case, to)
        case.statement_due = today + dt.timedelta(days=settings.NETCONDUCT_CASE_STATEMENT_DAYS)
        _entry(case, EntryKind.NOTICE, notice, actor)
        after["statement_due"] = case.statement_due
        _notify(
            case,
            "statement",
            "请就有关情况作出说明",
            f"组织上就{case.reference}需要听取您的说明，请于{case.statement_due:%Y年%m月%d日}前登录平台查看并答复。",
        )
    elif to == CaseStep.STATEMENT_RECEIVED:
        statement = _clean_text(
            text, field="text", label=_("本人书面说明的内容（线下提交时由承办人录入）"), minimum=5
        )
        _move(case, to)
        _entry(case, EntryKind.STATEMENT, f"【线下提交，承办人录入】{statement}", actor)
    elif to == CaseStep.STATEMENT_LAPSED:
        if case.statement_due is None or case.statement_due >= today:
            raise ApplicationError(
                _("说明期限（%(statement_due)s）尚未届满，不能记为逾期未说明。")
                % {"statement_due": case.statement_due},
                field="step",
            )
        _move(case, to)
        _entry(case, EntryKind.NOTE, _clean_text(text, field="text", label=_("说明"), required=False), actor)
    elif to == CaseStep.DECIDED:
        _decide(case, decision, decision_ref, text, actor)
        _move(case, to)
        after |= {"decision": case.get_decision_display()}
        case.decided_on = today
        case.appeal_due = today + dt.timedelta(days=settings.NETCONDUCT_CASE_APPEAL_DAYS)
        _notify(
            case,
            "decision",
            "案件处理决定",
            f"{case.reference}已作出处理决定：{case.get_decision_display()}。如有异议，可于{case.appeal_due:%Y年%m月%d日}前在平台提出申诉。",
        )
    elif to == CaseStep.APPEALED:
        appeal = _clean_text(text, field="text", label=_("申诉内容（线下提交时由承办人录入）"), minimum=5)
        if not case.can_appeal:
            raise ApplicationError(_("申诉期限已过或当前环节不能申诉。"), field="step")
        _move(case, to)
        _entry(case, EntryKind.APPEAL, f"【线下提交，承办人录入】{appeal}", actor)
    elif to == CaseStep.APPEAL_DECIDED:
        if appeal_outcome not in AppealOutcome.values:
            raise ApplicationError(_("请选择申诉处理结果。"), field="appeal_outcome")
        reasons = _clean_text(text, field="text", label=_("申诉处理理由"), minimum=5)
        if appeal_outcome == AppealOutcome.CHANGED:
            _decide(case, decision, decision_ref, "", actor, require_text=False)
        elif appeal_outcome == AppealOutcome.REVOKED:
            case.decision, case.decision_ref = Decision.NO_VIOLATION, ""
        _move(case, to)
        case.appeal_outcome = appeal_outcome
        _entry(case, EntryKind.APPEAL_DECISION, reasons, actor)
        after |= {
            "appeal_outcome": case.get_appeal_outcome_display(),
            "decision": case.get_decision_display(),
        }
        _notify(
            case,
            "appeal",
            "申诉处理结果",
            f"{case.reference}的申诉已处理：{case.get_appeal_outcome_display()}。",
        )
    elif to == CaseStep.CLOSED:
        if (
            case.step == CaseStep.DECIDED
            and case.decision != Decision.NO_VIOLATION
            and case.appeal_waived_on is None
            and case.appeal_due
            and case.appeal_due >= today
        ):
            raise ApplicationError(
                _("申诉期至%(appeal_due)s，期满后方可结案。") % {"appeal_due": case.appeal_due}, field="step"
            )
        _move(case, to)
        case.closed_at = timezone.now()
        _entry(
            case,
            EntryKind.CLOSING,
            _clean_text(text, field="text", label=_("结案说明"), required=False),
            actor,
        )
    after["step"] = case.get_step_display()
    case.save()
    notify.case_tell_inspectors(case, step=to, label=case.get_step_display(), actor=actor)
    audit_record(actor=actor, change=_case_change(case, f"violation.{to}", before, after))
    return case


def _decide(
    case: ViolationCase, decision: str, decision_ref: str, text: str, actor, *, require_text=True
) -> None:
    if decision not in Decision.values:
        raise ApplicationError(_("请选择处理决定。"), field="decision")
    decision_ref = (decision_ref or "").strip()
    if decision == Decision.PARTY_DISCIPLINE and not decision_ref:
        raise ApplicationError(
            _("党纪处分由有权机关另行作出，请填写该处分决定的文号以便登记。"), field="decision_ref"
        )
    case.decision, case.decision_ref = decision, decision_ref[:60]
    if require_text:
        reasons = _clean_text(text, field="text", label=_("决定理由（认定的事实和依据）"), minimum=5)
        _entry(case, EntryKind.DECISION, reasons, actor)


@transaction.atomic
def violation_note(*, actor, case: ViolationCase, text: str, files: Sequence = ()) -> ViolationCase:
    """An investigation note and/or evidence files."""
    case = _locked_case(actor, case)
    if case.step == CaseStep.CLOSED:
        raise ApplicationError(_("案件已结案，不能再添加记录。"))
    text = _clean_text(text, field="text", label=_("调查记录"), required=not files)
    limit = settings.NETCONDUCT_REPORT_MAX_FILES
    existing = case.files.count()
    if existing + len(files) > limit * 3:
        raise ApplicationError(_("每个案件最多%(n)s个证据文件。") % {"n": limit * 3}, field="files")
    cleaned = [evidence.clean(f, index=i) for i, f in enumerate(files, start=1)]
    written: list[str] = []
    try:
        _entry(case, EntryKind.NOTE, text, actor)
        start = existing + 1
        for position, item in enumerate(cleaned, start=start):
            row = CaseFile(
                case=case,
                position=position,
                content_type=item.content_type,
                extension=item.extension,
                size=len(item.data),
                added_by=actor,
            )
            row.storage_name = evidence.store(item, folder=f"cases/{case.uuid}", context=row.context)
            written.append(row.storage_name)
            row.save()
        audit_record(actor=actor, change=_case_change(case, "violation.note", None, {"files": len(cleaned)}))
    except Exception:
        for name in written:
            evidence.delete(name)
        raise
    return case


@transaction.atomic
def case_file_read(*, actor, case: ViolationCase, file: CaseFile) -> bytes:
    if (
        not ViolationCase.objects.filter(policies.case_q(actor), pk=case.pk).exists()
        or file.case_id != case.pk
    ):
        raise PermissionRefused(_("您无权查看该证据。"))
    data = evidence.load(file.storage_name, context=file.context)
    audit_record(actor=actor, change=_case_change(case, "violation.file_read", None, {"file": file.name}))
    return data


# ---------------------------------------------------------------------------------------------------- the person


def _own_case(actor, case: ViolationCase) -> ViolationCase:
    locked = (
        ViolationCase.objects.select_for_update(of=("self",))
        .select_related("unit", "person")
        .filter(pk=case.pk, person__user=actor)
        .first()
    )
    if locked is None or actor is None or not actor.is_authenticated:
        raise PermissionRefused(_("这不是您的案件。"))
    return locked


@transaction.atomic
def case_statement(*, actor, case: ViolationCase, text: str) -> ViolationCase:
    """The person concerned answers with their own account."""
    case = _own_case(actor, case)
    if case.step != CaseStep.STATEMENT_REQUESTED:
        raise ApplicationError(_("当前不在听取本人说明的环节。"))
    statement = _clean_text(text, field="text", label=_("您的说明"), minimum=2)
    before = {"step": case.get_step_display()}
    _move(case, CaseStep.STATEMENT_RECEIVED)
    _entry(case, EntryKind.STATEMENT, statement, actor)
    case.save()
    notify.case_tell_inspectors(case, step="statement_by_person", label=_("本人已提交说明"))
    audit_record(
        actor=actor,
        change=_case_change(case, "violation.statement", before, {"step": case.get_step_display()}),
    )
    return case


@transaction.atomic
def case_appeal(*, actor, case: ViolationCase, text: str) -> ViolationCase:
    case = _own_case(actor, case)
    if not case.can_appeal:
        raise ApplicationError(_("申诉期限已过，或当前环节不能申诉。"))
    appeal = _clean_text(text, field="text", label=_("申诉理由"), minimum=5)
    before = {"step": case.get_step_display()}
    _move(case, CaseStep.APPEALED)
    _entry(case, EntryKind.APPEAL, appeal, actor)
    case.save()
    notify.case_tell_inspectors(case, step="appeal_by_person", label=_("本人提出申诉"))
    audit_record(
        actor=actor, change=_case_change(case, "violation.appeal", before, {"step": case.get_step_display()})
    )
    return case


@transaction.atomic
def case_waive_appeal(*, actor, case: ViolationCase, text: str = "") -> ViolationCase:
    """The person concerned gives up the appeal, so that the case may close before the appeal period ends.

    The person does so with their own account; an inspector handling the case may record a waiver the person gave
    in writing, with a note of it. Either way it is recorded in the case and audited."""
    own = (
        actor is not None
        and actor.is_authenticated
        and ViolationCase.objects.filter(pk=case.pk, person__user=actor).exists()
    )
    case = _own_case(actor, case) if own else _locked_case(actor, case)
    if not case.can_appeal:
        raise ApplicationError(_("当前不在申诉期内，或已申诉、已放弃申诉，无需再放弃。"))
    if own:
        note = "本人在平台上声明放弃申诉。"
    else:
        written = _clean_text(
            text, field="text", label=_("本人书面放弃申诉的情况（何时、以何种方式）"), minimum=5
        )
        note = f"【书面放弃，承办人录入】{written}"
    before = {"appeal_waived_on": None}
    case.appeal_waived_on = timezone.localdate()
    case.save(update_fields=["appeal_waived_on"])
    _entry(case, EntryKind.WAIVER, note, actor)
    audit_record(
        actor=actor,
        change=_case_change(
            case, "violation.waive_appeal", before, {"appeal_waived_on": case.appeal_waived_on}
        ),
    )
    return case
