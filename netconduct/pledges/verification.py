"""One verification, one answer: `netconduct verify-pledge`, the public page and the API all call these two.

A file is 有效 only when its seal is intact, valid and trusted AND its bytes are those of a pledge's archive copy
(the SHA-256 recorded at sealing). A file whose seal is fine but whose bytes differ in any way — a byte changed in
the unused padding of a signature's /Contents, something appended, an incremental update — is 不是存档文件.
A file whose signed content changed says exactly that, and nothing about certificates. Every failure is one
Chinese sentence; nothing here raises for any input.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from django.utils.translation import gettext as _

from netconduct.accounts.selectors import normalize_code

from . import sealing
from .choices import PledgeStatus, VerdictStatus
from .models import Pledge

_PLEDGE_RELATED = ("person", "unit", "template", "norms", "recorded_by")


@dataclass(frozen=True)
class Verdict:
    status: str  # VerdictStatus
    message: str  # one Chinese sentence
    pledge: Pledge | None = None
    sha256: str = ""
    signer: str = ""
    signed_at: dt.datetime | None = None  # sealing time: the TSA's when the seal carries a timestamp
    timestamped: bool = False

    @property
    def ok(self) -> bool:
        return self.status == VerdictStatus.VALID

    @property
    def label(self) -> str:
        return VerdictStatus(self.status).label

    @property
    def exit_code(self) -> int:
        return 0 if self.ok else 1


def pledge_verify_file(data: bytes) -> Verdict:
    """Is `data` an authentic, unaltered archive copy of a pledge sealed by this platform, and whose?"""
    digest = hashlib.sha256(data).hexdigest()
    check = sealing.verify_pdf(data)
    known = {
        "sha256": digest,
        "signer": check.signer,
        "signed_at": check.signed_at,
        "timestamped": check.timestamped,
    }
    if not check.ok and check.finding not in sealing.AFTER_THE_SEAL:
        if check.finding == sealing.Finding.CONTENT_CHANGED:
            status = VerdictStatus.CONTENT_CHANGED
        elif check.finding in {
            sealing.Finding.NOT_PDF,
            sealing.Finding.DAMAGED,
            sealing.Finding.SEAL_DAMAGED,
        }:
            status = VerdictStatus.UNREADABLE
        else:
            status = VerdictStatus.INVALID
        return Verdict(status, check.message, **known)
    pledge = Pledge.objects.select_related(*_PLEDGE_RELATED).filter(pdf_sha256=digest).first()
    if pledge is None:
        why = "" if check.ok else _("（%(why)s）") % {"why": check.message.rstrip("。")}
        return Verdict(
            VerdictStatus.NOT_ARCHIVED,
            _("签章未被破坏，但文件与平台存档的承诺书并非逐字节相同%(why)s。") % {"why": why},
            **known,
        )
    if not check.ok:  # an archived copy that no longer passes: should never be; say what is wrong
        return Verdict(VerdictStatus.INVALID, check.message, pledge=pledge, **known)
    return Verdict(
        VerdictStatus.VALID, _("签章有效，文件与平台存档的承诺书逐字节相同。"), pledge=pledge, **known
    )


def pledge_verify_code(code: str) -> Verdict:
    """What the platform holds under a verification code (typed from paper, or from a QR link)."""
    normalized = normalize_code(code or "")
    pledge = (
        Pledge.objects.select_related(*_PLEDGE_RELATED).filter(code=normalized).first()
        if len(normalized) == 16
        else None
    )
    if pledge is None:
        return Verdict(VerdictStatus.UNKNOWN_CODE, _("没有找到这个验证码对应的承诺书，请核对后重新输入。"))
    if pledge.status != PledgeStatus.SIGNED:
        return Verdict(
            VerdictStatus.NOT_SIGNED, _("验证码有效，但这份承诺书已打印、尚未签订。"), pledge=pledge
        )
    return Verdict(
        VerdictStatus.VALID,
        _("验证码有效，平台存有这份已签订的承诺书。"),
        pledge=pledge,
        sha256=pledge.pdf_sha256,
        signed_at=pledge.signed_at,
    )
