"""Size declarations (规模申报): a campaign asks each of its people whether they run a personal account or group
above the committee's sizes (followers of an account, members of a group), so that those accounts get filed.

A self-declaration only. The product never looks anyone's accounts up, on any platform; it counts what people say.
A "yes" opens the registry's filing application already filled in with what was declared; the person completes and
submits it like any other. Staff count the answers by unit over their scope and export the counts.

The round is the registry's and hangs off the campaign (`DeclarationRound.campaign`); campaigns know nothing of it.
Who is asked: the campaign's people (its in-scope targets), while the campaign runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from netconduct.campaigns.choices import CampaignStatus
from netconduct.campaigns.models import Campaign, Target
from netconduct.core.audit import Change, audit_record
from netconduct.core.exceptions import ApplicationError, PermissionRefused
from netconduct.core.xlsx import XlsxBook
from netconduct.org import scoping
from netconduct.org.models import OrgUnit

from . import policies
from .choices import GROUP_PLATFORMS, AccountKind, DeclarationAnswer, Platform
from .models import Declaration, DeclarationRound

THRESHOLD_MAX = 100_000_000


def _clean_threshold(value, *, field_name: str, label: str) -> int:
    if value is None or value == "":
        raise ApplicationError(_("请填写%(label)s。") % {"label": label}, field=field_name)
    if not isinstance(value, int) or value < 1 or value > THRESHOLD_MAX:
        raise ApplicationError(_("%(label)s应为1以上的整数。") % {"label": label}, field=field_name)
    return value


@transaction.atomic
def declaration_round_open(
    *,
    actor,
    campaign: Campaign,
    follower_threshold: int | None = None,
    group_threshold: int | None = None,
    note: str = "",
) -> DeclarationRound:
    """Ask the campaign's people to declare. Sizes left empty are the committee's (the registry policy)."""
    campaign = Campaign.objects.select_for_update(of=("self",)).select_related("unit").get(pk=campaign.pk)
    scoping.require(actor, "registry.manage", campaign.unit.path)
    if campaign.status == CampaignStatus.CLOSED:
        raise ApplicationError(_("传达任务已结束，不能再发起规模申报。"), field="campaign")
    if DeclarationRound.objects.filter(campaign=campaign).exists():
        raise ApplicationError(_("该传达任务已经发起过规模申报。"), field="campaign")
    followers, group = policies.thresholds_for(campaign.unit)
    follower_threshold = _clean_threshold(
        followers if follower_threshold is None else follower_threshold,
        field_name="follower_threshold",
        label=_("账号粉丝数标准"),
    )
    group_threshold = _clean_threshold(
        group if group_threshold is None else group_threshold,
        field_name="group_threshold",
        label=_("群成员数标准"),
    )
    note = " ".join((note or "").split())
    if len(note) > 300:
        raise ApplicationError(_("说明最多300字。"), field="note")
    round_ = DeclarationRound.objects.create(
        campaign=campaign,
        follower_threshold=follower_threshold,
        group_threshold=group_threshold,
        note=note,
        created_by=actor,
    )
    audit_record(
        actor=actor,
        change=Change(
            "registry.declaration_open",
            "registry.declarationround",
            round_.pk,
            str(round_)[:255],
            campaign.unit.path,
            None,
            {
                "campaign": campaign.title,
                "follower_threshold": follower_threshold,
                "group_threshold": group_threshold,
            },
        ),
    )
    return round_


def is_group(platform: str, account_kind: str) -> bool:
    return account_kind == AccountKind.GROUP or platform in GROUP_PLATFORMS


def threshold_of(round_: DeclarationRound, platform: str, account_kind: str) -> int:
    return round_.group_threshold if is_group(platform, account_kind) else round_.follower_threshold


def _target_of(actor, round_: DeclarationRound) -> Target:
    person = getattr(actor, "person", None) if actor.is_authenticated else None
    target = (
        Target.objects.filter(campaign_id=round_.campaign_id, person=person, in_scope=True)
        .select_related("unit", "person")
        .first()
        if person is not None
        else None
    )
    if target is None:
        raise PermissionRefused(_("您不在该传达任务的范围内。"))
    return target


@transaction.atomic
def declaration_submit(
    *,
    actor,
    round: DeclarationRound,  # noqa: A002 — the round the person answers
    answer: str,
    platform: str = "",
    account_kind: str = "",
    name: str = "",
    audience: int | None = None,
) -> Declaration:
    """The person's own answer (again, while the campaign runs: the last answer counts)."""
    round_ = DeclarationRound.objects.select_related("campaign").get(pk=round.pk)
    target = _target_of(actor, round_)
    if round_.campaign.status != CampaignStatus.ACTIVE:
        raise ApplicationError(_("传达任务不在进行中，不能申报。"))
    if answer not in DeclarationAnswer.values:
        raise ApplicationError(_("请选择：有，或没有。"), field="answer")
    name = " ".join((name or "").split())
    if answer == DeclarationAnswer.YES:
        if platform not in Platform.values:
            raise ApplicationError(_("请选择账号或群组所在的平台。"), field="platform")
        if account_kind not in AccountKind.values:
            raise ApplicationError(_("请选择类型（账号、群组或直播频道）。"), field="account_kind")
        if not name:
            raise ApplicationError(_("请填写账号或群组名称。"), field="name")
        if len(name) > 100:
            raise ApplicationError(_("账号或群组名称最多100字。"), field="name")
        if audience is None or not isinstance(audience, int) or audience < 0:
            raise ApplicationError(_("请填写粉丝数或群成员数（整数）。"), field="audience")
        limit = threshold_of(round_, platform, account_kind)
        if audience <= limit:
            raise ApplicationError(
                _(
                    "填写的%(what)s%(n)d未超过标准%(limit)d，不需要申报；如没有其他达到标准的账号或群组，请选择“没有”。"
                )
                % {
                    "what": _("群成员数") if is_group(platform, account_kind) else _("粉丝数"),
                    "n": audience,
                    "limit": limit,
                },
                field="audience",
            )
    else:
        platform, account_kind, name, audience = "", "", "", None
    existing = Declaration.objects.select_for_update().filter(round=round_, person=target.person).first()
    before = {"answer": existing.answer} if existing else None
    declaration = existing or Declaration(round=round_, person=target.person)
    declaration.unit = target.unit
    declaration.answer, declaration.platform, declaration.account_kind = answer, platform, account_kind
    declaration.name, declaration.audience = name, audience
    declaration.declared_by, declaration.declared_at = actor, timezone.now()
    declaration.full_clean()
    declaration.save()
    audit_record(
        actor=actor,
        change=Change(
            "registry.declare",
            "registry.declaration",
            declaration.pk,
            str(declaration)[:255],
            target.unit.path,
            before,
            {"answer": answer, "platform": platform, "name": name, "audience": audience},
        ),
    )
    return declaration


# ---------------------------------------------------------------------------------------------------- reads


def my_pending_rounds(*, user) -> QuerySet[DeclarationRound]:
    """Rounds of running campaigns that ask this person and that they have not answered."""
    person = getattr(user, "person", None) if user.is_authenticated else None
    if person is None:
        return DeclarationRound.objects.none()
    return (
        DeclarationRound.objects.filter(
            campaign__status=CampaignStatus.ACTIVE,
            campaign__in=Target.objects.filter(person=person, in_scope=True).values("campaign"),
        )
        .exclude(pk__in=Declaration.objects.filter(person=person).values("round"))
        .select_related("campaign")
        .order_by("campaign__deadline", "pk")
    )


def round_for_person(*, user, pk) -> tuple[DeclarationRound, Declaration | None]:
    """A round that asks this person, with their answer so far; 404 for any other."""
    person = getattr(user, "person", None) if user.is_authenticated else None
    if person is None:
        raise Http404
    try:
        round_ = DeclarationRound.objects.select_related("campaign").get(
            pk=pk, campaign__in=Target.objects.filter(person=person, in_scope=True).values("campaign")
        )
    except (DeclarationRound.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    return round_, Declaration.objects.filter(round=round_, person=person).first()


def my_declaration(*, user, pk) -> Declaration | None:
    """The person's own "yes" declaration (to fill a filing application in), or None."""
    person = getattr(user, "person", None) if user.is_authenticated else None
    if person is None:
        return None
    return (
        Declaration.objects.filter(pk=pk, person=person, answer=DeclarationAnswer.YES)
        .select_related("round")
        .first()
    )


def round_list(*, viewer) -> QuerySet[DeclarationRound]:
    """Rounds over the viewer's scope, and rounds above it that reach into it (a secretary follows their branch)."""
    scope = scoping.scope_for(viewer, "registry.view")
    qs = DeclarationRound.objects.select_related("campaign__unit")
    if scope.empty:
        return qs.none()
    if not scope.everything:
        step = OrgUnit.steplen
        above = [p[:i] for p in scope.paths for i in range(step, len(p), step)]
        qs = qs.filter(scope.q("campaign__unit__path") | Q(campaign__unit__path__in=above))
    return qs.order_by("-created_at", "-pk")


def round_get_for(*, viewer, pk) -> DeclarationRound:
    try:
        return round_list(viewer=viewer).get(pk=pk)
    except (DeclarationRound.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


@dataclass
class UnitCount:
    unit: OrgUnit
    asked: int = 0
    yes: int = 0
    no: int = 0

    @property
    def unanswered(self) -> int:
        return max(self.asked - self.yes - self.no, 0)

    @property
    def percent(self) -> int:
        return round(100 * (self.yes + self.no) / self.asked) if self.asked else 0


@dataclass
class Counts:
    rows: list[UnitCount] = field(default_factory=list)
    total: UnitCount | None = None


def declaration_counts(*, viewer, round_: DeclarationRound) -> Counts:
    """Per unit (where the person is in the campaign): people asked, answered yes, no; within the viewer's scope.
    Three queries whatever the number of people or units."""
    scope = scoping.scope_for(viewer, "registry.view")
    asked = dict(
        Target.objects.filter(scope.q("unit__path"), campaign_id=round_.campaign_id, in_scope=True)
        .order_by()
        .values("unit_id")
        .annotate(n=Count("pk"))
        .values_list("unit_id", "n")
    )
    answered: dict[int, dict[str, int]] = {}
    for unit_id, answer, n in (
        Declaration.objects.filter(scope.q("unit__path"), round=round_)
        .order_by()
        .values("unit_id", "answer")
        .annotate(n=Count("pk"))
        .values_list("unit_id", "answer", "n")
    ):
        answered.setdefault(unit_id, {})[answer] = n
    ids = set(asked) | set(answered)
    units = OrgUnit.objects.filter(pk__in=ids).order_by("path") if ids else []
    counts = Counts(total=UnitCount(unit=round_.campaign.unit))
    for unit in units:
        got = answered.get(unit.pk, {})
        row = UnitCount(
            unit, asked.get(unit.pk, 0), got.get(DeclarationAnswer.YES, 0), got.get(DeclarationAnswer.NO, 0)
        )
        counts.rows.append(row)
        counts.total.asked += row.asked
        counts.total.yes += row.yes
        counts.total.no += row.no
    return counts


def declarations_yes(*, viewer, round_: DeclarationRound) -> QuerySet[Declaration]:
    """The "yes" answers within the viewer's scope: whom to expect a filing application from."""
    return (
        Declaration.objects.filter(
            scoping.scope_for(viewer, "registry.view").q("unit__path"),
            round=round_,
            answer=DeclarationAnswer.YES,
        )
        .select_related("person", "unit")
        .order_by("unit__path", "pk")
    )


def counts_xlsx(*, viewer, round_: DeclarationRound) -> bytes:
    counts = declaration_counts(viewer=viewer, round_=round_)
    book = XlsxBook()
    caption = _(
        "《%(title)s》规模申报（账号粉丝数超过%(f)d、群成员数超过%(g)d；本人申报，平台不查询任何账号；导出时间：%(now)s）"
    ) % {
        "title": round_.campaign.title,
        "f": round_.follower_threshold,
        "g": round_.group_threshold,
        "now": f"{timezone.localtime():%Y-%m-%d %H:%M}",
    }
    sheet = book.sheet(
        _("按单位统计"),
        [_("单位"), _("应申报"), _("申报有"), _("申报没有"), _("未申报"), _("申报率")],
        caption=caption,
    )
    for row in [*counts.rows, counts.total]:
        name = row.unit.name if row is not counts.total else _("合计")
        sheet.append([name, row.asked, row.yes, row.no, row.unanswered, f"{row.percent}%"])
    platforms = {k: str(v) for k, v in Platform.choices}
    kinds = {k: str(v) for k, v in AccountKind.choices}
    detail = book.sheet(
        _("申报有的人员"),
        [_("单位"), _("姓名"), _("平台"), _("类型"), _("名称"), _("粉丝数/群成员数"), _("申报时间")],
    )
    for d in declarations_yes(viewer=viewer, round_=round_).iterator(chunk_size=2000):
        detail.append(
            [
                d.unit.name,
                d.person.name,
                platforms.get(d.platform, d.platform),
                kinds.get(d.account_kind, d.account_kind),
                d.name,
                d.audience,
                f"{timezone.localtime(d.declared_at):%Y-%m-%d %H:%M}",
            ]
        )
    return book.to_bytes()
