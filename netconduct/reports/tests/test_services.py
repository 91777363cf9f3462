"""Filing, routing, handling states, replies, visibility, retention and key rotation of reports."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from netconduct.core import crypto
from netconduct.core.audit import audit_verify
from netconduct.core.exceptions import ApplicationError, PermissionRefused
from netconduct.core.models import AuditEvent
from netconduct.reports import evidence, selectors, services
from netconduct.reports.choices import Disposition, MessageKind, ReportState, UnitChoice
from netconduct.reports.models import Report, ReportFile, ReportMessage

from . import factories as f

pytestmark = pytest.mark.django_db


def _advance_to(report, state, actor):
    while report.state != state:
        report = services.report_advance(
            actor=actor,
            report=report,
            disposition=Disposition.INTERNAL,
            summary="已批评教育，删除相关内容。",
        )
    return report


# ---------------------------------------------------------------------------------------------------- filing


def test_filing_routes_to_the_reporters_unit_and_seals_the_text(org, accounts):
    f.norms(org.committee, actor=org.root_user)
    filed = f.file_report(
        accounts.member,
        category="2.1",
        description="独特标记文本：有人在群里发了内部通知照片",
        subject="网名“夜行者”",
        seen_on=timezone.localdate(),
    )
    report = Report.objects.get(pk=filed.report.pk)
    assert report.unit == org.branch1 and report.unit_basis == UnitChoice.MINE
    assert report.category_label == "第二条第（一）项" and (
        report.category_article,
        report.category_item,
    ) == (2, 1)
    assert report.state == ReportState.RECEIVED
    assert report.state_deadline == report.filed_at + dt.timedelta(days=3)
    assert "独特标记文本" not in report.content_enc and "夜行者" not in report.content_enc
    content = selectors.report_content(report)
    assert content.description.startswith("独特标记文本") and content.subject == "网名“夜行者”"
    assert content.reporter == {}  # confidential: no identity even inside the sealed content
    with connection.cursor() as cursor:
        cursor.execute("SELECT content_enc FROM reports_report")
        assert "独特标记文本" not in cursor.fetchone()[0]


def test_a_named_report_carries_the_reporters_identity_sealed_for_the_handlers(org, accounts):
    filed = f.file_report(accounts.member, confidential=False)
    content = selectors.report_content(filed.report)
    assert content.reporter["name"] == "王职工" and content.reporter["unit"] == "甲醇厂第一党支部"
    event = AuditEvent.objects.get(action="report.file")
    assert event.actor == accounts.member and event.unit_path == ""  # in no unit's audit trail


def test_the_reporter_may_route_to_the_reported_unit(org, accounts):
    filed = f.file_report(accounts.member, unit=org.office)
    assert filed.report.unit == org.office and filed.report.unit_basis == UnitChoice.REPORTED


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"description": "太短"}, "description", "至少10个字"),
        ({"passphrase": "1234"}, "passphrase", "至少8个字符"),
        ({"passphrase": "aaaaaaaaaa"}, "passphrase", "过于简单"),
        ({"link": "javascript:alert(1)"}, "link", "链接不正确"),
        ({"category": "9.9"}, "category", "请选择"),
        ({"platform": "myspace"}, "platform", "平台"),
        ({"seen_on": dt.date(2999, 1, 1)}, "seen_on", "不能晚于今天"),
    ],
)
def test_bad_input_is_refused_with_a_chinese_reason_and_nothing_is_stored(
    org, accounts, fields, field, message
):
    with pytest.raises(ApplicationError) as exc:
        f.file_report(accounts.member, **fields)
    assert exc.value.field == field and message in exc.value.message
    assert not Report.objects.exists() and not AuditEvent.objects.filter(action="report.file").exists()


def test_an_account_without_a_person_must_name_the_unit(org, accounts):
    with pytest.raises(ApplicationError) as exc:
        f.file_report(accounts.inspector)
    assert exc.value.field == "unit_basis"
    assert f.file_report(accounts.inspector, unit=org.branch2).report.unit == org.branch2


# ---------------------------------------------------------------------------------------------------- files


def test_image_metadata_is_stripped_and_files_are_encrypted_on_disk(org, accounts):
    from PIL import Image

    upload = f.jpeg_with_gps()
    assert b"MarkerCamera" in upload.read()
    filed = f.file_report(accounts.member, files=[upload, f.png_upload()])
    jpeg, png = ReportFile.objects.filter(report=filed.report).order_by("position")
    assert (jpeg.name, png.name) == ("材料1.jpg", "材料2.png")
    with default_storage.open(jpeg.storage_name, "rb") as handle:
        on_disk = handle.read()
    assert not on_disk.startswith(b"\xff\xd8") and b"MarkerCamera" not in on_disk
    data = services.report_file_read(actor=accounts.inspector, report=filed.report, file=jpeg)
    assert data.startswith(b"\xff\xd8") and b"MarkerCamera" not in data
    with Image.open(io.BytesIO(data)) as image:
        assert not image.getexif() and image.size == (40, 30)


def test_pdf_document_information_is_dropped():
    from django.core.files.uploadedfile import SimpleUploadedFile
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    writer.add_metadata({"/Author": "MarkerAuthor", "/Title": "t"})
    out = io.BytesIO()
    writer.write(out)
    cleaned = evidence.clean(SimpleUploadedFile("a.pdf", out.getvalue()))
    assert cleaned.content_type == "application/pdf"
    assert b"MarkerAuthor" not in cleaned.data
    assert len(PdfReader(io.BytesIO(cleaned.data)).pages) == 1


def test_a_file_is_judged_by_its_content_and_size_and_refused_by_name(org, accounts, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    fake = SimpleUploadedFile("证据.png", b"MZ\x90\x00 this is an exe", content_type="image/png")
    with pytest.raises(ApplicationError) as exc:
        f.file_report(accounts.member, files=[fake])
    assert "证据.png" in exc.value.message and "按文件内容判断" in exc.value.message
    settings.NETCONDUCT_REPORT_MAX_FILE_BYTES = 10
    with pytest.raises(ApplicationError) as exc:
        f.file_report(accounts.member, files=[f.png_upload("大图.png")])
    assert "大图.png" in exc.value.message and "超过" in exc.value.message
    assert not Report.objects.exists()


# ---------------------------------------------------------------------------------------------------- handling


def test_states_in_order_with_deadlines_replies_and_a_closing_summary(org, accounts):
    report = f.file_report(accounts.member).report
    inspector = accounts.inspector
    report = services.report_advance(actor=inspector, report=report, reply="已收到，正在核查。")
    assert report.state == ReportState.VERIFYING and report.verifying_at
    assert report.state_deadline == report.state_since + dt.timedelta(days=12)
    with pytest.raises(ApplicationError) as exc:
        services.report_advance(actor=inspector, report=report)
    assert exc.value.field == "disposition"
    report = services.report_advance(actor=inspector, report=report, disposition=Disposition.REFERRED)
    assert report.state == ReportState.DISPOSED and report.get_disposition_display() == "移交网信等监管部门"
    with pytest.raises(ApplicationError) as exc:
        services.report_advance(actor=inspector, report=report, summary="")
    assert exc.value.field == "summary"
    report = services.report_advance(actor=inspector, report=report, summary="已移交属地网信部门处置。")
    assert report.state == ReportState.CLOSED and report.closed_at and report.state_deadline is None
    assert selectors.report_summary(report) == "已移交属地网信部门处置。"
    with pytest.raises(ApplicationError):
        services.report_advance(actor=inspector, report=report)
    services_trail = list(AuditEvent.objects.filter(action="report.advance").values_list("after", flat=True))
    assert [a["state"] for a in reversed(services_trail)] == ["核查中", "已处置", "已办结"]
    assert audit_verify().ok


def test_overdue_shows_in_the_list_after_the_states_deadline(org, accounts):
    report = f.file_report(accounts.member).report
    assert not report.is_overdue
    Report.objects.filter(pk=report.pk).update(state_deadline=timezone.now() - dt.timedelta(hours=1))
    overdue = list(selectors.report_list(viewer=accounts.inspector, overdue=True))
    assert [r.pk for r in overdue] == [report.pk] and overdue[0].is_overdue


def test_replies_reach_the_reporter_and_internal_notes_do_not(org, accounts):
    report = f.file_report(accounts.member).report
    services.report_message(
        actor=accounts.inspector, report=report, kind=MessageKind.REPLY, text="请补充截图。"
    )
    services.report_message(
        actor=accounts.inspector, report=report, kind=MessageKind.NOTE, text="疑似重复举报"
    )
    services.report_add_information(report=report, text="补充：发帖时间为晚上九点。")
    seen = selectors.report_messages(report, for_reporter=True)
    assert [(m.kind, m.text) for m in seen] == [
        ("reply", "请补充截图。"),
        ("addition", "补充：发帖时间为晚上九点。"),
    ]
    assert seen[0].author == "处理人员"  # the reporter is not told which inspector
    assert len(selectors.report_messages(report)) == 3
    for body in ReportMessage.objects.values_list("body_enc", flat=True):
        assert "截图" not in body and "九点" not in body
    addition = AuditEvent.objects.get(action="report.add_information")
    assert addition.actor_id is None


# ---------------------------------------------------------------------------------------------------- visibility


def test_a_handler_of_branch_a_sees_nothing_of_branch_b(org, accounts):
    a = f.inspector(org.branch1, "inspector-a")
    b = f.inspector(org.branch2, "inspector-b")
    report_a = f.file_report(accounts.member, unit=org.branch1).report
    report_b = f.file_report(accounts.member, unit=org.branch2).report
    assert list(selectors.report_visible(viewer=a)) == [report_a]
    assert list(selectors.report_visible(viewer=b)) == [report_b]
    for service, kwargs in (
        (services.report_read, {}),
        (services.report_advance, {}),
        (services.report_message, {"kind": "reply", "text": "x"}),
        (services.report_assign, {"handler": a}),
    ):
        with pytest.raises(PermissionRefused):
            service(actor=a, report=report_b, **kwargs)
    # the committee's inspector is above both
    assert set(selectors.report_visible(viewer=accounts.inspector)) == {report_a, report_b}


def test_once_assigned_only_the_handler_and_inspectors_above_them_see_it(org, accounts):
    plant_1 = f.inspector(org.plant, "plant-one")
    plant_2 = f.inspector(org.plant, "plant-two")
    report = f.file_report(accounts.member, unit=org.branch1).report
    assert {u.pk for u in (plant_1, plant_2) if selectors.report_visible(viewer=u).exists()} == {
        plant_1.pk,
        plant_2.pk,
    }
    services.report_assign(actor=plant_1, report=report, handler=plant_1)
    assert selectors.report_visible(viewer=plant_1).exists()
    assert not selectors.report_visible(viewer=plant_2).exists()  # same level, not the handler
    assert selectors.report_visible(viewer=accounts.inspector).exists()  # the committee is above
    # a plant inspector may not hand it to someone above their own level
    with pytest.raises(ApplicationError):
        services.report_assign(actor=plant_1, report=report, handler=accounts.inspector)


def test_staff_and_superusers_without_an_inspector_grant_see_no_report(org, accounts):
    f.file_report(accounts.member)
    for viewer in (
        accounts.unit_admin,
        accounts.sysadmin,
        accounts.secretary,
        org.root_user,
        accounts.member,
    ):
        assert not selectors.report_visible(viewer=viewer).exists()


def test_reading_a_report_is_audited(org, accounts):
    report = f.file_report(accounts.member).report
    services.report_read(actor=accounts.inspector, report=report)
    event = AuditEvent.objects.get(action="report.read")
    assert event.actor == accounts.inspector and event.object_id == str(report.pk)
    assert [e.action for e in selectors.report_readings(report)][0] == "report.read"


def test_stats_give_counts_and_durations_per_unit_and_nothing_else(org, accounts):
    one = f.file_report(accounts.member, unit=org.branch1).report
    f.file_report(accounts.member, unit=org.branch1)
    f.file_report(accounts.member, unit=org.office)
    _advance_to(one, ReportState.CLOSED, accounts.inspector)
    figures = {fig.unit.name: fig for fig in selectors.report_stats(viewer=accounts.unit_admin)}
    assert figures["甲醇厂第一党支部"].total == 2 and figures["甲醇厂第一党支部"].open == 1
    assert figures["甲醇厂第一党支部"].median_close_days is not None
    assert figures["机关党支部"].by_state == {"received": 1}
    assert selectors.report_stats(viewer=accounts.secretary) == []


# ---------------------------------------------------------------------------------------------------- retention & keys


def test_purge_removes_closed_reports_past_retention_and_audits_counts_only(org, accounts, settings):
    settings.NETCONDUCT_REPORT_RETENTION_DAYS = 30
    old = f.file_report(
        accounts.member, files=[f.png_upload()], description="应被删除的举报内容十个字"
    ).report
    recent = f.file_report(accounts.member).report
    still_open = f.file_report(accounts.member).report
    old = _advance_to(old, ReportState.CLOSED, accounts.inspector)
    _advance_to(recent, ReportState.CLOSED, accounts.inspector)
    Report.objects.filter(pk=old.pk).update(closed_at=timezone.now() - dt.timedelta(days=31))
    Report.objects.filter(pk=still_open.pk).update(filed_at=timezone.now() - dt.timedelta(days=400))
    storage_name = old.files.get().storage_name
    case = f.violation(accounts.member.person, actor=accounts.inspector, source="report", source_report=old)
    out = io.StringIO()
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("django.db.transaction.on_commit", lambda fn, using=None, robust=False: fn())
        call_command("purge-reports", stdout=out)
    assert old.reference in out.getvalue()
    assert set(Report.objects.values_list("pk", flat=True)) == {recent.pk, still_open.pk}
    assert not default_storage.exists(storage_name)
    event = AuditEvent.objects.get(action="report.purge")
    assert event.actor_id is None and event.after["reports"] == 1 and event.after["ids"] == [old.pk]
    assert "应被删除" not in str(event.after)
    case.refresh_from_db()
    assert case.source_report is None and case.source_ref == old.reference
    assert audit_verify().ok


def test_the_purge_task_runs_the_same_service(org, accounts, settings):
    from netconduct.reports.tasks import purge_reports_task

    settings.NETCONDUCT_REPORT_RETENTION_DAYS = 1
    report = _advance_to(f.file_report(accounts.member).report, ReportState.CLOSED, accounts.inspector)
    Report.objects.filter(pk=report.pk).update(closed_at=timezone.now() - dt.timedelta(days=2))
    result = purge_reports_task.enqueue()
    assert result.return_value == {"reports": 1, "files": 0}


def test_rotating_keys_reseals_texts_and_files_under_the_new_key(org, accounts, settings):
    filed = f.file_report(accounts.member, files=[f.png_upload()], description="轮换前写入的举报内容")
    services.report_message(actor=accounts.inspector, report=filed.report, kind="reply", text="答复内容")
    assert crypto.key_id(Report.objects.get().content_enc) == "k2"
    with override_settings(NETCONDUCT_FIELD_KEYS={"k3": "33" * 32, **settings.NETCONDUCT_FIELD_KEYS}):
        crypto.reset_key_cache()
        try:
            out = io.StringIO()
            call_command("rotate-report-keys", stdout=out)
            report = Report.objects.get()
            assert crypto.key_id(report.content_enc) == "k3"
            assert crypto.key_id(ReportMessage.objects.get().body_enc) == "k3"
            stored = report.files.get()
            with default_storage.open(stored.storage_name, "rb") as handle:
                assert crypto.bytes_key_id(handle.read()) == "k3"
            assert selectors.report_content(report).description == "轮换前写入的举报内容"
            assert services.report_file_read(actor=accounts.inspector, report=report, file=stored).startswith(
                b"\x89PNG"
            )
        finally:
            crypto.reset_key_cache()
    crypto.reset_key_cache()
