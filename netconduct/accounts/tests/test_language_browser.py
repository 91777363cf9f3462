"""The language switch in a real browser at phone width, and the English activation slips on A4."""

import re

import pytest
from django.core.cache import cache
from django.urls import reverse

from netconduct import testing

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct-horse-battery-9"


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()


def test_a_member_switches_to_english_on_the_phone_and_keeps_it(live_server, phone, accounts):
    phone.goto(live_server.url + reverse("accounts:login"))
    phone.click("button[name=language][value=en]")  # visible without opening any menu
    phone.wait_for_selector("html[lang=en]")
    assert "Sign in" in phone.content()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.fill("#id_username", "member")
    phone.fill("#id_password", PASSWORD)
    phone.click("form:not(.nc-language) button[type=submit]")
    phone.wait_for_url(live_server.url + "/")
    assert phone.locator("html").get_attribute("lang") == "en"
    assert "My to-dos" in phone.content()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    # Back to Chinese from the phone's top bar: kept on the account this time.
    phone.click("button[name=language][value=zh-hans]")
    phone.wait_for_selector("html[lang=zh-CN]")
    assert "我的待办" in phone.content()
    accounts.member.refresh_from_db()
    assert accounts.member.language == "zh-hans"


def test_english_activation_slips_still_print_eight_to_an_a4_page(live_server, page, org, accounts):
    for i in range(10):
        testing.make_person(org.branch1, name=f"职工{'甲乙丙丁戊己庚辛壬癸'[i]}", employee_no=f"E4000{i}")
    type(accounts.secretary).objects.filter(pk=accounts.secretary.pk).update(language="en")
    page.goto(live_server.url + reverse("accounts:login"))
    page.fill("#id_username", "secretary")
    page.fill("#id_password", PASSWORD)
    page.click("form:not(.nc-language) button[type=submit]")
    page.wait_for_url(live_server.url + "/")
    page.goto(live_server.url + reverse("accounts:activation_sheet", args=[org.branch1.pk]))
    page.click("#nc-sheet-form button[type=submit]")
    page.wait_for_selector(".nc-slip")
    assert "Activation code (single use)" in page.content()
    page.emulate_media(media="print")
    pdf = page.pdf(format="A4", prefer_css_page_size=True, print_background=True)
    assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) == 2
    # the longer English text stays inside each slip
    overflowing = page.evaluate(
        "[...document.querySelectorAll('.nc-slip')].filter(s => s.scrollHeight > s.clientHeight + 1).length"
    )
    assert overflowing == 0
    page.emulate_media(media="screen")
