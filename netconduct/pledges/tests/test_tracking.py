"""Following a campaign's pledges: completion by unit up the tree, people with their status, overdue lists, exports,
and the campaign reminders for pledges not signed yet."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import zipfile

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from netconduct import testing
from netconduct.campaigns import reminders
from netconduct.campaigns.models import Campaign, Target
from netconduct.core.models import AuditEvent
from netconduct.notifications.models import Notification
from netconduct.pledges import exports, paper, scans, services, tracking
from netconduct.pledges.choices import PledgeStatus
from netconduct.pledges.models import Pledge

from . import factories
from .test_scans import page_images, pdf_of, upload_file


@pytest.fixture
def people(org, accounts):
    """Branch 1: 李书记, 王职工 (account) + two on paper; branch 2: two; the office: one."""
    return {
        "zhao": testing.make_person(org.branch1, name="赵纸质"),
        "qian": testing.make_person(org.branch1, name="钱纸质"),
        "sun": testing.make_person(org.branch2, name="孙二支"),
        "li": testing.make_person(org.branch2, name="李二支"),
        "zhou": testing.make_person(org.office, name="周机关"),
    }


@pytest.fixture
def campaign(org, accounts, people):
    return factories.pledge_campaign(org.committee, actor=accounts.unit_admin)


@pytest.fixture
def progress(campaign, accounts, people, org, django_capture_on_commit_callbacks):
    """王职工 signs online; branch 1's forms are printed and 赵纸质's comes back signed; 周机关 signs on paper too."""
    with django_capture_on_commit_callbacks(execute=True):
        factories.sign(campaign, accounts.member)
    forms = paper.paper_forms_print(actor=accounts.secretary, campaign=campaign, unit=org.branch1)
    codes = {p.person_id: p.code for p in Pledge.objects.filter(campaign=campaign)}
    pages = page_images(forms.pdf, dpi=150)
    zhao_b = next(
        pages[k + 1] for k in range(0, len(pages), 2) if _code_on(forms.pdf, k) == codes[people["zhao"].pk]
    )
    scans.scan_upload(
        actor=accounts.secretary,
        campaign=campaign,
        unit=org.branch1,
        files=[upload_file("zhao.pdf", pdf_of([zhao_b]))],
        signed_on=timezone.localdate(),
    )
    office = paper.paper_forms_print(actor=accounts.unit_admin, campaign=campaign, unit=org.office)
    scans.scan_upload(
        actor=accounts.unit_admin,
        campaign=campaign,
        unit=org.office,
        files=[upload_file("zhou.pdf", pdf_of(page_images(office.pdf, dpi=150)[1:]))],
        signed_on=timezone.localdate(),
    )
    return campaign


def _code_on(pdf: bytes, index: int) -> str:
    import pypdfium2 as pdfium
    import zxingcpp

    document = pdfium.PdfDocument(pdf)
    text = zxingcpp.read_barcodes(document[index].render(scale=2).to_pil())[0].text
    document.close()
    return text.split("/v/")[1].split("/")[0]


def _rows(rollup) -> dict[str, tuple]:
    return {
        r.unit.name: (r.tally.total, r.tally.online, r.tally.paper, r.tally.printed, r.tally.not_started)
        for r in rollup.rows
    }


def test_completion_by_unit_rolls_up_the_tree(progress, org):
    rollup = tracking.pledge_rollup(campaign=progress, focus=org.committee)
    assert (rollup.total.total, rollup.total.signed, rollup.total.online, rollup.total.paper) == (7, 3, 1, 2)
    assert _rows(rollup) == {"甲醇厂党总支": (6, 1, 1, 2, 2), "机关党支部": (1, 0, 1, 0, 0)}
    assert rollup.total.percent == pytest.approx(42.9)
    plant = tracking.pledge_rollup(campaign=progress, focus=org.plant)
    assert _rows(plant) == {"甲醇厂第一党支部": (4, 1, 1, 2, 0), "甲醇厂第二党支部": (2, 0, 0, 0, 2)}
    assert not plant.past_deadline and plant.overdue == 0


def test_people_with_status_method_and_who_recorded(progress, accounts, org):
    people = {
        t.person.name: (t.pledge_status, t.pledge_method, t.recorded_by_name)
        for t in tracking.pledge_people(viewer=accounts.secretary, campaign=progress, unit=org.committee)
    }
    # the secretary sees branch 1 only
    assert people == {
        "李书记": (PledgeStatus.PRINTED, "", None),
        "王职工": (PledgeStatus.SIGNED, "online", None),
        "赵纸质": (PledgeStatus.SIGNED, "paper", "李书记"),
        "钱纸质": (PledgeStatus.PRINTED, "", None),
    }
    unsigned = tracking.pledge_people(
        viewer=accounts.unit_admin, campaign=progress, unit=org.plant, status="unsigned"
    )
    assert sorted(t.person.name for t in unsigned) == ["孙二支", "李书记", "李二支", "钱纸质"]
    none = tracking.pledge_people(
        viewer=accounts.unit_admin, campaign=progress, unit=org.plant, status="none"
    )
    assert sorted(t.person.name for t in none) == ["孙二支", "李二支"]


def test_overdue_only_after_the_deadline(progress, accounts, org):
    assert not tracking.overdue_people(
        viewer=accounts.unit_admin, campaign=progress, unit=org.committee
    ).exists()
    Campaign.objects.filter(pk=progress.pk).update(deadline=timezone.localdate() - dt.timedelta(days=1))
    progress.refresh_from_db()
    late = tracking.overdue_people(viewer=accounts.unit_admin, campaign=progress, unit=org.committee)
    assert sorted(t.person.name for t in late) == ["孙二支", "李书记", "李二支", "钱纸质"]
    rollup = tracking.pledge_rollup(campaign=progress, focus=org.committee)
    assert rollup.overdue == 4 and [r.overdue for r in rollup.rows] == [True, False]


def test_rollup_queries_do_not_grow_with_people(campaign, org, django_assert_num_queries):
    with django_assert_num_queries(3):
        tracking.pledge_rollup(campaign=campaign, focus=org.committee)
    for k in range(12):
        testing.make_person(org.branch2, name="新增人员" + "甲乙丙丁戊己庚辛壬癸子丑"[k])
    from netconduct.campaigns import services as campaign_services

    campaign_services.campaign_sync(campaign=campaign)
    with django_assert_num_queries(3):
        rollup = tracking.pledge_rollup(campaign=campaign, focus=org.committee)
    assert rollup.total.total == 2 + 12 + 5  # the accounts' two people, twelve new, and the fixture's five


# ---------------------------------------------------------------------------------------------------- exports


def test_xlsx_lists_who_signed_when_and_how(progress, accounts, org):
    data = exports.pledges_xlsx(viewer=accounts.unit_admin, campaign=progress, focus=org.committee)
    book = load_workbook(io.BytesIO(data))
    units = [list(r) for r in book["按单位"].iter_rows(min_row=3, values_only=True)]
    assert units[-1][0] == "合计" and units[-1][2:] == [7, 3, pytest.approx(42.9), 1, 2, 2, 4]
    by_name = {r[1]: r for r in book["人员明细"].iter_rows(min_row=2, values_only=True)}
    assert len(by_name) == 7
    zhao = Pledge.objects.get(person__name="赵纸质")
    assert by_name["赵纸质"][3:7] == (
        "已签订",
        "纸质签订",
        dt.datetime.combine(timezone.localdate(), dt.time(12, 0)),  # a date and time, not text
        "李书记",
    )
    assert by_name["赵纸质"][8].replace("-", "") == zhao.code and by_name["赵纸质"][9] == zhao.pdf_sha256
    assert by_name["王职工"][4] == "线上签订" and by_name["王职工"][6] is None
    assert by_name["钱纸质"][3] == "已打印待交回" and by_name["孙二支"][3] == "未签订"
    assert "逾期未签订" not in book.sheetnames
    assert AuditEvent.objects.filter(action="pledge.export", after__format="xlsx").count() == 1


def test_xlsx_after_the_deadline_has_the_overdue_sheet(progress, accounts, org):
    Campaign.objects.filter(pk=progress.pk).update(deadline=timezone.localdate() - dt.timedelta(days=3))
    progress.refresh_from_db()
    book = load_workbook(
        io.BytesIO(exports.pledges_xlsx(viewer=accounts.secretary, campaign=progress, focus=org.branch1))
    )
    late = [r[1] for r in book["逾期未签订"].iter_rows(min_row=2, values_only=True)]
    assert sorted(late) == ["李书记", "钱纸质"]


def test_zip_of_a_branchs_archive_with_a_checked_manifest(progress, accounts, org):
    result = exports.archive_zip(viewer=accounts.secretary, campaign=progress, unit=org.branch1)
    assert result.count == 2 and result.missing == 0
    with zipfile.ZipFile(result.file) as archive:
        names = sorted(archive.namelist())
        pledges = {p.person.name: p for p in Pledge.objects.filter(status="signed", unit=org.branch1)}
        assert names == sorted(
            [f"甲醇厂第一党支部/{n}-{p.code}.pdf" for n, p in pledges.items()] + ["甲醇厂第一党支部-清单.csv"]
        )
        manifest = list(
            csv.reader(io.StringIO(archive.read("甲醇厂第一党支部-清单.csv").decode("utf-8-sig")))
        )
        for row in manifest[1:]:
            data = archive.read(row[0])
            assert (
                row[6] == hashlib.sha256(data).hexdigest() == pledges[row[2]].pdf_sha256 and row[7] == "一致"
            )
            assert data == services.pledge_pdf_bytes(pledges[row[2]])
    assert AuditEvent.objects.filter(action="pledge.export", after__format="zip", after__count=2).count() == 1


def test_zip_says_when_an_archived_file_no_longer_matches(progress, accounts, org):
    zhao = Pledge.objects.get(person__name="赵纸质")
    Pledge.objects.filter(pk=zhao.pk).update(pdf_sha256="0" * 64)
    result = exports.archive_zip(viewer=accounts.secretary, campaign=progress, unit=org.branch1)
    with zipfile.ZipFile(result.file) as archive:
        manifest = archive.read("甲醇厂第一党支部-清单.csv").decode("utf-8-sig")
    assert "与存档记录不符" in manifest


# ---------------------------------------------------------------------------------------------------- reminders


def test_an_unsigned_pledge_keeps_the_target_unfinished_and_reminded(campaign, accounts, org, people):
    forms = paper.paper_forms_print(
        actor=accounts.secretary, campaign=campaign, people=[accounts.member.person]
    )
    target = Target.objects.get(campaign=campaign, person=accounts.member.person)
    assert target.pledged_at is None and target.done_at is None  # printed is not signed
    Campaign.objects.filter(pk=campaign.pk).update(deadline=timezone.localdate() + dt.timedelta(days=1))
    reminders.reminders_plan_and_send(dispatch=False)
    note = Notification.objects.get(user=accounts.member, key__contains=":due:")
    assert "签订承诺书" in note.body
    digest = Notification.objects.get(user=accounts.secretary, key__contains=f":u{org.branch1.pk}:due:")
    assert "王职工" in digest.body and "赵纸质（无账号）" in digest.body

    # Signed on paper: done, and no longer reminded once overdue.
    scans.scan_upload(
        actor=accounts.secretary,
        campaign=campaign,
        unit=org.branch1,
        files=[upload_file("member.pdf", pdf_of(page_images(forms.pdf, dpi=150)[1:]))],
        signed_on=timezone.localdate(),
    )
    target.refresh_from_db()
    assert target.pledged_at is not None and target.done_at is not None
    Campaign.objects.filter(pk=campaign.pk).update(deadline=timezone.localdate() - dt.timedelta(days=1))
    reminders.reminders_plan_and_send(dispatch=False)
    assert not Notification.objects.filter(user=accounts.member, key__contains=":overdue:").exists()
    overdue = Notification.objects.get(user=accounts.secretary, key__contains=f":u{org.branch1.pk}:overdue:")
    assert "王职工" not in overdue.body and "赵纸质（无账号）" in overdue.body


EVIL = '=HYPERLINK("evil.example","点我")'


def test_xlsx_writes_a_formula_named_unit_as_text_with_fitted_columns(progress, accounts, org):
    from netconduct.org import services as org_services

    org_services.unit_update(actor=org.root_user, unit=org.branch1, name=EVIL)
    data = exports.pledges_xlsx(viewer=accounts.unit_admin, campaign=progress, focus=org.committee)
    book = load_workbook(io.BytesIO(data))
    cells = [c for ws in book.worksheets for row in ws.iter_rows() for c in row if c.value == EVIL]
    assert len(cells) >= 3 and all(c.data_type == "s" and c.quotePrefix for c in cells)
    assert not [c for ws in book.worksheets for row in ws.iter_rows() for c in row if c.data_type == "f"]
    assert book["按单位"].freeze_panes == "A3" and book["人员明细"].freeze_panes == "A2"
    assert book["人员明细"].column_dimensions["A"].width >= 30  # the long name fits
    signed = [r[5] for r in book["人员明细"].iter_rows(min_row=2) if r[5].value]
    assert signed and all(c.is_date for c in signed)


def test_zip_names_and_manifest_are_safe_whatever_the_unit_is_called(progress, accounts, org):
    from netconduct.org import services as org_services

    org_services.unit_update(actor=org.root_user, unit=org.branch1, name="..")
    result = exports.archive_zip(viewer=accounts.secretary, campaign=progress, unit=org.branch1)
    with zipfile.ZipFile(result.file) as archive:
        names = archive.namelist()
    assert len(names) == 3
    for name in names:
        assert not name.startswith(("/", "\\")) and ".." not in name.split("/") and "\\" not in name
    org_services.unit_update(actor=org.root_user, unit=org.branch1, name=EVIL)
    result = exports.archive_zip(viewer=accounts.secretary, campaign=progress, unit=org.branch1)
    with zipfile.ZipFile(result.file) as archive:
        manifest_name = next(n for n in archive.namelist() if n.endswith(".csv"))
        rows = list(csv.reader(io.StringIO(archive.read(manifest_name).decode("utf-8-sig"))))
    assert all(row[1] == "'" + EVIL and row[0].startswith("'") for row in rows[1:])
