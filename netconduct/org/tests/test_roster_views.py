"""The roster pages: upload → preview → confirm as a unit admin; 404 for everyone else and for others' tokens."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import openpyxl
import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from netconduct.core.models import AuditEvent
from netconduct.core.xlsx import neutralise
from netconduct.org.models import OrgUnit, Person
from netconduct.org.roster import views as roster_views
from netconduct.org.roster.importer import ImportResult, RowError
from netconduct.org.roster.testing import HEADER, office_rows, write_xlsx
from netconduct.testing import login, make_id_number

UPLOAD = reverse("org:roster_import")


def ids(n: int) -> str:
    return make_id_number(n, birth=dt.date(1995, 5, 5))


@pytest.fixture(autouse=True)
def media_root(tmp_path, settings):
    """Each test its own MEDIA_ROOT, so that what one test leaves on disk is no other test's business."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def roster_bytes(tmp_path, org):
    people = [
        ["张伟", "D001", ids(1), "13800000001", "机关党支部", "党员", "干部"],
        ["李娜", "D002", ids(2), "138-0000-0002", "甲醇厂党总支/甲醇厂第三党支部", "群众", "职工"],
        ["-张三", "", ids(3), "", "机关党支部", "", ""],
        ["王五", "", "", "", "机关党支部", "", ""],
    ]
    path = write_xlsx(tmp_path / "花名册.xlsx", office_rows(people, header=HEADER[:8]))
    return path.read_bytes()


def client_for(user) -> Client:
    client = Client()
    login(client, user)
    return client


def upload(client: Client, data: bytes, *, name="花名册.xlsx", create_units=False):
    payload = {"file": SimpleUploadedFile(name, data)}
    if create_units:
        payload["create_units"] = "on"
    return client.post(UPLOAD, payload)


def uploads_on_disk() -> list[Path]:
    directory = Path(settings.MEDIA_ROOT) / roster_views.UPLOAD_DIR
    return sorted(directory.glob("*")) if directory.exists() else []


def test_upload_preview_confirm_flow(accounts, roster_bytes):
    client = client_for(accounts.unit_admin)
    page = client.get(UPLOAD)
    assert page.status_code == 200
    assert "自动创建不存在的组织" in page.content.decode()

    before = (Person.objects.count(), OrgUnit.objects.count(), AuditEvent.objects.count())
    response = upload(client, roster_bytes, create_units=True)
    assert response.status_code == 302
    preview_url = response["Location"]
    token = preview_url.rstrip("/").rsplit("/", 1)[-1]
    assert preview_url == reverse("org:roster_preview", kwargs={"token": token})
    assert (Path(settings.MEDIA_ROOT) / "roster-uploads" / token).is_file()
    # The dry run changed nothing.
    assert (Person.objects.count(), OrgUnit.objects.count(), AuditEvent.objects.count()) == before

    page = client.get(preview_url)
    html = page.content.decode()
    assert page.status_code == 200
    assert 'data-count="created">2<' in html
    assert 'data-count="refused">2<' in html
    assert "确认导入" in html and "重新上传" in html and "下载错误清单" in html
    # Row errors in Chinese: row number as the sheet shows it, the header text, the reason.
    assert "姓名“-张三”含有不应出现的字符" in html
    assert "身份证号为空" in html
    assert '<td data-label="行号" class="nc-mono">7</td>' in html
    assert "甲醇厂第三党支部" in html  # the unit to be created
    assert ids(1) not in html and "1506**********" in html  # masked in the sample

    done = client.post(preview_url)
    html = done.content.decode()
    assert done.status_code == 200
    assert "花名册已导入：新增 2 人，更新 0 人，未变 0 人。" in html
    assert "有 2 行未导入" in html
    assert Person.objects.count() == before[0] + 2
    assert OrgUnit.objects.filter(name="甲醇厂第三党支部").exists()
    assert Person.objects.get(name="李娜").mobile == "13800000002"
    assert uploads_on_disk() == []  # the stored file (and its report) are deleted after applying
    assert client.get(preview_url).status_code == 404


def test_error_list_download_is_neutralised(accounts, roster_bytes):
    client = client_for(accounts.unit_admin)
    preview_url = upload(client, roster_bytes)["Location"]
    response = client.get(preview_url + "?format=xlsx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1] == ("行号", "列", "原因")
    assert [r[:2] for r in rows[2:]] == [(5, "所在党组织"), (6, "姓名"), (7, "身份证号码")]
    assert "找不到组织“甲醇厂党总支/甲醇厂第三党支部”" in rows[2][2]
    assert rows[3][2] == "姓名“-张三”含有不应出现的字符（只允许汉字、字母和间隔号“·”）。"


def test_error_workbook_neutralises_formula_text():
    result = ImportResult(filename="=evil.xlsx", dry_run=True, create_units=False)
    result.errors = [RowError(4, '=HYPERLINK("http://x")', "@SUM(A1)"), RowError(5, "+姓名", "-1")]
    response = roster_views._error_workbook(result)
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    # stored as text, as typed, with Excel's quote prefix (still text when the cell is edited)
    assert rows[2:] == [(4, '=HYPERLINK("http://x")', "@SUM(A1)"), (5, "+姓名", "-1")]
    cells = [c for row in sheet.iter_rows(min_row=3) for c in row[1:]]
    assert all(c.data_type == "s" and c.quotePrefix for c in cells)
    assert sheet.freeze_panes == "A3" and sheet.column_dimensions["B"].width > 20


def test_neutralise():
    assert neutralise("=1+1") == "'=1+1"
    assert neutralise("+86 139") == "'+86 139"
    assert neutralise("-5") == "'-5"
    assert neutralise("@SUM(A1)") == "'@SUM(A1)"
    assert neutralise("张三") == "张三"
    assert neutralise(None) == ""
    assert neutralise(12) == "12"


@pytest.mark.parametrize("role", ["secretary", "inspector", "member"])
def test_other_roles_get_404(role, accounts, roster_bytes):
    owner = client_for(accounts.unit_admin)
    preview_url = upload(owner, roster_bytes)["Location"]
    client = client_for(getattr(accounts, role))
    assert client.get(UPLOAD).status_code == 404
    assert upload(client, roster_bytes).status_code == 404
    assert client.get(preview_url).status_code == 404
    assert client.post(preview_url).status_code == 404
    assert not Person.objects.filter(name="张伟").exists()


def test_another_users_token_is_404(accounts, roster_bytes):
    preview_url = upload(client_for(accounts.unit_admin), roster_bytes)["Location"]
    other = client_for(accounts.sysadmin)  # may import, but this upload is not theirs
    assert other.get(preview_url).status_code == 404
    assert other.get(preview_url + "?format=xlsx").status_code == 404
    assert other.post(preview_url).status_code == 404
    assert not Person.objects.filter(name="张伟").exists()
    for token in ("a" * 32, "..", "not-a-token"):
        assert other.get(reverse("org:roster_preview", kwargs={"token": token})).status_code == 404


def test_refused_file_is_shown_and_not_kept(accounts):
    client = client_for(accounts.unit_admin)
    response = upload(client, b"\x89PNG\r\n\x1a\n" + b"\x00" * 40)
    assert response.status_code == 200
    assert "不是有效的电子表格" in response.content.decode()
    assert uploads_on_disk() == []
    response = upload(client, b"x", name="roster.xlsm")
    assert "含有宏" in response.content.decode()


def test_size_limit_in_the_form(accounts, roster_bytes, settings):
    settings.NETCONDUCT_ROSTER_MAX_BYTES = 1000
    response = upload(client_for(accounts.unit_admin), roster_bytes)
    assert response.status_code == 200
    assert "超过" in response.content.decode()
    assert uploads_on_disk() == []


def test_nothing_to_apply_hides_the_confirm_button(accounts, tmp_path, org):
    member = accounts.member.person
    rows = office_rows([["王职工", member.id_number]], header=["序号", "姓名", "身份证号"])
    client = client_for(accounts.unit_admin)
    preview = client.get(upload(client, write_xlsx(tmp_path / "r.xlsx", rows).read_bytes())["Location"])
    html = preview.content.decode()
    assert 'data-count="unchanged">1<' in html
    assert "没有需要写入的变动" in html
    assert "确认导入" not in html
