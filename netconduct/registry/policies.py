"""Who approves an application, which filing code it gets and when a personal account must be filed.

Approval steps come from the nearest unit, going up from the unit in charge, whose 备案设置 lists steps; with none
configured anywhere the default applies: the applicant's branch secretary, then the committee's staff (单位管理员).
Each step names a role and a level (the applicant's 党支部, the 党委 above the unit, or a given unit); the level is
resolved to a unit when the application is submitted and stored on it.

Approvers are not stored: whoever holds a grant of the step's role on that unit or above it *now* may decide, and so
may a system administrator over it. A successor who is granted the role inherits the pending items the moment the
grant is made, and a predecessor whose grant is revoked loses them. An approver may delegate while away
(`Delegation`): between its dates the stand-in may decide what the approver may, and the decision records both.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_noop

from netconduct.org.choices import Role, UnitKind
from netconduct.org.models import OrgUnit, RoleGrant
from netconduct.org.scoping import subtree_q

from .choices import GROUP_PLATFORMS, AccountKind, FilingBasis, StepLevel
from .models import Application, Delegation, RegistryPolicy

STEP = OrgUnit.steplen


@dataclass(frozen=True)
class StepSpec:
    role: str
    level: str
    unit_id: int | None = None
    label: str = ""


DEFAULT_STEPS = (
    # Stored with each application in Chinese (data); marked for the catalog so the settings page can show them in English.
    StepSpec(Role.SECRETARY, StepLevel.BRANCH, label=gettext_noop("党支部书记审核")),
    StepSpec(Role.UNIT_ADMIN, StepLevel.COMMITTEE, label=gettext_noop("党委办公室审批")),
)


def ancestors_and_self(unit: OrgUnit) -> list[OrgUnit]:
    """The unit and its ancestors, nearest first (one query)."""
    paths = [unit.path[:i] for i in range(STEP, len(unit.path) + 1, STEP)]
    units = {u.path: u for u in OrgUnit.objects.filter(path__in=paths)}
    return [units[p] for p in reversed(paths) if p in units]


def _policies(chain: list[OrgUnit]) -> list[RegistryPolicy]:
    """The policies along the chain, nearest first, with their steps."""
    found = {
        p.unit_id: p
        for p in RegistryPolicy.objects.filter(unit__in=[u.pk for u in chain]).prefetch_related("steps__unit")
    }
    return [found[u.pk] for u in chain if u.pk in found]


def _nearest(chain: list[OrgUnit], *kinds: str) -> OrgUnit | None:
    for kind in kinds:
        for unit in chain:
            if unit.kind == kind:
                return unit
    return None


def step_specs(unit: OrgUnit, chain: list[OrgUnit] | None = None) -> tuple[list[StepSpec], OrgUnit | None]:
    """The configured steps that apply to `unit` and the unit whose policy gave them (None: the default)."""
    chain = chain if chain is not None else ancestors_and_self(unit)
    for policy in _policies(chain):
        steps = list(policy.steps.all())
        if steps:
            return [StepSpec(s.role, s.level, s.unit_id, s.label) for s in steps], policy.unit
    return list(DEFAULT_STEPS), None


def resolve_steps(unit: OrgUnit) -> list[dict]:
    """The steps of an application whose unit in charge is `unit`, each with the unit it is decided at."""
    chain = ancestors_and_self(unit)
    specs, _source = step_specs(unit, chain)
    units_by_pk = {u.pk: u for u in chain}
    extra = [s.unit_id for s in specs if s.unit_id and s.unit_id not in units_by_pk]
    units_by_pk.update({u.pk: u for u in OrgUnit.objects.filter(pk__in=extra)})
    resolved: list[dict] = []
    for spec in specs:
        if spec.level == StepLevel.BRANCH:
            at = _nearest(chain, UnitKind.BRANCH, UnitKind.GENERAL_BRANCH)
        elif spec.level == StepLevel.COMMITTEE:
            at = _nearest(chain, UnitKind.COMMITTEE)
        else:
            at = units_by_pk.get(spec.unit_id)
        if at is None:
            continue  # e.g. an office placed directly under the committee has no branch: that step does not apply
        label = spec.label or f"{at.name}{Role(spec.role).label}审批"
        step = {"role": spec.role, "unit_id": at.pk, "unit_name": at.name, "label": label}
        if resolved and (resolved[-1]["role"], resolved[-1]["unit_id"]) == (step["role"], step["unit_id"]):
            continue
        resolved.append(step)
    if not resolved:  # nothing resolved (a unit outside any committee): the top of its tree decides
        top = chain[-1]
        resolved.append(
            {"role": Role.UNIT_ADMIN, "unit_id": top.pk, "unit_name": top.name, "label": f"{top.name}审批"}
        )
    return resolved


def _derived_code(chain: list[OrgUnit]) -> str:
    """西北能化党 (the committee's 代字) → 西北能化网备; without a 代字, the short name or the name less its suffix."""
    unit = _nearest(chain, UnitKind.COMMITTEE) or chain[-1]
    base = unit.code.removesuffix("党") if unit.code else ""
    if not base:
        base = unit.short_name or unit.name
        for suffix in ("公司党委", "党委", "公司", "集团"):
            if base.endswith(suffix) and len(base) > len(suffix):
                base = base.removesuffix(suffix)
                break
    return f"{base[:26]}网备"


def filing_code_for(unit: OrgUnit) -> str:
    chain = ancestors_and_self(unit)
    for policy in _policies(chain):
        if policy.filing_code:
            return policy.filing_code
    return _derived_code(chain)


def thresholds_for(unit: OrgUnit) -> tuple[int, int]:
    """(followers, group members) above which a personal account is flagged for filing."""
    followers = group = None
    for policy in _policies(ancestors_and_self(unit)):
        followers = followers if followers is not None else policy.follower_threshold
        group = group if group is not None else policy.group_threshold
    return (
        followers if followers is not None else settings.NETCONDUCT_REGISTRY_FOLLOWER_THRESHOLD,
        group if group is not None else settings.NETCONDUCT_REGISTRY_GROUP_THRESHOLD,
    )


def filing_basis(
    *, unit: OrgUnit, official_capacity: bool, platform: str, account_kind: str, audience
) -> str:
    if official_capacity:
        return FilingBasis.OFFICIAL
    followers, group = thresholds_for(unit)
    is_group = account_kind == AccountKind.GROUP or platform in GROUP_PLATFORMS
    limit = group if is_group else followers
    if audience is not None and audience > limit:
        return FilingBasis.SIZE
    return FilingBasis.VOLUNTARY


# ---------------------------------------------------------------------------------------------------- approvers


@dataclass(frozen=True)
class Standing:
    """A grant an account may approve with: its own, or one it holds as a stand-in (`on_behalf_of`)."""

    role: str
    path: str
    on_behalf_of: int | None = None


def _today() -> dt.date:
    return timezone.localdate()


def active_delegations(user, today: dt.date | None = None):
    today = today or _today()
    return Delegation.objects.filter(
        to_user=user,
        revoked_at__isnull=True,
        starts_on__lte=today,
        ends_on__gte=today,
        from_user__is_active=True,
    )


def standings(user) -> list[Standing]:
    """Every (role, unit path) the account may approve with today, its own grants first."""
    cached = getattr(user, "_registry_standings", None)
    if cached is not None:
        return cached
    result: list[Standing] = []
    if user is not None and user.is_authenticated and user.is_active:
        own = RoleGrant.objects.filter(user=user).values_list("role", "unit__path")
        result = [Standing(role, path) for role, path in own]
        delegators = list(active_delegations(user).values_list("from_user_id", flat=True))
        if delegators:
            given = RoleGrant.objects.filter(user_id__in=delegators).values_list(
                "role", "unit__path", "user_id"
            )
            result += [Standing(role, path, by) for role, path, by in given]
    user._registry_standings = result
    return result


def _covers(standing: Standing, role: str, path: str) -> bool:
    return (standing.role == role or standing.role == Role.SYSADMIN) and path.startswith(standing.path)


def decider_for(user, application: Application) -> tuple[bool, int | None]:
    """(may decide the current step, on whose behalf). Own standing wins over a delegated one."""
    step = application.current_step
    if step is None or user is None or not user.is_authenticated or not user.is_active:
        return False, None
    if user.is_superuser:
        return True, None
    unit = application.current_unit
    if unit is None:
        return False, None
    matches = [s for s in standings(user) if _covers(s, step["role"], unit.path)]
    if not matches:
        return False, None
    own = [s for s in matches if s.on_behalf_of is None]
    return True, (None if own else matches[0].on_behalf_of)


def queue_q(user) -> Q:
    """Applications waiting for this account's decision (its own grants and those it stands in for)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return Q(pk__in=[])
    waiting = Q(status="submitted")
    if user.is_superuser:
        return waiting
    query = Q(pk__in=[])
    for role, path in {(s.role, s.path) for s in standings(user)}:
        match = subtree_q("current_unit__path", path)
        if role != Role.SYSADMIN:
            match &= Q(current_role=role)
        query |= match
    return waiting & query


def approvers_of(application: Application) -> list[int]:
    """Account ids that may decide the current step now (grant holders at or above the unit, and their stand-ins)."""
    step = application.current_step
    unit = application.current_unit
    if step is None or unit is None:
        return []
    paths = [unit.path[:i] for i in range(STEP, len(unit.path) + 1, STEP)]
    holders = set(
        RoleGrant.objects.filter(unit__path__in=paths, user__is_active=True)
        .filter(Q(role=step["role"]) | Q(role=Role.SYSADMIN))
        .values_list("user_id", flat=True)
    )
    today = _today()
    stand_ins = set(
        Delegation.objects.filter(
            from_user_id__in=holders,
            revoked_at__isnull=True,
            starts_on__lte=today,
            ends_on__gte=today,
            to_user__is_active=True,
        ).values_list("to_user_id", flat=True)
    )
    return sorted(holders | stand_ins)


def may_approve_anything(user) -> bool:
    """Whether the account holds any grant that can approve (for offering delegation)."""
    approving = {Role.SECRETARY, Role.UNIT_ADMIN, Role.SYSADMIN}
    return bool(user.is_authenticated) and RoleGrant.objects.filter(user=user, role__in=approving).exists()


def forget_standings(user) -> None:
    if hasattr(user, "_registry_standings"):
        del user._registry_standings
