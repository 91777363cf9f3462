"""Bad input never breaks a page: hostile office files (XML bombs, external entities, zip bombs) to every upload that
parses .docx/.xlsx, and a tampered quiz form. Each answers a Chinese message naming the reason and changes nothing.
(Hostile query parameters for every page: home/tests/test_url_matrix.py.)"""

from __future__ import annotations

import io
import re
import zipfile

import docx
import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from netconduct import testing
from netconduct.campaigns.tests import factories as campaign_factories
from netconduct.documents.tests import factories as document_factories
from netconduct.org.models import Person
from netconduct.pledges import services as pledge_services
from netconduct.pledges.models import QuizQuestion
from netconduct.registry.models import Account

pytestmark = pytest.mark.django_db

LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(
        f'<!ENTITY lol{n} "{("&lol" + (str(n - 1) if n > 1 else "") + ";") * 10}">' for n in range(1, 10)
    )
    + "]>"
)
EXTERNAL = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'


def _rewrite(base: bytes, part: str, change) -> bytes:
    source, out = zipfile.ZipFile(io.BytesIO(base)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            target.writestr(info.filename, change(data) if info.filename == part else data)
    return out.getvalue()


def _xlsx() -> bytes:
    book = openpyxl.Workbook()
    book.active.append(["姓名", "工号", "平台", "名称"])
    book.active.append(["张三", "1001", "微博", "测试"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _docx() -> bytes:
    document = docx.Document()
    document.add_paragraph("第一条 党员干部应当遵守网络行为规范。")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _with_dtd(base: bytes, part: str, prolog: str, entity: str) -> bytes:
    def change(data: bytes) -> bytes:
        text = re.sub(r"^<\?xml[^>]*\?>", "", data.decode())
        if part.startswith("xl/"):
            row = f'<row r="9"><c r="A9" t="inlineStr"><is><t>{entity}</t></is></c></row></sheetData>'
            text = text.replace("</sheetData>", row)
        else:
            text = text.replace("党员干部", f"党员干部{entity}")
        return (prolog + text).encode()

    return _rewrite(base, part, change)


def _zip_bomb_xlsx() -> bytes:
    """A sheet padded with 20 MB of spaces: a few tens of KB packed, a thousand times that unpacked."""
    padding = b" " * (20 << 20)
    return _rewrite(
        _xlsx(),
        "xl/worksheets/sheet1.xml",
        lambda data: data.replace(b"<sheetData>", padding + b"<sheetData>"),
    )


HOSTILE_XLSX = {
    "xml-bomb": lambda: _with_dtd(_xlsx(), "xl/worksheets/sheet1.xml", LAUGHS, "&lol9;"),
    "external-entity": lambda: _with_dtd(_xlsx(), "xl/worksheets/sheet1.xml", EXTERNAL, "&xxe;"),
    "zip-bomb": _zip_bomb_xlsx,
}
HOSTILE_DOCX = {
    "xml-bomb": lambda: _with_dtd(_docx(), "word/document.xml", LAUGHS, "&lol9;"),
    "external-entity": lambda: _with_dtd(_docx(), "word/document.xml", EXTERNAL, "&xxe;"),
}
REASON = re.compile(r"DOCTYPE|压缩炸弹|解压后")


def _client(user) -> Client:
    client = Client()
    testing.login(client, user)
    return client


def _upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def _says_why(response) -> str:
    body = response.content.decode()
    assert response.status_code == 200, response.status_code
    assert REASON.search(body), "no reason given"
    assert "root:" not in body  # nothing of a local file came back
    return body


@pytest.mark.parametrize("kind", HOSTILE_XLSX)
def test_hostile_spreadsheets_are_refused_by_the_roster_import(org, accounts, kind):
    before = Person.objects.count()
    response = _client(accounts.unit_admin).post(
        reverse("org:roster_import"), {"file": _upload("花名册.xlsx", HOSTILE_XLSX[kind]())}
    )
    _says_why(response)
    assert Person.objects.count() == before


@pytest.mark.parametrize("kind", HOSTILE_XLSX)
def test_hostile_spreadsheets_are_refused_by_the_registry_import(org, accounts, kind):
    response = _client(accounts.unit_admin).post(
        reverse("registry:import"), {"file": _upload("台账.xlsx", HOSTILE_XLSX[kind]())}
    )
    _says_why(response)
    assert not Account.objects.exists()


@pytest.mark.parametrize("kind", HOSTILE_XLSX)
def test_hostile_spreadsheets_are_refused_by_the_self_check(org, accounts, kind):
    response = _client(accounts.member).post(
        reverse("selfcheck:check"), {"file": _upload("表格.xlsx", HOSTILE_XLSX[kind]())}
    )
    _says_why(response)


@pytest.mark.parametrize("kind", HOSTILE_DOCX)
def test_hostile_word_files_are_refused_by_the_self_check(org, accounts, kind):
    response = _client(accounts.member).post(
        reverse("selfcheck:check"), {"file": _upload("稿件.docx", HOSTILE_DOCX[kind]())}
    )
    _says_why(response)


@pytest.mark.parametrize("kind", HOSTILE_DOCX)
def test_hostile_word_files_are_refused_by_the_norms_import(org, accounts, kind):
    document = document_factories.draft(org.committee, actor=accounts.unit_admin, kind="norms", title="规范")
    response = _client(accounts.unit_admin).post(
        reverse("documents:norms_import", args=[document.pk]),
        {"text": "", "action": "save", "file": _upload("规范.docx", HOSTILE_DOCX[kind]())},
    )
    _says_why(response)
    assert document.articles.count() == 0


def test_a_clean_word_file_still_reads(org, accounts):
    document = document_factories.draft(org.committee, actor=accounts.unit_admin, kind="norms", title="规范")
    response = _client(accounts.unit_admin).post(
        reverse("documents:norms_import", args=[document.pk]),
        {"text": "", "action": "preview", "file": _upload("规范.docx", _docx())},
    )
    assert "识别出 1 条" in response.content.decode()


@pytest.mark.parametrize("count", ["abc", "-3", "1e9", "99999999999999999999", ""])
def test_a_tampered_quiz_count_changes_nothing(org, accounts, count):
    campaign = campaign_factories.campaign(org.committee, actor=org.root_user, requires_pledge=True)
    pledge_services.quiz_set(
        actor=org.root_user,
        campaign=campaign,
        questions=[
            pledge_services.QuestionInput(text="题目", options=["甲", "乙"], correct=0, citation="第七条")
        ],
    )
    response = _client(accounts.unit_admin).post(
        reverse("pledges:quiz", args=[campaign.pk]), {"count": count, "text0": "新题", "option0_0": "甲"}
    )
    assert response.status_code == 200 and "题目数量不正确" in response.content.decode()
    assert list(QuizQuestion.objects.filter(campaign=campaign).values_list("text", flat=True)) == ["题目"]
