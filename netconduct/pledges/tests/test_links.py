"""The QR codes and the printed address on pledges name the configured public address (SITE_URL), so that a phone's
camera opens the verification page."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from django.test import override_settings

from netconduct.pledges import paper, services
from netconduct.pledges.models import Pledge

from . import factories
from .test_paper import read_pages

SITE = "https://netconduct.example.cn"


@pytest.fixture
def campaign(org, accounts):
    return factories.pledge_campaign(org.committee, actor=accounts.unit_admin)


def _opens_the_verification_page(client, qr: str, pledge: Pledge) -> None:
    parts = urlsplit(qr)
    assert f"{parts.scheme}://{parts.netloc}" == SITE, qr
    client.logout()  # the phone that scans it is nobody's session
    response = client.get(parts.path)  # the fragment (#A) never reaches a server
    assert response.status_code == 200
    page = response.content.decode()
    assert pledge.code_display in page and pledge.unit_label in page


@override_settings(SITE_URL=SITE)
def test_a_sealed_online_pledge_carries_an_absolute_link_that_opens_its_verification(
    campaign, accounts, client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        pledge, _ = factories.sign(campaign, accounts.member)
    pledge.refresh_from_db()
    pages = read_pages(services.pledge_pdf_bytes(pledge))
    assert len(pages) == 2  # the pledge and its evidence page, each with the QR code
    for _text, qr in pages:
        assert qr == f"{SITE}/pledges/v/{pledge.code}/"
        _opens_the_verification_page(client, qr, pledge)
    evidence_text = pages[1][0]
    assert f"验证页面：{SITE}/pledges/verify/" in evidence_text


@override_settings(SITE_URL=SITE)
def test_a_paper_pledge_carries_an_absolute_link_that_opens_its_verification(campaign, accounts, client, org):
    forms = paper.paper_forms_print(actor=accounts.secretary, campaign=campaign, unit=org.branch1)
    pledge = Pledge.objects.get(person=accounts.member.person)
    pages = [(text, qr) for text, qr in read_pages(forms.pdf) if pledge.code in qr]
    assert [qr.rsplit("#", 1)[1] for _t, qr in pages] == ["A", "B"]
    for text, qr in pages:
        assert qr.startswith(f"{SITE}/pledges/v/{pledge.code}/#")
        assert f"{SITE}/pledges/verify/" in text  # the footer's address for typing the code in
        _opens_the_verification_page(client, qr, pledge)


@override_settings(SITE_URL="", NETCONDUCT_SITE_URL="https://old-name.example.cn")
def test_the_earlier_setting_name_still_works(campaign, accounts, org):
    forms = paper.paper_forms_print(actor=accounts.secretary, campaign=campaign, unit=org.branch1)
    assert all(qr.startswith("https://old-name.example.cn/pledges/v/") for _t, qr in read_pages(forms.pdf))
