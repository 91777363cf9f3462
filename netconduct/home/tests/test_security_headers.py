"""Every page carries a Content-Security-Policy without inline code, a Permissions-Policy and a Referrer-Policy;
signed-in pages are never cached; a request for another host gets the product's own Chinese 400 page."""

from __future__ import annotations

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from netconduct import testing

pytestmark = pytest.mark.django_db
PAGES = ["home", "campaigns:list", "org:tree", "notifications:notifications", "audit:list"]


def _directives(header: str) -> dict[str, list[str]]:
    parts = [p.strip().split() for p in header.split(";") if p.strip()]
    return {p[0]: p[1:] for p in parts}


@pytest.mark.parametrize("role", ["sysadmin", "unit_admin", "secretary", "inspector", "member"])
def test_signed_in_pages_carry_the_headers_and_are_not_cached(client, accounts, role):
    testing.login(client, getattr(accounts, role))
    for name in ["home", "notifications:notifications", "accounts:password_change"]:
        response = client.get(reverse(name))
        assert response.status_code == 200, name
        csp = _directives(response["Content-Security-Policy"])
        assert csp["script-src"] == ["'self'"] and csp["style-src"] == ["'self'"], name
        assert "'unsafe-inline'" not in response["Content-Security-Policy"]
        assert "camera=()" in response["Permissions-Policy"]
        assert response["Referrer-Policy"] == "same-origin"
        assert "no-store" in response["Cache-Control"], name


def test_anonymous_pages_have_the_policy_too(client, org):
    response = client.get(reverse("accounts:login"))
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert response["Referrer-Policy"] == "same-origin"


def test_pages_hold_no_inline_script_style_or_handler(client, accounts):
    import re

    testing.login(client, accounts.unit_admin)
    for name in ["home", "org:tree", "notifications:notifications", "accounts:password_change"]:
        html = client.get(reverse(name)).content.decode()
        assert not re.search(r"<script(?![^>]*\ssrc=)[^>]*>", html), name
        assert "<style" not in html and not re.search(r"\sstyle=\"", html), name
        assert not re.search(r"\son[a-z]+=\"", html), name


@override_settings(ALLOWED_HOSTS=["netconduct.example.cn"], DEBUG=False)
def test_a_foreign_host_gets_the_chinese_400_page(org):
    response = Client(raise_request_exception=False).get("/", HTTP_HOST="evil.example.com")
    assert response.status_code == 400
    text = response.content.decode()
    assert "请求有误" in text and "网络行为规范管理平台" in text and "Bad Request" not in text
