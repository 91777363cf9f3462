"""Receipt codes: 20 digits, 16 of them secret, a check digit, and only argon2 hashes stored."""

from __future__ import annotations

import pytest

from netconduct.reports import receipts

from . import factories as f


def test_a_code_is_twenty_digits_with_a_check_digit_and_reads_back_however_typed():
    code = receipts.new_code()
    assert len(code) == 20 and code.isdigit()
    assert receipts.SECRET_DIGITS >= 16
    shown = receipts.format_code(code)
    assert shown.count(" ") == 4
    assert receipts.normalise_code(shown) == code
    assert receipts.normalise_code(code[:4] + "-" + code[4:]) == code
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in code)  # ０１２… from a Chinese input method
    assert receipts.normalise_code(full_width) == code


def test_a_mistyped_digit_or_a_short_code_is_caught_before_any_lookup():
    code = receipts.new_code()
    wrong = code[:7] + str((int(code[7]) + 1) % 10) + code[8:]
    assert receipts.normalise_code(wrong) is None
    assert receipts.normalise_code(code[:-1]) is None
    assert receipts.normalise_code("") is None


def test_codes_differ_and_their_secret_part_is_random():
    codes = {receipts.new_code() for _ in range(200)}
    assert len(codes) == 200


@pytest.mark.django_db
def test_code_and_passphrase_are_stored_only_as_argon2_hashes(org, accounts):
    filed = f.file_report(accounts.member)
    report = filed.report
    report.refresh_from_db()
    assert report.code_hash.startswith("$argon2id$")
    assert report.passphrase_hash.startswith("$argon2id$")
    assert filed.code not in report.code_hash and filed.code[3:] not in str(report.__dict__)
    assert f.PASSPHRASE not in report.passphrase_hash
    assert report.locator == filed.code[:3]
