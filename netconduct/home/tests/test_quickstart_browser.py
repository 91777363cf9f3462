"""The README's first command, as a new user runs it: quickstart on the embedded settings, the demo member signs the
pledge on a phone and downloads the sealed PDF, with no worker started by hand."""

from __future__ import annotations

import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from django.conf import settings

from netconduct.pledges.demo import QUESTIONS
from netconduct.pledges.render import warm_fonts

from .test_quickstart import _cli, _embedded_env, read_until_served

pytestmark = [pytest.mark.browser, pytest.mark.once]
MEMBER = re.compile(r"member_demo\s+密码：(\S+)")


def _seed_fonts(data_dir: Path) -> None:
    """The pledge fonts are derived data, the same on every install: built once for the test run (about 20 s) and
    copied, so this test times what a new user waits for after the first start, not the font build."""
    warm_fonts()
    target = data_dir / "cache" / "fonts"
    target.mkdir(parents=True)
    for font in Path(settings.NETCONDUCT_FONT_CACHE).glob("*.ttf"):
        shutil.copy(font, target)


def _start(data_dir: Path, log: Path) -> tuple[subprocess.Popen, str, str]:
    server = subprocess.Popen(
        _cli("quickstart", "--addrport", "127.0.0.1:0"),
        env=_embedded_env(data_dir),
        stdout=subprocess.PIPE,
        stderr=log.open("w"),
        text=True,
    )
    output, url = read_until_served(server, timeout=90)
    assert url, output + log.read_text()
    return server, url, MEMBER.search(output)[1]


def _sign_with_a_finger(phone) -> None:
    phone.get_by_text("严守政治纪律和政治规矩").wait_for()
    for question in QUESTIONS:
        phone.get_by_label(question.options[question.correct], exact=True).check()
    phone.locator("#pledge-end").scroll_into_view_if_needed()
    phone.wait_for_function("!document.getElementById('acknowledged').disabled")
    phone.check("#acknowledged")
    pad = phone.locator("#signature-pad")
    pad.scroll_into_view_if_needed()
    box = pad.bounding_box()
    phone.mouse.move(box["x"] + 30, box["y"] + 100)
    phone.mouse.down()
    for k in range(1, 12):
        phone.mouse.move(box["x"] + 30 + k * 25, box["y"] + 100 - (k % 2) * 60, steps=3)
    phone.mouse.up()
    with phone.expect_navigation(timeout=30_000):
        phone.click("#sign-button")


def test_the_demo_member_signs_and_downloads_the_sealed_pdf_on_a_fresh_quickstart(phone, tmp_path):
    started = time.monotonic()
    data_dir = tmp_path / "data"
    _seed_fonts(data_dir)
    server, url, password = _start(data_dir, tmp_path / "server.log")
    try:
        phone.goto(url + "accounts/login/")
        phone.fill("#id_username", "member_demo")
        phone.fill("#id_password", password)
        phone.click("button[type=submit]")
        phone.wait_for_url(url)
        phone.goto(url + "pledges/")
        phone.locator("#to-sign a").first.click()
        _sign_with_a_finger(phone)

        # Sealed by the worker quickstart runs beside the server; the page polls until the PDF is there.
        download = phone.locator("#download-pdf")
        download.wait_for(timeout=45_000)
        with phone.expect_download() as info:
            download.click()
        pdf = tmp_path / "pledge.pdf"
        info.value.save_as(pdf)
    finally:
        server.terminate()  # as Ctrl+C: the server and its worker stop cleanly
        server.wait(timeout=120)
        output = server.stdout.read()  # the stream readline() used (communicate() would miss its read-ahead)
    assert server.returncode == 0, output
    assert "后台任务已停止" in output

    checked = subprocess.run(
        _cli("verify-pledge", str(pdf)),
        env=_embedded_env(data_dir),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert time.monotonic() - started < 90  # a new user's minute, with room for a loaded CI machine
