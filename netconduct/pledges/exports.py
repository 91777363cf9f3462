"""Exports of a campaign's pledges: an .xlsx of who signed when and how, and a .zip of a unit's sealed archive copies
for inspections. Both read through the tracking selectors, so they agree with the pages; each writes an audit event
(who took which people's pledges out of the platform).
"""

from __future__ import annotations

import csv
import hashlib
import io
import tempfile
import zipfile
from dataclasses import dataclass

from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext, pgettext
from django.utils.translation import gettext_lazy as _

from netconduct.campaigns.models import Campaign
from netconduct.campaigns.selectors import unit_ancestors_names
from netconduct.core.audit import Change, audit_record
from netconduct.core.exceptions import ApplicationError
from netconduct.core.files import zip_entry_name
from netconduct.core.xlsx import XlsxBook, csv_row
from netconduct.org import scoping
from netconduct.org.models import OrgUnit
from netconduct.org.scoping import subtree_q

from . import tracking
from .choices import PledgeMethod, PledgeStatus
from .models import Pledge

ZIP_MAX_FILES = 5_000  # a large committee's whole archive (a paper pledge is about 0.5 MB); more: by unit
UNIT_HEADERS = [
    _("单位"),
    _("上级单位"),
    _("应签人数"),
    _("已签订"),
    _("签订率(%)"),
    _("线上签订"),
    _("纸质签订"),
    _("已打印待交回"),
    _("未签订"),
]
PEOPLE_HEADERS = [
    _("单位"),
    _("姓名"),
    _("工号"),
    _("状态"),
    _("签订方式"),
    _("签订时间"),
    _("录入人"),
    _("打印时间"),
    _("验证码"),
    _("存档文件SHA-256"),
]


def _audit_export(*, actor, campaign: Campaign, focus: OrgUnit, kind: str, count: int) -> None:
    with transaction.atomic():
        audit_record(
            actor=actor,
            change=Change(
                "pledge.export",
                "campaigns.campaign",
                campaign.pk,
                campaign.title,
                focus.path,
                None,
                {"format": kind, "unit": focus.name, "count": count},
            ),
        )


def status_text(status: str | None, *, past_deadline: bool) -> str:
    if status == PledgeStatus.SIGNED:
        return gettext("已签订")
    if status == PledgeStatus.PRINTED:
        return gettext("已打印待交回（逾期）") if past_deadline else gettext("已打印待交回")
    return gettext("未签订（逾期）") if past_deadline else gettext("未签订")


def _tally_cells(t: tracking.PledgeTally) -> list:
    return [t.total, t.signed, t.percent, t.online, t.paper, t.printed, t.unsigned]


def pledges_xlsx(*, viewer, campaign: Campaign, focus: OrgUnit) -> bytes:
    """Sheet 1: every branch under `focus` with its figures; sheet 2: every person with their pledge; sheet 3
    (after the deadline): who is overdue."""
    past = timezone.localdate() > campaign.deadline
    rows = tracking.branch_rollup(campaign=campaign, focus=focus)
    names = unit_ancestors_names([r.unit for r in rows])
    book = XlsxBook()
    caption = gettext("%(title)s　承诺书签订情况（%(unit)s，截至%(now)s，期限%(deadline)s）") % {
        "title": campaign.title,
        "unit": focus.name,
        "now": f"{timezone.localtime():%Y-%m-%d %H:%M}",
        "deadline": f"{campaign.deadline:%Y-%m-%d}",
    }
    sheet = book.sheet(gettext("按单位"), [str(h) for h in UNIT_HEADERS], caption=caption)
    total = tracking.PledgeTally()
    for row in rows:
        sheet.append(
            [row.unit.name, names.get(row.unit.path[: -OrgUnit.steplen], ""), *_tally_cells(row.tally)]
        )
        total.add(row.tally)
    sheet.append([gettext("合计"), "", *_tally_cells(total)])

    people = book.sheet(gettext("人员明细"), [str(h) for h in PEOPLE_HEADERS])
    overdue: list[list] = []
    targets = tracking.pledge_people(viewer=viewer, campaign=campaign, unit=focus).values_list(
        "unit__name",
        "person__name",
        "person__employee_no",
        "pledge_status",
        "pledge_method",
        "pledge_signed_at",
        "recorded_by_name",
        "recorded_by_username",
        "pledge_printed_at",
        "pledge_code",
        "pledge_sha256",
    )
    count = 0
    for (
        unit,
        name,
        employee_no,
        status,
        method,
        signed_at,
        rec_name,
        rec_user,
        printed_at,
        code,
        sha,
    ) in targets.iterator(chunk_size=5000):
        count += 1
        line = [
            unit,
            name,
            employee_no or "",
            status_text(status, past_deadline=past),
            str(PledgeMethod(method).label) if method else "",
            signed_at,
            (rec_name or rec_user or "") if method == PledgeMethod.PAPER else "",
            printed_at,
            "-".join(code[i : i + 4] for i in range(0, len(code), 4)) if code else "",
            sha or "",
        ]
        people.append(line)
        if past and status != PledgeStatus.SIGNED:
            overdue.append(line[:5] + [line[7]])
    if past:
        late = book.sheet(
            gettext("逾期未签订"),
            [str(PEOPLE_HEADERS[i]) for i in (0, 1, 2, 3, 4, 7)],
        )
        for line in overdue:
            late.append(line)
    data = book.to_bytes()
    _audit_export(actor=viewer, campaign=campaign, focus=focus, kind="xlsx", count=count)
    return data


@dataclass
class ArchiveZip:
    file: tempfile.SpooledTemporaryFile  # positioned at the start, for a FileResponse
    count: int
    missing: int  # signed pledges whose sealed copy is not there yet (sealing pending)


def archived_pledges(*, viewer, campaign: Campaign, unit: OrgUnit):
    """Signed pledges archived by `unit`'s subtree (the unit the person belonged to when signing), in scope."""
    return scoping.visible(
        Pledge.objects.filter(campaign=campaign, status=PledgeStatus.SIGNED).filter(
            subtree_q("unit__path", unit.path)
        ),
        viewer,
        "pledge.view",
        path_field="unit__path",
    ).order_by("unit__path", "person__name_pinyin", "pk")


def archive_zip(*, viewer, campaign: Campaign, unit: OrgUnit) -> ArchiveZip:
    """The sealed archive copies of `unit`'s pledges as `<unit>/<name>-<code>.pdf`, with `清单.csv` listing each
    file's SHA-256 (checked against the one recorded at sealing: a mismatch is written in the list)."""
    rows = list(
        archived_pledges(viewer=viewer, campaign=campaign, unit=unit).values_list(
            "unit__name", "person__name", "code", "method", "signed_at", "pdf_name", "pdf_sha256"
        )[: ZIP_MAX_FILES + 1]
    )
    if len(rows) > ZIP_MAX_FILES:
        raise ApplicationError(
            gettext("“%(unit)s”的承诺书超过%(n)s份，请按下级单位分别下载。")
            % {"unit": unit.name, "n": ZIP_MAX_FILES}
        )
    spool = tempfile.SpooledTemporaryFile(max_size=32 * 1024 * 1024)  # noqa: SIM115 — handed to the response
    manifest = io.StringIO()
    writer = csv.writer(manifest)
    writer.writerow(
        [
            pgettext("archive file", "文件"),
            gettext("单位"),
            gettext("姓名"),
            gettext("签订方式"),
            gettext("签订时间"),
            gettext("验证码"),
            "SHA-256",
            gettext("核对"),
        ]
    )
    # every data row through csv_row: names are the organisation's data and could read as formulas
    count = missing = 0
    used: set[str] = set()
    with zipfile.ZipFile(spool, "w", compression=zipfile.ZIP_STORED) as archive:
        for unit_name, name, code, method, signed_at, pdf_name, recorded_sha in rows:
            method_label = str(PledgeMethod(method).label) if method else ""
            if not pdf_name:
                missing += 1
                writer.writerow(
                    csv_row(
                        ["", unit_name, name, method_label, signed_at, code, "", gettext("签章文件尚未生成")]
                    )
                )
                continue
            arcname = zip_entry_name(unit_name, f"{name}-{code}.pdf")
            if arcname in used:
                continue
            used.add(arcname)
            with default_storage.open(pdf_name, "rb") as f:
                data = f.read()
            digest = hashlib.sha256(data).hexdigest()
            # PDFs are compressed already: stored, not deflated again
            archive.writestr(arcname, data)
            writer.writerow(
                csv_row(
                    [
                        arcname,
                        unit_name,
                        name,
                        method_label,
                        signed_at,
                        code,
                        digest,
                        gettext("一致")
                        if digest == recorded_sha
                        else gettext("与存档记录不符（%(sha)s）") % {"sha": recorded_sha},
                    ]
                )
            )
            count += 1
        # UTF-8 with BOM: Excel on these offices' machines opens it without garbling the Chinese
        archive.writestr(zip_entry_name(f"{unit.name}-清单.csv"), "\ufeff" + manifest.getvalue())
    spool.seek(0)
    _audit_export(actor=viewer, campaign=campaign, focus=unit, kind="zip", count=count)
    return ArchiveZip(spool, count, missing)
