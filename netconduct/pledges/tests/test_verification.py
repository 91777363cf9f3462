"""One verification, one answer: the function, `netconduct verify-pledge` and the public page agree on every case,
each failure is one Chinese sentence, and only the archived bytes themselves are 有效."""

from __future__ import annotations

import datetime as dt
import hashlib
import random

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from netconduct.pledges import sealing, services, verification
from netconduct.pledges.choices import VerdictStatus
from netconduct.pledges.models import Pledge

from . import factories
from .test_timestamps import old_style_seal


@pytest.fixture
def campaign(org, accounts):
    return factories.pledge_campaign(org.committee, actor=accounts.unit_admin)


@pytest.fixture
def pledge(campaign, accounts, django_capture_on_commit_callbacks) -> Pledge:
    with django_capture_on_commit_callbacks(execute=True):
        made, _ = factories.sign(campaign, accounts.member)
    made.refresh_from_db()
    assert made.is_sealed
    return made


def _padding_byte_changed(data: bytes, *, which: int) -> bytes:
    """One '0' of the zero padding after the DER in a signature's /Contents hex string turned into '1' (which=-1:
    the last signature, the document timestamp; 0: the seal itself)."""
    starts = [i for i in range(len(data)) if data.startswith(b"/Contents <", i)]
    end = data.index(b">", starts[which])
    assert data[end - 8 : end] == b"00000000"  # unused padding
    at = end - 3
    return data[:at] + b"1" + data[at + 1 :]


def _content_byte_changed(data: bytes) -> bytes:
    at = data.index(b"stream") + 40  # inside the first page's content stream, covered by the seal
    return data[:at] + bytes([data[at] ^ 0x01]) + data[at + 1 :]


CASES = {
    "archived copy": (lambda d: d, VerdictStatus.VALID),
    "padding byte of the document timestamp": (
        lambda d: _padding_byte_changed(d, which=-1),
        VerdictStatus.NOT_ARCHIVED,
    ),
    "padding byte of the seal": (lambda d: _padding_byte_changed(d, which=0), VerdictStatus.NOT_ARCHIVED),
    "something appended": (lambda d: d + b"\n% appended\n", VerdictStatus.NOT_ARCHIVED),
    "content byte": (_content_byte_changed, VerdictStatus.CONTENT_CHANGED),
    "truncated": (lambda d: d[: len(d) // 2], VerdictStatus.UNREADABLE),
    "not a PDF": (lambda d: "这是一份承诺书".encode() * 20, VerdictStatus.UNREADABLE),
    "random bytes": (lambda d: random.Random(7).randbytes(5000), VerdictStatus.UNREADABLE),  # noqa: S311
}


def _by_command(tmp_path, capsys, data: bytes) -> tuple[str, str, int]:
    path = tmp_path / "file.pdf"
    path.write_bytes(data)
    code = 0
    try:
        call_command("verify-pledge", str(path))
    except SystemExit as exc:
        code = exc.code
    captured = capsys.readouterr()
    return captured.out, captured.err, code


def _by_page(data: bytes) -> tuple[str, int]:
    response = Client().post(reverse("pledges:verify"), {"file": SimpleUploadedFile("file.pdf", data)})
    return response.content.decode(), response.status_code


@pytest.mark.parametrize("case", list(CASES))
def test_the_function_the_command_and_the_page_give_the_same_verdict(case, pledge, tmp_path, capsys):
    change, expected = CASES[case]
    data = change(services.pledge_pdf_bytes(pledge))
    verdict = verification.pledge_verify_file(data)
    assert verdict.status == expected, verdict.message
    # one Chinese sentence, with nothing of pyHanko in it
    assert verdict.message.count("。") == 1 and verdict.message.endswith("。")
    assert not any(word in verdict.message for word in ("Error", "Traceback", "pyhanko"))

    out, err, code = _by_command(tmp_path, capsys, data)
    assert f"【{verdict.label}】{verdict.message}" in out
    assert code == (0 if expected == VerdictStatus.VALID else 1)
    assert "Traceback" not in out + err

    page, status = _by_page(data)
    assert status == 200 and f'data-verdict="{expected}"' in page and verdict.message in page
    assert "Traceback" not in page
    # the pledge's facts are shown for the archived copy only
    assert ("王*工" in page) == (expected == VerdictStatus.VALID)


def test_the_archived_copy_is_valid_with_the_tsa_time(pledge):
    verdict = verification.pledge_verify_file(services.pledge_pdf_bytes(pledge))
    assert verdict.ok and verdict.pledge == pledge and verdict.sha256 == pledge.pdf_sha256
    assert verdict.timestamped and verdict.signed_at is not None
    # the time comes from the TSA's token (whole seconds, accuracy 1 s): after the signature, and not later than
    # the archive copy was recorded
    second = dt.timedelta(seconds=1)
    assert pledge.signed_at - second <= verdict.signed_at <= pledge.sealed_at + second


def test_a_changed_content_byte_says_only_that(pledge):
    verdict = verification.pledge_verify_file(_content_byte_changed(services.pledge_pdf_bytes(pledge)))
    assert verdict.status == VerdictStatus.CONTENT_CHANGED
    assert "内容被改动" in verdict.message and "信任" not in verdict.message and "存档" not in verdict.message


def test_a_seal_from_another_key_is_not_trusted(pledge, settings, tmp_path):
    unsealed = services.render_online_pdf(pledge)
    original = settings.DATA_DIR
    settings.DATA_DIR = tmp_path
    sealing.reset_cache()
    try:
        sealing.generate_seal(organisation="别的单位")
        foreign = sealing.seal_pdf(unsealed, reason="冒充")
    finally:
        settings.DATA_DIR = original
        sealing.reset_cache()
    verdict = verification.pledge_verify_file(foreign)
    assert verdict.status == VerdictStatus.INVALID and "不受信任" in verdict.message


def test_an_old_archived_pledge_sealed_without_timestamp_still_verifies(pledge):
    """Pledges archived before trusted timestamps (PAdES B-B) stay 有效 as long as they are the archived bytes."""
    old = old_style_seal(services.render_online_pdf(pledge))
    Pledge.objects.filter(pk=pledge.pk).update(pdf_sha256=hashlib.sha256(old).hexdigest())
    verdict = verification.pledge_verify_file(old)
    assert verdict.ok and not verdict.timestamped
    assert (
        verification.pledge_verify_file(_padding_byte_changed(old, which=0)).status
        == VerdictStatus.NOT_ARCHIVED
    )


def test_codes_the_function_the_command_and_the_page_agree(pledge, capsys):
    for code, expected in (
        (pledge.code_display.lower(), VerdictStatus.VALID),
        ("ABCD" * 4, VerdictStatus.UNKNOWN_CODE),
    ):
        verdict = verification.pledge_verify_code(code)
        assert verdict.status == expected
        exit_code = 0
        try:
            call_command("verify-pledge", "--code", code)
        except SystemExit as exc:
            exit_code = exc.code
        assert f"【{verdict.label}】{verdict.message}" in capsys.readouterr().out
        assert exit_code == (0 if expected == VerdictStatus.VALID else 1)
        response = Client().get(reverse("pledges:verify_code", args=[code]))
        assert f'data-verdict="{expected}"' in response.content.decode()
        assert response.status_code == (200 if expected == VerdictStatus.VALID else 404)


def test_a_printed_pledge_not_yet_signed_is_not_valid_by_code(org, accounts, campaign):
    from netconduct.pledges import paper

    paper.paper_forms_print(actor=accounts.secretary, campaign=campaign, unit=org.branch1)
    printed = Pledge.objects.filter(status="printed").first()
    verdict = verification.pledge_verify_code(printed.code)
    assert verdict.status == VerdictStatus.NOT_SIGNED and not verdict.ok


def test_a_file_that_cannot_be_read_exits_2_with_one_sentence(tmp_path):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError) as exc:
        call_command("verify-pledge", str(tmp_path / "missing.pdf"))
    assert exc.value.returncode == 2 and "无法读取文件" in str(exc.value)
