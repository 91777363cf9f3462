"""Writes to study sessions: the record, attendance (by the secretary or by QR scan), evidence, submission and the
committee's review. Each: permission first, validation with a Chinese message naming the field, one transaction,
one audit event (a call that changes nothing — a second scan of the same code — writes none)."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from netconduct.campaigns import services as campaign_services
from netconduct.campaigns.choices import CampaignStatus
from netconduct.campaigns.models import Campaign
from netconduct.core import files, uploads
from netconduct.core.audit import Change, audit_record
from netconduct.core.exceptions import ApplicationError, PermissionRefused
from netconduct.core.links import absolute_url
from netconduct.documents.choices import DocumentStatus
from netconduct.documents.models import Document
from netconduct.notifications.services import Message, notifications_send
from netconduct.org import scoping
from netconduct.org.choices import PersonStatus, Role, UnitKind
from netconduct.org.models import OrgUnit, Person, RoleGrant
from netconduct.org.scoping import subtree_q

from . import signin
from .choices import AttendanceStatus, AttendanceVia, SessionForm, SessionStatus
from .models import Attendance, SessionEvidence, StudySession

# Units that hold study sessions: a branch, a party group inside it, or a general branch meeting as a whole.
SESSION_UNIT_KINDS = frozenset({UnitKind.BRANCH, UnitKind.PARTY_GROUP, UnitKind.GENERAL_BRANCH})
MAX_DAYS_AHEAD = 30  # a session may be recorded before it is held (to show its QR code), but not months ahead
SCAN_GRACE = dt.timedelta(
    minutes=5
)  # from scanning a code to tapping 签到, including logging in on the phone
MAX_EVIDENCE_FILES = 30
DEFAULT_EVIDENCE_MAX_BYTES = 10 * 1024 * 1024
EDITABLE_FIELDS = frozenset(
    {"form", "is_special_study", "topic", "starts_at", "place", "host", "recorder", "minutes", "campaign"}
)


def evidence_max_bytes() -> int:
    return int(getattr(settings, "NETCONDUCT_EVIDENCE_MAX_BYTES", DEFAULT_EVIDENCE_MAX_BYTES))


# ---------------------------------------------------------------------------------------------------- helpers


def session_snapshot(session: StudySession, documents: Sequence[Document] | None = None) -> dict:
    docs = documents if documents is not None else (list(session.documents.all()) if session.pk else [])
    return {
        "unit": session.unit.name,
        "form": session.get_form_display(),
        "is_special_study": session.is_special_study,
        "topic": session.topic,
        "starts_at": timezone.localtime(session.starts_at).strftime("%Y-%m-%d %H:%M"),
        "place": session.place,
        "host": session.host.name if session.host_id else "",
        "recorder": session.recorder.name if session.recorder_id else "",
        "documents": "；".join(str(d) for d in docs),  # a string: the history table shows scalars
        "campaign": str(session.campaign) if session.campaign_id else "",
        "minutes_chars": len(session.minutes),
        "status": session.status,
    }


def _locked(session: StudySession) -> StudySession:
    # of=("self",): PostgreSQL refuses FOR UPDATE on the nullable side of the joins select_related would add.
    return StudySession.objects.select_for_update(of=("self",)).select_related("unit").get(pk=session.pk)


def _change(action: str, session: StudySession, before: dict | None, after: dict | None) -> Change:
    return Change(action, "studies.studysession", session.pk, str(session), session.unit.path, before, after)


def _in_unit(person: Person, unit: OrgUnit) -> bool:
    return (
        Person.objects.filter(subtree_q("unit__path", unit.path), pk=person.pk, status=PersonStatus.ACTIVE)
        .order_by()
        .exists()
    )


def _full_clean(obj, exclude: Sequence[str] = ()) -> None:
    try:
        obj.full_clean(exclude=list(exclude))
    except ValidationError as exc:
        field, messages = next(iter(exc.message_dict.items()))
        raise ApplicationError(messages[0], field=None if field == "__all__" else field) from exc


def _check_editable(session: StudySession) -> None:
    if not session.is_editable:
        raise ApplicationError(
            _("本次学习记录%(get_status_display)s，不能再修改；如需更正，请联系党委退回。")
            % {"get_status_display": session.get_status_display()}
        )


def _clean_session(
    session: StudySession, documents: Sequence[Document], previous: StudySession | None
) -> None:
    unit = session.unit
    if session.form not in SessionForm.values:
        raise ApplicationError(_("请选择学习形式。"), field="form")
    session.topic = (session.topic or "").strip()
    if not session.topic:
        raise ApplicationError(_("请填写学习主题。"), field="topic")
    if len(session.topic) > 200:
        raise ApplicationError(_("学习主题不能超过200个字。"), field="topic")
    if session.starts_at is None:
        raise ApplicationError(_("请填写学习时间。"), field="starts_at")
    if timezone.is_naive(session.starts_at):
        session.starts_at = timezone.make_aware(session.starts_at)
    if session.starts_at > timezone.now() + dt.timedelta(days=MAX_DAYS_AHEAD):
        raise ApplicationError(
            _("学习时间不能晚于今天起%(MAX_DAYS_AHEAD)s天，请核对日期。")
            % {"MAX_DAYS_AHEAD": MAX_DAYS_AHEAD},
            field="starts_at",
        )
    if session.starts_at.year < 2000:
        raise ApplicationError(_("学习时间不正确，请核对日期。"), field="starts_at")
    session.place = (session.place or "").strip()
    if len(session.place) > 200:
        raise ApplicationError(_("地点不能超过200个字。"), field="place")
    for name, label in (("host", _("主持人")), ("recorder", _("记录人"))):
        person = getattr(session, name)
        unchanged = previous is not None and getattr(previous, f"{name}_id") == getattr(session, f"{name}_id")
        if person is not None and not unchanged and not _in_unit(person, unit):
            raise ApplicationError(
                _("%(label)s须为“%(name)s”（含下级组织）的在岗人员。") % {"label": label, "name": unit.name},
                field=name,
            )
    for document in documents:
        if document.status != DocumentStatus.ISSUED:
            raise ApplicationError(
                _("文件“%(title)s”尚未印发或已失效，不能作为学习文件。") % {"title": document.title},
                field="documents",
            )
    campaign = session.campaign
    if campaign is not None and (previous is None or previous.campaign_id != campaign.pk):
        campaign = Campaign.objects.select_related("unit").get(pk=campaign.pk)
        if not unit.path.startswith(campaign.unit.path):
            raise ApplicationError(
                _("宣贯活动“%(title)s”的范围不包括“%(name)s”。")
                % {"title": campaign.title, "name": unit.name},
                field="campaign",
            )
        if campaign.status != CampaignStatus.ACTIVE:
            raise ApplicationError(
                _("宣贯活动“%(title)s”不在进行中。") % {"title": campaign.title}, field="campaign"
            )
    session.minutes = session.minutes or ""
    if len(session.minutes) > 50_000:
        raise ApplicationError(_("会议记录不能超过5万字，较长的材料请作为附件上传。"), field="minutes")


def _refresh_campaign(session: StudySession, person_ids: Iterable[int] | None = None) -> None:
    """Keep the campaign's "attend a study session" progress in step with this session's record."""
    if session.campaign_id is None:
        return
    ids = (
        list(person_ids)
        if person_ids is not None
        else list(session.attendance.order_by().values_list("person_id", flat=True))
    )
    if ids:
        campaign_services.targets_set_studied(
            campaign=Campaign.objects.get(pk=session.campaign_id),
            studied=first_studied(session.campaign_id, ids),
        )


def first_studied(campaign_id: int, person_ids: list[int]) -> dict[int, dt.datetime | None]:
    """When each person was first present at a submitted or accepted session of the campaign (None when never: a
    returned record stops counting until it is resubmitted)."""
    present = (
        Attendance.objects.filter(
            session__campaign_id=campaign_id,
            session__status__in=[SessionStatus.SUBMITTED, SessionStatus.ACCEPTED],
            person_id__in=person_ids,
            status=AttendanceStatus.PRESENT,
        )
        .order_by()
        .values_list("person_id", "session__starts_at")
    )
    first: dict[int, dt.datetime | None] = dict.fromkeys(person_ids)
    for person_id, starts_at in present:
        if first[person_id] is None or starts_at < first[person_id]:
            first[person_id] = starts_at
    return first


# ---------------------------------------------------------------------------------------------------- the record


@transaction.atomic
def session_create(
    *,
    actor,
    unit: OrgUnit,
    form: str,
    topic: str,
    starts_at: dt.datetime,
    is_special_study: bool = False,
    place: str = "",
    host: Person | None = None,
    recorder: Person | None = None,
    documents: Sequence[Document] = (),
    minutes: str = "",
    campaign: Campaign | None = None,
) -> StudySession:
    unit = OrgUnit.objects.get(pk=unit.pk)
    scoping.require(actor, "session.record", unit.path)
    if unit.kind not in SESSION_UNIT_KINDS:
        raise ApplicationError(
            _("“%(name)s”是%(get_kind_display)s，学习记录应由党支部、党小组或党总支登记。")
            % {"name": unit.name, "get_kind_display": unit.get_kind_display()},
            field="unit",
        )
    if not unit.is_active:
        raise ApplicationError(_("“%(name)s”已撤销，不能再登记学习。") % {"name": unit.name}, field="unit")
    session = StudySession(
        unit=unit,
        form=form,
        is_special_study=is_special_study,
        topic=topic,
        starts_at=starts_at,
        place=place,
        host=host,
        recorder=recorder,
        minutes=minutes,
        campaign=campaign,
        created_by=actor,
    )
    documents = list(documents)
    _clean_session(session, documents, previous=None)
    _full_clean(session)
    session.save()
    session.documents.set(documents)
    audit_record(
        actor=actor, change=_change("session.create", session, None, session_snapshot(session, documents))
    )
    return session


@transaction.atomic
def session_update(
    *, actor, session: StudySession, documents: Sequence[Document] | None = None, **fields
) -> StudySession:
    """Change the record while it is being written or after the committee returned it."""
    session = _locked(session)
    scoping.require(actor, "session.record", session.unit.path)
    _check_editable(session)
    refused = sorted(set(fields) - EDITABLE_FIELDS)
    if refused:
        raise ApplicationError(_("不能修改这些项目：%(join)s。") % {"join": "、".join(refused)})
    previous = StudySession.objects.get(pk=session.pk)
    before = session_snapshot(session)
    for name, value in fields.items():
        setattr(session, name, value)
    docs = list(documents) if documents is not None else list(session.documents.all())
    _clean_session(session, docs, previous=previous)
    _full_clean(session)
    session.save()
    if documents is not None:
        session.documents.set(docs)
    after = session_snapshot(session, docs)
    changed = {k: v for k, v in after.items() if before.get(k) != v}
    if changed:
        audit_record(
            actor=actor,
            change=_change("session.update", session, {k: before.get(k) for k in changed}, changed),
        )
    return session


# ---------------------------------------------------------------------------------------------------- attendance


@dataclass(frozen=True)
class Mark:
    """One line of the attendance sheet; an empty status clears the person's mark."""

    person_id: int
    status: str
    reason: str = ""


def _mark_label(status: str, reason: str) -> str:
    if not status:
        return "未登记"
    label = str(AttendanceStatus(status).label)
    return f"{label}（{reason}）" if reason else label


@transaction.atomic
def attendance_set(*, actor, session: StudySession, marks: Iterable[Mark]) -> int:
    """Record who was present, absent or on leave (with a reason), for many people at once. Returns how many rows
    changed."""
    session = _locked(session)
    scoping.require(actor, "session.record", session.unit.path)
    _check_editable(session)
    wanted: dict[int, Mark] = {}
    for mark in marks:
        status = mark.status or ""
        if status and status not in AttendanceStatus.values:
            raise ApplicationError(_("出席情况只能是出席、缺席或请假。"), field="attendance")
        reason = (mark.reason or "").strip() if status and status != AttendanceStatus.PRESENT else ""
        wanted[int(mark.person_id)] = Mark(int(mark.person_id), status, reason)
    existing = {a.person_id: a for a in session.attendance.all()}
    people = {p.pk: p for p in Person.objects.filter(pk__in=list(wanted)).select_related("unit").order_by()}
    for person_id, mark in wanted.items():
        person = people.get(person_id)
        if person is None:
            raise ApplicationError(_("出席名单中有不存在的人员，请刷新页面后重试。"), field="attendance")
        in_roster = person.unit.path.startswith(session.unit.path) and person.status == PersonStatus.ACTIVE
        # A row kept from before someone moved away may still be corrected; nobody else off the roster is marked.
        if not in_roster and person_id not in existing:
            raise ApplicationError(
                _("%(name)s不在“%(name2)s”的名册中。") % {"name": person.name, "name2": session.unit.name},
                field="attendance",
                extra={"person_id": person_id},
            )
        if mark.status in (AttendanceStatus.ABSENT, AttendanceStatus.LEAVE):
            if not mark.reason:
                label = AttendanceStatus(mark.status).label
                raise ApplicationError(
                    _("请填写%(name)s%(label)s的原因。") % {"name": person.name, "label": label},
                    field="attendance",
                    extra={"person_id": person_id},
                )
            if len(mark.reason) > 200:
                raise ApplicationError(
                    _("%(name)s的原因不能超过200个字。") % {"name": person.name},
                    field="attendance",
                    extra={"person_id": person_id},
                )
    now = timezone.now()
    before: dict[str, str] = {}
    after: dict[str, str] = {}
    create: list[Attendance] = []
    update: list[Attendance] = []
    delete: list[int] = []
    changed_ids: list[int] = []
    for person_id, mark in wanted.items():
        row = existing.get(person_id)
        old = (row.status, row.reason) if row else ("", "")
        if old == (mark.status, mark.reason):
            continue
        name = f"{people[person_id].name}#{person_id}"  # two people may share a name
        before[name], after[name] = _mark_label(*old), _mark_label(mark.status, mark.reason)
        changed_ids.append(person_id)
        if not mark.status:
            delete.append(row.pk)
        elif row is None:
            create.append(
                Attendance(
                    session=session,
                    person_id=person_id,
                    status=mark.status,
                    reason=mark.reason,
                    via=AttendanceVia.MANUAL,
                    recorded_at=now,
                )
            )
        else:
            row.status, row.reason, row.via, row.recorded_at = (
                mark.status,
                mark.reason,
                AttendanceVia.MANUAL,
                now,
            )
            update.append(row)
    if not after:
        return 0
    Attendance.objects.filter(pk__in=delete).delete()
    Attendance.objects.bulk_create(create)
    Attendance.objects.bulk_update(update, ["status", "reason", "via", "recorded_at"])
    _refresh_campaign(session, changed_ids)
    audit_record(actor=actor, change=_change("session.attendance_set", session, before, after))
    return len(after)


@transaction.atomic
def attendance_sign_in(
    *, actor, session: StudySession, token: str, scanned_at: dt.datetime | None = None
) -> Attendance:
    """A member scanned the session's QR code: mark them present. `scanned_at` is when this browser first showed
    the code to the server (kept in its session), so logging in on the phone may take a few minutes; the code
    itself must have been good at that moment."""
    session = _locked(session)
    person = (
        Person.objects.filter(user_id=getattr(actor, "pk", None)).select_related("unit").first()
        if actor is not None and actor.is_authenticated
        else None
    )
    if (
        person is None
        or person.status != PersonStatus.ACTIVE
        or not person.unit.path.startswith(session.unit.path)
    ):
        raise PermissionRefused(
            _("您不在“%(name)s”的名册中，不能在此签到。如有疑问请联系支部书记。")
            % {"name": session.unit.name}
        )
    now = timezone.now()
    at = min(scanned_at, now) if scanned_at is not None else now
    if now - at > SCAN_GRACE:
        raise signin.TokenRefused(_("扫码已超过5分钟，请重新扫描会场上的签到二维码。"), field="token")
    signin.check_token(session, token, at=at)
    if at < session.starts_at:
        # A code shown (or passed on) before the session would record presence at a meeting not yet held.
        starts = timezone.localtime(session.starts_at)
        raise ApplicationError(
            _("本次学习定于%(year)s年%(month)s月%(day)s日 %(starts)s开始，开始后再扫码签到。")
            % {"year": starts.year, "month": starts.month, "day": starts.day, "starts": f"{starts:%H:%M}"},
            field="starts_at",
        )
    row = Attendance.objects.filter(session=session, person=person).first()
    if row is not None and row.status == AttendanceStatus.PRESENT:
        return row  # a second scan changes nothing
    if session.status != SessionStatus.DRAFT:
        raise ApplicationError(_("本次学习记录已提交，签到已结束。"))
    before = _mark_label(row.status, row.reason) if row else "未登记"
    if row is None:
        row = Attendance.objects.create(
            session=session,
            person=person,
            status=AttendanceStatus.PRESENT,
            via=AttendanceVia.QR,
            recorded_at=now,
        )
    else:
        row.status, row.reason, row.via, row.recorded_at = AttendanceStatus.PRESENT, "", AttendanceVia.QR, now
        row.save(update_fields=["status", "reason", "via", "recorded_at"])
    _refresh_campaign(session, [person.pk])
    audit_record(
        actor=actor,
        change=_change(
            "session.sign_in",
            session,
            {f"{person.name}#{person.pk}": before},
            {f"{person.name}#{person.pk}": "扫码签到"},
        ),
    )
    return row


# ---------------------------------------------------------------------------------------------------- evidence

EVIDENCE_TYPES = frozenset({"image/jpeg", "image/png", "image/webp", "application/pdf"})


def sniff(head: bytes) -> tuple[str, str] | None:
    """(content type, extension) of a photo, screenshot or PDF; None for anything else."""
    kind = files.sniff(head)
    return kind if kind is not None and kind[0] in EVIDENCE_TYPES else None


def _display_name(name: str, ext: str) -> str:
    base = os.path.basename((name or "").replace("\\", "/")).strip() or "佐证材料"
    stem, old_ext = os.path.splitext(base)
    if old_ext.lower() not in {ext, ".jpeg" if ext == ".jpg" else ext}:
        base = stem + ext if old_ext.lower() in {".jpg", ".jpeg", ".png", ".webp", ".pdf"} else base + ext
    return base[-200:]


@transaction.atomic
def evidence_add(*, actor, session: StudySession, file: File, name: str = "") -> SessionEvidence:
    """Keep a photo, screenshot or PDF scan as evidence of the session."""
    session = _locked(session)
    scoping.require(actor, "session.record", session.unit.path)
    _check_editable(session)
    label = os.path.basename(name or getattr(file, "name", "") or "") or "文件"
    # Kept for what it shows only: pixels, not the camera's position or a PDF's author (core.uploads).
    data = uploads.read_checked(file, label=label, limit=evidence_max_bytes(), field="file")
    cleaned = uploads.sanitise_bytes(
        data,
        label=label,
        field="file",
        wrong_kind=_("文件“%(label)s”不是 JPG、PNG、WebP 图片或 PDF 文件，不能作为佐证材料。")
        % {"label": label},
    )
    content_type, ext, size = cleaned.content_type, cleaned.extension, len(cleaned.data)
    sha256 = hashlib.sha256(cleaned.data).hexdigest()
    if session.evidence.filter(sha256=sha256).exists():
        raise ApplicationError(_("文件“%(label)s”已经上传过了。") % {"label": label}, field="file")
    if session.evidence.count() >= MAX_EVIDENCE_FILES:
        raise ApplicationError(
            _("每次学习最多保存%(MAX_EVIDENCE_FILES)s个佐证文件。")
            % {"MAX_EVIDENCE_FILES": MAX_EVIDENCE_FILES},
            field="file",
        )
    evidence = SessionEvidence(
        session=session, name=_display_name(label, ext), content_type=content_type, size=size, sha256=sha256
    )
    evidence.file.save(f"evidence{ext}", ContentFile(cleaned.data), save=False)
    try:
        _full_clean(evidence)
        evidence.save()
    except Exception:
        evidence.file.delete(save=False)
        raise
    audit_record(
        actor=actor,
        change=_change(
            "session.evidence_add",
            session,
            None,
            {"name": evidence.name, "content_type": content_type, "size": size, "sha256": sha256},
        ),
    )
    return evidence


# ---------------------------------------------------------------------------------------------------- submit & review


@transaction.atomic
def session_submit(*, actor, session: StudySession) -> StudySession:
    """The secretary hands the record to the committee; from now on it counts for campaigns and the yearly rule."""
    session = _locked(session)
    scoping.require(actor, "session.record", session.unit.path)
    if not session.is_editable:
        raise ApplicationError(
            _("本次学习记录%(get_status_display)s，不能重复提交。")
            % {"get_status_display": session.get_status_display()}
        )
    if session.starts_at > timezone.now():
        raise ApplicationError(_("学习时间还没到，学习结束后再提交记录。"), field="starts_at")
    if not session.attendance.exists():
        raise ApplicationError(_("请先登记出席情况（至少一人）。"), field="attendance")
    if not session.minutes.strip() and not session.evidence.exists():
        raise ApplicationError(_("请填写会议记录，或上传会议照片、截图等佐证材料。"), field="minutes")
    previous = session.status
    session.status = SessionStatus.SUBMITTED
    session.submitted_at = timezone.now()
    session.save(update_fields=["status", "submitted_at", "updated_at"])
    _refresh_campaign(session)
    audit_record(
        actor=actor,
        change=_change("session.submit", session, {"status": previous}, {"status": session.status}),
    )
    return session


def _tell_returned(session: StudySession) -> None:
    """A returned record: whoever made it, its recorder (记录人) and the branch's secretaries, with the opinion.
    Keyed by the review's time: a record returned again after a fix is a new message."""
    users = set(
        RoleGrant.objects.filter(role=Role.SECRETARY, unit=session.unit, user__is_active=True).values_list(
            "user_id", flat=True
        )
    )
    if session.created_by_id and session.created_by.is_active:
        users.add(session.created_by_id)
    recorder = session.recorder
    if recorder is not None and recorder.user_id and recorder.user.is_active:
        users.add(recorder.user_id)
    emails = dict(get_user_model().objects.filter(pk__in=users).values_list("pk", "email"))
    url = reverse("studies:session_detail", kwargs={"pk": session.pk})
    link = absolute_url(url)
    title = f"学习记录被退回：{session.topic[:60]}"
    body = (
        f"{session.unit.name}{session.starts_at:%Y-%m-%d}的学习记录被退回，审核意见：{session.review_opinion}"
    )
    stamp = f"{session.reviewed_at:%Y%m%d%H%M%S%f}"
    notifications_send(
        messages=[
            Message(
                user_id=uid,
                key=f"studies.session:{session.pk}:returned:{stamp}:to{uid}",
                title=title,
                body=body,
                url=url,
                email=emails.get(uid) or "",
                email_body=body + (f"\n\n{link}" if link else ""),
            )
            for uid in sorted(users)
        ],
        unit=session.unit,
        source=session.topic,
    )


class Decision:
    ACCEPT = "accept"
    RETURN = "return"
    CHOICES = ((ACCEPT, gettext_lazy("通过")), (RETURN, gettext_lazy("退回")))


@transaction.atomic
def session_review(*, actor, session: StudySession, decision: str, opinion: str = "") -> StudySession:
    """The committee accepts the record, or returns it with an opinion saying what to put right."""
    session = _locked(session)
    scoping.require(actor, "session.review", session.unit.path)
    if session.status != SessionStatus.SUBMITTED:
        raise ApplicationError(
            _("本次学习记录%(get_status_display)s，只有已提交的记录可以审核。")
            % {"get_status_display": session.get_status_display()}
        )
    opinion = (opinion or "").strip()
    if decision not in (Decision.ACCEPT, Decision.RETURN):
        raise ApplicationError(_("请选择审核结果：通过或退回。"), field="decision")
    if decision == Decision.RETURN and not opinion:
        raise ApplicationError(_("退回时请填写说明，告诉支部需要补充或更正什么。"), field="opinion")
    if len(opinion) > 1000:
        raise ApplicationError(_("审核意见不能超过1000个字。"), field="opinion")
    session.status = SessionStatus.ACCEPTED if decision == Decision.ACCEPT else SessionStatus.RETURNED
    session.reviewed_at = timezone.now()
    session.reviewed_by = actor
    session.review_opinion = opinion
    session.save(update_fields=["status", "reviewed_at", "reviewed_by", "review_opinion", "updated_at"])
    _refresh_campaign(session)
    if session.status == SessionStatus.RETURNED:
        _tell_returned(session)
    audit_record(
        actor=actor,
        change=_change(
            "session.review",
            session,
            {"status": SessionStatus.SUBMITTED},
            {"status": session.status, "decision": decision, "opinion": opinion},
        ),
    )
    return session
