"""The self-check page: paste or upload, findings highlighted, redacted downloads; refusals in Chinese; nothing of
the checked text is kept anywhere but in the anonymous tallies."""

from __future__ import annotations

import io

import docx
import pytest
from django.contrib.sessions.models import Session
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from netconduct.core.models import AuditEvent
from netconduct.selfcheck import selectors, services
from netconduct.selfcheck.models import SelfcheckKeyword, SelfcheckTally
from netconduct.testing import login

from .files import docx_bytes, id18, pdf_bytes, xlsx_bytes

pytestmark = pytest.mark.django_db

CHECK = reverse("selfcheck:check")
DOWNLOAD = reverse("selfcheck:download")
SECRET_TEXT = "联系人：赵铁柱，电话13912345678，身份证" + id18()


@pytest.fixture(autouse=True)
def fresh_configuration():
    selectors.forget_configuration()
    yield
    selectors.forget_configuration()


@pytest.fixture
def member(accounts) -> Client:
    client = Client()
    login(client, accounts.member)
    return client


def test_page_says_nothing_is_stored(member):
    response = member.get(CHECK)
    assert response.status_code == 200
    body = response.content.decode()
    assert "检查的内容不会被保存" in body and "匿名数量" in body
    assert 'name="text"' in body and 'name="file"' in body and 'accept=".txt,.docx,.pdf,.xlsx"' in body
    assert response["Cache-Control"] == "no-store"


def test_pasted_text_is_highlighted_with_kind_reason_and_article(member):
    response = member.post(CHECK, {"text": SECRET_TEXT})
    body = response.content.decode()
    assert response.status_code == 200
    assert body.count('<mark class="nc-f') == 3
    assert 'data-kind="mobile" title="手机号码：手机号码（第六条第（一）项）"' in body
    assert ">13912345678<a" in body  # the person's own text, highlighted where it stands
    assert "139****5678" in body  # and masked in the list and the redacted copy
    assert "发现 3 处需要注意的内容" in body


def test_htmx_request_gets_only_the_results(member):
    response = member.post(CHECK, {"text": "机密★1年"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert "<html" not in body and 'id="nc-summary"' in body and "密级标志" in body


def test_clean_text_says_so(member):
    body = member.post(CHECK, {"text": "今天天气很好，大家注意安全。"}).content.decode()
    assert "未发现个人信息" in body


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("通知.txt", SECRET_TEXT.encode("gb18030")),
        ("通知.docx", docx_bytes(body=[[(SECRET_TEXT, False)]])),
        ("通知.pdf", pdf_bytes([SECRET_TEXT])),
        ("通讯录.xlsx", xlsx_bytes([["联系人：赵铁柱", "电话13912345678", "身份证" + id18()]])),
    ],
)
def test_upload_each_file_type(member, name, data):
    response = member.post(CHECK, {"file": SimpleUploadedFile(name, data)})
    body = response.content.decode()
    assert response.status_code == 200, body
    assert f"已检查文件：{name}" in body
    kinds = {k for k in ("person", "mobile", "id_card") if f'data-kind="{k}"' in body}
    assert kinds == {"person", "mobile", "id_card"}


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("照片.jpg", b"\xff\xd8\xff\xe0 jpeg", "不支持“.jpg”文件"),
        ("旧文档.doc", b"\xd0\xcf\x11\xe0", "不支持“.doc”文件"),
        ("空.txt", b"", "文件是空的"),
        ("乱码.txt", b"\x81", "无法识别文件的文字编码"),
        ("扫描件.pdf", pdf_bytes(None), "没有文字层"),
        ("改名.docx", b"just text", "不是有效的Word 文档"),
    ],
)
def test_bad_files_are_refused_in_chinese_and_nothing_is_stored(member, name, data, message):
    before = (SelfcheckTally.objects.count(), AuditEvent.objects.count())
    response = member.post(CHECK, {"file": SimpleUploadedFile(name, data)})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert (SelfcheckTally.objects.count(), AuditEvent.objects.count()) == before


def test_empty_submission_and_too_large_file(member, monkeypatch):
    assert "请粘贴要检查的文字，或选择一个文件" in member.post(CHECK, {"text": "  "}).content.decode()
    monkeypatch.setattr("netconduct.selfcheck.views.MAX_BYTES", 1024)
    response = member.post(CHECK, {"file": SimpleUploadedFile("大.txt", b"a" * 5000)})
    assert "文件过大" in response.content.decode()
    assert not SelfcheckTally.objects.exists()


def test_uploads_never_touch_the_disk(member, settings, tmp_path):
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = (
        10  # Django's own handlers would spill this upload to a temporary file
    )
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)
    settings.MEDIA_ROOT = str(tmp_path / "media")
    response = member.post(CHECK, {"file": SimpleUploadedFile("通知.txt", SECRET_TEXT.encode())})
    assert 'data-kind="mobile"' in response.content.decode()
    assert list(tmp_path.iterdir()) == []


def test_only_anonymous_tallies_are_kept(member):
    before_events = AuditEvent.objects.count()
    member.post(CHECK, {"text": SECRET_TEXT})
    member.post(CHECK, {"text": "机密★1年"})
    assert AuditEvent.objects.count() == before_events
    counts = dict(SelfcheckTally.objects.values_list("kind", "count"))
    assert counts == {"check": 2, "person": 1, "mobile": 1, "id_card": 1, "classification_mark": 1}
    for session in Session.objects.all():
        assert "13912345678" not in str(session.get_decoded())


def test_download_redacted_txt_rechecks_the_text(member):
    response = member.post(DOWNLOAD, {"text": SECRET_TEXT, "format": "txt"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert "attachment" in response["Content-Disposition"] and response["Cache-Control"] == "no-store"
    body = response.content.decode()
    assert body.startswith("联系人：赵**，电话139****5678，身份证1506") and len(body) == len(SECRET_TEXT)
    assert not SelfcheckTally.objects.exists()  # the check was counted when it was made


def test_download_docx_of_a_docx_keeps_its_formatting(member):
    data = docx_bytes(body=[[("联系人：", False), ("赵铁柱", True), ("，电话13912345678", False)]])
    response = member.post(DOWNLOAD, {"file": SimpleUploadedFile("通知.docx", data), "format": "docx"})
    assert response.status_code == 200
    paragraph = docx.Document(io.BytesIO(response.content)).paragraphs[0]
    assert paragraph.text == "联系人：赵**，电话139****5678"
    assert paragraph.runs[1].bold


def test_download_docx_of_pasted_text(member):
    response = member.post(DOWNLOAD, {"text": "第一行\n电话13912345678", "format": "docx"})
    document = docx.Document(io.BytesIO(response.content))
    assert [p.text for p in document.paragraphs] == ["第一行", "电话139****5678"]


def test_download_refusals(member):
    response = member.post(DOWNLOAD, {"file": SimpleUploadedFile("a.exe", b"MZ"), "format": "txt"})
    assert response.status_code == 400 and "不支持“.exe”文件" in response.content.decode()
    assert member.post(DOWNLOAD, {"text": "abc", "format": "zip"}).status_code == 400
    assert member.get(DOWNLOAD).status_code == 405


def test_keywords_page_adds_and_the_check_uses_them(org, accounts, member):
    staff = Client()
    login(staff, accounts.unit_admin)
    response = staff.post(
        reverse("selfcheck:keywords"),
        {"unit": org.committee.pk, "terms": "天骄一号工程\n青龙系统", "note": ""},
    )
    assert response.status_code == 302
    assert set(SelfcheckKeyword.objects.values_list("term", flat=True)) == {"天骄一号工程", "青龙系统"}
    page = staff.get(reverse("selfcheck:keywords")).content.decode()
    assert "天骄一号工程" in page and "共 2 个" in page
    body = member.post(CHECK, {"text": "青龙系统上线了"}).content.decode()
    assert 'data-kind="keyword"' in body and "第五条第（二）项" in body
    error = staff.post(
        reverse("selfcheck:keywords"), {"unit": org.committee.pk, "terms": "龙"}
    ).content.decode()
    assert "太短" in error


def test_keyword_delete_through_the_page(org, accounts):
    [keyword] = services.keyword_add(actor=accounts.unit_admin, unit=org.branch1, terms="天骄一号工程")
    staff = Client()
    login(staff, accounts.unit_admin)
    response = staff.post(reverse("selfcheck:keyword_delete", kwargs={"pk": keyword.pk}))
    assert response.status_code == 302 and not SelfcheckKeyword.objects.exists()
