"""Every page names the icon, and /favicon.ico (asked for by browsers and WeChat regardless) is served."""

import io

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse
from PIL import Image

pytestmark = pytest.mark.django_db


def test_favicon_ico_is_served_not_a_404(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200 and response["Content-Type"] == "image/x-icon"
    assert "max-age" in response["Cache-Control"]
    with Image.open(io.BytesIO(response.content)) as icon:
        assert icon.format == "ICO" and (32, 32) in icon.info["sizes"]


def test_pages_link_the_svg_and_png_icons(client):
    page = client.get(reverse("accounts:login")).content.decode()
    for name in ("favicon.svg", "favicon-32.png", "favicon-180.png"):
        assert f"/static/netconduct/{name}" in page
        assert finders.find(f"netconduct/{name}")
