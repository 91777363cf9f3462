"""Writes to reports. Each: permission, validation, one audit event, one transaction.

A confidential report is filed without its reporter: the report row, its files and the audit event carry no
account, name, address or browser — the event's actor is left empty, exactly as for the system's own events. A
reporter who chose to show their identity has it sealed inside the report's content for the handlers, and the
filing event names them with no unit, so that it shows in no unit's audit trail (only to whoever sees everything).
Following a report by its code is anonymous in the same way, whoever is logged in.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlparse

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from netconduct.core import crypto
from netconduct.core.audit import Change, audit_record
from netconduct.core.exceptions import ApplicationError, PermissionRefused
from netconduct.org.models import OrgUnit

from . import evidence, notify, receipts, selectors
from .choices import NEXT_STATE, Disposition, MessageKind, Platform, ReportState, UnitChoice
from .models import Report, ReportFile, ReportMessage

TEXT_MAX = 5000
_BARE_HOST = re.compile(r"^[\w.-]+\.[a-z]{2,}(:\d+)?(/|$)", re.IGNORECASE)  # "weibo.com/123" without a scheme


def _deadline(state: str, since: dt.datetime) -> dt.datetime | None:
    days = settings.NETCONDUCT_REPORT_DEADLINE_DAYS.get(str(state))
    return since + dt.timedelta(days=days) if days else None


def _change(
    report: Report, action: str, after: dict | None = None, *, unit_path: str | None = None
) -> Change:
    return Change(
        action,
        "reports.report",
        str(report.pk),
        report.reference,
        report.unit.path if unit_path is None else unit_path,
        None,
        after,
    )


def _seal(report: Report, suffix: str, text: str) -> str:
    return crypto.encrypt(text, context=f"{report.context}:{suffix}")


def _clean_text(text: str, *, field: str, label: str, required: bool = True, minimum: int = 1) -> str:
    text = (text or "").strip()
    if required and len(text) < minimum:
        raise ApplicationError(
            _("请填写%(label)s") % {"label": label}
            + (_("（至少%(minimum)s个字）。") % {"minimum": minimum} if minimum > 1 else _("。")),
            field=field,
        )
    if len(text) > TEXT_MAX:
        raise ApplicationError(
            _("%(label)s最多%(TEXT_MAX)s字，现有%(len)s字。")
            % {"label": label, "TEXT_MAX": TEXT_MAX, "len": len(text)},
            field=field,
        )
    return text


def _clean_files(files: Sequence, *, existing: int = 0) -> list[evidence.Clean]:
    limit = settings.NETCONDUCT_REPORT_MAX_FILES
    if len(files) + existing > limit:
        raise ApplicationError(_("每件举报最多%(limit)s个材料文件。") % {"limit": limit}, field="files")
    return [evidence.clean(f, index=i) for i, f in enumerate(files, start=1)]


def _store_files(report: Report, cleaned: list[evidence.Clean], written: list[str]) -> int:
    start = (report.files.order_by("-position").values_list("position", flat=True).first() or 0) + 1
    for position, item in enumerate(cleaned, start=start):
        row = ReportFile(
            report=report,
            position=position,
            content_type=item.content_type,
            extension=item.extension,
            size=len(item.data),
        )
        row.storage_name = evidence.store(item, folder=f"reports/{report.uuid}", context=row.context)
        written.append(row.storage_name)
        row.save()
    return len(cleaned)


def _forget_on_rollback(written: list[str]) -> None:
    for name in written:
        evidence.delete(name)


# ---------------------------------------------------------------------------------------------------- filing


@dataclass(frozen=True)
class Filed:
    report: Report
    code: str  # the receipt code, shown once and stored nowhere in clear

    @property
    def code_display(self) -> str:
        return receipts.format_code(self.code)


def _clean_link(link: str) -> str:
    link = (link or "").strip()
    if not link:
        return ""
    if "://" not in link and not _BARE_HOST.match(link):
        raise ApplicationError(
            _("链接不正确：请粘贴以 http:// 或 https:// 开头的网址，或留空。"), field="link"
        )
    parsed = urlparse(link if "://" in link else f"https://{link}")
    if parsed.scheme not in {"http", "https"} or not parsed.netloc or " " in link or len(link) > 1000:
        raise ApplicationError(
            _("链接不正确：请粘贴以 http:// 或 https:// 开头的网址，或留空。"), field="link"
        )
    return link


def _category(value: str) -> tuple[int | None, int | None, str]:
    if value == selectors.OTHER:
        return None, None, "其他"
    for choice in selectors.norm_choices():
        if choice.value == value:
            article, _dot, item = value.partition(".")
            return int(article), int(item) if item else None, choice.citation
    raise ApplicationError(_("请选择举报内容涉及的条款，或选择“其他”。"), field="category")


def receiving_unit(unit: OrgUnit) -> OrgUnit:
    """The party organisation that receives a report about or from `unit`: the unit itself when it is one (党支部,
    党总支, 党委, 公司), otherwise the nearest such unit above it — a 党小组 or a department does not handle reports,
    its branch does."""
    if unit.kind in selectors.ROUTABLE_KINDS:
        return unit
    prefixes = [unit.path[:i] for i in range(unit.steplen, len(unit.path), unit.steplen)]
    above = (
        OrgUnit.objects.filter(path__in=prefixes, kind__in=selectors.ROUTABLE_KINDS, is_active=True)
        .order_by("-depth")
        .first()
    )
    return above or unit


def _responsible_unit(actor, unit_basis: str, reported_unit: OrgUnit | None) -> OrgUnit:
    if unit_basis == UnitChoice.MINE:
        person = getattr(actor, "person", None) if actor is not None and actor.is_authenticated else None
        if person is None:
            raise ApplicationError(
                _("无法确定您所在的党组织（未登录，或账号没有关联人员信息），请改为选择被举报人所在单位。"),
                field="unit_basis",
            )
        return receiving_unit(person.unit)
    if unit_basis == UnitChoice.REPORTED:
        if reported_unit is None:
            raise ApplicationError(_("请选择被举报人所在单位。"), field="reported_unit")
        unit = OrgUnit.objects.filter(pk=reported_unit.pk, is_active=True).first()
        if unit is None:
            raise ApplicationError(_("所选单位不存在或已撤销，请重新选择。"), field="reported_unit")
        return receiving_unit(unit)
    raise ApplicationError(_("请选择由哪个党组织受理。"), field="unit_basis")


def _identity(actor) -> dict:
    person = getattr(actor, "person", None)
    if person is None:
        return {"name": actor.display_name, "unit": "", "mobile": ""}
    return {"name": person.name, "unit": person.unit.name, "mobile": person.mobile}


@transaction.atomic
def report_file(
    *,
    actor,
    category: str,
    platform: str,
    link: str,
    seen_on: dt.date | None,
    subject: str,
    description: str,
    confidential: bool,
    unit_basis: str,
    reported_unit: OrgUnit | None,
    passphrase: str,
    files: Sequence = (),
    address: str = "",
) -> Filed:
    """File a report; returns it with its receipt code (the only time the code exists in clear).

    Anyone may file, signed in or not (`actor` None or anonymous): a report from someone not signed in is
    confidential and names the reported person's unit, since there is nobody to name and no unit of theirs to send
    it to. Filings are counted (`receipts.filing_begin`) once the input is valid, before anything is written."""
    signed_in = actor is not None and actor.is_authenticated
    if signed_in and not actor.is_active:
        raise PermissionRefused(_("账号已停用。"))
    if not signed_in and not confidential:
        raise ApplicationError(_("实名举报需要先登录；不登录时只能保密举报。"), field="confidential")
    article, item, label = _category(category)
    if platform not in Platform.values:
        raise ApplicationError(_("请选择发现的平台。"), field="platform")
    link = _clean_link(link)
    if seen_on and seen_on > timezone.localdate():
        raise ApplicationError(_("发现日期不能晚于今天。"), field="seen_on")
    subject = _clean_text(subject, field="subject", label=_("被举报对象"), required=False)
    description = _clean_text(description, field="description", label=_("举报内容"), minimum=10)
    if len(passphrase or "") < receipts.PASSPHRASE_MIN:
        raise ApplicationError(
            _("查询密码至少%(PASSPHRASE_MIN)s个字符。") % {"PASSPHRASE_MIN": receipts.PASSPHRASE_MIN},
            field="passphrase",
        )
    if len(set(passphrase)) < 3:
        raise ApplicationError(_("查询密码过于简单，请换一个不易猜到的。"), field="passphrase")
    unit = _responsible_unit(actor, unit_basis, reported_unit)
    cleaned = _clean_files(files)
    try:
        receipts.filing_begin(actor=actor, address=address)
    except receipts.Refused as refused:
        raise ApplicationError(
            _("提交过于频繁，请%(max)s分钟后再试。如情况紧急，请直接联系纪检部门。")
            % {"max": max(1, (refused.wait + 59) // 60)}
        ) from None

    code = receipts.new_code()
    now = timezone.now()
    report = Report(
        locator=receipts.locator_of(code),
        code_hash=receipts.hash_code(code),
        passphrase_hash=receipts.hash_secret(passphrase),
        category_article=article,
        category_item=item,
        category_label=label,
        confidential=confidential,
        unit=unit,
        unit_basis=unit_basis,
        state=ReportState.RECEIVED,
        state_since=now,
        state_deadline=_deadline(ReportState.RECEIVED, now),
        filed_at=now,
    )
    content = {
        "platform": platform,
        "link": link,
        "seen_on": seen_on.isoformat() if seen_on else "",
        "subject": subject,
        "description": description,
        "reporter": {} if confidential else _identity(actor),
    }
    report.content_enc = _seal(report, "content", json.dumps(content, ensure_ascii=False))
    report.save()
    written: list[str] = []
    try:
        _store_files(report, cleaned, written)
        audit_record(
            actor=None if confidential else actor,
            change=_change(
                report,
                "report.file",
                {"category": label, "unit": unit.name, "confidential": confidential, "files": len(cleaned)},
                unit_path=None if confidential else "",
            ),
        )
        notify.report_tell_inspectors(report)
    except Exception:
        _forget_on_rollback(written)
        raise
    return Filed(report, code)


# ---------------------------------------------------------------------------------------------------- following


class FollowRefused(ApplicationError):
    """The code and passphrase did not open a report, or guessing is paused; says which without saying more."""


def _wait_message(wait: int) -> str:
    return _("尝试次数过多，请%(max)s分钟后再试。") % {"max": max(1, (wait + 59) // 60)}


def report_follow(*, code: str, passphrase: str, address: str = "") -> Report:
    """The report that the receipt code and passphrase open. Nothing is written but the cache's counters.

    The attempt is counted before it is checked (`receipts.attempt_begin`), and it does the same argon2 work
    whether the code exists or not: every code hash of the bucket is verified (at least one, a dummy for an empty
    bucket) and one passphrase hash (a dummy when no code matched), so the time to answer says nothing."""
    digits = receipts.normalise_code(code)
    if digits is None:
        raise FollowRefused(_("查询码应为20位数字，请核对后重新输入（可能有数字输错）。"), field="code")
    try:
        attempt = receipts.attempt_begin(locator=receipts.locator_of(digits), address=address)
    except receipts.Refused as refused:
        raise FollowRefused(_wait_message(refused.wait), extra={"wait": refused.wait}) from None
    dummy_code, dummy_secret = receipts.dummy_hashes()
    rows = list(
        Report.objects.filter(locator=receipts.locator_of(digits)).only("pk", "code_hash", "passphrase_hash")
    )
    found = None
    for row in rows or [None]:
        matched = receipts.verify_secret(row.code_hash if row else dummy_code, digits)
        if matched and row is not None and found is None:
            found = row  # no early exit: a code found first costs what one found last or never does
    opened = receipts.verify_secret(found.passphrase_hash if found else dummy_secret, passphrase or "")
    if found is not None and opened:
        receipts.attempt_succeeded(attempt)
        return Report.objects.select_related("unit").get(pk=found.pk)
    raise FollowRefused(_("查询码或查询密码不正确。"))


@transaction.atomic
def report_add_information(*, report: Report, text: str, files: Sequence = ()) -> Report:
    """The reporter adds information or evidence through the follow page (no account is recorded)."""
    report = Report.objects.select_for_update().select_related("unit").get(pk=report.pk)
    if report.state == ReportState.CLOSED:
        raise ApplicationError(_("该举报已办结，不能再补充材料。"))
    text = _clean_text(text, field="text", label=_("补充内容"), required=not files)
    cleaned = _clean_files(files, existing=report.files.count())
    written: list[str] = []
    try:
        if text:
            message = ReportMessage.objects.create(report=report, kind=MessageKind.ADDITION, body_enc="")
            message.body_enc = _seal(report, f"message:{message.pk}", text)
            message.save(update_fields=["body_enc"])
        added = _store_files(report, cleaned, written)
        audit_record(actor=None, change=_change(report, "report.add_information", {"files": added}))
    except Exception:
        _forget_on_rollback(written)
        raise
    return report


# ---------------------------------------------------------------------------------------------------- handling


def _locked_for(actor, report: Report) -> Report:
    locked = (
        selectors.report_visible(viewer=actor)
        .select_for_update(of=("self",))
        .select_related("unit")
        .filter(pk=report.pk)
        .first()
    )
    if locked is None:
        raise PermissionRefused(_("您无权处理该举报。"))
    return locked


@transaction.atomic
def report_read(*, actor, report: Report) -> None:
    """A handler opened the report: that reading is itself recorded."""
    if not selectors.report_visible(viewer=actor).filter(pk=report.pk).exists():
        raise PermissionRefused(_("您无权查看该举报。"))
    audit_record(actor=actor, change=_change(report, "report.read"))


@transaction.atomic
def report_file_read(*, actor, report: Report, file: ReportFile) -> bytes:
    if (
        not selectors.report_visible(viewer=actor).filter(pk=report.pk).exists()
        or file.report_id != report.pk
    ):
        raise PermissionRefused(_("您无权查看该材料。"))
    data = evidence.load(file.storage_name, context=file.context)
    audit_record(actor=actor, change=_change(report, "report.file_read", {"file": file.name}))
    return data


@transaction.atomic
def report_assign(*, actor, report: Report, handler) -> Report:
    report = _locked_for(actor, report)
    if report.state == ReportState.CLOSED:
        raise ApplicationError(_("该举报已办结。"))
    candidates = {c.user.pk: c for c in selectors.handler_candidates(viewer=actor, report=report)}
    chosen = candidates.get(getattr(handler, "pk", None))
    if chosen is None:
        raise ApplicationError(_("承办人须是负责该单位、且在您权限范围内的纪检监察员。"), field="handler")
    before = {"handler": report.handler.display_name if report.handler else ""}
    report.handler, report.handler_unit = chosen.user, chosen.unit
    report.save(update_fields=["handler", "handler_unit"])
    audit_record(
        actor=actor,
        change=Change(
            "report.assign",
            "reports.report",
            str(report.pk),
            report.reference,
            report.unit.path,
            before,
            {"handler": chosen.user.display_name},
        ),
    )
    return report


@transaction.atomic
def report_advance(
    *, actor, report: Report, disposition: str = "", summary: str = "", reply: str = ""
) -> Report:
    """Move the report to its next state: 已受理 → 核查中 → 已处置 (with how) → 已办结 (with a closing summary)."""
    report = _locked_for(actor, report)
    target = NEXT_STATE.get(ReportState(report.state))
    if target is None:
        raise ApplicationError(_("该举报已办结。"))
    now = timezone.now()
    after: dict = {"state": str(target.label)}
    if target == ReportState.VERIFYING:
        report.verifying_at = now
    elif target == ReportState.DISPOSED:
        if disposition not in Disposition.values:
            raise ApplicationError(_("请选择处置方式。"), field="disposition")
        report.disposition = disposition
        report.decided_at = now
        after["disposition"] = str(Disposition(disposition).label)
    elif target == ReportState.CLOSED:
        summary = _clean_text(summary, field="summary", label=_("办结说明"), minimum=5)
        report.summary_enc = _seal(report, "summary", summary)
        report.closed_at = now
    reply = _clean_text(reply, field="reply", label=_("答复"), required=False)
    if reply:
        message = ReportMessage.objects.create(
            report=report, kind=MessageKind.REPLY, body_enc="", author=actor
        )
        message.body_enc = _seal(report, f"message:{message.pk}", reply)
        message.save(update_fields=["body_enc"])
    before = {"state": report.get_state_display()}
    report.state, report.state_since = target, now
    report.state_deadline = _deadline(target, now)
    report.save()
    audit_record(
        actor=actor,
        change=Change(
            "report.advance",
            "reports.report",
            str(report.pk),
            report.reference,
            report.unit.path,
            before,
            after,
        ),
    )
    return report


@transaction.atomic
def report_message(*, actor, report: Report, kind: str, text: str) -> ReportMessage:
    """A reply the reporter will see on the follow page, or an internal note they will not."""
    report = _locked_for(actor, report)
    if kind not in (MessageKind.REPLY, MessageKind.NOTE):
        raise ApplicationError(_("请选择答复举报人或内部记录。"), field="kind")
    text = _clean_text(text, field="text", label=_("内容"))
    message = ReportMessage.objects.create(report=report, kind=kind, body_enc="", author=actor)
    message.body_enc = _seal(report, f"message:{message.pk}", text)
    message.save(update_fields=["body_enc"])
    audit_record(actor=actor, change=_change(report, f"report.{kind}"))
    return message


@transaction.atomic
def report_mark_nuisance(*, actor, report: Report, nuisance: bool = True) -> Report:
    """Mark a report as a nuisance (a flood or a prank), or take the mark back. The report is kept and counted — a
    mark cannot make a real report disappear — but no longer shows as due."""
    report = _locked_for(actor, report)
    if report.nuisance == nuisance:
        raise ApplicationError(_("该举报已标记为无效骚扰。") if nuisance else _("该举报没有标记为无效骚扰。"))
    before = {"nuisance": report.nuisance}
    report.nuisance = nuisance
    report.save(update_fields=["nuisance"])
    audit_record(
        actor=actor,
        change=Change(
            "report.nuisance",
            "reports.report",
            str(report.pk),
            report.reference,
            report.unit.path,
            before,
            {"nuisance": nuisance},
        ),
    )
    return report


# ---------------------------------------------------------------------------------------------------- retention


@dataclass(frozen=True)
class PurgeResult:
    reports: int
    files: int
    references: list[str]


def reports_purge(*, now: dt.datetime | None = None) -> PurgeResult:
    """Delete closed reports whose retention has passed: rows, replies and files. One audit event with counts and
    reference numbers, no content. Cases opened from a report keep its number."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=settings.NETCONDUCT_REPORT_RETENTION_DAYS)
    with transaction.atomic():
        due = list(
            Report.objects.select_for_update()
            .filter(state=ReportState.CLOSED, closed_at__lt=cutoff)
            .order_by("pk")
        )
        if not due:
            return PurgeResult(0, 0, [])
        references = [r.reference for r in due]
        names = list(ReportFile.objects.filter(report__in=due).values_list("storage_name", flat=True))
        from .models import ViolationCase

        for report in due:
            ViolationCase.objects.filter(source_report=report, source_ref="").update(
                source_ref=report.reference
            )
        Report.objects.filter(pk__in=[r.pk for r in due]).delete()
        audit_record(
            actor=None,
            change=Change(
                "report.purge",
                "reports.report",
                "",
                f"{len(due)}件举报",
                "",
                None,
                {
                    "reports": len(due),
                    "files": len(names),
                    "ids": [r.pk for r in due],
                    "references": references,
                    "closed_before": cutoff,
                },
            ),
        )
        transaction.on_commit(lambda: [evidence.delete(n) for n in names])
    return PurgeResult(len(due), len(names), references)


def reports_rekey() -> dict[str, int]:
    """Re-seal report and case texts and files under the first key of NETCONDUCT_FIELD_KEYS (key rotation)."""
    from .models import CaseEntry, CaseFile, ViolationCase

    current = crypto.current_key_id()
    counts = {"texts": 0, "files": 0}

    def again(token: str, context: str) -> str:
        if not token or crypto.key_id(token) == current:
            return token
        counts["texts"] += 1
        return crypto.encrypt(crypto.decrypt(token, context=context), context=context)

    with transaction.atomic():
        for report in Report.objects.select_for_update().iterator():
            report.content_enc = again(report.content_enc, report.context + ":content")
            report.summary_enc = again(report.summary_enc, report.context + ":summary")
            report.save(update_fields=["content_enc", "summary_enc"])
            for m in report.messages.all():
                m.body_enc = again(m.body_enc, f"{report.context}:message:{m.pk}")
                m.save(update_fields=["body_enc"])
            for f in report.files.all():
                counts["files"] += evidence.rewrite(f.storage_name, context=f.context)
        for case in ViolationCase.objects.select_for_update().iterator():
            case.summary_enc = again(case.summary_enc, case.context + ":summary")
            case.save(update_fields=["summary_enc"])
        for entry in CaseEntry.objects.select_related("case").iterator():
            entry.body_enc = again(entry.body_enc, f"{entry.case.context}:entry:{entry.pk}")
            entry.save(update_fields=["body_enc"])
        for f in CaseFile.objects.select_related("case").iterator():
            counts["files"] += evidence.rewrite(f.storage_name, context=f.context)
        from .models import Referral

        for referral in Referral.objects.exclude(reply_enc="").select_related("report", "case"):
            referral.reply_enc = again(referral.reply_enc, referral.context)
            referral.save(update_fields=["reply_enc"])
        audit_record(
            actor=None, change=Change("report.rekey", "reports.report", "", "重新加密", "", None, counts)
        )
    return counts
