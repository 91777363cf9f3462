"""The slip's way through a real browser: what the test client cannot see (CSRF origin checks, print layout)."""

import re

import pytest
from django.core.cache import cache
from django.urls import reverse

from netconduct import testing
from netconduct.accounts import ldap, services
from netconduct.accounts.models import ActivationCode

from . import slapd as slapd_helper

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct-horse-battery-9"


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()


def test_a_member_activates_from_the_slip_link_on_a_phone(live_server, phone, org, accounts):
    person = testing.make_person(org.branch1, name="赵大山", employee_no="E20001", mobile="13800000001")
    (slip,) = services.activation_issue(
        actor=accounts.secretary, people=[person], purpose=ActivationCode.Purpose.ACTIVATE
    )
    phone.goto(live_server.url + reverse("accounts:activate", args=[slip.token]))
    assert "赵*山" in phone.content()
    phone.fill("#id_password1", "spring-mine-shift-42")
    phone.fill("#id_password2", "spring-mine-shift-42")
    phone.click("button[type=submit]")
    phone.wait_for_url(live_server.url + "/")
    assert "账号已开通" in phone.content()
    # nothing wider than the phone
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390


def test_the_code_path_works_in_a_browser(live_server, phone, org, accounts):
    person = testing.make_person(org.branch1, name="钱二", employee_no="E20002")
    (slip,) = services.activation_issue(
        actor=accounts.secretary, people=[person], purpose=ActivationCode.Purpose.ACTIVATE
    )
    phone.goto(live_server.url + reverse("accounts:activate_code"))
    phone.fill("#id_identifier", "E20002")
    phone.fill("#id_code", slip.code_display.lower())
    phone.click("button[type=submit]")
    phone.fill("#id_password1", "spring-mine-shift-42")
    phone.fill("#id_password2", "spring-mine-shift-42")
    phone.click("button[type=submit]")
    phone.wait_for_url(live_server.url + "/")
    person.refresh_from_db()
    assert person.user is not None


def test_the_sheet_prints_eight_slips_per_a4_page(live_server, page, org, accounts):
    for i in range(10):
        testing.make_person(org.branch1, name=f"职工{'甲乙丙丁戊己庚辛壬癸'[i]}", employee_no=f"E3000{i}")
    page.goto(live_server.url + reverse("accounts:login"))
    page.fill("#id_username", "secretary")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.goto(live_server.url + reverse("accounts:activation_sheet", args=[org.branch1.pk]))
    page.click("#nc-sheet-form button[type=submit]")
    page.wait_for_selector(".nc-slip")
    assert page.locator(".nc-slip").count() == 10
    page.emulate_media(media="print")
    pdf = page.pdf(format="A4", prefer_css_page_size=True, print_background=True)
    assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) == 2
    box = page.locator(".nc-slip").first.bounding_box()
    mm = 96 / 25.4
    assert abs(box["width"] / mm - 97) < 2 and abs(box["height"] / mm - 70) < 2


def test_a_member_signs_in_with_the_directory_on_a_phone(live_server, phone, accounts, settings):
    slapd_helper.require_slapd()
    server = slapd_helper.slapd_start()
    try:
        settings.NETCONDUCT_LDAP_URI = server.uri
        settings.NETCONDUCT_LDAP_BIND_DN = slapd_helper.ADMIN_DN
        settings.NETCONDUCT_LDAP_BIND_PASSWORD = slapd_helper.ADMIN_PASSWORD
        settings.NETCONDUCT_LDAP_USER_BASE = slapd_helper.PEOPLE
        settings.NETCONDUCT_LDAP_START_TLS = True
        settings.NETCONDUCT_LDAP_CA_FILE = server.ca_file
        settings.AUTHENTICATION_BACKENDS = [*settings.AUTHENTICATION_BACKENDS, ldap.BACKEND]
        phone.goto(live_server.url + reverse("accounts:login"))
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390
        phone.click("text=单位目录账号（LDAP）")
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390
        phone.fill("#id_username", "wangzg")
        phone.fill("#id_password", "dir-pass-wang")
        phone.click("button[type=submit]")
        phone.wait_for_url(live_server.url + "/")
        assert "王职工" in phone.content()
    finally:
        server.stop()
