"""URL cases of the paper path and tracking (included by url_cases.py)."""

from __future__ import annotations

import io

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from netconduct.core.url_matrix import BRANCH_READERS, UrlCase
from netconduct.pledges.models import ScanPage, ScanUpload
from netconduct.pledges.tests import factories as f

PAPER = frozenset({"sysadmin", "unit_admin", "secretary"})


def _campaign_at(unit, code):
    return lambda w: f.pledge_campaign(unit(w), actor=w.org.root_user, issuer_code=code)


_inside_campaign = _campaign_at(lambda w: w.org.group, "集团党发")
_outside_campaign = _campaign_at(lambda w: w.other_branch, "其他党发")


def _inside(w):
    return {"campaign_pk": _inside_campaign(w).pk}


def _outside(w):
    return {"campaign_pk": _outside_campaign(w).pk}


def _jpeg() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (60, 80), "white").save(out, format="JPEG")
    return out.getvalue()


def _page(campaign, unit, user) -> ScanPage:
    upload = ScanUpload.objects.create(
        campaign=campaign,
        unit=unit,
        uploaded_by=user,
        signed_on=timezone.localdate(),
        original_names=["扫描.pdf"],
        page_count=1,
    )
    name = default_storage.save(f"pledges/scans/{upload.pk}/1.jpg", ContentFile(_jpeg()))
    return ScanPage.objects.create(upload=upload, index=1, source="扫描.pdf", image_name=name)


def _inside_page(w) -> ScanPage:
    return _page(_inside_campaign(w), w.org.branch1, w.org.root_user)


def _outside_page(w) -> ScanPage:
    return _page(_outside_campaign(w), w.other_branch, w.org.root_user)


CASES: list[UrlCase] = [
    UrlCase("pledges:campaigns", BRANCH_READERS),
    UrlCase("pledges:tracking", BRANCH_READERS, inside=_inside, outside=_outside),
    UrlCase("pledges:paper_print", PAPER, inside=_inside, outside=_outside),
    UrlCase("pledges:scan_upload", PAPER, inside=_inside, outside=_outside),
    UrlCase("pledges:tracking_export", BRANCH_READERS, inside=_inside, outside=_outside),
    UrlCase("pledges:archive_zip", BRANCH_READERS, inside=_inside, outside=_outside),
    UrlCase(
        "pledges:scan_detail",
        BRANCH_READERS,
        inside=lambda w: {"pk": _inside_page(w).upload_id},
        outside=lambda w: {"pk": _outside_page(w).upload_id},
    ),
    UrlCase(
        "pledges:scan_page_image",
        BRANCH_READERS,
        inside=lambda w: {"pk": _inside_page(w).pk},
        outside=lambda w: {"pk": _outside_page(w).pk},
    ),
    UrlCase(
        "pledges:scan_page_assign",
        PAPER,
        method="post",
        inside=lambda w: {"pk": _inside_page(w).pk},
        outside=lambda w: {"pk": _outside_page(w).pk},
    ),
    UrlCase(
        "pledges:scan_page_ignore",
        PAPER,
        method="post",
        inside=lambda w: {"pk": _inside_page(w).pk},
        outside=lambda w: {"pk": _outside_page(w).pk},
    ),
]
