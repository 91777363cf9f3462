"""The self-check on a phone, as members open it inside WeChat: paste, check, see the marks, copy the redacted text;
upload a file and download its redacted copy from the same form."""

from __future__ import annotations

import os

import pytest
from django.urls import reverse

from .files import docx_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery-9"  # the password testing.make_account gives


def _log_in(page, live_server, username: str) -> None:
    page.goto(live_server.url + reverse("accounts:login"))
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(live_server.url + reverse("home"))


def test_member_checks_pasted_text_on_a_phone(live_server, phone, accounts):
    _log_in(phone, live_server, "member")
    phone.goto(live_server.url + reverse("selfcheck:check"))
    assert phone.locator("#nc-privacy").is_visible()
    phone.fill("#id_text", "联系人：王职工，电话13912345678，机密★1年")
    phone.get_by_role("button", name="检查").click()
    phone.wait_for_selector("#nc-summary")
    marks = phone.locator("#nc-checked mark")
    assert marks.count() == 3
    assert phone.locator('mark[data-kind="mobile"]').is_visible()
    assert phone.locator("#nc-findings li").count() == 3
    assert phone.locator("#nc-redacted").input_value() == "联系人：王**，电话139****5678，*****"
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways on a phone ({width}px)"
    if os.environ.get("NETCONDUCT_SCREENSHOTS"):
        phone.screenshot(
            path=os.path.join(os.environ["NETCONDUCT_SCREENSHOTS"], "selfcheck-phone.png"), full_page=True
        )


def test_upload_a_docx_then_download_its_redacted_copy(live_server, phone, accounts, tmp_path):
    source = tmp_path / "通知.docx"
    source.write_bytes(docx_bytes(body=[[("请联系王职工，电话13912345678", False)]]))
    _log_in(phone, live_server, "member")
    phone.goto(live_server.url + reverse("selfcheck:check"))
    phone.set_input_files("#id_file", str(source))
    phone.get_by_role("button", name="检查").click()
    phone.wait_for_selector("#nc-summary")
    assert "已检查文件：通知.docx" in phone.locator("#nc-summary").inner_text()
    with phone.expect_download() as info:
        phone.get_by_role("button", name="下载脱敏 Word（保留原格式）").click()
    download = info.value
    assert download.suggested_filename == "通知（已脱敏）.docx"
    import docx

    document = docx.Document(download.path())
    assert document.paragraphs[0].text == "请联系王**，电话139****5678"
