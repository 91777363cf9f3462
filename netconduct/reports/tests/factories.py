"""Reports and cases for tests, made through the services (with a cheap argon2 cost: the cost is a setting)."""

from __future__ import annotations

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from netconduct import testing
from netconduct.documents.tests import factories as documents
from netconduct.org.choices import Role

from .. import case_services, services
from ..choices import UnitChoice
from ..selectors import current_norms

CHEAP_ARGON2 = {"time_cost": 1, "memory_cost": 1024, "parallelism": 1}
PASSPHRASE = "梅花香自苦寒来2026"
UNLIMITED_FILING = {"account": (10**9, 3600), "client": (10**9, 3600), "public": (10**9, 3600)}


def _png() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (8, 6), (20, 120, 200)).save(out, format="PNG")
    return out.getvalue()


PNG = _png()


def norms(unit, *, actor):
    """The issued norms that categories and citations refer to (articles 1 and 2, items 2.1 and 2.2)."""
    return current_norms() or documents.issued_norms(unit, actor=actor, issuer_code="规范测试党发")


def png_upload(name: str = "截图.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PNG, content_type="image/png")


def jpeg_with_gps(name: str = "photo.jpg") -> SimpleUploadedFile:
    from PIL import Image

    image = Image.new("RGB", (40, 30), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "MarkerCamera"  # Make
    exif[0x8825] = {1: "N", 2: (39.0, 54.0, 27.0), 3: "E", 4: (116.0, 23.0, 50.0)}  # GPSInfo
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


def file_report(
    actor, *, unit=None, confidential: bool = True, description: str = "在微信群里转发未经核实的消息。", **kw
):
    """A report by `actor`; routed to `unit` (as the reported unit) or the actor's own unit."""
    fields = {
        "category": "other",
        "platform": "wechat",
        "link": "https://example.com/p/1",
        "seen_on": None,
        "subject": "",
        "description": description,
        "confidential": confidential,
        "unit_basis": UnitChoice.REPORTED if unit is not None else UnitChoice.MINE,
        "reported_unit": unit,
        "passphrase": PASSPHRASE,
        "files": [],
    }
    fields.update(kw)
    with override_settings(
        NETCONDUCT_REPORT_ARGON2=CHEAP_ARGON2,
        NETCONDUCT_REPORT_CODE_ARGON2=CHEAP_ARGON2,
        NETCONDUCT_REPORT_FILE_LIMITS=UNLIMITED_FILING,  # set-up data, not a flood: the limits have tests of their own
    ):
        return services.report_file(actor=actor, **fields)


def inspector(unit, username: str):
    user = testing.make_account(username)
    testing.grant(user, Role.INSPECTOR, unit)
    return user


def violation(person, *, actor, citations=("第二条第（一）项",), **kw):
    norms(person.unit, actor=testing.superuser())
    kw.setdefault("source", "inspection")
    kw.setdefault("summary", "在微信群中转发内部文件截图。")
    return case_services.violation_open(actor=actor, person=person, citations=list(citations), **kw)
