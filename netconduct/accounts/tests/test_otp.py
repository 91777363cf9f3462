import re

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from netconduct.core.models import AuditEvent

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-battery-9"


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()


def _code(device: TOTPDevice, *, shift: int = 0) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=shift):06d}"


def _after_throttle(device: TOTPDevice) -> None:
    """django-otp makes a device wait after a wrong code (1 s, doubling); tests step past the wait."""
    device.refresh_from_db()
    if device.throttling_failure_timestamp:
        device.throttling_failure_timestamp -= timezone.timedelta(minutes=5)
        device.save(update_fields=["throttling_failure_timestamp"])


def _password_login(client: Client, username: str) -> str:
    response = client.post(reverse("accounts:login"), {"username": username, "password": PASSWORD})
    assert response.status_code == 302
    return response["Location"]


def test_sysadmin_without_a_device_sets_one_up_and_then_reaches_home(accounts):
    client = Client()
    location = _password_login(client, "sysadmin")
    assert location.startswith(reverse("accounts:otp"))
    assert client.get("/").status_code == 302  # not verified yet

    response = client.get(location)
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:otp_setup"))
    page = client.get(response["Location"])
    html = page.content.decode()
    assert page.status_code == 200
    assert "<svg" in html and "绑定身份验证器" in html
    device = TOTPDevice.objects.get(user=accounts.sysadmin)
    assert not device.confirmed
    assert device.config_url.startswith("otpauth://totp/")

    wrong = client.post(
        reverse("accounts:otp_setup"), {"token": "000000" if _code(device) != "000000" else "111111"}
    )
    assert "验证码不正确" in wrong.content.decode()
    device.refresh_from_db()
    assert not device.confirmed
    _after_throttle(device)

    done = client.post(reverse("accounts:otp_setup") + "?next=/", {"token": _code(device), "next": "/"})
    assert done.status_code == 302 and done["Location"] == "/"
    device.refresh_from_db()
    assert device.confirmed
    assert client.get("/").status_code == 200
    event = AuditEvent.objects.get(action="account.totp_confirm")
    assert event.object_type == "accounts.user" and event.object_id == str(accounts.sysadmin.pk)
    assert event.unit_path == ""
    assert device.key not in str(event.after)


def test_sysadmin_with_a_device_must_type_its_code(accounts):
    device = TOTPDevice.objects.create(user=accounts.sysadmin, name="phone", confirmed=True)
    client = Client()
    location = _password_login(client, "sysadmin")
    assert location == reverse("accounts:otp") + "?next=%2F"
    assert client.get("/").status_code == 302
    # with a confirmed device, the setup page is closed: a stolen password must not add another device
    setup = client.get(reverse("accounts:otp_setup"))
    assert setup.status_code == 302 and setup["Location"].startswith(reverse("accounts:otp"))

    bad = client.post(location, {"token": _code(device, shift=-20), "next": "/"})
    assert bad.status_code == 200 and "验证码不正确" in bad.content.decode()
    too_soon = client.post(location, {"token": _code(device), "next": "/"})
    assert "秒后重新输入" in too_soon.content.decode()
    _after_throttle(device)
    good = client.post(location, {"token": _code(device), "next": "/"})
    assert good.status_code == 302 and good["Location"] == "/"
    assert client.get("/").status_code == 200


def test_unverified_sysadmin_cannot_reach_the_activation_pages(accounts, org):
    TOTPDevice.objects.create(user=accounts.sysadmin, name="phone", confirmed=True)
    client = Client()
    _password_login(client, "sysadmin")
    for url in [
        reverse("accounts:activation_units"),
        reverse("accounts:activation_sheet", args=[org.branch1.pk]),
        reverse("accounts:person_reset", args=[accounts.member.person.pk]),
        reverse("accounts:password_change"),
    ]:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:otp")), url


def test_members_are_not_asked_for_a_second_factor(accounts):
    client = Client()
    assert _password_login(client, "member") == reverse("home")
    assert client.get(reverse("accounts:otp_setup")).status_code == 302
    assert not TOTPDevice.objects.filter(user=accounts.member).exists()


def test_setup_page_shows_the_secret_only_to_its_owner(accounts):
    client = Client()
    _password_login(client, "sysadmin")
    html = client.get(reverse("accounts:otp_setup")).content.decode()
    device = TOTPDevice.objects.get(user=accounts.sysadmin)
    import base64

    secret = base64.b32encode(device.bin_key).decode()
    shown = re.sub(r"\s", "", re.search(r'user-select-all">([^<]+)<', html).group(1))
    assert shown == secret
