"""Writes to the registry: applications and their approval steps, filing with a number, changes and hand-overs,
suspension and closure, policies, delegations. Each: permission, validation, one audit event, one transaction.

Filing numbers (e.g. 西北能化网备〔2026〕12号) are allocated per filing code and year like documents' numbers: the
counter row is bumped by an UPDATE inside the approving transaction, so concurrent approvals queue on it and a
rolled-back approval gives its number back. Two approvers deciding the same step at the same moment produce one
decision: a decision names the application's `version` it was made on and is written by a conditional UPDATE on that
version; the second finds the version moved on and is refused with a message saying so.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from netconduct.core import crypto
from netconduct.core.audit import Change, audit_record
from netconduct.core.exceptions import ApplicationError, PermissionRefused
from netconduct.notifications.services import Message, notifications_send
from netconduct.org import scoping
from netconduct.org.choices import PersonStatus, Role
from netconduct.org.models import OrgUnit, Person
from netconduct.org.scoping import subtree_q
from netconduct.org.validation import clean_mobile

from . import policies
from .choices import (
    EDITABLE_STATUSES,
    NAMED_PLATFORMS,
    AccountKind,
    AccountStatus,
    ApplicationKind,
    ApplicationStatus,
    Decision,
    OwnerKind,
    Platform,
    StepLevel,
)
from .models import (
    PHONE_CONTEXT,
    Account,
    AccountAdmin,
    Application,
    ApplicationAdmin,
    ApplicationDecision,
    Delegation,
    FilingCounter,
    PolicyStep,
    RegistryPolicy,
)

FIELDS = (
    "platform",
    "platform_name",
    "account_kind",
    "name",
    "platform_ref",
    "purpose",
    "official_capacity",
    "leader",
    "audience",
    "platform_verified",
    "content_review",
)
APPLICATION_ONLY = ("planned_open_on", "changed_on", "change_note")
MAX_ADMINS = 10
NUMBER_RE = re.compile(
    r"^\s*(?P<code>[^〔〕\[\]（）()\s\d]+)\s*[〔\[（(](?P<year>\d{4})[〕\]）)]\s*(?P<seq>\d{1,6})\s*号\s*$"
)


# ---------------------------------------------------------------------------------------------------- helpers


def format_number(code: str, year: int, seq: int) -> str:
    return f"{code}〔{year}〕{seq}号"


def parse_number(number: str) -> tuple[str, int, int]:
    """ "西北能化网备〔2026〕12号" → ("西北能化网备", 2026, 12); [2026], (2026) and （2026） are accepted as typed."""
    match = NUMBER_RE.match(number or "")
    if not match:
        raise ApplicationError(
            f"备案编号“{number}”格式不正确，应为“代字〔年份〕序号号”，例如：西北能化网备〔2026〕12号。",
            field="filing_number",
        )
    return match["code"], int(match["year"]), int(match["seq"])


@dataclass(frozen=True)
class AdminInput:
    """An administrator as typed: name, mobile and optionally the employee number that picks the roster's person."""

    name: str
    phone: str
    employee_no: str = ""


def _seal(phone: str) -> tuple[str, str]:
    return crypto.encrypt(phone, context=PHONE_CONTEXT), crypto.mask_mobile(phone)


def admin_snapshot(admins: Iterable) -> list[str]:
    """Administrators for audit events: names and masked phones only."""
    return [f"{a.name} {a.phone_masked}".strip() for a in admins]


def application_snapshot(application: Application) -> dict[str, Any]:
    data = {name: getattr(application, name) for name in FIELDS}
    data.update(
        kind=application.kind,
        owner_kind=application.owner_kind,
        unit=application.unit.name,
        status=application.status,
        planned_open_on=application.planned_open_on,
        admins=admin_snapshot(application.admins.all()) if application.pk else [],
    )
    if application.kind == ApplicationKind.CHANGE:
        data.update(changed_on=application.changed_on, change_note=application.change_note)
    return data


def account_snapshot(account: Account) -> dict[str, Any]:
    data = {name: getattr(account, name) for name in FIELDS}
    data.update(
        filing_number=account.filing_number,
        unit=account.unit.name,
        status=account.status,
        admins=admin_snapshot(account.admins.all()) if account.pk else [],
    )
    return data


def _app_change(action: str, application: Application, before=None, after=None) -> Change:
    return Change(
        action,
        "registry.application",
        application.pk,
        str(application)[:255],
        application.unit.path,
        before,
        after,
    )


def _account_change(action: str, account: Account, before=None, after=None) -> Change:
    return Change(
        action, "registry.account", account.pk, str(account)[:255], account.unit.path, before, after
    )


def _notify(user_ids: Iterable[int], *, key: str, title: str, body: str, url: str) -> None:
    """In-app notifications; the key makes each one at most once."""
    notifications_send(
        messages=[
            Message(user_id=uid, key=f"{key}:to{uid}", title=title, body=body, url=url)
            for uid in sorted(set(user_ids))
        ]
    )


def _app_url(application: Application) -> str:
    return reverse("registry:application", args=[application.pk])


# ---------------------------------------------------------------------------------------------------- validation


def _clean_fields(data: dict[str, Any]) -> dict[str, Any]:
    clean = {k: (v.strip() if isinstance(v, str) else v) for k, v in data.items()}
    if "platform" in clean and clean["platform"] not in Platform.values:
        raise ApplicationError("请选择平台。", field="platform")
    if "account_kind" in clean and clean["account_kind"] not in AccountKind.values:
        raise ApplicationError("请选择类型（账号、群组或直播频道）。", field="account_kind")
    if clean.get("platform") in NAMED_PLATFORMS and not clean.get("platform_name"):
        raise ApplicationError("境外平台或其他平台请填写平台名称。", field="platform_name")
    if clean.get("platform") and clean["platform"] not in NAMED_PLATFORMS:
        clean["platform_name"] = ""
    if "name" in clean and not clean["name"]:
        raise ApplicationError("请填写账号或群组名称。", field="name")
    audience = clean.get("audience")
    if audience is not None and (not isinstance(audience, int) or audience < 0):
        raise ApplicationError("受众/群规模应为不小于0的整数。", field="audience")
    return clean


def _person_in(unit: OrgUnit, item: AdminInput, line: int) -> Person | None:
    """The roster's person for an administrator: by employee number anywhere, else by name under the unit."""
    if item.employee_no:
        person = Person.objects.filter(employee_no=item.employee_no).select_related("unit").first()
        if person is None:
            raise ApplicationError(
                f"管理员第{line}行：工号“{item.employee_no}”不在人员名册中。", field="admins"
            )
        if person.name != item.name:
            raise ApplicationError(
                f"管理员第{line}行：工号“{item.employee_no}”是{person.name}，与填写的姓名“{item.name}”不符。",
                field="admins",
            )
        return person
    matches = list(
        Person.objects.filter(
            subtree_q("unit__path", unit.path), name=item.name, status=PersonStatus.ACTIVE
        ).select_related("unit")[:2]
    )
    if len(matches) > 1:
        raise ApplicationError(
            f"管理员第{line}行：“{item.name}”在{unit.name}有多人同名，请在手机号后填写其工号。",
            field="admins",
        )
    return matches[0] if matches else None


def _clean_admins(unit: OrgUnit, admins: Sequence[AdminInput]) -> list[dict[str, Any]]:
    if len(admins) > MAX_ADMINS:
        raise ApplicationError(f"管理员最多{MAX_ADMINS}人。", field="admins")
    rows = []
    seen = set()
    for line, item in enumerate(admins, start=1):
        name = re.sub(r"\s+", "", item.name or "")
        if not name:
            raise ApplicationError(f"管理员第{line}行：请填写姓名。", field="admins")
        try:
            phone = clean_mobile(item.phone or "")
        except ValidationError as exc:
            raise ApplicationError(f"管理员第{line}行：{exc.messages[0]}", field="admins") from None
        if not phone:
            raise ApplicationError(f"管理员第{line}行：请填写{name}的手机号码。", field="admins")
        if (name, phone) in seen:
            raise ApplicationError(f"管理员第{line}行：{name}重复填写。", field="admins")
        seen.add((name, phone))
        person = _person_in(unit, AdminInput(name, phone, (item.employee_no or "").strip()), line)
        enc, masked = _seal(phone)
        rows.append(
            {
                "position": line,
                "name": name,
                "phone_enc": enc,
                "phone_masked": masked,
                "person": person,
                "person_unit_id": person.unit_id if person else None,
            }
        )
    return rows


def _write_admins(model, owner_field: str, owner, rows: list[dict[str, Any]]) -> None:
    model.objects.filter(**{owner_field: owner}).delete()
    model.objects.bulk_create([model(**{owner_field: owner}, **row) for row in rows])


def _check_submittable(application: Application) -> None:
    missing = []
    if not application.name:
        missing.append("账号/群组名称")
    if not application.purpose:
        missing.append("用途")
    if application.official_capacity and not application.content_review:
        missing.append("内容审核安排")
    if application.owner_kind == OwnerKind.UNIT and not application.leader:
        missing.append("分管领导")
    if not application.admins.exists():
        missing.append("管理员")
    if application.kind == ApplicationKind.OPEN and not application.planned_open_on:
        missing.append("计划开通日期")
    if application.kind == ApplicationKind.CHANGE and not application.changed_on:
        missing.append("变更发生日期")
    if missing:
        raise ApplicationError(f"提交前请填写：{'、'.join(missing)}。")


# ---------------------------------------------------------------------------------------------------- applications


def _actor_person(actor) -> Person | None:
    return (
        Person.objects.filter(user=actor).select_related("unit").first() if actor.is_authenticated else None
    )


def _check_unit_owner(actor, unit: OrgUnit) -> None:
    """A unit's application is made by someone with registry.apply_unit over it, or by a person working in it."""
    if scoping.scope_for(actor, "registry.apply_unit").covers(unit.path):
        return
    person = _actor_person(actor)
    if person is not None and person.unit.path.startswith(unit.path):
        return
    raise PermissionRefused("您只能为本人所在单位或您管理范围内的单位申请备案。")


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
        raise ApplicationError(f"不能填写这些字段：{'、'.join(sorted(unknown))}。")
    if owner_kind == OwnerKind.PERSON:
        person = _actor_person(actor)
        if person is None:
            raise ApplicationError(
                "您的账号没有关联人员档案，不能以个人名义申请；请联系支部书记。", field="owner_kind"
            )
        unit = person.unit
    elif owner_kind == OwnerKind.UNIT:
        if unit is None:
            raise ApplicationError("请选择主管单位。", field="unit")
        unit = OrgUnit.objects.get(pk=unit.pk)
        _check_unit_owner(actor, unit)
        person = _actor_person(actor)
    else:
        raise ApplicationError("请选择申请主体（个人或单位）。", field="owner_kind")
    if not unit.is_active:
        raise ApplicationError(f"{unit.name}已撤销，不能申请备案。", field="unit")
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
        raise PermissionRefused("只有申请人可以修改或提交本申请。")
    if application.status not in EDITABLE_STATUSES:
        raise ApplicationError(f"申请当前为“{application.get_status_display()}”，不能修改。")
    return application


@transaction.atomic
def application_update(
    *, actor, application: Application, admins: Sequence[AdminInput] | None = None, **fields: Any
) -> Application:
    application = _own_editable(actor, application)
    unknown = set(fields) - set(FIELDS) - set(APPLICATION_ONLY)
    if unknown:
        raise ApplicationError(f"不能修改这些字段：{'、'.join(sorted(unknown))}。")
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
            raise ApplicationError(f"该账号已备案（{found.filing_number}），如有变化请提交变更备案。")
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
        raise PermissionRefused("只有申请人可以撤回本申请。")
    if application.status != ApplicationStatus.SUBMITTED:
        raise ApplicationError(f"申请当前为“{application.get_status_display()}”，不能撤回。")
    if application.decisions.filter(round=application.round).exists():
        raise ApplicationError("已有审批人作出决定，不能再撤回。")
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


def _stale(application_pk: int) -> ApplicationError:
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
        who = f"{name}已于{timezone.localtime(latest.created_at):%H:%M}作出“{latest.get_decision_display()}”的决定，"
    return ApplicationError(
        f"{who}申请现为“{current.get_status_display()}”"
        + (f"（{current.current_step['label']}）" if current.current_step else "")
        + "。您的决定没有保存，请刷新页面后查看。",
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
            raise _stale(fresh.pk)
        raise ApplicationError(f"申请当前为“{fresh.get_status_display()}”，无需审批。", field="decision")
    if not allowed:
        raise PermissionRefused("您不是本步骤的审批人。")
    if decision not in Decision.values:
        raise ApplicationError("请选择审批意见。", field="decision")
    comment = (comment or "").strip()
    if decision != Decision.APPROVE and not comment:
        raise ApplicationError("退回或不同意时，请填写理由或修改意见。", field="comment")
    # The gate: only one decision moves the application from this version.
    won = Application.objects.filter(pk=fresh.pk, status=ApplicationStatus.SUBMITTED, version=version).update(
        version=F("version") + 1
    )
    if not won:
        raise _stale(fresh.pk)
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
        raise _stale(application.pk) from None
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


# ---------------------------------------------------------------------------------------------------- filing


def _counter(code: str, year: int):
    FilingCounter.objects.bulk_create([FilingCounter(code=code, year=year, last=0)], ignore_conflicts=True)
    return FilingCounter.objects.filter(code=code, year=year)


def allocate_number(code: str, year: int) -> int:
    """The next filing sequence for (code, year). The UPDATE holds the counter row until the transaction ends:
    concurrent filings queue, a rollback gives the number back — no gaps, no duplicates."""
    counter = _counter(code, year)
    counter.update(last=F("last") + 1)
    return counter.values_list("last", flat=True).get()


def _record_number(code: str, year: int, seq: int) -> None:
    """A number given outside the platform (an imported registry) is never handed out again."""
    counter = _counter(code, year)
    counter.filter(last__lt=seq).update(last=seq)


def _admins_of(application: Application) -> list[dict[str, Any]]:
    return [
        {
            "position": a.position,
            "name": a.name,
            "phone_enc": a.phone_enc,
            "phone_masked": a.phone_masked,
            "person_id": a.person_id,
            "person_unit_id": a.person_unit_id,
        }
        for a in application.admins.all()
    ]


def _file(application: Application, now: dt.datetime) -> Account:
    today = timezone.localdate(now)
    if application.kind == ApplicationKind.CHANGE:
        return _apply_change(application, today)
    code = policies.filing_code_for(application.unit)
    seq = allocate_number(code, today.year)
    account = Account(
        filing_number=format_number(code, today.year, seq),
        filing_code=code,
        filing_year=today.year,
        filing_seq=seq,
        filed_on=today,
        opened_on=application.planned_open_on,
        owner_kind=application.owner_kind,
        owner_user=application.applicant if application.owner_kind == OwnerKind.PERSON else None,
        owner_person=application.applicant_person if application.owner_kind == OwnerKind.PERSON else None,
        unit=application.unit,
        basis=application.basis,
        **{name: getattr(application, name) for name in FIELDS},
    )
    account.full_clean()
    account.save()
    _write_admins(AccountAdmin, "account", account, _admins_of(application))
    return account


def _handover_cleared(account: Account) -> bool:
    """After a change filing: the hand-over is done when every administrator is a current, unmoved person (or
    someone outside the roster)."""
    for admin in account.admins.select_related("person"):
        if admin.person is not None and (
            admin.person.status != PersonStatus.ACTIVE or admin.person.unit_id != admin.person_unit_id
        ):
            return False
    return True


def _apply_change(application: Application, today: dt.date) -> Account:
    account = (
        Account.objects.select_for_update(of=("self",)).select_related("unit").get(pk=application.account_id)
    )
    for name in FIELDS:
        setattr(account, name, getattr(application, name))
    account.basis = application.basis
    account.full_clean()
    account.save()
    _write_admins(AccountAdmin, "account", account, _admins_of(application))
    if account.handover_needed and _handover_cleared(account):
        account.handover_needed, account.handover_reason, account.handover_since = False, "", None
        account.save(update_fields=["handover_needed", "handover_reason", "handover_since", "updated_at"])
    return account


def may_file_change(user, account: Account) -> bool:
    if account.status == AccountStatus.CLOSED:
        return False
    if scoping.scope_for(user, "registry.apply_unit").covers(account.unit.path):
        return True
    if account.owner_user_id == user.pk:
        return True
    return account.admins.filter(person__user=user).exists()


@transaction.atomic
def change_start(*, actor, account: Account) -> Application:
    """A draft change filing for an account, filled in with what is filed now; edited, then submitted."""
    account = Account.objects.select_for_update(of=("self",)).select_related("unit").get(pk=account.pk)
    if account.status == AccountStatus.CLOSED:
        raise ApplicationError("已注销的账号不能变更备案。")
    if not may_file_change(actor, account):
        raise PermissionRefused("您不是该账号的申请人、管理员或主管单位的管理人员。")
    open_ = account.applications.filter(
        kind=ApplicationKind.CHANGE,
        status__in=[ApplicationStatus.DRAFT, ApplicationStatus.RETURNED, ApplicationStatus.SUBMITTED],
    ).first()
    if open_ is not None:
        raise ApplicationError(f"该账号已有未办结的变更申请（{open_.get_status_display()}），请先办结。")
    application = Application(
        kind=ApplicationKind.CHANGE,
        account=account,
        owner_kind=account.owner_kind,
        unit=account.unit,
        applicant=actor,
        applicant_person=_actor_person(actor),
        basis=account.basis,
        changed_on=timezone.localdate(),
        **{name: getattr(account, name) for name in FIELDS},
    )
    application.save()
    ApplicationAdmin.objects.bulk_create(
        [
            ApplicationAdmin(
                application=application,
                position=a.position,
                name=a.name,
                phone_enc=a.phone_enc,
                phone_masked=a.phone_masked,
                person_id=a.person_id,
                person_unit_id=a.person_unit_id,
            )
            for a in account.admins.all()
        ]
    )
    audit_record(
        actor=actor,
        change=_account_change("registry.change_start", account, None, {"application": application.pk}),
    )
    return application


def change_overdue(application: Application, days: int) -> bool:
    """A change filed later than `days` after it happened (the norms' 30 days)."""
    if application.kind != ApplicationKind.CHANGE or not application.changed_on:
        return False
    filed = timezone.localdate(application.submitted_at) if application.submitted_at else timezone.localdate()
    return (filed - application.changed_on).days > days


# ---------------------------------------------------------------------------------------------------- lifecycle


def _managed_account(actor, account: Account) -> Account:
    account = Account.objects.select_for_update(of=("self",)).select_related("unit").get(pk=account.pk)
    scoping.require(actor, "registry.manage", account.unit.path)
    return account


def _clean_status(on: dt.date | None, reason: str) -> tuple[dt.date, str]:
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError("请填写原因。", field="reason")
    on = on or timezone.localdate()
    if on > timezone.localdate() + dt.timedelta(days=366):
        raise ApplicationError("日期不正确。", field="on")
    return on, reason[:300]


@transaction.atomic
def account_suspend(*, actor, account: Account, reason: str, on: dt.date | None = None) -> Account:
    account = _managed_account(actor, account)
    if account.status != AccountStatus.ACTIVE:
        raise ApplicationError(f"账号当前为“{account.get_status_display()}”，不能暂停。")
    on, reason = _clean_status(on, reason)
    before = {"status": account.status}
    account.status, account.status_on, account.status_reason = AccountStatus.SUSPENDED, on, reason
    account.save()
    audit_record(
        actor=actor,
        change=_account_change(
            "registry.suspend", account, before, {"status": account.status, "reason": reason, "date": on}
        ),
    )
    return account


@transaction.atomic
def account_resume(*, actor, account: Account, reason: str = "恢复使用") -> Account:
    account = _managed_account(actor, account)
    if account.status != AccountStatus.SUSPENDED:
        raise ApplicationError("只有暂停使用的账号可以恢复。")
    before = {"status": account.status, "reason": account.status_reason}
    account.status, account.status_on, account.status_reason = AccountStatus.ACTIVE, None, ""
    account.save()
    audit_record(
        actor=actor,
        change=_account_change(
            "registry.resume", account, before, {"status": account.status, "reason": reason}
        ),
    )
    return account


@transaction.atomic
def account_close(*, actor, account: Account, reason: str, on: dt.date | None = None) -> Account:
    """注销: the account stays in the registry, closed, with its reason and date."""
    account = _managed_account(actor, account)
    if account.status == AccountStatus.CLOSED:
        raise ApplicationError("该账号已注销。")
    on, reason = _clean_status(on, reason)
    before = {"status": account.status}
    account.status, account.status_on, account.status_reason = AccountStatus.CLOSED, on, reason
    account.handover_needed, account.handover_reason, account.handover_since = False, "", None
    account.save()
    # Open change filings of a closed account have nothing left to change.
    account.applications.filter(status__in=[ApplicationStatus.DRAFT, ApplicationStatus.RETURNED]).update(
        status=ApplicationStatus.WITHDRAWN, version=F("version") + 1
    )
    audit_record(
        actor=actor,
        change=_account_change(
            "registry.close", account, before, {"status": account.status, "reason": reason, "date": on}
        ),
    )
    return account


@transaction.atomic
def accounts_flag_handover(*, person_ids: Sequence[int]) -> int:
    """Flag the open accounts whose administrator among `person_ids` has left, retired or moved unit, until a
    change filing names a new administrator (a hand-over). Called after people change; returns how many."""
    admins = (
        AccountAdmin.objects.filter(person_id__in=list(person_ids))
        .exclude(account__status=AccountStatus.CLOSED)
        .select_related("person__unit", "account__unit")
    )
    reasons: dict[int, list[str]] = {}
    accounts: dict[int, Account] = {}
    for admin in admins:
        person = admin.person
        if person.status != PersonStatus.ACTIVE:
            why = f"管理员{person.name}已{person.get_status_display()}"
        elif admin.person_unit_id and person.unit_id != admin.person_unit_id:
            why = f"管理员{person.name}已调动至{person.unit.name}"
        else:
            continue
        reasons.setdefault(admin.account_id, []).append(why)
        accounts[admin.account_id] = admin.account
    flagged = 0
    today = timezone.localdate()
    for pk, whys in reasons.items():
        account = accounts[pk]
        reason = "；".join(whys)[:300]
        if account.handover_needed and account.handover_reason == reason:
            continue
        before = {"handover_needed": account.handover_needed, "handover_reason": account.handover_reason}
        Account.objects.filter(pk=pk).update(
            handover_needed=True,
            handover_reason=reason,
            handover_since=account.handover_since or today,
            updated_at=timezone.now(),
        )
        audit_record(
            actor=None,
            change=_account_change(
                "registry.handover_flag",
                account,
                before,
                {"handover_needed": True, "handover_reason": reason},
            ),
        )
        flagged += 1
        owners = [account.owner_user_id] if account.owner_user_id else []
        _notify(
            owners + _unit_staff(account.unit),
            key=f"registry:handover:{pk}:{today:%Y%m%d}",
            title=f"账号“{account.name}”需要交接",
            body=f"{reason}。请在{_change_days()}日内提交变更备案，登记新的管理员。",
            url=reverse("registry:account", args=[pk]),
        )
    return flagged


def _change_days() -> int:
    from django.conf import settings

    return int(settings.NETCONDUCT_REGISTRY_CHANGE_DAYS)


def _unit_staff(unit: OrgUnit) -> list[int]:
    """Secretaries and unit administrators at or above the unit (who should see that a hand-over is due)."""
    from netconduct.org.models import RoleGrant

    paths = [unit.path[:i] for i in range(OrgUnit.steplen, len(unit.path) + 1, OrgUnit.steplen)]
    return list(
        RoleGrant.objects.filter(
            unit__path__in=paths[-3:], role__in=[Role.SECRETARY, Role.UNIT_ADMIN], user__is_active=True
        ).values_list("user_id", flat=True)
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
            "备案代字只含文字（例如：西北能化网备），不含年份、序号或括号。", field="filing_code"
        )
    if len(steps) > 6:
        raise ApplicationError("审批步骤最多6步。", field="steps")
    for n, step in enumerate(steps, start=1):
        if step.role not in (Role.SECRETARY, Role.UNIT_ADMIN, Role.SYSADMIN, Role.INSPECTOR):
            raise ApplicationError(f"第{n}步：请选择审批角色。", field="steps")
        if step.level not in StepLevel.values:
            raise ApplicationError(f"第{n}步：请选择层级。", field="steps")
        if step.level == StepLevel.UNIT:
            if step.unit is None:
                raise ApplicationError(f"第{n}步：请选择指定的组织。", field="steps")
            scoping.require(actor, "registry.manage", step.unit.path)
    policy, _ = RegistryPolicy.objects.get_or_create(unit=unit)
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
        raise PermissionRefused("您没有审批职责，无需委托。")
    if to_user is None or not to_user.is_active:
        raise ApplicationError("找不到受托人的有效账号。", field="to_user")
    if to_user.pk == actor.pk:
        raise ApplicationError("不能委托给自己。", field="to_user")
    if ends_on < starts_on:
        raise ApplicationError("结束日期不能早于开始日期。", field="ends_on")
    if ends_on < timezone.localdate():
        raise ApplicationError("结束日期已过。", field="ends_on")
    if (ends_on - starts_on).days > 180:
        raise ApplicationError("一次委托最长180天。", field="ends_on")
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
        raise PermissionRefused("只有委托人可以撤销委托。")
    if delegation.revoked_at is not None:
        raise ApplicationError("该委托已撤销。")
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
