"""Asking for a pack, building it (the background task calls this) and taking it out of the platform. Each write
checks the scope first and records one audit event; building re-checks, as a grant may have gone since."""

from __future__ import annotations

import hashlib
import logging
import tempfile

from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from netconduct.campaigns.choices import CampaignStatus
from netconduct.campaigns.models import Campaign
from netconduct.core.audit import Change, audit_record
from netconduct.core.exceptions import ApplicationError, PermissionRefused
from netconduct.core.files import safe_name_part
from netconduct.org import scoping
from netconduct.org.models import OrgUnit
from netconduct.pledges.sealing import TimestampUnavailable

from . import builder, contents
from .choices import PackStatus
from .models import EvidencePack

logger = logging.getLogger(__name__)

ACTION = "evidence.pack"
YEAR_MIN = 2000
WORKING_MAX = 3  # packs one account may have queued or running at once


def _label(user) -> str:
    return (getattr(user, "get_full_name", lambda: "")() or user.get_username())[:150]


def evidence_pack_request(
    *,
    actor,
    unit: OrgUnit,
    year: int | None = None,
    campaign: Campaign | None = None,
    enqueue: bool = True,
) -> EvidencePack:
    """Ask for the pack of `unit`'s subtree for `year`, or for one `campaign` (its year then). Queued for the
    background worker after commit (`enqueue=False`: the caller builds it, as the command line does)."""
    with transaction.atomic():
        scoping.require(actor, ACTION, unit.path)
        if not unit.is_active:
            raise ApplicationError(
                _("“%(unit)s”已撤销，不能生成检查材料。") % {"unit": unit.name}, field="unit"
            )
        if campaign is not None:
            campaign = Campaign.objects.select_related("unit").get(pk=campaign.pk)  # as it is now
            if campaign.status == CampaignStatus.DRAFT:
                raise ApplicationError(
                    _("宣贯活动“%(title)s”尚未发布。") % {"title": campaign.title}, field="campaign"
                )
            if not contents.campaign_reaches(campaign, unit):
                raise ApplicationError(
                    _("宣贯活动“%(title)s”（%(issuer)s发起）不涉及“%(unit)s”，请换一个活动或单位。")
                    % {"title": campaign.title, "issuer": campaign.unit.name, "unit": unit.name},
                    field="campaign",
                )
            year = campaign.year
        this_year = timezone.localdate().year
        if year is None:
            raise ApplicationError(_("请填写年度，或选择一个宣贯活动。"), field="year")
        if not YEAR_MIN <= year <= this_year + 1:
            raise ApplicationError(
                _("年度“%(year)s”无效：应在%(first)s年至%(last)s年之间。")
                % {"year": year, "first": YEAR_MIN, "last": this_year + 1},
                field="year",
            )
        working = EvidencePack.objects.filter(
            requester=actor, status__in=[PackStatus.QUEUED, PackStatus.RUNNING]
        ).count()
        if working >= WORKING_MAX:
            raise ApplicationError(_("您已有%(n)s个材料包正在生成，请等其完成后再申请。") % {"n": working})
        pack = EvidencePack.objects.create(requester=actor, unit=unit, year=year, campaign=campaign)
        audit_record(
            actor=actor,
            change=Change(
                "evidence.request",
                "evidence.evidencepack",
                pack.pk,
                str(pack),
                unit.path,
                None,
                {"unit": unit.name, "year": year, "campaign": campaign.title if campaign else ""},
            ),
        )
        if enqueue:
            transaction.on_commit(lambda pk=pack.pk: _enqueue(pk))
    return pack


def _enqueue(pack_id: int) -> None:
    from .tasks import build_pack_task

    build_pack_task.enqueue(pack_id)


def download_name(pack: EvidencePack) -> str:
    scope = pack.campaign.title if pack.campaign_id else f"{pack.year}年度"
    stamp = timezone.localtime(pack.created_at).strftime("%Y%m%d%H%M")
    return safe_name_part(f"{pack.unit.name}-{scope}-检查材料-{stamp}", limit=120) + ".zip"


def _save_progress(pack_id: int):
    def save(done: int, total: int, stage: str) -> None:
        EvidencePack.objects.filter(pk=pack_id).update(done=done, total=total, stage=stage[:100])

    return builder.Throttle(save)


def _fail(pack: EvidencePack, message: str) -> EvidencePack:
    EvidencePack.objects.filter(pk=pack.pk).update(
        status=PackStatus.FAILED, error=message, finished_at=timezone.now()
    )
    pack.refresh_from_db()
    return pack


def evidence_pack_build(*, pack_id: int) -> EvidencePack:
    """Build a queued pack: gather, write the zip to a temporary file, keep it in the storage. Run by the task."""
    pack = EvidencePack.objects.select_related("unit", "campaign", "requester").get(pk=pack_id)
    if pack.status != PackStatus.QUEUED:
        return pack  # a task run twice builds once
    claimed = EvidencePack.objects.filter(pk=pack.pk, status=PackStatus.QUEUED).update(
        status=PackStatus.RUNNING,
        started_at=timezone.now(),
        stage=gettext_noop("准备"),  # stored untranslated, shown in the reader's language
    )
    if not claimed:
        return pack
    viewer = pack.requester
    try:
        scoping.forget_grants(viewer)
        scoping.require(viewer, ACTION, pack.unit.path)
    except PermissionRefused:
        return _fail(pack, _("申请人已无权查看该单位的检查材料。"))
    try:
        found = contents.gather(unit=pack.unit, year=pack.year, campaign=pack.campaign)
        with tempfile.TemporaryFile() as spool:
            entries = builder.build_pack(
                contents=found,
                viewer=viewer,
                requester_label=_label(viewer),
                out=spool,
                progress=_save_progress(pack.pk),
            )
            spool.seek(0)
            digest = hashlib.sha256()
            while chunk := spool.read(1024 * 1024):
                digest.update(chunk)
            size = spool.tell()
            spool.seek(0)
            name = default_storage.save(f"evidence/{pack.pk}/{download_name(pack)}", File(spool))
    except TimestampUnavailable as exc:
        return _fail(pack, _("汇总说明无法签章：%(why)s请稍后重新申请。") % {"why": exc})
    except Exception:
        logger.exception("building evidence pack %s failed", pack.pk)
        return _fail(pack, _("生成失败（内部错误，已记入日志），请联系系统管理员。"))
    EvidencePack.objects.filter(pk=pack.pk).update(
        status=PackStatus.DONE,
        file_name=name,
        size=size,
        sha256=digest.hexdigest(),
        files=len(entries) + 2,  # and the manifest with its signature
        done=len(entries) + 1,
        total=len(entries) + 1,
        stage="",
        finished_at=timezone.now(),
    )
    pack.refresh_from_db()
    return pack


def evidence_pack_open(*, actor, pack: EvidencePack):
    """The pack's file, opened for reading, for someone who may see it; the download is audited."""
    with transaction.atomic():
        scoping.require(actor, ACTION, pack.unit.path)
        if pack.status != PackStatus.DONE:
            raise ApplicationError(_("材料包尚未生成完成。"))
        handle = default_storage.open(pack.file_name, "rb")
        audit_record(
            actor=actor,
            change=Change(
                "evidence.download",
                "evidence.evidencepack",
                pack.pk,
                str(pack),
                pack.unit.path,
                None,
                {"sha256": pack.sha256, "size": pack.size},
            ),
        )
    return handle
