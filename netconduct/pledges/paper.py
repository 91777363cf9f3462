"""Paper pledges: pre-filled forms printed for a branch or for chosen people, two copies each.

Printing makes (or reuses) one PRINTED pledge row per person, so the code on the paper identifies the pledge before
anyone signs; a reprint keeps the person's code, so a form printed earlier still matches. People who have already
signed (online or on paper) are skipped. Every page carries the code and a QR code of the verification link with
the copy letter after '#' (A: 本人留存, B: 组织留存), which is what `scans.py` reads back from the scans.

The rows are written in one short transaction; the PDF is drawn afterwards, outside it (a thousand forms take
seconds, and SQLite would hold its write lock for that long). All pages share one font context and the cached
layout of the pledge text, so only the names, units and codes change from page to page.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from netconduct.campaigns.choices import CampaignStatus
from netconduct.campaigns.models import Campaign, Target
from netconduct.core.audit import Change, audit_record
from netconduct.core.exceptions import ApplicationError, PermissionRefused
from netconduct.documents.models import Document
from netconduct.documents.rendering.fonts import Face
from netconduct.org import scoping
from netconduct.org.models import OrgUnit, Person
from netconduct.org.scoping import subtree_q

from . import render, services
from .choices import PaperCopy, PledgeStatus
from .models import Pledge

STEP = OrgUnit.steplen
COPIES = (PaperCopy.SIGNER, PaperCopy.ARCHIVE)  # the order of the two pages of each person
PRINT_MAX_PEOPLE = 2000  # one PDF: 4,000 pages, about half a minute; a committee prints branch by branch


@dataclass(frozen=True)
class FormRow:
    """What one person's two printed pages carry."""

    code: str
    unit_label: str
    name: str


@dataclass(frozen=True)
class PrintedForms:
    pdf: bytes
    count: int  # people in the PDF, two pages each
    skipped: int  # people who had already signed: no form printed
    filename: str

    @property
    def pages(self) -> int:
        return 2 * self.count


def check_campaign_open(campaign: Campaign) -> None:
    """Paper forms are printed and recorded only while the campaign runs and asks for the pledge."""
    if not campaign.requires_pledge:
        raise ApplicationError(_("本次活动不要求签订承诺书。"))
    if campaign.status == CampaignStatus.DRAFT:
        raise ApplicationError(_("活动尚未发布，不能打印或录入承诺书。"))
    if campaign.status != CampaignStatus.ACTIVE:
        raise ApplicationError(_("活动已结束，不能再打印或录入承诺书。"))


def _common_path(paths: Iterable[str]) -> str:
    """The deepest unit path above all of `paths` (for the audit event of a list of people)."""
    paths = list(paths)
    if not paths:
        return ""
    shortest = min(paths, key=len)
    for end in range(len(shortest), 0, -STEP):
        prefix = shortest[:end]
        if all(p.startswith(prefix) for p in paths):
            return prefix
    return ""


def _targets_for(
    *, actor, campaign: Campaign, unit: OrgUnit | None, people: Sequence[Person] | None
) -> list[Target]:
    """The campaign's people to print for, checked against the actor's scope; in tree and pinyin order."""
    scope = scoping.scope_for(actor, "pledge.paper")
    targets = Target.objects.filter(campaign=campaign, in_scope=True).select_related("person", "unit")
    if unit is not None:
        if not scope.covers(unit.path):
            raise PermissionRefused(_("您无权为该单位打印承诺书。"))
        targets = targets.filter(subtree_q("unit__path", unit.path))
    if people is not None:
        wanted = {p.pk: p for p in people}
        if not wanted:
            raise ApplicationError(_("请选择要打印承诺书的人员。"), field="people")
        found = list(targets.filter(person_id__in=wanted))
        missing = [p for pk, p in wanted.items() if pk not in {t.person_id for t in found}]
        if missing:
            where = _("“%(name)s”的") % {"name": unit.name} if unit is not None else ""
            raise ApplicationError(
                _("“%(missing)s”不是本次活动%(where)s签订对象，无需打印承诺书。")
                % {"missing": missing[0].name, "where": where},
                field="people",
            )
        for target in found:
            if not scope.covers(target.unit.path):
                raise PermissionRefused(_("您无权为“%(name)s”打印承诺书。") % {"name": target.person.name})
        chosen = found
    else:
        chosen = list(targets)
        if not chosen:
            raise ApplicationError(
                _("“%(name)s”没有需要签订本次承诺书的人员。") % {"name": unit.name}, field="unit"
            )
    if len(chosen) > PRINT_MAX_PEOPLE:
        raise ApplicationError(
            _("“%(n)s”共%(len)s人，一次最多打印%(PRINT_MAX_PEOPLE)s人，请进入下级单位分别打印。")
            % {
                "n": unit.name if unit is not None else _("所选人员"),
                "len": len(chosen),
                "PRINT_MAX_PEOPLE": PRINT_MAX_PEOPLE,
            },
            field="unit",
        )
    chosen.sort(key=lambda t: (t.unit.path, t.person.name_pinyin, t.person_id))
    return chosen


def paper_forms_print(
    *, actor, campaign: Campaign, unit: OrgUnit | None = None, people: Sequence[Person] | None = None
) -> PrintedForms:
    """Pre-filled paper pledges for everyone of `unit` (its subtree) or for `people`, two copies each, in one PDF.

    Creates a PRINTED pledge row for each person who has none and reuses the row (and its code) of anyone printed
    before; people who have already signed are skipped and counted.
    """
    if unit is None and people is None:
        raise ApplicationError(_("请选择要打印承诺书的单位或人员。"), field="unit")
    campaign = Campaign.objects.select_related("unit").get(pk=campaign.pk)
    check_campaign_open(campaign)
    template = services.pledge_template_for(campaign)
    norms = services.pledge_norms_for(campaign)
    targets = _targets_for(actor=actor, campaign=campaign, unit=unit, people=people)
    labels = services.unit_labels(t.unit for t in targets)
    now = timezone.now()

    with transaction.atomic():
        existing = {
            p.person_id: p
            for p in Pledge.objects.select_for_update().filter(
                campaign=campaign, round=campaign.pledge_round, person_id__in=[t.person_id for t in targets]
            )
        }
        rows: list[FormRow] = []
        created: list[Pledge] = []
        reprinted: list[Pledge] = []
        skipped = 0
        for target in targets:
            pledge = existing.get(target.person_id)
            if pledge is not None and pledge.is_signed:
                skipped += 1
                continue
            if pledge is None:
                pledge = Pledge(
                    campaign=campaign,
                    person=target.person,
                    round=campaign.pledge_round,
                    code=services.new_code(),
                )
                created.append(pledge)
            else:
                reprinted.append(pledge)
            pledge.unit = target.unit
            pledge.unit_label = labels[target.unit_id]
            pledge.template = template
            pledge.norms = norms
            pledge.year = campaign.year
            pledge.printed_at = now
            pledge.printed_by = actor
            rows.append(FormRow(pledge.code, pledge.unit_label, target.person.name))
        if not rows:
            raise ApplicationError(_("所选的%(skipped)s人均已签订承诺书，无需打印。") % {"skipped": skipped})
        try:
            with transaction.atomic():
                Pledge.objects.bulk_create(created, batch_size=500)
        except IntegrityError:  # someone else printed (or signed) for one of them a moment ago
            raise ApplicationError(_("其他人刚刚为其中的人员打印或签订了承诺书，请重新打印。")) from None
        Pledge.objects.bulk_update(
            reprinted,
            ["unit", "unit_label", "template", "norms", "year", "printed_at", "printed_by"],
            batch_size=500,
        )
        scope_label = unit.name if unit is not None else f"所选{len(targets)}人"
        audit_record(
            actor=actor,
            change=Change(
                "pledge.print",
                "campaigns.campaign",
                campaign.pk,
                campaign.title,
                unit.path if unit is not None else _common_path(t.unit.path for t in targets),
                None,
                {
                    "scope": scope_label,
                    "printed": len(rows),
                    "new": len(created),
                    "reprinted": len(reprinted),
                    "skipped": skipped,
                    "people": [t.person_id for t in targets],
                },
            ),
        )

    pdf = render_forms(template, rows)
    name = unit.name if unit is not None else "所选人员"
    return PrintedForms(pdf, len(rows), skipped, f"承诺书-{name}-{len(rows)}人.pdf")


def render_forms(template: Document, rows: Sequence[FormRow]) -> bytes:
    """One PDF: for each row the 本人留存 page, then the 组织留存 page, the date left blank for the pen."""
    title, paragraphs = render.template_parts(template.title, template.body)
    extra = "".join(r.unit_label + r.name for r in rows) + "".join(str(c.label) for c in COPIES)
    buffer = io.BytesIO()
    with render.fonts_for(title, paragraphs, extra) as fonts:
        layout = render.layout_for(title, paragraphs, fonts[Face.FANGSONG])
        canvas = render.new_canvas(buffer, title=title, author="netconduct")
        for row in rows:
            for copy in COPIES:
                render.draw_pledge_page(
                    canvas,
                    fonts,
                    layout,
                    render.PageFields(
                        code=row.code,
                        unit_label=row.unit_label,
                        signer_name=row.name,
                        date_text="",
                        copy_label=str(copy.label),
                        page_tag=copy.value,
                    ),
                )
                canvas.showPage()
        canvas.save()
    return buffer.getvalue()


def printable_people(*, viewer, campaign: Campaign, unit: OrgUnit) -> dict[str, int]:
    """How many people under `unit` a print would cover: unsigned (of whom already printed) and signed."""
    targets = scoping.visible(
        Target.objects.filter(campaign=campaign, in_scope=True).filter(subtree_q("unit__path", unit.path)),
        viewer,
        "pledge.paper",
        path_field="unit__path",
    )
    person_ids = targets.values("person_id")
    statuses = dict(
        Pledge.objects.filter(campaign=campaign, round=campaign.pledge_round, person_id__in=person_ids)
        .values("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    total = targets.count()
    signed = statuses.get(PledgeStatus.SIGNED, 0)
    return {
        "total": total,
        "signed": signed,
        "unsigned": total - signed,
        "printed": statuses.get(PledgeStatus.PRINTED, 0),
    }
