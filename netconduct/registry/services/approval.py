"""How approval is set up: each unit's steps (备案设置) and approvers' delegations while away."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from netconduct.core.audit import Change, audit_record
from netconduct.core.exceptions import ApplicationError, PermissionRefused
from netconduct.org import scoping
from netconduct.org.choices import Role
from netconduct.org.models import OrgUnit

from .. import policies
from ..choices import (
    StepLevel,
)
from ..models import (
    Delegation,
    PolicyStep,
    RegistryPolicy,
)

# ---------------------------------------------------------------------------------------------------- policies


@dataclass(frozen=True)
class StepInput:
    role: str
    level: str
    unit: OrgUnit | None = None
    label: str = ""


FILING_CODE_RE = re.compile(r"^[^〔〕\[\]（）()\s\d]{2,30}$")


@transaction.atomic
def policy_set(
    *,
    actor,
    unit: OrgUnit,
    steps: Sequence[StepInput],
    filing_code: str = "",
    follower_threshold: int | None = None,
    group_threshold: int | None = None,
) -> RegistryPolicy:
    """Set a unit's approval steps (none: inherit), filing code and thresholds. Applications already submitted
    keep the steps they were given."""
    unit = OrgUnit.objects.get(pk=unit.pk)
    scoping.require(actor, "registry.manage", unit.path)
    filing_code = (filing_code or "").strip()
    if filing_code and not FILING_CODE_RE.match(filing_code):
        raise ApplicationError(
            _("备案代字只含文字（例如：西北能化网备），不含年份、序号或括号。"), field="filing_code"
        )
    if len(steps) > 6:
        raise ApplicationError(_("审批步骤最多6步。"), field="steps")
    for n, step in enumerate(steps, start=1):
        if step.role not in (Role.SECRETARY, Role.UNIT_ADMIN, Role.SYSADMIN, Role.INSPECTOR):
            raise ApplicationError(_("第%(n)s步：请选择审批角色。") % {"n": n}, field="steps")
        if step.level not in StepLevel.values:
            raise ApplicationError(_("第%(n)s步：请选择层级。") % {"n": n}, field="steps")
        if step.level == StepLevel.UNIT:
            if step.unit is None:
                raise ApplicationError(_("第%(n)s步：请选择指定的组织。") % {"n": n}, field="steps")
            scoping.require(actor, "registry.manage", step.unit.path)
    policy, _created = RegistryPolicy.objects.get_or_create(unit=unit)
    before = policy_snapshot(policy)
    policy.filing_code = filing_code
    policy.follower_threshold = follower_threshold
    policy.group_threshold = group_threshold
    policy.save()
    policy.steps.all().delete()
    PolicyStep.objects.bulk_create(
        [
            PolicyStep(
                policy=policy,
                position=n,
                role=s.role,
                level=s.level,
                unit=s.unit if s.level == StepLevel.UNIT else None,
                label=(s.label or "").strip()[:100],
            )
            for n, s in enumerate(steps, start=1)
        ]
    )
    audit_record(
        actor=actor,
        change=Change(
            "registry.policy_set",
            "registry.policy",
            policy.pk,
            f"{unit.name}备案设置",
            unit.path,
            before,
            policy_snapshot(policy),
        ),
    )
    return policy


def policy_snapshot(policy: RegistryPolicy) -> dict[str, Any]:
    return {
        "filing_code": policy.filing_code,
        "follower_threshold": policy.follower_threshold,
        "group_threshold": policy.group_threshold,
        "steps": [str(s) for s in policy.steps.all()] if policy.pk else [],
    }


# ---------------------------------------------------------------------------------------------------- delegation


@transaction.atomic
def delegation_create(
    *, actor, to_user, starts_on: dt.date, ends_on: dt.date, reason: str = ""
) -> Delegation:
    """While away, let `to_user` decide what the actor may decide, between the two dates (both included)."""
    if not policies.may_approve_anything(actor):
        raise PermissionRefused(_("您没有审批职责，无需委托。"))
    if to_user is None or not to_user.is_active:
        raise ApplicationError(_("找不到受托人的有效账号。"), field="to_user")
    if to_user.pk == actor.pk:
        raise ApplicationError(_("不能委托给自己。"), field="to_user")
    if ends_on < starts_on:
        raise ApplicationError(_("结束日期不能早于开始日期。"), field="ends_on")
    if ends_on < timezone.localdate():
        raise ApplicationError(_("结束日期已过。"), field="ends_on")
    if (ends_on - starts_on).days > 180:
        raise ApplicationError(_("一次委托最长180天。"), field="ends_on")
    delegation = Delegation.objects.create(
        from_user=actor,
        to_user=to_user,
        starts_on=starts_on,
        ends_on=ends_on,
        reason=(reason or "").strip()[:200],
    )
    audit_record(
        actor=actor,
        change=Change(
            "registry.delegate",
            "registry.delegation",
            delegation.pk,
            str(delegation)[:255],
            "",
            None,
            {
                "to_user": to_user.get_username(),
                "starts_on": starts_on,
                "ends_on": ends_on,
                "reason": delegation.reason,
            },
        ),
    )
    return delegation


@transaction.atomic
def delegation_revoke(*, actor, delegation: Delegation) -> Delegation:
    delegation = Delegation.objects.select_for_update(of=("self",)).get(pk=delegation.pk)
    if delegation.from_user_id != actor.pk and not actor.is_superuser:
        raise PermissionRefused(_("只有委托人可以撤销委托。"))
    if delegation.revoked_at is not None:
        raise ApplicationError(_("该委托已撤销。"))
    delegation.revoked_at = timezone.now()
    delegation.save(update_fields=["revoked_at"])
    audit_record(
        actor=actor,
        change=Change(
            "registry.delegation_revoke",
            "registry.delegation",
            delegation.pk,
            str(delegation)[:255],
            "",
            None,
            {"revoked": True},
        ),
    )
    return delegation
