"""Writes to campaigns and each person's progress in them. Each: permission, validation, one audit event, one
transaction. Per-person rows are written in bulk: a launch inserts its 100,000 targets in one INSERT … SELECT, and
other writes go in batches as large as the database allows (core.db), so statements grow with batches, not people."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import BooleanField, Case, DateTimeField, F, IntegerField, Q, Value, When
from django.db.models.functions import Greatest
from django.utils import timezone
from django.utils.translation import gettext as _

from netconduct.core.audit import Change, audit_record
from netconduct.core.db import bulk_insert, chunked, keys_per_statement, real_params_limit, rows_per_statement
from netconduct.core.events import event_emit
from netconduct.core.exceptions import ApplicationError, PermissionRefused
from netconduct.documents.choices import DocumentKind, DocumentStatus
from netconduct.documents.models import Document
from netconduct.org import scoping
from netconduct.org.choices import PersonStatus
from netconduct.org.models import OrgUnit, Person
from netconduct.org.scoping import subtree_q

from .announce import campaign_announce_on_commit
from .choices import ACTION_FIELDS, CampaignStatus
from .models import Campaign, ReadReceipt, Target


def campaign_snapshot(campaign: Campaign) -> dict:
    return {
        "title": campaign.title,
        "unit": campaign.unit.name,
        "year": campaign.year,
        "deadline": campaign.deadline,
        "documents": [str(d) for d in campaign.documents.all()] if campaign.pk else [],
        "categories": [
            label
            for label, on in (
                ("党员", campaign.include_party_members),
                ("干部", campaign.include_cadres),
                ("职工", campaign.include_employees),
            )
            if on
        ],
        "actions": campaign.required_actions,
        "remind_days_before": campaign.remind_days_before,
        "status": campaign.status,
        **({"starts_on": campaign.starts_on} if campaign.starts_on else {}),
    }


def _clean_campaign(campaign: Campaign, documents: Sequence[Document]) -> None:
    if not campaign.title.strip():
        raise ApplicationError(_("请填写活动名称。"), field="title")
    if not (campaign.include_party_members or campaign.include_cadres or campaign.include_employees):
        raise ApplicationError(_("请至少选择一类人员（党员、干部、职工）。"), field="include_party_members")
    if not campaign.required_actions:
        raise ApplicationError(
            _("请至少选择一项要求（阅读确认、参加学习、签订承诺书）。"), field="requires_read"
        )
    if campaign.requires_read and not documents:
        raise ApplicationError(_("要求阅读确认时，请至少选择一份传达文件。"), field="documents")
    for document in documents:
        if document.status != DocumentStatus.ISSUED:
            raise ApplicationError(
                _("文件“%(title)s”尚未印发或已失效，不能传达。") % {"title": document.title},
                field="documents",
            )
    if not 2000 <= campaign.year <= 2100:
        raise ApplicationError(_("年度不正确。"), field="year")
    if campaign.starts_on and campaign.deadline and campaign.starts_on > campaign.deadline:
        raise ApplicationError(_("开始日期不能晚于完成期限。"), field="deadline")


@transaction.atomic
def campaign_create(
    *,
    actor,
    unit: OrgUnit,
    title: str,
    deadline: dt.date,
    documents: Sequence[Document] = (),
    year: int | None = None,
    include_party_members: bool = True,
    include_cadres: bool = True,
    include_employees: bool = True,
    requires_read: bool = True,
    requires_study: bool = False,
    requires_pledge: bool = False,
    remind_days_before: int = 3,
) -> Campaign:
    unit = OrgUnit.objects.get(pk=unit.pk)
    scoping.require(actor, "campaign.manage", unit.path)
    campaign = Campaign(
        unit=unit,
        title=title.strip(),
        year=year or deadline.year,
        deadline=deadline,
        include_party_members=include_party_members,
        include_cadres=include_cadres,
        include_employees=include_employees,
        requires_read=requires_read,
        requires_study=requires_study,
        requires_pledge=requires_pledge,
        remind_days_before=remind_days_before,
        created_by=actor,
    )
    documents = list(documents)
    _clean_campaign(campaign, documents)
    campaign.full_clean()
    campaign.save()
    campaign.documents.set(documents)
    audit_record(
        actor=actor,
        change=Change(
            "campaign.create",
            "campaigns.campaign",
            campaign.pk,
            campaign.title,
            unit.path,
            None,
            campaign_snapshot(campaign),
        ),
    )
    return campaign


@transaction.atomic
def campaign_update(
    *, actor, campaign: Campaign, documents: Sequence[Document] | None = None, **fields
) -> Campaign:
    """Change a campaign. Once launched, only the title, deadline and reminder lead may change (scope, documents
    and requirements are what people were given)."""
    campaign = Campaign.objects.select_for_update().select_related("unit").get(pk=campaign.pk)
    scoping.require(actor, "campaign.manage", campaign.unit.path)
    if campaign.status == CampaignStatus.CLOSED:
        raise ApplicationError(_("活动已结束，不能再修改。"))
    before = campaign_snapshot(campaign)
    allowed = {"title", "starts_on", "deadline", "remind_days_before", "year"}
    if campaign.status == CampaignStatus.DRAFT:
        allowed |= {
            "include_party_members",
            "include_cadres",
            "include_employees",
            "requires_read",
            "requires_study",
            "requires_pledge",
        }
    refused = sorted(set(fields) - allowed)
    if refused or (documents is not None and campaign.status != CampaignStatus.DRAFT):
        raise ApplicationError(_("活动已发布，传达范围、文件和要求不能再修改；如需调整请另建活动。"))
    for name, value in fields.items():
        setattr(campaign, name, value.strip() if isinstance(value, str) else value)
    docs = list(documents) if documents is not None else list(campaign.documents.all())
    _clean_campaign(campaign, docs)
    campaign.full_clean()
    campaign.save()
    if documents is not None:
        campaign.documents.set(docs)
    after = campaign_snapshot(campaign)
    changed = {k: v for k, v in after.items() if before.get(k) != v}
    if changed:
        audit_record(
            actor=actor,
            change=Change(
                "campaign.update",
                "campaigns.campaign",
                campaign.pk,
                campaign.title,
                campaign.unit.path,
                {k: before.get(k) for k in changed},
                changed,
            ),
        )
    return campaign


@dataclass(frozen=True)
class SyncResult:
    added: int = 0
    returned: int = 0
    moved: int = 0
    left: int = 0
    # who got a task now (new or back in scope): told of it after commit, not counted in the audit
    joined: tuple[int, ...] = field(default=(), compare=False, repr=False)

    def as_dict(self) -> dict[str, int]:
        return {"added": self.added, "returned": self.returned, "moved": self.moved, "left": self.left}


def _in_scope_people(campaign: Campaign, person_ids: Iterable[int] | None) -> dict[int, int]:
    people = Person.objects.filter(subtree_q("unit__path", campaign.unit.path), status=PersonStatus.ACTIVE)
    people = people.filter(campaign.category_q())
    if person_ids is not None:
        people = people.filter(pk__in=list(person_ids))
    return dict(people.order_by().values_list("pk", "unit_id"))


def _sync(campaign: Campaign, person_ids: Sequence[int] | None = None) -> SyncResult:
    """Bring the campaign's targets in line with who is in its scope now: newcomers get a row, movers follow their
    unit, leavers drop out of the counts (their row and receipts stay)."""
    wanted = _in_scope_people(campaign, person_ids)
    existing = Target.objects.filter(campaign=campaign)
    if person_ids is not None:
        existing = existing.filter(person_id__in=list(person_ids))
    rows = list(existing.order_by().values_list("pk", "person_id", "unit_id", "in_scope"))
    seen: set[int] = set()
    moved: list[Target] = []
    returned: list[int] = []
    left: list[int] = []
    for pk, person_id, unit_id, in_scope in rows:
        seen.add(person_id)
        unit_now = wanted.get(person_id)
        if unit_now is None:
            if in_scope:
                left.append(pk)
            continue
        if not in_scope:
            returned.append(pk)
        if unit_now != unit_id:
            moved.append(Target(pk=pk, unit_id=unit_now))
    new = [
        Target(campaign=campaign, person_id=person_id, unit_id=unit_id)
        for person_id, unit_id in wanted.items()
        if person_id not in seen
    ]
    bulk_insert(new)
    if moved:
        with real_params_limit():
            Target.objects.bulk_update(moved, ["unit"], batch_size=rows_per_statement(3))
    for chunk in chunked(returned, keys_per_statement()):
        Target.objects.filter(pk__in=chunk).update(in_scope=True)
    for chunk in chunked(left, keys_per_statement()):
        Target.objects.filter(pk__in=chunk).update(in_scope=False)
    if new and not campaign.requires_read:
        _refresh_done(Target.objects.filter(campaign=campaign, done_at__isnull=True), campaign)
    back = set(returned)
    joined = tuple(t.person_id for t in new) + tuple(p for pk, p, _u, _s in rows if pk in back)
    return SyncResult(len(new), len(returned), len(moved), len(left), joined)


def _launch_targets(campaign: Campaign) -> SyncResult:
    """Everyone in scope gets a row, in one INSERT … SELECT from the roster: at 100,000 people the rows never pass
    through Python and the launch is the same few statements at any size. A draft has no targets yet (only an
    active campaign is synced); should one have any, the general sync answers."""
    if Target.objects.filter(campaign=campaign).exists():
        return _sync(campaign)
    people = Person.objects.filter(subtree_q("unit__path", campaign.unit.path), status=PersonStatus.ACTIVE)
    select = (
        people.filter(campaign.category_q())
        .order_by()
        .annotate(  # all annotations, in the order of `columns`, so the SELECT lists them in that order
            c_campaign=Value(campaign.pk, output_field=IntegerField()),
            c_person=F("pk"),
            c_unit=F("unit_id"),
            c_in_scope=Value(True, output_field=BooleanField()),
            c_added=Value(timezone.now(), output_field=DateTimeField()),
            c_proxy=Value(False, output_field=BooleanField()),
        )
        .values_list("c_campaign", "c_person", "c_unit", "c_in_scope", "c_added", "c_proxy")
    )
    columns = ("campaign", "person", "unit", "in_scope", "added_at", "read_by_proxy")
    sql, params = select.query.sql_with_params()
    qn = connection.ops.quote_name
    names = ", ".join(qn(Target._meta.get_field(name).column) for name in columns)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {qn(Target._meta.db_table)} ({names}) {sql}", params)  # noqa: S608
        added = cursor.rowcount
    if added and not campaign.requires_read:
        _refresh_done(Target.objects.filter(campaign=campaign, done_at__isnull=True), campaign)
    return SyncResult(added=added)


@transaction.atomic
def campaign_launch(*, actor, campaign: Campaign) -> SyncResult:
    """Publish a campaign: everyone in its scope gets their tasks, and the documents' read tasks appear."""
    campaign = Campaign.objects.select_for_update().select_related("unit").get(pk=campaign.pk)
    scoping.require(actor, "campaign.manage", campaign.unit.path)
    if campaign.status != CampaignStatus.DRAFT:
        raise ApplicationError(_("活动已发布。"))
    _clean_campaign(campaign, list(campaign.documents.all()))
    if campaign.deadline < timezone.localdate():
        raise ApplicationError(_("完成期限已过，请先修改期限。"), field="deadline")
    campaign.status = CampaignStatus.ACTIVE
    campaign.launched_at = timezone.now()
    campaign.save(update_fields=["status", "launched_at", "updated_at"])
    result = _launch_targets(campaign)
    campaign_announce_on_commit(campaign.pk)
    event_emit("campaign.launched", campaign)
    audit_record(
        actor=actor,
        change=Change(
            "campaign.launch",
            "campaigns.campaign",
            campaign.pk,
            campaign.title,
            campaign.unit.path,
            {"status": CampaignStatus.DRAFT},
            {"status": campaign.status, **result.as_dict()},
        ),
    )
    return result


@transaction.atomic
def campaign_close(*, actor, campaign: Campaign) -> Campaign:
    campaign = Campaign.objects.select_for_update().select_related("unit").get(pk=campaign.pk)
    scoping.require(actor, "campaign.manage", campaign.unit.path)
    if campaign.status != CampaignStatus.ACTIVE:
        raise ApplicationError(_("只有进行中的活动可以结束。"))
    campaign.status = CampaignStatus.CLOSED
    campaign.save(update_fields=["status", "updated_at"])
    audit_record(
        actor=actor,
        change=Change(
            "campaign.close",
            "campaigns.campaign",
            campaign.pk,
            campaign.title,
            campaign.unit.path,
            {"status": CampaignStatus.ACTIVE},
            {"status": CampaignStatus.CLOSED},
        ),
    )
    return campaign


@transaction.atomic
def campaign_sync(*, campaign: Campaign, person_ids: Sequence[int] | None = None, actor=None) -> SyncResult:
    """Follow changes of the roster into an active campaign (newcomers, movers, leavers); audited when anything
    changed. Run after people change and before reminders go out."""
    campaign = Campaign.objects.select_related("unit").get(pk=campaign.pk)
    if campaign.status != CampaignStatus.ACTIVE:
        return SyncResult()
    result = _sync(campaign, person_ids)
    campaign_announce_on_commit(campaign.pk, result.joined)
    if any(result.as_dict().values()):
        audit_record(
            actor=actor,
            change=Change(
                "campaign.sync",
                "campaigns.campaign",
                campaign.pk,
                campaign.title,
                campaign.unit.path,
                None,
                result.as_dict(),
            ),
        )
    return result


def campaigns_sync_people(person_ids: Sequence[int]) -> None:
    """After people changed: bring every active campaign up to date (none given, or many: a full pass)."""
    ids = None if not person_ids or len(person_ids) > 5000 else list(person_ids)
    for campaign in Campaign.objects.filter(status=CampaignStatus.ACTIVE).order_by("pk"):
        campaign_sync(campaign=campaign, person_ids=ids)


# ---------------------------------------------------------------------------------------------------- progress


def _refresh_done(targets, campaign: Campaign) -> None:
    """Set `done_at` (the moment the last required action was done) on targets that are complete, and clear it on
    those that no longer are (a returned study record)."""
    fields = [ACTION_FIELDS[a] for a in campaign.required_actions]
    complete = Q()
    for name in fields:
        complete &= Q(**{f"{name}__isnull": False})
    done_value = F(fields[0]) if len(fields) == 1 else Greatest(*[F(n) for n in fields])
    targets.filter(complete).update(done_at=done_value)
    targets.exclude(complete).exclude(done_at=None).update(done_at=None)


def _target_for_update(target: Target) -> Target:
    return (
        Target.objects.select_for_update()
        .select_related("campaign", "campaign__unit", "person", "unit")
        .get(pk=target.pk)
    )


def _check_readable(target: Target, document: Document) -> None:
    if target.campaign.status != CampaignStatus.ACTIVE:
        raise ApplicationError(_("该活动不在进行中。"))
    if not target.campaign.requires_read:
        raise ApplicationError(_("该活动不要求阅读确认。"))
    if not target.campaign.documents.filter(pk=document.pk).exists():
        raise ApplicationError(_("该文件不属于此活动。"), field="document")


def _after_receipt(target: Target, *, proxy: bool) -> None:
    documents = set(target.campaign.documents.values_list("pk", flat=True))
    confirmed = set(target.receipts.values_list("document_id", flat=True))
    if documents <= confirmed and target.read_at is None:
        target.read_at = timezone.now()
        target.read_by_proxy = proxy or target.receipts.exclude(proxy_reason="").exists()
        target.save(update_fields=["read_at", "read_by_proxy"])
        _refresh_done(Target.objects.filter(pk=target.pk), target.campaign)


@transaction.atomic
def read_confirm(*, actor, target: Target, document: Document) -> ReadReceipt:
    """The person confirms they have read a document; confirming twice keeps the first time."""
    target = _target_for_update(target)
    if target.person.user_id is None or target.person.user_id != actor.pk:
        raise PermissionRefused(_("只能确认本人的阅读任务。"))
    _check_readable(target, document)
    receipt, created = ReadReceipt.objects.get_or_create(
        target=target, document=document, defaults={"confirmed_at": timezone.now()}
    )
    if created:
        _after_receipt(target, proxy=False)
        audit_record(
            actor=actor,
            change=Change(
                "campaign.read_confirm",
                "campaigns.target",
                target.pk,
                str(target.person),
                target.unit.path,
                None,
                {"document": str(document), "confirmed_at": receipt.confirmed_at},
            ),
        )
    return receipt


@transaction.atomic
def read_proxy(
    *, actor, target: Target, reason: str, conveyed_on: dt.date | None = None
) -> list[ReadReceipt]:
    """A secretary records that the documents were conveyed to a person in a meeting (no phone access); the
    receipts say so wherever they are shown."""
    target = _target_for_update(target)
    scoping.require(actor, "campaign.proxy_receipt", target.unit.path)
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(
            _("请填写代为确认的原因（例如：无智能手机，已在班前会上传达）。"), field="reason"
        )
    if len(reason) > 200:
        raise ApplicationError(_("原因不能超过200个字。"), field="reason")
    if not target.in_scope:
        raise ApplicationError(_("该人员已不在活动范围内。"))
    documents = list(target.campaign.documents.all())
    if documents:
        _check_readable(target, documents[0])
    when = timezone.now()
    if conveyed_on is not None:
        if conveyed_on > timezone.localdate():
            raise ApplicationError(_("传达日期不能晚于今天。"), field="conveyed_on")
        when = timezone.make_aware(dt.datetime.combine(conveyed_on, dt.time(12, 0)))
    have = set(target.receipts.values_list("document_id", flat=True))
    receipts = [
        ReadReceipt(target=target, document=d, confirmed_at=when, proxy_by=actor, proxy_reason=reason)
        for d in documents
        if d.pk not in have
    ]
    if not receipts:
        raise ApplicationError(_("%(name)s已确认阅读全部文件。") % {"name": target.person.name})
    ReadReceipt.objects.bulk_create(receipts)
    _after_receipt(target, proxy=True)
    audit_record(
        actor=actor,
        change=Change(
            "campaign.read_proxy",
            "campaigns.target",
            target.pk,
            str(target.person),
            target.unit.path,
            None,
            {"documents": [str(r.document) for r in receipts], "reason": reason, "conveyed_at": when},
        ),
    )
    return receipts


def targets_set_studied(*, campaign: Campaign, studied: dict[int, dt.datetime | None]) -> None:
    """Set when each of these people first studied for the campaign (None: not, or no longer). The study sessions
    call this inside their transaction whenever attendance that counts changes."""
    if not studied:
        return
    targets = list(Target.objects.filter(campaign=campaign, person_id__in=list(studied)))
    for target in targets:
        target.studied_at = studied[target.person_id]
    with real_params_limit():
        Target.objects.bulk_update(targets, ["studied_at"], batch_size=rows_per_statement(3))
    _refresh_done(Target.objects.filter(campaign=campaign, person_id__in=list(studied)), campaign)


def target_mark_pledged(*, campaign: Campaign, person: Person, at: dt.datetime | None) -> None:
    """The pledge issue calls this inside its signing transaction (or with None when a pledge is voided).

    One UPDATE, as `_refresh_done` would leave the target: `done_at` is the latest required action when this pledge
    completes them, and cleared when a voided pledge leaves them incomplete (every signer's transaction runs it).
    """
    targets = Target.objects.filter(campaign=campaign, person=person)
    fields = [ACTION_FIELDS[a] for a in campaign.required_actions]
    if "pledged_at" not in fields:
        targets.update(pledged_at=at)  # completion does not depend on the pledge
        return
    if at is None:
        targets.update(pledged_at=None, done_at=None)
        return
    stamp = Value(at, output_field=DateTimeField())
    others = [name for name in fields if name != "pledged_at"]
    if not others:
        targets.update(pledged_at=at, done_at=stamp)
        return
    complete = Q()
    for name in others:
        complete &= Q(**{f"{name}__isnull": False})
    done = Case(
        When(complete, then=Greatest(*[F(name) for name in others], stamp)),
        default=Value(None, output_field=DateTimeField()),
    )
    targets.update(pledged_at=at, done_at=done)


# ---------------------------------------------------------------------------------------------------- year two

# What a campaign carries that lives in apps above this one (the pledge quiz): each registers a callable that copies
# its part from one campaign to another inside the copy's transaction and says what it copied, for the audit.
CampaignCopier = Callable[[Campaign, Campaign], dict]
_COPIERS: list[CampaignCopier] = []


def campaign_copier_register(copier: CampaignCopier) -> None:
    if copier not in _COPIERS:
        _COPIERS.append(copier)


def current_version(document: Document) -> Document | None:
    """The issued version of `document`'s series now in force (itself when it still is); None when withdrawn or
    its successor is not issued yet."""
    if document.status == DocumentStatus.ISSUED:
        return document
    if document.status != DocumentStatus.SUPERSEDED:
        return None
    return (
        Document.objects.filter(series=document.series, status=DocumentStatus.ISSUED)
        .order_by("-version")
        .first()
    )


@transaction.atomic
def campaign_copy(
    *,
    actor,
    campaign: Campaign,
    title: str,
    starts_on: dt.date,
    deadline: dt.date,
    year: int | None = None,
) -> Campaign:
    """Next year's campaign in one step: a draft with the same scope, categories, required actions, reminder lead
    and documents (a superseded document replaced by the version now in force), and whatever the apps above carry
    (the pledge quiz). Launched as usual; its page compares who signed last year with this year."""
    source = Campaign.objects.select_related("unit").get(pk=campaign.pk)
    scoping.require(actor, "campaign.manage", source.unit.path)
    if source.status == CampaignStatus.DRAFT:
        raise ApplicationError(_("草稿活动不能复制，请直接修改该草稿。"), field="campaign")
    if starts_on is None:
        raise ApplicationError(_("请填写开始日期。"), field="starts_on")
    if deadline is None:
        raise ApplicationError(_("请填写完成期限。"), field="deadline")
    if starts_on > deadline:
        raise ApplicationError(_("开始日期不能晚于完成期限。"), field="starts_on")
    if deadline < timezone.localdate():
        raise ApplicationError(_("完成期限已过，请选择今天以后的日期。"), field="deadline")
    year = year or starts_on.year
    if year <= source.year:
        raise ApplicationError(
            _("新活动的年度（%(year)s年）应晚于原活动的年度（%(source_year)s年）。")
            % {"year": year, "source_year": source.year},
            field="starts_on",
        )
    documents: list[Document] = []
    replaced: list[str] = []
    dropped: list[str] = []
    for document in source.documents.all():
        current = current_version(document)
        if current is None:
            dropped.append(str(document))
        else:
            if current.pk != document.pk:
                replaced.append(f"{document} → {current}")
            if current not in documents:
                documents.append(current)
    if dropped and source.requires_read and not documents:
        raise ApplicationError(
            _("原活动的传达文件均已撤回或失效（%(dropped)s），请新建活动并选择现行文件。")
            % {"dropped": "、".join(dropped)},
            field="documents",
        )
    copy = Campaign(
        unit=source.unit,
        title=(title or "").strip(),
        year=year,
        starts_on=starts_on,
        deadline=deadline,
        include_party_members=source.include_party_members,
        include_cadres=source.include_cadres,
        include_employees=source.include_employees,
        requires_read=source.requires_read,
        requires_study=source.requires_study,
        requires_pledge=source.requires_pledge,
        remind_days_before=source.remind_days_before,
        copied_from=source,
        created_by=actor,
    )
    if copy.title == source.title:
        raise ApplicationError(_("新活动的名称不能与原活动相同（例如改为新的年度）。"), field="title")
    _clean_campaign(copy, documents)
    copy.full_clean()
    copy.save()
    copy.documents.set(documents)
    carried: dict = {}
    for copier in _COPIERS:
        carried.update(copier(source, copy))
    after = campaign_snapshot(copy)
    after.update(copied_from=source.title, **carried)
    if replaced:
        after["documents_replaced"] = replaced
    if dropped:
        after["documents_dropped"] = dropped
    audit_record(
        actor=actor,
        change=Change(
            "campaign.copy", "campaigns.campaign", copy.pk, copy.title, copy.unit.path, None, after
        ),
    )
    return copy


def superseded_norms(campaign: Campaign) -> list[Document]:
    """The campaign's norms documents that a newer version has replaced."""
    return [
        d
        for d in campaign.documents.all()
        if d.kind == DocumentKind.NORMS and d.status == DocumentStatus.SUPERSEDED
    ]


@transaction.atomic
def campaign_require_repledge(*, actor, campaign: Campaign) -> Campaign:
    """The norms got a new version: the campaign now conveys it, and its pledge requirement counts only pledges
    made against it. Pledges already signed stay as they are, valid for the version they were made to (their codes
    and sealed copies verify as before); everyone in scope owes a new one and is told so, as at launch."""
    campaign = Campaign.objects.select_for_update().select_related("unit").get(pk=campaign.pk)
    scoping.require(actor, "campaign.manage", campaign.unit.path)
    if campaign.status == CampaignStatus.CLOSED:
        raise ApplicationError(_("活动已结束，不能再要求重新签订。"), field="status")
    if not campaign.requires_pledge:
        raise ApplicationError(_("本活动不要求签订承诺书，无需重新签订。"), field="requires_pledge")
    old = superseded_norms(campaign)
    if not old:
        raise ApplicationError(_("本活动传达的规范已是现行版本，无需重新签订。"), field="documents")
    swaps: list[tuple[Document, Document]] = []
    for document in old:
        current = current_version(document)
        if current is None:
            raise ApplicationError(
                _("《%(title)s》的新版本尚未印发（或已撤回），请印发后再要求重新签订。")
                % {"title": document.title},
                field="documents",
            )
        swaps.append((document, current))
    campaign.documents.remove(*[o for o, _n in swaps])
    campaign.documents.add(*[n for _o, n in swaps])
    before_round = campaign.pledge_round
    campaign.pledge_round += 1
    campaign.save(update_fields=["pledge_round", "updated_at"])
    reset = 0
    if campaign.status == CampaignStatus.ACTIVE:
        targets = Target.objects.filter(campaign=campaign)
        reset = targets.exclude(pledged_at=None).update(pledged_at=None)
        _refresh_done(targets.filter(done_at__isnull=False), campaign)
        campaign_announce_on_commit(campaign.pk)  # everyone in scope, and the branches' robots, as at launch
    audit_record(
        actor=actor,
        change=Change(
            "campaign.repledge",
            "campaigns.campaign",
            campaign.pk,
            campaign.title,
            campaign.unit.path,
            {"norms": [str(o) for o, _n in swaps], "pledge_round": before_round},
            {
                "norms": [str(n) for _o, n in swaps],
                "pledge_round": campaign.pledge_round,
                "pledges_reset": reset,
            },
        ),
    )
    return campaign
