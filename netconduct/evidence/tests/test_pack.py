"""Building a pack: what it holds, in what order, sealed and signed; who may ask for one; bad input refused."""

from __future__ import annotations

import datetime as dt
import io
import json
import shutil
import subprocess
import zipfile

import pypdfium2 as pdfium
import pytest
from django.core.files.storage import default_storage
from django.utils import timezone

from netconduct import testing
from netconduct.core.exceptions import ApplicationError, PermissionRefused
from netconduct.core.models import AuditEvent
from netconduct.evidence import contents, services
from netconduct.evidence.choices import PackStatus
from netconduct.evidence.models import EvidencePack
from netconduct.evidence.verification import verify_pack
from netconduct.org.choices import Role
from netconduct.pledges import sealing

pytestmark = pytest.mark.django_db


def pdf_text(data: bytes) -> str:
    pdf = pdfium.PdfDocument(data)
    try:
        return (
            "".join(page.get_textpage().get_text_range() for page in pdf).replace("\r", "").replace("\n", "")
        )
    finally:
        pdf.close()


def build(actor, unit, capture, **kw) -> EvidencePack:
    with capture(execute=True):
        pack = services.evidence_pack_request(actor=actor, unit=unit, **kw)
    pack.refresh_from_db()
    assert pack.status == PackStatus.DONE, pack.error
    return pack


def read_zip(pack: EvidencePack) -> bytes:
    with default_storage.open(pack.file_name, "rb") as f:
        return f.read()


def test_the_pack_holds_the_sealed_summary_first_then_the_tree_and_a_signed_manifest(
    org, accounts, year, django_capture_on_commit_callbacks
):
    pack = build(accounts.unit_admin, org.committee, django_capture_on_commit_callbacks, year=year.year)
    data = read_zip(pack)
    archive = zipfile.ZipFile(io.BytesIO(data))
    names = archive.namelist()
    assert names[0] == "00-汇总说明.pdf"
    assert names[-2:] == ["manifest.json", "manifest.json.p7s"]
    docs = [n for n in names if n.startswith("01-文件/")]
    assert len(docs) == 2 and all(archive.read(n).startswith(b"%PDF-") for n in docs)
    record = [
        n
        for n in names
        if n.startswith("02-学习记录/甲醇厂第一党支部/") and n.endswith("学习《员工网络行为规范》.pdf")
    ]
    assert len(record) == 1
    assert "外出培训" in pdf_text(archive.read(record[0]))
    assert any(n.endswith("-照片/会场.png") for n in names)
    pledge_file = f"03-承诺书/2026年网络行为规范宣贯/甲醇厂第一党支部/王职工-{year.pledge.code}.pdf"
    with default_storage.open(year.pledge.pdf_name, "rb") as f:
        assert archive.read(pledge_file) == f.read()  # the archived copy, byte for byte
    tables = [n for n in names if n.startswith("04-完成情况/")]
    assert {n.rsplit("/", 1)[1] for n in tables} == {
        "2026年网络行为规范宣贯-完成情况.xlsx",
        "2026年网络行为规范宣贯-承诺书签订情况.xlsx",
        "学习开展情况.xlsx",
        "未完成人员及原因.xlsx",
    }

    from openpyxl import load_workbook

    sheet = load_workbook(
        io.BytesIO(archive.read("04-完成情况/未完成人员及原因.xlsx")), read_only=True
    ).active
    rows = [tuple(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[1] == ("单位", "姓名", "工号", "宣贯活动", "未完成事项", "缺席学习原因")
    absent = next(r for r in rows if len(r) > 1 and r[1] == "赵请假")
    assert (
        absent[0] == "甲醇厂第一党支部"
        and "未签订承诺书" in absent[4]
        and absent[5].startswith("请假：外出培训")
    )

    manifest = json.loads(archive.read("manifest.json"))
    listed = {e["path"]: e for e in manifest["files"]}
    assert set(listed) == set(names) - {"manifest.json", "manifest.json.p7s"}
    import hashlib

    assert all(hashlib.sha256(archive.read(p)).hexdigest() == e["sha256"] for p, e in listed.items())
    assert pack.sha256 == hashlib.sha256(data).hexdigest() and pack.size == len(data)
    assert pack.files == len(names)

    summary = archive.read("00-汇总说明.pdf")
    seal = sealing.verify_pdf(summary)
    assert seal.ok and seal.timestamped, seal.message
    text = pdf_text(summary)
    for expected in (
        "西北能化公司党委2026年度网络行为规范宣贯落实情况检查材料",
        "一、文件下发情况",
        "网络行为规范",
        "二、传达情况（阅读回执）",
        "三、学习开展情况",
        "学习《员工网络行为规范》",
        "四、承诺书签订情况（按党支部）",
        "甲醇厂第一党支部",
        "五、未完成人员及原因",
        "赵请假",
        "请假：外出培训",
        "六、材料清单",
    ):
        assert expected in text, expected
    assert verify_pack(io.BytesIO(data)).ok


def test_openssl_verifies_the_manifest_signature(
    org, accounts, year, django_capture_on_commit_callbacks, tmp_path
):
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    pack = build(accounts.inspector, org.committee, django_capture_on_commit_callbacks, year=year.year)
    archive = zipfile.ZipFile(io.BytesIO(read_zip(pack)))
    (tmp_path / "manifest.json").write_bytes(archive.read("manifest.json"))
    (tmp_path / "manifest.json.p7s").write_bytes(archive.read("manifest.json.p7s"))
    root = sealing.seal_files().roots[0]
    command = [
        "openssl",
        "cms",
        "-verify",
        "-binary",
        "-inform",
        "DER",
        "-in",
        str(tmp_path / "manifest.json.p7s"),
    ]
    command += [
        "-content",
        str(tmp_path / "manifest.json"),
        "-CAfile",
        str(root),
        "-purpose",
        "any",
        "-out",
        "/dev/null",
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    (tmp_path / "manifest.json").write_bytes(archive.read("manifest.json").replace(b"2026", b"2027", 1))
    assert subprocess.run(command, capture_output=True, check=False).returncode != 0


def test_a_pack_for_one_campaign_and_a_branch_holds_only_that_branch(
    org, accounts, year, django_capture_on_commit_callbacks
):
    pack = build(accounts.unit_admin, org.branch2, django_capture_on_commit_callbacks, campaign=year.campaign)
    assert pack.year == year.campaign.year
    names = zipfile.ZipFile(io.BytesIO(read_zip(pack))).namelist()
    assert not any(n.startswith(("02-学习记录/", "03-承诺书/")) for n in names)  # branch 2 has neither


def test_requesting_is_audited_and_the_download_too(org, accounts, year, django_capture_on_commit_callbacks):
    pack = build(accounts.unit_admin, org.committee, django_capture_on_commit_callbacks, year=year.year)
    assert AuditEvent.objects.filter(action="evidence.request", object_id=str(pack.pk)).count() == 1
    with services.evidence_pack_open(actor=accounts.inspector, pack=pack) as handle:
        assert handle.read(2) == b"PK"
    event = AuditEvent.objects.get(action="evidence.download", object_id=str(pack.pk))
    assert event.actor_ref == accounts.inspector.pk


@pytest.mark.parametrize("role", ["secretary", "member"])
def test_secretaries_and_members_cannot_ask_for_a_pack(org, accounts, role):
    with pytest.raises(PermissionRefused):
        services.evidence_pack_request(actor=getattr(accounts, role), unit=org.branch1, year=2026)
    assert not EvidencePack.objects.exists()


def test_a_unit_admin_cannot_ask_for_another_company(org, accounts):
    from netconduct.org import services as org_services
    from netconduct.org.choices import UnitKind

    other = org_services.unit_create(
        actor=org.root_user, parent=org.group, name="其他公司", kind=UnitKind.COMPANY
    )
    with pytest.raises(PermissionRefused):
        services.evidence_pack_request(actor=accounts.unit_admin, unit=other, year=2026)
    with pytest.raises(PermissionRefused):
        services.evidence_pack_request(actor=accounts.unit_admin, unit=org.group, year=2026)


@pytest.mark.parametrize(
    ("kw", "field", "message"),
    [
        ({"year": 1999}, "year", "年度“1999”无效"),
        ({"year": None}, "year", "请填写年度"),
    ],
)
def test_bad_input_is_refused_with_a_message_and_nothing_made(org, accounts, kw, field, message):
    with pytest.raises(ApplicationError) as refused:
        services.evidence_pack_request(actor=accounts.unit_admin, unit=org.committee, **kw)
    assert refused.value.field == field and message in refused.value.message
    assert not EvidencePack.objects.exists()


def test_a_campaign_that_does_not_reach_the_unit_is_refused(
    org, accounts, django_capture_on_commit_callbacks
):
    from netconduct.campaigns.tests import factories

    with django_capture_on_commit_callbacks(execute=True):
        elsewhere = factories.campaign(org.office, actor=accounts.unit_admin, title="机关支部自学")
    with pytest.raises(ApplicationError) as refused:
        services.evidence_pack_request(actor=accounts.unit_admin, unit=org.branch1, campaign=elsewhere)
    assert "不涉及“甲醇厂第一党支部”" in refused.value.message and refused.value.field == "campaign"


def test_a_requester_who_lost_the_grant_gets_a_failed_pack(
    org, accounts, year, django_capture_on_commit_callbacks
):
    user = testing.make_account("temp-inspector")
    grant = testing.grant(user, Role.INSPECTOR, org.committee)
    pack = services.evidence_pack_request(actor=user, unit=org.committee, year=year.year, enqueue=False)
    from netconduct.org import services as org_services

    org_services.grant_revoke(actor=org.root_user, grant=grant)
    pack = services.evidence_pack_build(pack_id=pack.pk)
    assert pack.status == PackStatus.FAILED and "已无权" in pack.error and not pack.file_name


def test_gathering_takes_a_fixed_number_of_queries(org, accounts, year, django_assert_max_num_queries):
    with django_assert_max_num_queries(20):
        small = contents.gather(unit=org.committee, year=year.year)
    names = "甲乙丙丁戊己庚辛壬癸子丑"
    for ch in names:
        testing.make_person(org.branch2, name=f"新人{ch}")
    from netconduct.campaigns import services as campaign_services
    from netconduct.org import services as org_services
    from netconduct.org.choices import UnitKind
    from netconduct.studies import services as study_services

    for i in range(5):
        branch = org_services.unit_create(
            actor=org.root_user, parent=org.plant, name=f"新支部{i}", kind=UnitKind.BRANCH
        )
        member = testing.make_person(branch, name=f"成员{names[i]}")
        session = study_services.session_create(
            actor=org.root_user,
            unit=branch,
            form="online",
            topic=f"线上学习{i}",
            minutes="学习了规范。",
            is_special_study=True,  # the special study on the norms, chosen as such
            starts_at=timezone.now() - dt.timedelta(days=1),
        )
        study_services.attendance_set(
            actor=org.root_user, session=session, marks=[study_services.Mark(member.pk, "present")]
        )
        study_services.session_submit(actor=org.root_user, session=session)
    campaign_services.campaign_sync(campaign=year.campaign)
    with django_assert_max_num_queries(20):
        large = contents.gather(unit=org.committee, year=year.year)
    assert len(large.sessions) == len(small.sessions) + 5 and len(large.branches) == len(small.branches) + 5
    assert large.figures[0].total.total > small.figures[0].total.total


def test_the_command_line_builds_a_pack_for_one_campaign(org, accounts, year, tmp_path):
    from django.core.management import call_command

    out = tmp_path / "campaign.zip"
    stdout = io.StringIO()
    call_command(
        "evidence-pack",
        "--unit",
        "西北能化公司党委",
        "--campaign",
        str(year.campaign.pk),
        "--out",
        str(out),
        stdout=stdout,
    )
    assert "已生成" in stdout.getvalue() and "SHA-256" in stdout.getvalue()
    archive = zipfile.ZipFile(out)
    manifest = json.loads(archive.read("manifest.json"))
    assert manifest["campaign"] == {"id": year.campaign.pk, "title": "2026年网络行为规范宣贯"}
    assert "“2026年网络行为规范宣贯”落实情况检查材料" in pdf_text(archive.read("00-汇总说明.pdf"))
    pack = EvidencePack.objects.get()
    assert pack.campaign == year.campaign and pack.requester.is_superuser
    assert AuditEvent.objects.filter(action="evidence.download", object_id=str(pack.pk)).count() == 1


def test_campaigns_sharing_a_title_get_their_number_so_their_files_stay_apart():
    from netconduct.campaigns.models import Campaign

    campaigns = [Campaign(pk=3, title="宣贯"), Campaign(pk=9, title="宣贯"), Campaign(pk=4, title="自学")]
    assert contents.campaign_labels(campaigns) == {3: "宣贯（3）", 9: "宣贯（9）", 4: "自学"}
