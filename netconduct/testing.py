"""Helpers for tests: valid demo ID numbers, a standard organisation, accounts per role, logging in with OTP."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from stdnum.cn import ric

_counter = itertools.count(1)


def make_id_number(
    seq: int | None = None,
    *,
    birth: dt.date = dt.date(1985, 3, 14),
    region: str = "150602",
    female: bool = False,
) -> str:
    """A resident ID number with a valid checksum; `seq` makes it unique (up to 999 per birth date)."""
    n = next(_counter) if seq is None else seq
    birth = birth + dt.timedelta(days=n // 499)
    order = (n % 499) * 2 + (0 if female else 1)  # odd for men, even for women
    body = f"{region}{birth:%Y%m%d}{order:03d}"
    return body + ric.calc_check_digit(body + "0")


def make_mobile(seq: int | None = None) -> str:
    n = next(_counter) if seq is None else seq
    return f"139{n:08d}"


def superuser(username: str = "root"):
    User = get_user_model()
    user, _ = User.objects.get_or_create(username=username, defaults={"is_superuser": True, "is_staff": True})
    return user


@dataclass
class StandardOrg:
    """A small organisation: group → company → committee → general branch → two branches, plus an office branch."""

    root_user: object
    group: object
    company: object
    committee: object
    plant: object  # 党总支
    branch1: object
    branch2: object
    office: object  # 党支部 directly under the committee


def build_standard_org() -> StandardOrg:
    from netconduct.org import services
    from netconduct.org.choices import UnitKind as K

    root = superuser()
    group = services.unit_create(actor=root, parent=None, name="皖北煤电集团", kind=K.GROUP, code="皖北煤电")
    company = services.unit_create(actor=root, parent=group, name="西北能化公司", kind=K.COMPANY)
    committee = services.unit_create(
        actor=root, parent=company, name="西北能化公司党委", kind=K.COMMITTEE, code="西北能化党"
    )
    plant = services.unit_create(actor=root, parent=committee, name="甲醇厂党总支", kind=K.GENERAL_BRANCH)
    branch1 = services.unit_create(actor=root, parent=plant, name="甲醇厂第一党支部", kind=K.BRANCH)
    branch2 = services.unit_create(actor=root, parent=plant, name="甲醇厂第二党支部", kind=K.BRANCH)
    office = services.unit_create(actor=root, parent=committee, name="机关党支部", kind=K.BRANCH)
    return StandardOrg(root, group, company, committee, plant, branch1, branch2, office)


def make_person(unit, *, actor=None, name: str = "张三", **fields):
    from netconduct.org import services

    fields.setdefault("id_number", make_id_number())
    fields.setdefault("categories", ["employee"])
    return services.person_create(actor=actor or superuser(), unit=unit, name=name, **fields)


def make_account(username: str, *, person=None, password: str = "correct-horse-battery-9"):
    User = get_user_model()
    user = User.objects.create_user(username=username, password=password)
    if person is not None:
        person.user = user
        person.save(update_fields=["user"])
    return user


def grant(user, role: str, unit):
    from netconduct.org import services

    return services.grant_create(actor=superuser(), user=user, role=role, unit=unit)


def login(client, user) -> None:
    """Log a test client in; a system administrator also passes the TOTP step, as after a real code."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client.force_login(user)
    from netconduct.accounts.middleware import needs_second_factor

    if needs_second_factor(user):
        device, _ = TOTPDevice.objects.get_or_create(user=user, name="test", defaults={"confirmed": True})
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()


def qr_texts_in_svg(html: str) -> list[str]:
    """The text of every segno QR code drawn inline in `html` (as pages show them), read back with zxing-cpp: the
    SVG path is redrawn module by module, since nothing here renders SVG."""
    import re

    import zxingcpp
    from PIL import Image, ImageDraw

    texts = []
    for size, path in re.findall(
        r'<svg viewBox="0 0 (\d+) \1"[^>]*>.*?<path class="qrline"[^>]*\bd="([^"]+)"', html, flags=re.S
    ):
        scale = 8
        image = Image.new("L", (int(size) * scale, int(size) * scale), 255)
        draw = ImageDraw.Draw(image)
        x = y = 0.0
        for op, a, b in re.findall(r"([MmHh])\s*(-?[\d.]+)(?:\s+(-?[\d.]+))?", path):
            if op == "M":
                x, y = float(a), float(b)
            elif op == "m":
                x, y = x + float(a), y + float(b)
            else:
                end = float(a) if op == "H" else x + float(a)
                row = int(y)  # the stroke runs along the middle of the module's row
                draw.rectangle([x * scale, row * scale, end * scale - 1, (row + 1) * scale - 1], fill=0)
                x = end
        found = zxingcpp.read_barcodes(image)
        texts.append(found[0].text if found else "")
    return texts
