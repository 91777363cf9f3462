"""The language switch: on every page, kept on the account, applied on every request; dates follow the language."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.template import Context, Template
from django.test import Client
from django.urls import reverse
from django.utils import translation

from netconduct import testing
from netconduct.accounts import services
from netconduct.core.exceptions import ApplicationError, PermissionRefused
from netconduct.core.models import AuditEvent

pytestmark = pytest.mark.django_db
SWITCH = reverse("accounts:language")


def test_the_switch_is_on_the_sign_in_page_and_switches_an_anonymous_visitor_by_cookie():
    client = Client()
    page = client.get(reverse("accounts:login")).content.decode()
    assert f'action="{SWITCH}"' in page and 'value="en"' in page and 'lang="en"' in page
    response = client.post(SWITCH, {"language": "en", "next": "/accounts/login/"})
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    page = client.get(reverse("accounts:login"))
    assert page["Content-Language"] == "en"
    assert '<html lang="en">' in page.content.decode()
    assert "Sign in" in page.content.decode()
    assert 'value="zh-hans"' in page.content.decode()  # and back again, under its own name
    assert 'lang="zh-CN"' in page.content.decode()


def test_a_signed_in_person_keeps_the_language_on_the_account(accounts):
    client = Client()
    testing.login(client, accounts.member)
    assert 'value="en"' in client.get(reverse("home")).content.decode()
    profile = client.get(reverse("accounts:profile")).content.decode()
    assert '<option value="en" lang="en">English</option>' in profile  # and on the settings page, as a choice
    response = client.post(SWITCH, {"language": "en", "next": reverse("accounts:profile")})
    assert response["Location"] == reverse("accounts:profile")
    accounts.member.refresh_from_db()
    assert accounts.member.language == "en"
    event = AuditEvent.objects.filter(action="account.language").get()
    assert event.before == {"language": ""} and event.after == {"language": "en"}
    # Another browser, asking for Chinese: the account's language wins, and its cookie is set to it.
    other = Client(headers={"accept-language": "zh-CN,zh;q=0.9"})
    testing.login(other, accounts.member)
    page = other.get(reverse("home"))
    assert page["Content-Language"] == "en"
    assert other.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    # Back to Chinese; pressing the same language twice records one event.
    client.post(SWITCH, {"language": "zh-hans", "next": "/"})
    client.post(SWITCH, {"language": "zh-hans", "next": "/"})
    accounts.member.refresh_from_db()
    assert accounts.member.language == "zh-hans"
    assert AuditEvent.objects.filter(action="account.language").count() == 2
    assert client.get(reverse("home"))["Content-Language"] == "zh-hans"


def test_an_unknown_language_or_an_outside_address_changes_nothing(accounts):
    client = Client()
    testing.login(client, accounts.member)
    response = client.post(SWITCH, {"language": "fr", "next": "https://evil.example/"})
    assert response.status_code == 302 and response["Location"] == "/"
    accounts.member.refresh_from_db()
    assert accounts.member.language == ""
    assert settings.LANGUAGE_COOKIE_NAME not in client.cookies
    assert client.get(SWITCH).status_code == 405
    response = client.post(SWITCH, {"language": "en", "next": "99999999999999999999"})
    assert response.status_code == 302 and response["Location"] == "/"


def test_the_service_refuses_anonymous_callers_and_unknown_languages(accounts):
    with pytest.raises(PermissionRefused):
        services.account_language_set(actor=None, language="en")
    with pytest.raises(ApplicationError) as refused:
        services.account_language_set(actor=accounts.member, language="xx")
    assert "xx" in str(refused.value)
    assert not AuditEvent.objects.filter(action="account.language").exists()


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("zh-hans", "2026年3月5日 · 2026年3月5日 09:07 · 3月5日 · 2026年3月"),
        ("en", "5 Mar 2026 · 5 Mar 2026 09:07 · 5 Mar · March 2026"),
    ],
)
def test_dates_follow_the_language(language, expected):  # and numbers: see below
    when = dt.datetime(2026, 3, 5, 9, 7, tzinfo=dt.UTC)
    template = Template(
        '{% load tz %}{% timezone "UTC" %}{{ d|date:"DATE_FORMAT" }} · {{ d|date:"DATETIME_FORMAT" }} · '
        '{{ d|date:"MONTH_DAY_FORMAT" }} · {{ d|date:"YEAR_MONTH_FORMAT" }}{% endtimezone %}'
    )
    with translation.override(language):
        assert template.render(Context({"d": when})) == expected


@pytest.mark.parametrize(
    ("language", "expected"), [("zh-hans", "1234567 · 12.5"), ("en", "1,234,567 · 12.5")]
)
def test_numbers_follow_the_language(language, expected):
    template = Template("{% load humanize %}{{ n|intcomma }} · {{ x }}")
    with translation.override(language):
        assert template.render(Context({"n": 1234567, "x": 12.5})) == expected
