"""Study-session services, QR tokens and selectors."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from netconduct import testing
from netconduct.campaigns import services as campaign_services
from netconduct.campaigns.models import Target
from netconduct.core.exceptions import ApplicationError, PermissionRefused
from netconduct.core.models import AuditEvent
from netconduct.documents.models import Document
from netconduct.org import services as org_services
from netconduct.org.choices import UnitKind
from netconduct.studies import selectors, services, signin
from netconduct.studies.choices import AttendanceStatus, SessionStatus
from netconduct.studies.models import Attendance, SessionEvidence, StudySession
from netconduct.studies.services import Mark

pytestmark = pytest.mark.django_db


def _image(fmt: str) -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (8, 6), (20, 120, 200)).save(out, format=fmt)
    return out.getvalue()


def _pdf() -> bytes:
    import io

    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=200, height=100)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


# Real files: evidence is decoded and rebuilt from its pixels (core.uploads), so it must be readable.
PNG, JPEG, WEBP, PDF = _image("PNG"), _image("JPEG"), _image("WEBP"), _pdf()

_sequence = iter(range(100, 10_000))


def issued_document(org, *, status: str = "issued", title: str = "网络行为规范") -> Document:
    seq = next(_sequence)
    return Document.objects.create(
        issuer=org.committee,
        title=title,
        kind="norms",
        status=status,
        number=f"西北能化党发〔2023〕{seq}号" if status != "draft" else "",
        issuer_code="西北能化党发",
        year=2023,
        sequence=seq if status != "draft" else None,
    )


def make_session(actor, unit, **fields) -> StudySession:
    fields.setdefault("form", "theme_day")
    fields.setdefault("topic", "学习网络行为规范")
    fields.setdefault("starts_at", timezone.now() - dt.timedelta(hours=2))
    return services.session_create(actor=actor, unit=unit, **fields)


def ready_to_submit(actor, session, person) -> StudySession:
    services.attendance_set(actor=actor, session=session, marks=[Mark(person.pk, "present")])
    return services.session_update(actor=actor, session=session, minutes="传达学习规范全文，逐条讨论。")


def events() -> int:
    return AuditEvent.objects.count()


def last_action() -> str:
    return AuditEvent.objects.order_by("-seq").values_list("action", flat=True).first()


@pytest.fixture
def session(org, accounts):
    return make_session(accounts.secretary, org.branch1)


@pytest.fixture
def campaign(org, accounts):
    document = issued_document(org)
    made = campaign_services.campaign_create(
        actor=accounts.unit_admin,
        unit=org.committee,
        title="2024年网络行为规范宣贯",
        deadline=timezone.localdate() + dt.timedelta(days=20),
        documents=[document],
        requires_read=True,
        requires_study=True,
    )
    campaign_services.campaign_launch(actor=accounts.unit_admin, campaign=made)
    return made


# ---------------------------------------------------------------------------------------------------- permissions


@pytest.mark.parametrize("who", ["member", "outsider_secretary", "inspector"])
def test_those_who_may_not_record_are_refused_and_nothing_is_written(org, accounts, who):
    before = events()
    with pytest.raises(PermissionRefused):
        make_session(getattr(accounts, who), org.branch1)
    assert not StudySession.objects.exists()
    assert events() == before


def test_outsider_and_member_cannot_touch_a_branch1_session(org, accounts, session):
    member_person = accounts.member.person
    for who in (accounts.member, accounts.outsider_secretary):
        with pytest.raises(PermissionRefused):
            services.session_update(actor=who, session=session, topic="改掉")
        with pytest.raises(PermissionRefused):
            services.attendance_set(actor=who, session=session, marks=[Mark(member_person.pk, "present")])
        with pytest.raises(PermissionRefused):
            services.evidence_add(actor=who, session=session, file=ContentFile(PNG, name="a.png"))
        with pytest.raises(PermissionRefused):
            services.session_submit(actor=who, session=session)
    session.refresh_from_db()
    assert session.topic == "学习网络行为规范"
    assert not session.attendance.exists()


def test_only_the_committee_staff_review(org, accounts, session):
    ready_to_submit(accounts.secretary, session, accounts.member.person)
    services.session_submit(actor=accounts.secretary, session=session)
    for who in (accounts.secretary, accounts.inspector, accounts.member):
        with pytest.raises(PermissionRefused):
            services.session_review(actor=who, session=session, decision="accept")
    session.refresh_from_db()
    assert session.status == SessionStatus.SUBMITTED


def test_sessions_belong_to_branch_like_units(org, accounts):
    with pytest.raises(ApplicationError) as exc:
        make_session(accounts.unit_admin, org.committee)
    assert exc.value.field == "unit"
    assert "党支部、党小组或党总支" in exc.value.message
    group = org_services.unit_create(
        actor=org.root_user, parent=org.branch1, name="第一党小组", kind=UnitKind.PARTY_GROUP
    )
    assert (
        make_session(accounts.secretary, group).unit == group
    )  # a party group inside the secretary's branch
    assert make_session(accounts.unit_admin, org.plant).unit == org.plant  # 党总支


# ---------------------------------------------------------------------------------------------------- validation


def test_validation_messages_name_the_field(org, accounts):
    secretary = accounts.secretary
    other = testing.make_person(org.branch2, name="二支部人员")
    draft_doc = issued_document(org, status="draft", title="草稿文件")
    branch2_campaign = campaign_services.campaign_create(
        actor=accounts.unit_admin,
        unit=org.branch2,
        title="二支部活动",
        deadline=timezone.localdate() + dt.timedelta(days=5),
        documents=[issued_document(org)],
    )
    campaign_services.campaign_launch(actor=accounts.unit_admin, campaign=branch2_campaign)
    cases = [
        ({"topic": "  "}, "topic", "请填写学习主题"),
        ({"form": "karaoke"}, "form", "请选择学习形式"),
        ({"starts_at": timezone.now() + dt.timedelta(days=90)}, "starts_at", "不能晚于今天起30天"),
        ({"host": other}, "host", "主持人须为“甲醇厂第一党支部”"),
        ({"recorder": other}, "recorder", "记录人须为"),
        ({"documents": [draft_doc]}, "documents", "尚未印发或已失效"),
        ({"campaign": branch2_campaign}, "campaign", "的范围不包括“甲醇厂第一党支部”"),
    ]
    before = events()
    for fields, field, message in cases:
        with pytest.raises(ApplicationError) as exc:
            make_session(secretary, org.branch1, **fields)
        assert exc.value.field == field, fields
        assert message in exc.value.message
    assert not StudySession.objects.exists()
    assert events() == before


def test_host_recorder_documents_and_campaign_that_fit_are_kept(org, accounts, campaign):
    secretary_person = accounts.secretary.person
    document = issued_document(org)
    session = make_session(
        accounts.secretary,
        org.branch1,
        host=secretary_person,
        recorder=accounts.member.person,
        documents=[document],
        campaign=campaign,
        place="甲醇厂会议室",
    )
    session.refresh_from_db()
    assert (session.host, session.recorder, session.campaign) == (
        secretary_person,
        accounts.member.person,
        campaign,
    )
    assert list(session.documents.all()) == [document]


def test_update_only_while_draft_or_returned(org, accounts, session):
    services.session_update(actor=accounts.secretary, session=session, topic="新主题")
    ready_to_submit(accounts.secretary, session, accounts.member.person)
    services.session_submit(actor=accounts.secretary, session=session)
    with pytest.raises(ApplicationError, match="不能再修改"):
        services.session_update(actor=accounts.secretary, session=session, topic="提交后修改")
    with pytest.raises(ApplicationError, match="不能再修改"):
        services.attendance_set(actor=accounts.secretary, session=session, marks=[])
    services.session_review(actor=accounts.unit_admin, session=session, decision="return", opinion="补充照片")
    services.session_update(actor=accounts.secretary, session=session, topic="退回后修改")
    session.refresh_from_db()
    assert session.topic == "退回后修改"


# ---------------------------------------------------------------------------------------------------- audit


def test_each_call_writes_one_audit_event(org, accounts, session):
    secretary, member = accounts.secretary, accounts.member
    steps = [
        ("session.create", lambda: make_session(secretary, org.branch1)),
        ("session.update", lambda: services.session_update(actor=secretary, session=session, place="会议室")),
        (
            "session.attendance_set",
            lambda: services.attendance_set(
                actor=secretary,
                session=session,
                marks=[Mark(member.person.pk, "present"), Mark(secretary.person.pk, "leave", "外出培训")],
            ),
        ),
        (
            "session.sign_in",
            lambda: services.attendance_sign_in(
                actor=secretary, session=session, token=signin.make_token(session)
            ),
        ),
        (
            "session.evidence_add",
            lambda: services.evidence_add(
                actor=secretary, session=session, file=ContentFile(PNG, name="会场.png")
            ),
        ),
        ("session.submit", lambda: services.session_submit(actor=secretary, session=session)),
        (
            "session.review",
            lambda: services.session_review(actor=accounts.unit_admin, session=session, decision="accept"),
        ),
    ]
    for action, step in steps:
        before = events()
        step()
        assert events() == before + 1, action
        assert last_action() == action
    event = AuditEvent.objects.get(action="session.attendance_set")
    assert event.after == {
        f"王职工#{member.person.pk}": "出席",
        f"李书记#{secretary.person.pk}": "请假（外出培训）",
    }
    assert event.unit_path == org.branch1.path


# ---------------------------------------------------------------------------------------------------- attendance


def test_attendance_needs_a_reason_for_absence_and_people_of_the_branch(org, accounts, session):
    member = accounts.member.person
    stranger = testing.make_person(org.branch2, name="外支部职工")
    before = events()
    with pytest.raises(ApplicationError) as exc:
        services.attendance_set(
            actor=accounts.secretary,
            session=session,
            marks=[Mark(accounts.secretary.person.pk, "present"), Mark(member.pk, "absent", "  ")],
        )
    assert (exc.value.field, exc.value.message) == ("attendance", "请填写王职工缺席的原因。")
    with pytest.raises(ApplicationError, match="外支部职工不在“甲醇厂第一党支部”的名册中"):
        services.attendance_set(
            actor=accounts.secretary, session=session, marks=[Mark(stranger.pk, "present")]
        )
    with pytest.raises(ApplicationError, match="出席、缺席或请假"):
        services.attendance_set(actor=accounts.secretary, session=session, marks=[Mark(member.pk, "late")])
    assert not Attendance.objects.exists()  # the valid line of the refused batch was not kept either
    assert events() == before


def test_attendance_set_updates_clears_and_reports_changes(org, accounts, session):
    member, secretary = accounts.member.person, accounts.secretary.person
    set_ = services.attendance_set
    assert set_(actor=accounts.secretary, session=session, marks=[Mark(member.pk, "leave", "井下当班")]) == 1
    assert set_(actor=accounts.secretary, session=session, marks=[Mark(member.pk, "leave", "井下当班")]) == 0
    assert (
        set_(
            actor=accounts.secretary,
            session=session,
            marks=[Mark(member.pk, "present", "ignored"), Mark(secretary.pk, "present")],
        )
        == 2
    )
    row = Attendance.objects.get(session=session, person=member)
    assert (row.status, row.reason, row.via) == ("present", "", "manual")
    assert set_(actor=accounts.secretary, session=session, marks=[Mark(member.pk, "")]) == 1
    assert list(session.attendance.values_list("person__name", flat=True)) == ["李书记"]


# ---------------------------------------------------------------------------------------------------- QR tokens


def test_token_is_good_for_its_window_and_the_next_only(session):
    t0 = timezone.now().replace(microsecond=0)
    start = t0 - dt.timedelta(seconds=int(t0.timestamp()) % signin.WINDOW_SECONDS)  # start of a window
    token = signin.make_token(session, at=start)
    signin.check_token(session, token, at=start)
    signin.check_token(session, token, at=start + dt.timedelta(seconds=59))
    with pytest.raises(signin.TokenRefused, match="已过期"):
        signin.check_token(session, token, at=start + dt.timedelta(seconds=60))
    with pytest.raises(signin.TokenRefused, match="无效"):  # a token for a window still to come
        signin.check_token(session, token, at=start - dt.timedelta(seconds=1))


def test_forged_and_other_session_tokens_are_refused(org, accounts, session):
    token = signin.make_token(session)
    sid, window, mac = token.split("-")
    forged = [
        f"{sid}-{window}-{'0' * len(mac)}",
        f"{sid}-{int(window) + 1}-{mac}",  # the same mac for another window
        f"{sid}-{window}",
        "",
        f"{sid}-{window}-{mac}x",
    ]
    for bad in forged:
        with pytest.raises(signin.TokenRefused, match="二维码无效"):
            signin.check_token(session, bad)
    other = make_session(accounts.secretary, org.branch1)
    with pytest.raises(signin.TokenRefused, match="不属于本次学习"):
        signin.check_token(other, token)
    # a token cut for another session under this session's id does not hold either: the key is the session's own
    other_token = signin.make_token(other)
    with pytest.raises(signin.TokenRefused, match="二维码无效"):
        signin.check_token(session, f"{session.pk}-{other_token.split('-', 1)[1]}")


def test_sign_in_marks_present_once_however_often_scanned(org, accounts, session):
    member = accounts.member
    row = services.attendance_sign_in(actor=member, session=session, token=signin.make_token(session))
    assert (row.person, row.status, row.via) == (member.person, AttendanceStatus.PRESENT, "qr")
    before = events()
    again = services.attendance_sign_in(actor=member, session=session, token=signin.make_token(session))
    assert again.pk == row.pk
    assert Attendance.objects.filter(session=session).count() == 1
    assert events() == before  # a repeat scan changes nothing and records nothing


def test_sign_in_turns_a_marked_absence_into_presence(org, accounts, session):
    member = accounts.member
    services.attendance_set(
        actor=accounts.secretary, session=session, marks=[Mark(member.person.pk, "absent", "未到")]
    )
    services.attendance_sign_in(actor=member, session=session, token=signin.make_token(session))
    row = Attendance.objects.get(session=session)
    assert (row.status, row.reason, row.via) == ("present", "", "qr")


def test_sign_in_refused_for_people_off_the_roster_bad_tokens_and_submitted_sessions(org, accounts, session):
    token = signin.make_token(session)
    outsider_person = testing.make_person(org.branch2, name="二支部党员")
    outsider = testing.make_account("b2member", person=outsider_person)
    for who in (
        outsider,
        accounts.unit_admin,
        accounts.outsider_secretary,
    ):  # the last two have no person at all
        with pytest.raises(PermissionRefused, match="不在“甲醇厂第一党支部”的名册中"):
            services.attendance_sign_in(actor=who, session=session, token=token)
    org_services.person_update(actor=org.root_user, person=accounts.member.person, status="transferred")
    with pytest.raises(PermissionRefused):
        services.attendance_sign_in(actor=accounts.member, session=session, token=token)
    secretary = accounts.secretary
    with pytest.raises(signin.TokenRefused, match="二维码无效"):
        services.attendance_sign_in(
            actor=secretary, session=session, token=token[:-1] + ("1" if token[-1] == "0" else "0")
        )
    old = signin.make_token(session, at=timezone.now() - dt.timedelta(minutes=2))
    with pytest.raises(signin.TokenRefused, match="已过期"):
        services.attendance_sign_in(actor=secretary, session=session, token=old)
    assert not Attendance.objects.exists()
    services.attendance_set(actor=secretary, session=session, marks=[Mark(secretary.person.pk, "present")])
    services.session_update(actor=secretary, session=session, minutes="记录")
    services.session_submit(actor=secretary, session=session)
    other_member = testing.make_account("m2", person=testing.make_person(org.branch1, name="赵矿工"))
    with pytest.raises(ApplicationError, match="签到已结束"):
        services.attendance_sign_in(actor=other_member, session=session, token=signin.make_token(session))


def test_a_scan_may_be_completed_within_five_minutes_after_logging_in(org, accounts, session):
    """The phone brought the code while it was good; logging in took a while; the code has since rotated."""
    scanned = timezone.now() - dt.timedelta(minutes=3)
    token = signin.make_token(session, at=scanned)
    services.attendance_sign_in(actor=accounts.member, session=session, token=token, scanned_at=scanned)
    assert session.attendance.filter(person=accounts.member.person, status="present").exists()
    later = timezone.now() - dt.timedelta(minutes=6)
    with pytest.raises(signin.TokenRefused, match="超过5分钟"):
        services.attendance_sign_in(
            actor=accounts.secretary,
            session=session,
            token=signin.make_token(session, at=later),
            scanned_at=later,
        )


# ---------------------------------------------------------------------------------------------------- evidence


@pytest.mark.parametrize(
    ("content", "name", "content_type", "stored_name"),
    [
        (PNG, "会场.png", "image/png", "会场.png"),
        (JPEG, "IMG_0001.JPG", "image/jpeg", "IMG_0001.JPG"),
        (WEBP, "截图", "image/webp", "截图.webp"),
        (PDF, "签到表.jpg", "application/pdf", "签到表.pdf"),  # the bytes decide, not the name
    ],
)
def test_evidence_type_comes_from_the_bytes_and_its_hash_is_kept(
    org, accounts, session, content, name, content_type, stored_name
):
    evidence = services.evidence_add(
        actor=accounts.secretary, session=session, file=ContentFile(content, name=name), name=name
    )
    with evidence.file.open("rb") as handle:
        stored = handle.read()  # the cleaned file: what is kept is what is hashed and counted
    assert (evidence.content_type, evidence.name, evidence.size) == (content_type, stored_name, len(stored))
    assert evidence.sha256 == hashlib.sha256(stored).hexdigest()


def test_evidence_refuses_other_types_oversize_empty_and_duplicates(org, accounts, session, settings):
    add = services.evidence_add
    secretary = accounts.secretary
    with pytest.raises(ApplicationError, match="不是 JPG、PNG、WebP 图片或 PDF 文件") as exc:
        add(actor=secretary, session=session, file=ContentFile(b"<html><script>", name="会场.png"))
    assert exc.value.field == "file"
    with pytest.raises(ApplicationError, match="是空的"):
        add(actor=secretary, session=session, file=ContentFile(b"", name="空.png"))
    settings.NETCONDUCT_EVIDENCE_MAX_BYTES = 2 * 1024 * 1024
    with pytest.raises(ApplicationError, match="超过2 MB"):
        add(
            actor=secretary,
            session=session,
            file=ContentFile(PNG + b"\x00" * (2 * 1024 * 1024), name="大.png"),
        )
    add(actor=secretary, session=session, file=ContentFile(PNG, name="a.png"))
    with pytest.raises(ApplicationError, match="已经上传过了"):
        add(actor=secretary, session=session, file=ContentFile(PNG, name="b.png"))
    assert SessionEvidence.objects.count() == 1


def test_evidence_keeps_only_pixels_and_refuses_bombs(org, accounts, session, settings):
    from netconduct.core.tests import crafted

    secretary = accounts.secretary
    photo = services.evidence_add(
        actor=secretary, session=session, file=ContentFile(crafted.jpeg_with_everything(), name="会场.jpg")
    )
    scan = services.evidence_add(
        actor=secretary, session=session, file=ContentFile(crafted.pdf_with_everything(), name="签到表.pdf")
    )
    with photo.file.open("rb") as handle:
        crafted.assert_clean_image(handle.read())
    with scan.file.open("rb") as handle:
        crafted.assert_clean_pdf(handle.read())
    with pytest.raises(ApplicationError, match="“炸弹.png”尺寸过大") as exc:
        services.evidence_add(
            actor=secretary, session=session, file=ContentFile(crafted.png_bomb(), name="炸弹.png")
        )
    assert exc.value.field == "file"
    assert SessionEvidence.objects.count() == 2


# ---------------------------------------------------------------------------------------------------- submit & review


def test_submit_needs_attendance_and_minutes_or_evidence_and_a_past_time(org, accounts, session):
    secretary = accounts.secretary
    with pytest.raises(ApplicationError) as exc:
        services.session_submit(actor=secretary, session=session)
    assert (exc.value.field, exc.value.message) == ("attendance", "请先登记出席情况（至少一人）。")
    services.attendance_set(
        actor=secretary, session=session, marks=[Mark(accounts.member.person.pk, "present")]
    )
    with pytest.raises(ApplicationError) as exc:
        services.session_submit(actor=secretary, session=session)
    assert exc.value.field == "minutes"
    services.evidence_add(actor=secretary, session=session, file=ContentFile(PNG, name="群截图.png"))
    future = make_session(secretary, org.branch1, starts_at=timezone.now() + dt.timedelta(days=2))
    services.attendance_set(
        actor=secretary, session=future, marks=[Mark(accounts.member.person.pk, "present")]
    )
    services.session_update(actor=secretary, session=future, minutes="记录")
    with pytest.raises(ApplicationError, match="学习时间还没到"):
        services.session_submit(actor=secretary, session=future)
    submitted = services.session_submit(actor=secretary, session=session)  # evidence stands in for minutes
    assert submitted.status == SessionStatus.SUBMITTED and submitted.submitted_at is not None
    with pytest.raises(ApplicationError, match="不能重复提交"):
        services.session_submit(actor=secretary, session=session)


def test_submit_return_resubmit_accept(org, accounts, session):
    secretary, admin = accounts.secretary, accounts.unit_admin
    ready_to_submit(secretary, session, accounts.member.person)
    services.session_submit(actor=secretary, session=session)
    with pytest.raises(ApplicationError) as exc:
        services.session_review(actor=admin, session=session, decision="return", opinion=" ")
    assert exc.value.field == "opinion"
    with pytest.raises(ApplicationError) as exc:
        services.session_review(actor=admin, session=session, decision="maybe")
    assert exc.value.field == "decision"
    returned = services.session_review(
        actor=admin, session=session, decision="return", opinion="请补充会场照片"
    )
    assert (returned.status, returned.review_opinion, returned.reviewed_by) == (
        "returned",
        "请补充会场照片",
        admin,
    )
    with pytest.raises(ApplicationError, match="只有已提交的记录可以审核"):
        services.session_review(actor=admin, session=session, decision="accept")
    services.evidence_add(actor=secretary, session=session, file=ContentFile(PNG, name="会场.png"))
    services.session_submit(actor=secretary, session=session)
    accepted = services.session_review(actor=admin, session=session, decision="accept")
    assert accepted.status == SessionStatus.ACCEPTED
    actions = list(
        AuditEvent.objects.filter(object_type="studies.studysession", object_id=str(session.pk))
        .order_by("seq")
        .values_list("action", "after__status")
    )
    assert [a for a in actions if a[0] in ("session.submit", "session.review")] == [
        ("session.submit", "submitted"),
        ("session.review", "returned"),
        ("session.submit", "submitted"),
        ("session.review", "accepted"),
    ]


def test_study_counts_for_the_campaign_after_submit_and_drops_after_return(org, accounts, campaign):
    secretary, admin, member = accounts.secretary, accounts.unit_admin, accounts.member.person
    target = Target.objects.get(campaign=campaign, person=member)
    session = make_session(secretary, org.branch1, campaign=campaign)
    services.attendance_set(
        actor=secretary,
        session=session,
        marks=[Mark(member.pk, "present"), Mark(secretary.person.pk, "absent", "出差")],
    )
    services.session_update(actor=secretary, session=session, minutes="学习")
    target.refresh_from_db()
    assert target.studied_at is None  # a draft does not count

    services.session_submit(actor=secretary, session=session)
    target.refresh_from_db()
    assert target.studied_at == session.starts_at
    absent = Target.objects.get(campaign=campaign, person=secretary.person)
    assert absent.studied_at is None  # absent people did not study

    services.session_review(actor=admin, session=session, decision="return", opinion="照片不清楚")
    target.refresh_from_db()
    assert target.studied_at is None

    services.session_submit(actor=secretary, session=session)
    services.session_review(actor=admin, session=session, decision="accept")
    target.refresh_from_db()
    assert target.studied_at == session.starts_at


def test_qr_sign_in_on_a_campaign_session_counts_once_submitted(org, accounts, campaign):
    session = make_session(accounts.secretary, org.branch1, campaign=campaign, minutes="学习")
    services.attendance_sign_in(actor=accounts.member, session=session, token=signin.make_token(session))
    target = Target.objects.get(campaign=campaign, person=accounts.member.person)
    assert target.studied_at is None
    services.session_submit(actor=accounts.secretary, session=session)
    target.refresh_from_db()
    assert target.studied_at is not None


# ---------------------------------------------------------------------------------------------------- selectors


def test_session_list_is_scoped(org, accounts):
    mine = make_session(accounts.secretary, org.branch1)
    theirs = make_session(accounts.outsider_secretary, org.branch2)
    ids = lambda user: set(selectors.session_list(viewer=user).values_list("pk", flat=True))  # noqa: E731
    assert ids(accounts.secretary) == {mine.pk}
    assert ids(accounts.outsider_secretary) == {theirs.pk}
    assert ids(accounts.unit_admin) == ids(accounts.inspector) == {mine.pk, theirs.pk}
    assert ids(accounts.member) == set()
    from django.http import Http404

    with pytest.raises(Http404):
        selectors.session_get_for(viewer=accounts.secretary, pk=theirs.pk)
    with pytest.raises(Http404):
        selectors.session_get_for(viewer=accounts.inspector, pk=mine.pk, action="session.record")


def _held(actor, unit, starts_at, *, person, special=True, submit=True, accept=True, form="theme_day"):
    session = make_session(
        actor, unit, starts_at=starts_at, is_special_study=special, minutes="学习", form=form
    )
    services.attendance_set(actor=actor, session=session, marks=[Mark(person.pk, "present")])
    if submit:
        services.session_submit(actor=actor, session=session)
        if accept:
            services.session_review(actor=actor, session=session, decision="accept")
    return session


def test_yearly_rule_counts_accepted_special_studies_of_the_year(org, accounts):
    admin = accounts.unit_admin
    tz = timezone.get_default_timezone()
    p1 = accounts.member.person
    p2 = testing.make_person(org.branch2, name="二支部党员")
    p3 = testing.make_person(org.office, name="机关干部")
    late = _held(
        admin, org.branch1, dt.datetime(2024, 12, 31, 23, 30, tzinfo=tz), person=p1
    )  # still 2024 locally
    _held(admin, org.branch1, dt.datetime(2024, 3, 1, 9, 0, tzinfo=tz), person=p1)
    _held(admin, org.branch2, dt.datetime(2024, 5, 1, 9, 0, tzinfo=tz), person=p2, submit=False)  # a draft
    _held(
        admin, org.office, dt.datetime(2024, 6, 1, 9, 0, tzinfo=tz), person=p3, special=False
    )  # accepted, but not the special study
    _held(admin, org.office, dt.datetime(2023, 6, 1, 9, 0, tzinfo=tz), person=p3)  # last year

    rule = selectors.yearly_rule(viewer=admin, year=2024)
    by_name = {r.unit.name: r for r in rule.rows}
    assert set(by_name) == {
        "甲醇厂第一党支部",
        "甲醇厂第二党支部",
        "机关党支部",
    }  # branches only, not the 党总支
    assert (by_name["甲醇厂第一党支部"].n_special, by_name["甲醇厂第一党支部"].latest) == (2, late.starts_at)
    assert by_name["甲醇厂第一党支部"].parent_name == "甲醇厂党总支"
    assert (by_name["甲醇厂第二党支部"].held, by_name["甲醇厂第二党支部"].n_pending) == (False, 1)
    assert (by_name["机关党支部"].held, by_name["机关党支部"].n_pending) == (False, 0)
    assert (rule.total, rule.held, rule.missing) == (3, 1, 2)
    assert selectors.yearly_rule(viewer=admin, year=2023).held == 1  # 机关党支部 in 2023
    assert [r.unit.name for r in selectors.yearly_rule(viewer=accounts.secretary, year=2024).rows] == [
        "甲醇厂第一党支部"
    ]
    assert selectors.yearly_rule(viewer=accounts.member, year=2024).rows == []


def test_yearly_rule_counts_a_special_study_only_once_it_is_accepted(org, accounts):
    admin = accounts.unit_admin
    tz = timezone.get_default_timezone()
    session = _held(
        admin,
        org.branch2,
        dt.datetime(2024, 5, 1, 9, 0, tzinfo=tz),
        person=testing.make_person(org.branch2, name="二支部党员"),
        accept=False,
    )
    row = {r.unit.name: r for r in selectors.yearly_rule(viewer=admin, year=2024).rows}["甲醇厂第二党支部"]
    assert (row.held, row.n_special, row.n_pending) == (False, 0, 1)  # submitted is not enough
    services.session_review(actor=admin, session=session, decision="return", opinion="补充照片")
    row = {r.unit.name: r for r in selectors.yearly_rule(viewer=admin, year=2024).rows}["甲醇厂第二党支部"]
    assert (row.held, row.n_pending) == (False, 1)  # returned does not count either
    services.session_submit(actor=admin, session=session)
    services.session_review(actor=admin, session=session, decision="accept")
    row = {r.unit.name: r for r in selectors.yearly_rule(viewer=admin, year=2024).rows}["甲醇厂第二党支部"]
    assert (row.held, row.n_special, row.n_pending) == (True, 1, 0)


def test_a_session_is_the_special_study_only_when_chosen(org, accounts):
    plain = make_session(accounts.secretary, org.branch1)
    assert plain.is_special_study is False  # not on by default
    chosen = services.session_update(actor=accounts.secretary, session=plain, is_special_study=True)
    assert StudySession.objects.get(pk=chosen.pk).is_special_study is True
    assert last_action() == "session.update"
    event = AuditEvent.objects.order_by("-seq").first()
    assert event.after == {"is_special_study": True} and event.before == {"is_special_study": False}


def test_the_yearly_rule_export_lists_branches_with_and_without(org, accounts):
    import io

    from openpyxl import load_workbook

    from netconduct.studies import exports

    admin = accounts.unit_admin
    tz = timezone.get_default_timezone()
    _held(admin, org.branch1, dt.datetime(2024, 4, 2, 9, 0, tzinfo=tz), person=accounts.member.person)
    _held(  # submitted only: branch 2 is still without
        admin,
        org.branch2,
        dt.datetime(2024, 4, 3, 9, 0, tzinfo=tz),
        person=testing.make_person(org.branch2, name="二支部党员"),
        accept=False,
    )
    sheet = load_workbook(io.BytesIO(exports.yearly_rule_xlsx(viewer=admin, year=2024))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert "2024年度" in rows[0][0] and "已开展1个，未开展2个" in rows[0][0]
    assert rows[1] == ("党支部", "上级组织", "是否开展", "已通过次数", "最近一次", "未通过的记录")
    by_name = {r[0]: r for r in rows[2:]}
    assert by_name["甲醇厂第一党支部"][2:4] == ("已开展", 1)
    assert f"{by_name['甲醇厂第一党支部'][4]:%Y-%m-%d %H:%M}" == "2024-04-02 09:00"  # local time
    assert by_name["甲醇厂第二党支部"][2:6] == ("未开展", 0, None, 1)
    assert by_name["机关党支部"][2:4] == ("未开展", 0)
    mine = load_workbook(io.BytesIO(exports.yearly_rule_xlsx(viewer=accounts.secretary, year=2024))).active
    assert [r[0] for r in list(mine.iter_rows(values_only=True))[2:]] == ["甲醇厂第一党支部"]


def test_yearly_rule_queries_do_not_grow_with_branches(org, accounts, django_assert_num_queries):
    from django.contrib.auth import get_user_model

    def fresh_admin():  # grants are cached on the account object; count them as a request would
        return get_user_model().objects.get(pk=accounts.unit_admin.pk)

    viewer = fresh_admin()
    with django_assert_num_queries(3):  # grants, branches with their counts, their parents' names
        assert selectors.yearly_rule(viewer=viewer, year=2024).total == 3
    for i in range(12):
        org_services.unit_create(
            actor=org.root_user, parent=org.plant, name=f"新支部{i}", kind=UnitKind.BRANCH
        )
    viewer = fresh_admin()
    with django_assert_num_queries(3):
        assert selectors.yearly_rule(viewer=viewer, year=2024).total == 15


def test_sign_in_before_the_session_is_refused_with_its_time(org, accounts):
    starts = timezone.now() + dt.timedelta(hours=1)
    later = make_session(accounts.secretary, org.branch1, starts_at=starts)
    before = events()
    shown = f"{timezone.localtime(starts):%H:%M}开始"
    with pytest.raises(ApplicationError, match=shown):
        services.attendance_sign_in(actor=accounts.member, session=later, token=signin.make_token(later))
    assert not Attendance.objects.filter(session=later).exists() and events() == before
    services.session_update(
        actor=accounts.secretary, session=later, starts_at=timezone.now() - dt.timedelta(minutes=1)
    )
    row = services.attendance_sign_in(actor=accounts.member, session=later, token=signin.make_token(later))
    assert row.status == AttendanceStatus.PRESENT


def test_namesakes_are_told_apart_where_hosts_and_recorders_are_picked(org, accounts):
    from netconduct.studies.forms import StudySessionForm

    testing.make_person(org.branch1, name="张伟", employee_no="B2001")
    testing.make_person(org.branch1, name="张伟")
    labels = [label for value, label in StudySessionForm(unit=org.branch1).fields["host"].choices if value]
    namesakes = [label for label in labels if label.startswith("张伟")]
    assert sorted(namesakes) == ["张伟（B2001 · 甲醇厂第一党支部）", "张伟（甲醇厂第一党支部）"]
