"""Study-session pages: forms, the QR fragment, member sign-in, errors shown in Chinese, query counts."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from netconduct import testing
from netconduct.org import services as org_services
from netconduct.org.choices import UnitKind
from netconduct.studies import services, signin
from netconduct.studies.models import Attendance, SessionEvidence, StudySession
from netconduct.studies.services import Mark

from .test_services import JPEG, PNG, issued_document, make_session

pytestmark = pytest.mark.django_db


def logged_in(client, user):
    testing.login(client, user)
    return client


@pytest.fixture
def secretary(client, accounts):
    return logged_in(client, accounts.secretary)


@pytest.fixture
def session(org, accounts):
    return make_session(accounts.secretary, org.branch1, place="调度楼三楼会议室")


def url(name: str, **kwargs) -> str:
    return reverse(f"studies:{name}", kwargs=kwargs or None)


def local_input(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


# ---------------------------------------------------------------------------------------------------- record


def test_secretary_records_a_session_through_the_form(secretary, org, accounts):
    document = issued_document(org)
    page = secretary.get(url("session_create", unit_pk=org.branch1.pk))
    content = page.content.decode()
    assert page.status_code == 200
    for label in ("支部党员大会", "微信群/QQ群线上学习", "班前会", "李书记", "网络行为规范"):
        assert label in content
    starts = timezone.now().replace(second=0, microsecond=0) - dt.timedelta(hours=1)
    response = secretary.post(
        url("session_create", unit_pk=org.branch1.pk),
        {
            "form": "pre_shift",
            "is_special_study": "on",
            "topic": "班前会学习网络行为规范第二条",
            "starts_at": local_input(starts),
            "place": "综采队学习室",
            "host": accounts.secretary.person.pk,
            "recorder": accounts.member.person.pk,
            "documents": [document.pk],
            "minutes": "逐条学习保密规定。",
        },
    )
    session = StudySession.objects.get()
    assert response.status_code == 302 and response["Location"] == url("session_detail", pk=session.pk)
    assert (session.form, session.starts_at, session.host, session.unit) == (
        "pre_shift",
        starts,
        accounts.secretary.person,
        org.branch1,
    )
    assert list(session.documents.all()) == [document]


def test_bad_input_shows_a_chinese_message_and_writes_nothing(secretary, org):
    response = secretary.post(
        url("session_create", unit_pk=org.branch1.pk),
        {
            "form": "theme_day",
            "topic": "年度学习",
            "starts_at": local_input(timezone.now() + dt.timedelta(days=120)),
        },
    )
    assert response.status_code == 200
    assert "学习时间不能晚于今天起30天" in response.content.decode()
    assert not StudySession.objects.exists()
    response = secretary.post(
        url("session_create", unit_pk=org.branch1.pk), {"form": "theme_day", "topic": ""}
    )
    assert "这个字段是必填项" in response.content.decode() or "必填" in response.content.decode()
    assert not StudySession.objects.exists()


def test_a_non_branch_unit_is_sent_back_with_a_message(client, org, accounts):
    logged_in(client, accounts.unit_admin)
    response = client.get(url("session_create", unit_pk=org.committee.pk), follow=True)
    assert "请选择党支部、党小组或党总支" in response.content.decode()


def test_edit_is_refused_after_submission(secretary, session, accounts):
    services.attendance_set(
        actor=accounts.secretary, session=session, marks=[Mark(accounts.member.person.pk, "present")]
    )
    services.session_update(actor=accounts.secretary, session=session, minutes="记录")
    services.session_submit(actor=accounts.secretary, session=session)
    response = secretary.get(url("session_edit", pk=session.pk), follow=True)
    assert "本次学习记录已提交，不能再修改" in response.content.decode()


# ---------------------------------------------------------------------------------------------------- QR


def test_detail_shows_the_qr_to_the_secretary_and_not_to_the_inspector(client, secretary, session, accounts):
    content = secretary.get(url("session_detail", pk=session.pk)).content.decode()
    signin_url = re.search(r'data-signin-url="([^"]+)"', content).group(1)
    assert signin_url.startswith("http://testserver/campaigns/sessions/")
    token = signin_url.rstrip("/").rsplit("/", 1)[1]
    signin.check_token(session, token)
    assert "<svg" in content and 'hx-trigger="every 20s"' in content
    assert 'hx-trigger="every 5s"' in content  # the live list of who signed in

    inspector = logged_in(type(client)(), accounts.inspector)
    content = inspector.get(url("session_detail", pk=session.pk)).content.decode()
    assert "data-signin-url" not in content and "调度楼三楼会议室" in content


def test_the_sign_in_qr_names_the_public_address_not_the_projectors_host(secretary, session, settings):
    settings.SITE_URL = "https://netconduct.example.cn"
    content = secretary.get(url("session_detail", pk=session.pk)).content.decode()  # opened as testserver
    (scanned,) = testing.qr_texts_in_svg(content)
    assert scanned.startswith("https://netconduct.example.cn/campaigns/sessions/")
    assert re.search(r'data-signin-url="([^"]+)"', content).group(1) == scanned


def test_qr_fragment_for_htmx_and_full_page_for_a_projector(secretary, session):
    fragment = secretary.get(url("session_qr", pk=session.pk), HTTP_HX_REQUEST="true")
    body = fragment.content.decode()
    assert fragment.status_code == 200 and "<html" not in body and "<svg" in body
    assert 'id="signin-qr"' in body and "data-signin-url" in body
    assert fragment["Cache-Control"].startswith("no-store") or "no-store" in fragment["Cache-Control"]
    full = secretary.get(url("session_qr", pk=session.pk)).content.decode()
    assert "<html" in full and "data-signin-url" in full and session.topic in full


def test_qr_stops_once_submitted(secretary, session, accounts):
    services.attendance_set(
        actor=accounts.secretary, session=session, marks=[Mark(accounts.member.person.pk, "present")]
    )
    services.session_update(actor=accounts.secretary, session=session, minutes="记录")
    services.session_submit(actor=accounts.secretary, session=session)
    body = secretary.get(url("session_qr", pk=session.pk), HTTP_HX_REQUEST="true").content.decode()
    assert "签到已结束" in body and "hx-trigger" not in body and "data-signin-url" not in body


def test_signed_in_list_fragment(secretary, session, accounts):
    services.attendance_sign_in(actor=accounts.member, session=session, token=signin.make_token(session))
    body = secretary.get(url("session_signins", pk=session.pk), HTTP_HX_REQUEST="true").content.decode()
    assert "王职工" in body and 'data-count="1"' in body


# ---------------------------------------------------------------------------------------------------- member sign-in


def test_member_scans_logs_in_and_signs_in(client, session, accounts):
    signin_url = url("session_signin", pk=session.pk, token=signin.make_token(session))
    response = client.get(signin_url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login")) and "next=" in response["Location"]
    client.force_login(accounts.member)
    page = client.get(signin_url)
    assert (
        page.status_code == 200 and "签到" in page.content.decode() and session.topic in page.content.decode()
    )
    assert page["Cache-Control"].count("no-store")
    done = client.post(signin_url)
    assert "签到成功" in done.content.decode()
    assert Attendance.objects.get(session=session).person == accounts.member.person
    again = client.get(signin_url)
    assert "签到成功" in again.content.decode()  # already signed in: said so, not a second row
    assert Attendance.objects.count() == 1


def test_login_taking_longer_than_the_code_still_signs_in(client, session, accounts, monkeypatch):
    token = signin.make_token(session)
    signin_url = url("session_signin", pk=session.pk, token=token)
    assert client.get(signin_url).status_code == 302  # the scan is remembered in the browser's session
    client.force_login(accounts.member)
    real_now = timezone.now
    monkeypatch.setattr(
        timezone, "now", lambda: real_now() + dt.timedelta(seconds=150)
    )  # the code has rotated
    assert "签到成功" in client.post(signin_url).content.decode()
    monkeypatch.setattr(timezone, "now", lambda: real_now() + dt.timedelta(minutes=7))
    fresh = type(client)()
    fresh.force_login(accounts.secretary)
    response = fresh.get(signin_url)  # a browser that never scanned it in time
    assert response.status_code == 400 and "二维码已过期" in response.content.decode()


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda s: signin.make_token(s, at=timezone.now() - dt.timedelta(minutes=3)), "二维码已过期"),
        (lambda s: signin.make_token(s)[:-4] + "abcd", "二维码无效"),
        (lambda s: "garbage", "二维码无效"),
    ],
)
def test_bad_codes_are_explained_even_before_logging_in(client, session, make, message):
    response = client.get(url("session_signin", pk=session.pk, token=make(session)))
    assert response.status_code == 400
    assert message in response.content.decode()


def test_a_code_of_another_session_is_refused(client, org, session, accounts):
    other = make_session(accounts.secretary, org.branch1)
    client.force_login(accounts.member)
    response = client.get(url("session_signin", pk=session.pk, token=signin.make_token(other)))
    assert response.status_code == 400 and "不属于本次学习" in response.content.decode()


def test_someone_off_the_roster_gets_a_404_with_a_reason(client, org, session):
    stranger = testing.make_account("b2", person=testing.make_person(org.branch2, name="二支部党员"))
    client.force_login(stranger)
    response = client.get(url("session_signin", pk=session.pk, token=signin.make_token(session)))
    assert response.status_code == 404
    assert "不在“甲醇厂第一党支部”的名册中" in response.content.decode()
    assert (
        client.post(url("session_signin", pk=session.pk, token=signin.make_token(session))).status_code == 404
    )
    assert not Attendance.objects.exists()


# ---------------------------------------------------------------------------------------------------- attendance


def test_attendance_sheet_saves_and_refuses_a_missing_reason(secretary, session, accounts):
    member, sec = accounts.member.person, accounts.secretary.person
    page = secretary.get(url("session_attendance", pk=session.pk)).content.decode()
    assert "王职工" in page and "李书记" in page and "未登记的全部记为出席" in page
    bad = secretary.post(
        url("session_attendance", pk=session.pk),
        {f"status_{member.pk}": "leave", f"reason_{member.pk}": "", f"status_{sec.pk}": "present"},
    )
    assert bad.status_code == 400
    assert "请填写王职工请假的原因。" in bad.content.decode()
    assert 'value="leave" autocomplete="off" checked' in bad.content.decode()  # what was chosen stays chosen
    assert not Attendance.objects.exists()
    good = secretary.post(
        url("session_attendance", pk=session.pk),
        {f"status_{member.pk}": "leave", f"reason_{member.pk}": "井下当班", f"status_{sec.pk}": "present"},
    )
    assert good.status_code == 302
    assert dict(Attendance.objects.values_list("person__name", "status")) == {
        "王职工": "leave",
        "李书记": "present",
    }
    detail = secretary.get(url("session_detail", pk=session.pk)).content.decode()
    assert "井下当班" in detail


# ---------------------------------------------------------------------------------------------------- evidence


def test_evidence_upload_all_or_nothing(secretary, session):
    bad = secretary.post(
        url("session_evidence", pk=session.pk),
        {
            "files": [
                SimpleUploadedFile("会场.png", PNG),
                SimpleUploadedFile("病毒.png", b"MZ\x90\x00fake exe"),
            ]
        },
    )
    assert bad.status_code == 400
    assert "文件“病毒.png”不是 JPG、PNG、WebP 图片或 PDF 文件" in bad.content.decode()
    assert not SessionEvidence.objects.exists()
    good = secretary.post(
        url("session_evidence", pk=session.pk),
        {"files": [SimpleUploadedFile("会场.png", PNG), SimpleUploadedFile("群截图.jpg", JPEG)]},
    )
    assert good.status_code == 302
    assert SessionEvidence.objects.count() == 2
    evidence = SessionEvidence.objects.get(name="会场.png")
    served = secretary.get(url("session_evidence_file", pk=session.pk, evidence_pk=evidence.pk))
    assert served["Content-Type"] == "image/png" and served["X-Content-Type-Options"] == "nosniff"
    assert served["Content-Disposition"].startswith("attachment")  # evidence is a download, never a page
    with evidence.file.open("rb") as handle:
        assert b"".join(served.streaming_content) == handle.read()


# ---------------------------------------------------------------------------------------------------- submit & review


def test_submit_without_attendance_says_why(secretary, session):
    response = secretary.post(url("session_submit", pk=session.pk), follow=True)
    assert "请先登记出席情况（至少一人）。" in response.content.decode()
    session.refresh_from_db()
    assert session.status == "draft"


def test_committee_returns_with_an_opinion_then_accepts(client, secretary, session, accounts):
    services.attendance_set(
        actor=accounts.secretary, session=session, marks=[Mark(accounts.member.person.pk, "present")]
    )
    services.session_update(actor=accounts.secretary, session=session, minutes="记录")
    assert secretary.post(url("session_submit", pk=session.pk)).status_code == 302
    session.refresh_from_db()
    assert session.status == "submitted"

    admin = logged_in(type(client)(), accounts.unit_admin)
    detail = admin.get(url("session_detail", pk=session.pk)).content.decode()
    assert "党委审核" in detail and "通过" in detail and "退回" in detail
    refused = admin.post(url("session_review", pk=session.pk), {"decision": "return", "opinion": ""})
    assert refused.status_code == 400 and "退回时请填写说明" in refused.content.decode()
    session.refresh_from_db()
    assert session.status == "submitted"
    admin.post(url("session_review", pk=session.pk), {"decision": "return", "opinion": "请补充会场照片"})
    session.refresh_from_db()
    assert session.status == "returned"
    shown = secretary.get(url("session_detail", pk=session.pk)).content.decode()
    assert "党委已退回" in shown and "请补充会场照片" in shown and "提交审核" in shown
    secretary.post(url("session_submit", pk=session.pk))
    admin.post(url("session_review", pk=session.pk), {"decision": "accept"})
    session.refresh_from_db()
    assert session.status == "accepted"


# ---------------------------------------------------------------------------------------------------- lists & counts


def _sessions(actor, unit, n: int, person) -> None:
    for i in range(n):
        s = make_session(
            actor, unit, topic=f"第{i}次学习", starts_at=timezone.now() - dt.timedelta(days=i + 1)
        )
        services.attendance_set(actor=actor, session=s, marks=[Mark(person.pk, "present")])


LIST_QUERIES = 10
YEARLY_QUERIES = 8
EXPORT_QUERIES = 6  # the same at 3 and at 18 branches


@pytest.mark.parametrize("who", ["secretary", "unit_admin"])
def test_session_list_query_count_is_pinned(client, org, accounts, who, django_assert_num_queries):
    logged_in(client, getattr(accounts, who))
    _sessions(accounts.secretary, org.branch1, 2, accounts.member.person)
    with django_assert_num_queries(LIST_QUERIES):
        small = client.get(url("session_list"))
    assert "第1次学习" in small.content.decode()
    _sessions(accounts.secretary, org.branch1, 25, accounts.member.person)
    with django_assert_num_queries(LIST_QUERIES):
        large = client.get(url("session_list") + "?year=" + str(timezone.localdate().year))
    assert large.content.decode().count('href="/campaigns/sessions/') >= 25


def test_yearly_rule_page_query_count_is_pinned_and_names_the_missing(
    client, org, accounts, django_assert_num_queries
):
    logged_in(client, accounts.unit_admin)
    tz = timezone.get_default_timezone()
    s = make_session(
        accounts.secretary,
        org.branch1,
        starts_at=dt.datetime(2024, 4, 2, 9, 0, tzinfo=tz),
        minutes="学",
        is_special_study=True,
    )
    services.attendance_set(
        actor=accounts.secretary, session=s, marks=[Mark(accounts.member.person.pk, "present")]
    )
    services.session_submit(actor=accounts.secretary, session=s)
    services.session_review(actor=accounts.unit_admin, session=s, decision="accept")
    with django_assert_num_queries(YEARLY_QUERIES):
        page = client.get(url("yearly_rule") + "?year=2024")
    body = page.content.decode()
    assert re.search(r'data-unit="甲醇厂第一党支部" data-held="1"', body)
    assert re.search(r'data-unit="机关党支部" data-held="0"', body)
    assert "2024-04-02" in body and 'id="n-missing">2<' in body
    for i in range(15):
        org_services.unit_create(
            actor=org.root_user, parent=org.plant, name=f"新支部{i}", kind=UnitKind.BRANCH
        )
    with django_assert_num_queries(YEARLY_QUERIES):
        page = client.get(url("yearly_rule") + "?year=2024&missing=1")
    body = page.content.decode()
    assert 'id="n-missing">17<' in body and "甲醇厂第一党支部</a>" not in body and "新支部14" in body
    assert 'id="n-missing">18<' in client.get(url("yearly_rule") + "?year=2023").content.decode()


def test_yearly_rule_for_any_year_and_a_secretary_sees_only_their_branch(client, org, accounts):
    logged_in(client, accounts.secretary)
    body = client.get(url("yearly_rule") + "?year=2019").content.decode()
    assert "2019年度" in body and "甲醇厂第一党支部" in body and "机关党支部" not in body
    body = client.get(url("yearly_rule") + "?year=abc").content.decode()
    assert f"{timezone.localdate().year}年度" in body


def test_members_are_refused_the_list_and_the_yearly_rule(client, accounts):
    logged_in(client, accounts.member)
    assert client.get(url("session_list")).status_code == 404
    assert client.get(url("yearly_rule")).status_code == 404


def test_the_special_study_box_is_unticked_on_a_new_session(secretary, org):
    body = secretary.get(url("session_create", unit_pk=org.branch1.pk)).content.decode()
    box = re.search(r'<input[^>]*name="is_special_study"[^>]*>', body).group(0)
    assert "checked" not in box


def test_yearly_rule_export_downloads_with_pinned_queries(client, org, accounts, django_assert_num_queries):
    import io

    from openpyxl import load_workbook

    logged_in(client, accounts.unit_admin)
    with django_assert_num_queries(EXPORT_QUERIES):
        small = client.get(url("yearly_rule_export") + "?year=2024")
    assert small.status_code == 200 and small["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "2024" in small["Content-Disposition"]
    for i in range(15):
        org_services.unit_create(
            actor=org.root_user, parent=org.plant, name=f"新支部{i}", kind=UnitKind.BRANCH
        )
    with django_assert_num_queries(EXPORT_QUERIES):
        large = client.get(url("yearly_rule_export") + "?year=2024")
    rows = list(load_workbook(io.BytesIO(large.content)).active.iter_rows(values_only=True))
    assert len(rows) == 2 + 18 and {r[2] for r in rows[2:]} == {"未开展"}
    logged_in(client, accounts.member)
    assert client.get(url("yearly_rule_export")).status_code == 404
