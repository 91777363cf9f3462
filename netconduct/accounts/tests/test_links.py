"""Activation slips are printed and scanned by phones: their QR codes and address name SITE_URL, not the host the
secretary's browser happened to use."""

import pytest
from django.test import override_settings
from django.urls import reverse

from netconduct import testing

pytestmark = pytest.mark.django_db
SITE = "https://netconduct.example.cn"


def _sheet(client, org) -> str:
    response = client.post(reverse("accounts:activation_sheet", args=[org.branch1.pk]), {"mode": "all"})
    assert response.status_code == 200
    return response.content.decode()


@override_settings(SITE_URL=SITE)
def test_slips_link_to_the_public_address(client, org, accounts):
    testing.make_person(org.branch1, name="赵大山", employee_no="E20001", mobile="13800000001")
    testing.login(client, accounts.secretary)
    html = _sheet(client, org)  # requested as http://testserver
    links = testing.qr_texts_in_svg(html)
    assert links and all(link.startswith(f"{SITE}/accounts/activate/") for link in links), links
    assert f"{SITE}{reverse('accounts:activate_code')}" in html
    assert "testserver" not in html

    client.logout()
    opened = client.get(links[0].removeprefix(SITE))  # the phone opens it
    assert opened.status_code == 200 and 'name="password1"' in opened.content.decode()  # a valid slip


def test_without_a_public_address_the_slips_use_the_requests_host(client, org, accounts):
    testing.make_person(org.branch1, name="赵大山", employee_no="E20001", mobile="13800000001")
    testing.login(client, accounts.secretary)
    links = testing.qr_texts_in_svg(_sheet(client, org))
    assert links and all(link.startswith("http://testserver/accounts/activate/") for link in links), links
