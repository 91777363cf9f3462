"""Applications and their approval: create, update, submit, withdraw, and each step's decision.

Two approvers deciding the same step at the same moment produce one decision: a decision names the application's
`version` it was made on and is written by a conditional UPDATE on that version; the second finds the version moved
on and is refused with a message saying so. The last step's approval files the account (filing)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from netconduct.core.audit import audit_record
from netconduct.core.exceptions import ApplicationError, PermissionRefused
from netconduct.org import scoping
from netconduct.org.models import OrgUnit

from .. import policies
from ..choices import (
    EDITABLE_STATUSES,
    AccountStatus,
    ApplicationKind,
    ApplicationStatus,
    Decision,
    OwnerKind,
)
from ..models import (
    Account,
    Application,
    ApplicationAdmin,
    ApplicationDecision,
)
from .common import (
    APPLICATION_ONLY,
    FIELDS,
    AdminInput,
    _actor_person,
    _app_change,
    _app_url,
    _check_submittable,
    _clean_admins,
    _clean_fields,
    _notify,
    _write_admins,
    application_snapshot,
)
from .filing import _file

# ---------------------------------------------------------------------------------------------------- applications


def _check_unit_owner(actor, unit: OrgUnit) -> None:
    """A unit's application is made by someone with registry.apply_unit over it, or by a person working in it."""
    if scoping.scope_for(actor, "registry.apply_unit").covers(unit.path):
        return
    person = _actor_person(actor)
    if person is not None and person.unit.path.startswith(unit.path):
        return
    raise PermissionRefused(_("您只能为本人所在单位或您管理范围内的单位申请备案。"))


@transaction.atomic
def application_create(
    *,
    actor,
    owner_kind: str,
    platform: str,
    account_kind: str,
    name: str,
    unit: OrgUnit | None = None,
    admins: Sequence[AdminInput] = (),
    planned_open_on: dt.date | None = None,
    **fields: Any,
) -> Application:
    """A draft application: for the actor's own account (placed at their unit) or for a unit's."""
    unknown = set(fields) - set(FIELDS)
    if unknown:
        raise ApplicationError(_("不能填写这些字段：%(join)s。") % {"join": "、".join(sorted(unknown))})
    if owner_kind == OwnerKind.PERSON:
        person = _actor_person(actor)
        if person is None:
            raise ApplicationError(
                _("您的账号没有关联人员档案，不能以个人名义申请；请联系支部书记。"), field="owner_kind"
            )
        unit = person.unit
    elif owner_kind == OwnerKind.UNIT:
        if unit is None:
            raise ApplicationError(_("请选择主管单位。"), field="unit")
        unit = OrgUnit.objects.get(pk=unit.pk)
        _check_unit_owner(actor, unit)
        person = _actor_person(actor)
    else:
        raise ApplicationError(_("请选择申请主体（个人或单位）。"), field="owner_kind")
    if not unit.is_active:
        raise ApplicationError(_("%(name)s已撤销，不能申请备案。") % {"name": unit.name}, field="unit")
    data = _clean_fields({"platform": platform, "account_kind": account_kind, "name": name, **fields})
    application = Application(
        kind=ApplicationKind.OPEN,
        owner_kind=owner_kind,
        unit=unit,
        applicant=actor,
        applicant_person=person,
        planned_open_on=planned_open_on,
        **data,
    )
    application.basis = policies.filing_basis(
        unit=unit,
        official_capacity=application.official_capacity,
        platform=application.platform,
        account_kind=application.account_kind,
        audience=application.audience,
    )
    application.full_clean(exclude=["steps"])
    application.save()
    _write_admins(ApplicationAdmin, "application", application, _clean_admins(unit, admins))
    audit_record(
        actor=actor,
        change=_app_change("registry.apply", application, None, application_snapshot(application)),
    )
    return application


def _own_editable(actor, application: Application) -> Application:
    application = (
        Application.objects.select_for_update(of=("self",)).select_related("unit").get(pk=application.pk)
    )
    if application.applicant_id != actor.pk:
        raise PermissionRefused(_("只有申请人可以修改或提交本申请。"))
    if application.status not in EDITABLE_STATUSES:
        raise ApplicationError(
            _("申请当前为“%(get_status_display)s”，不能修改。")
            % {"get_status_display": application.get_status_display()}
        )
    return application


@transaction.atomic
def application_update(
    *, actor, application: Application, admins: Sequence[AdminInput] | None = None, **fields: Any
) -> Application:
    application = _own_editable(actor, application)
    unknown = set(fields) - set(FIELDS) - set(APPLICATION_ONLY)
    if unknown:
        raise ApplicationError(_("不能修改这些字段：%(join)s。") % {"join": "、".join(sorted(unknown))})
    before = application_snapshot(application)
    extra = {k: fields.pop(k) for k in APPLICATION_ONLY if k in fields}
    for name, value in {**_clean_fields(fields), **extra}.items():
        setattr(application, name, value)
    application.basis = policies.filing_basis(
        unit=application.unit,
        official_capacity=application.official_capacity,
        platform=application.platform,
        account_kind=application.account_kind,
        audience=application.audience,
    )
    application.full_clean(exclude=["steps"])
    application.save()
    if admins is not None:
        _write_admins(ApplicationAdmin, "application", application, _clean_admins(application.unit, admins))
    after = application_snapshot(application)
    changed = {k: v for k, v in after.items() if before.get(k) != v}
    if changed:
        audit_record(
            actor=actor,
            change=_app_change(
                "registry.application_update", application, {k: before[k] for k in changed}, changed
            ),
        )
    return application


def _set_step(application: Application, index: int) -> None:
    application.step_index = index
    step = application.steps[index]
    application.current_role = step["role"]
    application.current_unit_id = step["unit_id"]
    application.current_unit = OrgUnit.objects.get(pk=step["unit_id"])


def _notify_approvers(application: Application) -> None:
    step = application.current_step
    if step is None:
        return
    _notify(
        policies.approvers_of(application),
        key=f"registry:app{application.pk}:r{application.round}:s{application.step_index}",
        title=f"待审批：{application.get_kind_display()}“{application.name}”",
        body=f"{application.unit.name}的{application.get_kind_display()}申请“{application.name}”等待您审批（{step['label']}）。",
        url=_app_url(application),
    )


@transaction.atomic
def application_submit(*, actor, application: Application) -> Application:
    """Send a draft (or a returned application, from its first step again) into its approval steps."""
    application = _own_editable(actor, application)
    _check_submittable(application)
    if application.kind == ApplicationKind.OPEN:
        duplicate = Account.objects.filter(
            platform=application.platform, name=application.name, unit=application.unit
        ).exclude(status=AccountStatus.CLOSED)
        if application.platform_ref:
            duplicate = Account.objects.filter(
                Q(pk__in=duplicate.values("pk"))
                | Q(platform=application.platform, platform_ref=application.platform_ref)
            ).exclude(status=AccountStatus.CLOSED)
        found = duplicate.first()
        if found is not None:
            raise ApplicationError(
                _("该账号已备案（%(filing_number)s），如有变化请提交变更备案。")
                % {"filing_number": found.filing_number}
            )
    before = {"status": application.status}
    application.steps = policies.resolve_steps(application.unit)
    application.status = ApplicationStatus.SUBMITTED
    application.round += 1
    application.version += 1
    application.submitted_at = timezone.now()
    application.decided_at = None
    _set_step(application, 0)
    application.save()
    audit_record(
        actor=actor,
        change=_app_change(
            "registry.submit",
            application,
            before,
            {"status": application.status, "steps": [s["label"] for s in application.steps]},
        ),
    )
    _notify_approvers(application)
    return application


@transaction.atomic
def application_withdraw(*, actor, application: Application) -> Application:
    """The applicant takes a submitted application back, as long as no step has decided on this submission."""
    application = (
        Application.objects.select_for_update(of=("self",)).select_related("unit").get(pk=application.pk)
    )
    if application.applicant_id != actor.pk:
        raise PermissionRefused(_("只有申请人可以撤回本申请。"))
    if application.status != ApplicationStatus.SUBMITTED:
        raise ApplicationError(
            _("申请当前为“%(get_status_display)s”，不能撤回。")
            % {"get_status_display": application.get_status_display()}
        )
    if application.decisions.filter(round=application.round).exists():
        raise ApplicationError(_("已有审批人作出决定，不能再撤回。"))
    application.status = ApplicationStatus.WITHDRAWN
    application.version += 1
    application.current_role, application.current_unit = "", None
    application.save()
    audit_record(
        actor=actor,
        change=_app_change(
            "registry.withdraw",
            application,
            {"status": ApplicationStatus.SUBMITTED},
            {"status": application.status},
        ),
    )
    return application


def stale_error(application_pk: int) -> ApplicationError:
    latest = (
        ApplicationDecision.objects.filter(application_id=application_pk)
        .select_related("actor")
        .order_by("-created_at", "-pk")
        .first()
    )
    current = Application.objects.get(pk=application_pk)
    who = ""
    if latest is not None:
        name = latest.actor.get_full_name() or latest.actor.get_username()
        who = _("%(name)s已于%(localtime)s作出“%(get_decision_display)s”的决定，") % {
            "name": name,
            "localtime": f"{timezone.localtime(latest.created_at):%H:%M}",
            "get_decision_display": latest.get_decision_display(),
        }
    return ApplicationError(
        _("%(who)s申请现为“%(get_status_display)s”")
        % {"who": who, "get_status_display": current.get_status_display()}
        + (
            _("（%(current_step)s）") % {"current_step": current.current_step["label"]}
            if current.current_step
            else ""
        )
        + _("。您的决定没有保存，请刷新页面后查看。"),
        field="decision",
    )


@transaction.atomic
def application_decide(
    *, actor, application: Application, decision: str, comment: str = "", version: int
) -> Application:
    """Decide the current step: approve (to the next step, or file it after the last), return for changes, or
    reject. `version` is the one the approver saw; a decision on a version that has moved on is refused."""
    fresh = Application.objects.select_related("current_unit", "unit").get(pk=application.pk)
    allowed, on_behalf_of = policies.decider_for(actor, fresh)
    if fresh.status != ApplicationStatus.SUBMITTED or fresh.version != version:
        if fresh.version != version:
            raise stale_error(fresh.pk)
        raise ApplicationError(
            _("申请当前为“%(get_status_display)s”，无需审批。")
            % {"get_status_display": fresh.get_status_display()},
            field="decision",
        )
    if not allowed:
        raise PermissionRefused(_("您不是本步骤的审批人。"))
    if decision not in Decision.values:
        raise ApplicationError(_("请选择审批意见。"), field="decision")
    comment = (comment or "").strip()
    if decision != Decision.APPROVE and not comment:
        raise ApplicationError(_("退回或不同意时，请填写理由或修改意见。"), field="comment")
    # The gate: only one decision moves the application from this version.
    won = Application.objects.filter(pk=fresh.pk, status=ApplicationStatus.SUBMITTED, version=version).update(
        version=F("version") + 1
    )
    if not won:
        raise stale_error(fresh.pk)
    application = (
        Application.objects.select_for_update(of=("self",))
        .select_related("unit", "current_unit")
        .get(pk=fresh.pk)
    )
    step = application.current_step
    try:
        with transaction.atomic():
            ApplicationDecision.objects.create(
                application=application,
                round=application.round,
                step_index=application.step_index,
                step_label=step["label"],
                decision=decision,
                comment=comment,
                actor=actor,
                on_behalf_of_id=on_behalf_of,
            )
    except IntegrityError:
        raise stale_error(application.pk) from None
    before = {"status": application.status, "step": step["label"]}
    now = timezone.now()
    account = None
    if decision == Decision.APPROVE and application.step_index + 1 < len(application.steps):
        _set_step(application, application.step_index + 1)
    else:
        application.status = {
            Decision.APPROVE: ApplicationStatus.APPROVED,
            Decision.RETURN: ApplicationStatus.RETURNED,
            Decision.REJECT: ApplicationStatus.REJECTED,
        }[Decision(decision)]
        application.current_role, application.current_unit = "", None
        application.decided_at = now
        if application.status == ApplicationStatus.APPROVED:
            account = _file(application, now)
            application.account = account
    application.save()
    after = {"status": application.status, "decision": decision, "comment": comment}
    if on_behalf_of:
        after["on_behalf_of"] = on_behalf_of
    if application.current_step:
        after["step"] = application.current_step["label"]
    if account is not None:
        after["filing_number"] = account.filing_number
    audit_record(actor=actor, change=_app_change("registry.decide", application, before, after))
    if application.status == ApplicationStatus.SUBMITTED:
        _notify_approvers(application)
    else:
        outcome = {
            ApplicationStatus.APPROVED: f"已通过并备案，备案编号{account.filing_number}"
            if account
            else "已通过",
            ApplicationStatus.RETURNED: f"被退回修改：{comment}",
            ApplicationStatus.REJECTED: f"未通过：{comment}",
        }[ApplicationStatus(application.status)]
        _notify(
            [application.applicant_id],
            key=f"registry:app{application.pk}:r{application.round}:done",
            title=f"您的{application.get_kind_display()}“{application.name}”{outcome[:60]}",
            body=f"{application.get_kind_display()}“{application.name}”{outcome}。",
            url=_app_url(application),
        )
    return application
