"""The printable record of a study session (会议记录): what it prints, as PDF and DOCX, and who may download it."""

from __future__ import annotations

import datetime as dt
import io
import os
import shutil
import subprocess
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from netconduct import testing
from netconduct.studies import records, services
from netconduct.studies.records import Photo, SessionRecord

from .url_cases import PNG


def pdf_text(data: bytes) -> str:
    pdf = pdfium.PdfDocument(data)
    try:
        return "\n".join(page.get_textpage().get_text_range() for page in pdf)
    finally:
        pdf.close()


def docx_text(data: bytes) -> str:
    from docx import Document

    document = Document(io.BytesIO(data))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    return "\n".join(parts)


@pytest.fixture
def session(org, accounts):
    root = org.root_user
    host = accounts.secretary.person
    away = testing.make_person(org.branch1, name="赵请假")
    session = services.session_create(
        actor=root,
        unit=org.branch1,
        form="theme_day",
        topic="学习《员工网络行为规范》",
        starts_at=dt.datetime(2026, 3, 5, 14, 30, tzinfo=timezone.get_default_timezone()),
        place="三楼会议室",
        host=host,
        recorder=accounts.member.person,
        minutes="李书记传达了规范全文。\n大家逐条讨论了第七条。",
    )
    services.attendance_set(
        actor=root,
        session=session,
        marks=[
            services.Mark(host.pk, "present"),
            services.Mark(accounts.member.person.pk, "present"),
            services.Mark(away.pk, "leave", "外出培训"),
        ],
    )
    services.evidence_add(actor=root, session=session, file=ContentFile(PNG, name="会场.png"))
    return session


@pytest.mark.django_db
def test_the_pdf_prints_every_field_of_the_record_and_the_photo(session):
    data = records.session_record_pdf(session)
    text = pdf_text(data).replace("\r", "")
    for expected in (
        "甲醇厂第一党支部学习会议记录",
        "2026年3月5日 14:30",
        "三楼会议室",
        "李书记",
        "王职工",
        "学习《员工网络行为规范》",
        "赵请假（请假：外出培训）",
        "应到3人，实到2人，缺席1人",
        "大家逐条讨论了第七条。",
        "会议照片",
        "会场.png",
    ):
        assert expected in text.replace("\n", ""), expected
    pdf = pdfium.PdfDocument(data)
    images = [o for o in pdf[0].get_objects() if o.type == pdfium.raw.FPDF_PAGEOBJ_IMAGE]
    assert len(images) == 1


@pytest.mark.django_db
def test_the_docx_holds_the_same_record(session):
    text = docx_text(records.session_record_docx(session))
    for expected in ("三楼会议室", "赵请假（请假：外出培训）", "李书记传达了规范全文。", "会场.png"):
        assert expected in text


@pytest.mark.django_db
def test_a_record_with_no_attendance_nor_minutes_still_prints(org):
    session = services.session_create(
        actor=org.root_user,
        unit=org.branch2,
        form="online",
        topic="线上学习",
        starts_at=timezone.now() - dt.timedelta(days=1),
    )
    text = pdf_text(records.session_record_pdf(session)).replace("\n", "")
    assert "线上学习" in text and "应到0人" in text
    assert "线上学习" in docx_text(records.session_record_docx(session))


@pytest.mark.django_db
def test_long_minutes_run_over_pages(org):
    minutes = "\n".join(
        f"第{i}位同志发言，结合岗位谈了在微信群、朋友圈中如何遵守规范。" * 3 for i in range(1, 80)
    )
    session = services.session_create(
        actor=org.root_user,
        unit=org.branch2,
        form="lecture",
        topic="党课",
        starts_at=timezone.now() - dt.timedelta(days=1),
        minutes=minutes,
    )
    data = records.session_record_pdf(session)
    assert len(pdfium.PdfDocument(data)) >= 3
    assert "第79位同志发言" in pdf_text(data).replace("\n", "").replace("\r", "")


@pytest.mark.django_db
def test_download_as_pdf_and_docx(client, accounts, session):
    testing.login(client, accounts.inspector)
    url = reverse("studies:session_record", args=[session.pk])
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    response = client.get(url + "?format=docx")
    assert response.status_code == 200 and response["Content-Type"] == records.DOCX_TYPE
    assert "attachment" in response["Content-Disposition"]
    detail = client.get(reverse("studies:session_detail", args=[session.pk]))
    assert url.encode() in detail.content


@pytest.mark.django_db
def test_a_secretary_of_another_branch_gets_a_404(client, accounts, session):
    testing.login(client, accounts.outsider_secretary)
    assert client.get(reverse("studies:session_record", args=[session.pk])).status_code == 404


def _photo() -> Photo:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (400, 300), (200, 40, 40)).save(out, format="JPEG")
    return Photo("会场全景.jpg", out.getvalue(), 400, 300)


def hand_made_record() -> SessionRecord:
    return SessionRecord(
        title="机关党支部学习会议记录",
        unit="机关党支部",
        form="主题党日",
        special=True,
        when="2026年4月1日 09:00",
        place="党员活动室",
        host="张书记",
        recorder="刘记录",
        topic="网络行为规范专题学习",
        documents=["关于印发《员工网络行为规范》的通知"],
        present=["张书记", "刘记录", "陈一"],
        away=["王二（缺席：值班）"],
        expected=4,
        minutes="传达学习规范全文。\n逐条讨论。",
        status="已通过",
        review="已通过（2026-04-02 10:00，党委组织部）",
        photos=[_photo(), _photo()],
        number="2026-00012",
    )


@pytest.mark.once
def test_libreoffice_opens_the_docx_and_finds_the_text(tmp_path: Path):
    soffice = shutil.which("soffice")
    if soffice is None:
        if os.environ.get("CI") == "true":
            pytest.fail("soffice is missing: CI installs libreoffice-writer-nogui (.ci/run)")
        pytest.skip("soffice (LibreOffice) is not installed")
    source = tmp_path / "record.docx"
    source.write_bytes(records.render_record_docx(hand_made_record()))
    subprocess.run(
        [
            soffice,
            f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}",
            "--headless",
            "--convert-to",
            "pdf",
        ]
        + ["--outdir", str(tmp_path / "out"), str(source)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    converted = (tmp_path / "out" / "record.pdf").read_bytes()
    text = pdf_text(converted).replace("\n", "").replace("\r", "")
    for expected in (
        "机关党支部学习会议记录",
        "党员活动室",
        "王二（缺席：值班）",
        "逐条讨论。",
        "会场全景.jpg",
    ):
        assert expected in text, expected
    pdf = pdfium.PdfDocument(converted)
    assert sum(o.type == pdfium.raw.FPDF_PAGEOBJ_IMAGE for page in pdf for o in page.get_objects()) == 2


def test_a_name_outside_gb2312_prints_from_a_small_subset():
    from netconduct.documents.rendering.fonts import common_charset

    record = hand_made_record()
    record.present = [*record.present, "王喆", "李镕堃"]
    assert {"喆", "镕", "堃"}.isdisjoint(common_charset())
    data = records.render_record_pdf(record)
    text = pdf_text(data).replace("\n", "").replace("\r", "")
    assert "王喆" in text and "李镕堃" in text
    fonts = set()
    pdf = pdfium.PdfDocument(data)
    for obj in pdf[0].get_objects():
        if obj.type == pdfium.raw.FPDF_PAGEOBJ_TEXT:
            buffer = ctypes_name(obj)
            fonts.add(buffer)
    assert any("NCcommon" in f for f in fonts) and any("NCcommon" not in f for f in fonts)


def ctypes_name(obj) -> str:
    import ctypes

    font = pdfium.raw.FPDFTextObj_GetFont(obj.raw)
    size = pdfium.raw.FPDFFont_GetBaseFontName(font, None, 0)
    buffer = ctypes.create_string_buffer(size)
    pdfium.raw.FPDFFont_GetBaseFontName(font, buffer, size)
    return buffer.value.decode()
