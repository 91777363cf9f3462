"""The tracking page, printing, uploading scans and assigning pages, and the exports, through the pages; and a
secretary on a phone printing a branch's forms."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from netconduct import testing
from netconduct.campaigns.models import Campaign
from netconduct.pledges import paper
from netconduct.pledges.choices import PledgeMethod, PledgeStatus, ScanPageStatus
from netconduct.pledges.models import Pledge, ScanPage, ScanUpload

from . import factories
from .test_scans import blank_qr, jpeg_of, page_images, pages_by_person, pdf_of, upload_file


@pytest.fixture
def people(org, accounts):
    return [testing.make_person(org.branch1, name=n) for n in ("赵纸质", "钱纸质")]


@pytest.fixture
def campaign(org, accounts, people):
    return factories.pledge_campaign(org.committee, actor=accounts.unit_admin)


def client_for(user) -> Client:
    client = Client()
    testing.login(client, user)
    return client


def pages_of(pdf: bytes) -> int:
    document = pdfium.PdfDocument(pdf)
    try:
        return len(document)
    finally:
        document.close()


def test_tracking_page_by_unit_and_by_person(campaign, accounts, org, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        factories.sign(campaign, accounts.member)
    url = reverse("pledges:tracking", args=[campaign.pk])
    admin = client_for(accounts.unit_admin).get(url)
    body = admin.content.decode()
    assert admin.status_code == 200
    assert 'data-unit="甲醇厂党总支"' in body and 'data-figure="online">1<' in body
    assert 'data-figure="total">4<' in body and 'id="print-unit"' in body

    secretary = client_for(accounts.secretary).get(url)  # starts at their branch, with its people
    body = secretary.content.decode()
    assert (
        'data-person="王职工" data-status="signed"' in body
        and 'data-person="赵纸质" data-status="none"' in body
    )
    assert "甲醇厂第二党支部" not in body

    inspector = client_for(accounts.inspector).get(url).content.decode()
    assert (
        'id="print-unit"' not in inspector and 'id="upload-scans"' not in inspector
    )  # reads, does not print


def test_overdue_people_are_marked_after_the_deadline(campaign, accounts, org):
    Campaign.objects.filter(pk=campaign.pk).update(deadline=timezone.localdate() - timezone.timedelta(days=2))
    body = (
        client_for(accounts.secretary)
        .get(reverse("pledges:tracking", args=[campaign.pk]) + "?status=unsigned")
        .content.decode()
    )
    assert "逾期未签订" in body and "已逾期2天" in body and body.count("逾期未签</span>") == 4


def test_tracking_page_queries_do_not_grow_with_people(
    campaign, accounts, org, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    client = client_for(accounts.unit_admin)
    url = reverse("pledges:tracking", args=[campaign.pk]) + f"?unit={org.branch1.pk}"
    client.get(url)
    with django_assert_max_num_queries(15) as small:
        assert client.get(url).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        for k in range(15):
            testing.make_person(org.branch1, name="人员" + "甲乙丙丁戊己庚辛壬癸子丑寅卯辰"[k])
    paper.paper_forms_print(actor=accounts.secretary, campaign=campaign, unit=org.branch1)
    with django_assert_max_num_queries(len(small)):
        response = client.get(url)
    assert response.content.decode().count("data-person=") == 19


def test_printing_a_branch_through_the_page(campaign, accounts, org):
    client = client_for(accounts.secretary)
    url = reverse("pledges:paper_print", args=[campaign.pk])
    page = client.get(url)
    assert page.status_code == 200 and 'data-figure="to-print">4 人' in page.content.decode()
    response = client.post(url, {"unit": org.branch1.pk})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    assert pages_of(response.content) == 8
    assert Pledge.objects.filter(status=PledgeStatus.PRINTED, printed_by=accounts.secretary).count() == 4


def test_printing_selected_people_through_the_page(campaign, accounts, org, people):
    client = client_for(accounts.secretary)
    url = reverse("pledges:paper_print", args=[campaign.pk])
    response = client.post(url, {"unit": org.branch1.pk, "selection": "1", "person": [people[0].pk]})
    assert response.status_code == 200 and pages_of(response.content) == 2
    nothing = client.post(url, {"unit": org.branch1.pk, "selection": "1"}, follow=True)
    assert "请先勾选要打印承诺书的人员" in nothing.content.decode()
    other = testing.make_person(org.branch2, name="外支部人员")
    assert client.post(url, {"unit": org.branch1.pk, "person": [other.pk]}).status_code == 404
    assert Pledge.objects.count() == 1


def test_uploading_scans_and_assigning_a_page_through_the_pages(campaign, accounts, org, people):
    zhao, qian = people
    forms = paper.paper_forms_print(actor=accounts.secretary, campaign=campaign, people=people)
    pages = pages_by_person(forms.pdf, people, dpi=150)
    client = client_for(accounts.secretary)
    response = client.post(
        reverse("pledges:scan_upload", args=[campaign.pk]),
        {
            "signed_on": timezone.localdate().isoformat(),
            "files": [
                upload_file("扫描.pdf", pdf_of([pages[zhao.pk][1], blank_qr(pages[qian.pk][1])])),
                upload_file(
                    "封面.jpg", jpeg_of(page_images(forms.pdf, dpi=40)[0].convert("L").convert("RGB"))
                ),
            ],
        },
    )
    upload = ScanUpload.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "pledges:scan_detail", args=[upload.pk]
    )
    detail = client.get(response["Location"])
    body = detail.content.decode()
    assert "已上传3页：识别并录入1页，待人工指定2页" in body
    assert body.count('data-status="unmatched"') == 2 and body.count("assign-form") == 2
    # namesakes are told apart: employee number and unit beside the name
    assert f'<option value="{qian.pk}">{qian.choice_label} ·已打印</option>' in body
    assert qian.choice_label.startswith("钱纸质（")
    assert f'<option value="{zhao.pk}">' not in body  # signed: not offered

    unmatched = ScanPage.objects.get(upload=upload, index=2)
    assigned = client.post(
        reverse("pledges:scan_page_assign", args=[unmatched.pk]), {"person": qian.pk}, follow=True
    )
    assert "第2页已指定为钱纸质的承诺书" in assigned.content.decode()
    qian_pledge = Pledge.objects.get(person=qian)
    assert qian_pledge.method == PledgeMethod.PAPER and qian_pledge.recorded_by == accounts.secretary

    cover = ScanPage.objects.get(upload=upload, index=3)
    client.post(reverse("pledges:scan_page_ignore", args=[cover.pk]))
    cover.refresh_from_db()
    assert cover.status == ScanPageStatus.IGNORED

    image = client.get(reverse("pledges:scan_page_image", args=[unmatched.pk]))
    assert image["Content-Type"] == "image/jpeg" and b"".join(image.streaming_content)[:3] == b"\xff\xd8\xff"
    # the signed pledge's own page shows it as paper, with who recorded it
    detail = client.get(reverse("pledges:detail", args=[qian_pledge.pk])).content.decode()
    assert "纸质签订" in detail and "李书记" in detail


def test_a_bad_file_is_named_on_the_page(campaign, accounts, org):
    response = client_for(accounts.secretary).post(
        reverse("pledges:scan_upload", args=[campaign.pk]),
        {
            "signed_on": timezone.localdate().isoformat(),
            "files": [upload_file("坏的.pdf", b"%PDF-1.7 broken")],
        },
    )
    assert response.status_code == 400 and "文件“坏的.pdf”已损坏" in response.content.decode()
    assert not ScanUpload.objects.exists()


def test_exports_through_the_pages(campaign, accounts, org, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        pledge, _ = factories.sign(campaign, accounts.member)
    client = client_for(accounts.secretary)
    xlsx = client.get(reverse("pledges:tracking_export", args=[campaign.pk]))
    assert xlsx.status_code == 200 and xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    archive = client.get(reverse("pledges:archive_zip", args=[campaign.pk]))
    assert archive.status_code == 200 and archive["Content-Type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(b"".join(archive.streaming_content))) as z:
        assert f"甲醇厂第一党支部/王职工-{pledge.code}.pdf" in z.namelist()
    outsider = client_for(accounts.outsider_secretary)
    url = reverse("pledges:archive_zip", args=[campaign.pk]) + f"?unit={org.branch1.pk}"
    assert outsider.get(url).status_code == 404


# ---------------------------------------------------------------------------------------------------- browser


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_secretary_prints_the_branchs_forms_on_a_phone(live_server, phone, org, accounts):
    testing.make_person(org.branch1, name="赵纸质")
    campaign = factories.pledge_campaign(org.committee, actor=accounts.unit_admin)
    url = reverse("pledges:tracking", args=[campaign.pk])
    phone.goto(live_server.url + url)
    phone.fill("#id_username", "secretary")
    phone.fill("#id_password", "correct-horse-battery-9")
    phone.click("button[type=submit]")
    phone.wait_for_url(f"**{url}")
    phone.locator('[data-person="赵纸质"]').wait_for()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.click("#print-unit")
    phone.locator("#print-button").wait_for()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    with phone.expect_download(timeout=60_000) as info:
        phone.click("#print-button")
    data = Path(info.value.path()).read_bytes()
    assert pages_of(data) == 2 * 3  # 李书记, 王职工, 赵纸质
    assert info.value.suggested_filename == "承诺书-甲醇厂第一党支部-3人.pdf"
    assert Pledge.objects.filter(campaign=campaign, status=PledgeStatus.PRINTED).count() == 3
