"""Writes to the organisation tree, people and role grants. Each: permission, validation, one audit event, one
transaction; after the write the object must still be inside the writer's scope."""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, NamedTuple

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from netconduct.core import bulk, crypto
from netconduct.core.audit import (
    Change,
    CompactJSON,
    audit_events_bulk,
    audit_record,
    audit_record_many,
    compact_json,
)
from netconduct.core.exceptions import ApplicationError, PermissionRefused
from netconduct.org import scoping
from netconduct.org.scoping import subtree_q

from . import validation
from .choices import CATEGORY_FIELDS, Category, PersonStatus, PoliticalStatus, Role, UnitKind
from .models import ID_CONTEXT, OrgUnit, Person, RoleGrant
from .permissions import POWER_ROLES, RESTRICTED_ROLES, SENSITIVE_ROLES
from .selectors import login_name_clash, login_name_holders
from .signals import Vacancy, announce_people_changed, roles_vacated, sensitive_grant_changed

# ---------------------------------------------------------------------------------------------------- audit views


def unit_snapshot(unit: OrgUnit) -> dict[str, Any]:
    parent = OrgUnit.objects.filter(path=unit.parent_path).first() if unit.depth > 1 else None
    return {
        "name": unit.name,
        "short_name": unit.short_name,
        "kind": unit.kind,
        "code": unit.code,
        "parent": parent.name if parent else None,
        "path": unit.path,
        "is_active": unit.is_active,
        "closed_on": unit.closed_on,
        "closed_reason": unit.closed_reason,
    }


PERSON_AUDIT_FIELDS = (
    "name",
    "employee_no",
    "gender",
    "birth_date",
    "mobile",
    "email",
    "is_party_member",
    "is_probationary",
    "is_cadre",
    "is_employee",
    "political_status",
    "position",
    "status",
    "status_since",
    "is_demo",
)


_audit_values = operator.attrgetter(*PERSON_AUDIT_FIELDS)


def person_snapshot(person: Person) -> dict[str, Any]:
    """The person as the audit log records them: ID number and mobile masked, never in clear."""
    data = dict(zip(PERSON_AUDIT_FIELDS, _audit_values(person), strict=True))
    data["mobile"] = person.mobile_masked
    data["id_number"] = person.id_number_masked
    data["unit"] = person.unit.name
    data["unit_id"] = person.unit_id
    return data


def _diff(before: dict, after: dict) -> tuple[dict, dict]:
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after[k] for k in keys}


def _raise_validation(exc: ValidationError, field: str | None = None) -> None:
    raise ApplicationError("；".join(exc.messages), field=field) from exc


# ---------------------------------------------------------------------------------------------------- units

_CHILD_RULES: dict[str, set[str]] = {
    UnitKind.PARTY_GROUP: {UnitKind.BRANCH},
    UnitKind.BRANCH: {UnitKind.COMMITTEE, UnitKind.GENERAL_BRANCH, UnitKind.COMPANY, UnitKind.GROUP},
    UnitKind.GENERAL_BRANCH: {UnitKind.COMMITTEE, UnitKind.COMPANY, UnitKind.GROUP},
}


def _check_placement(*, kind: str, parent: OrgUnit | None) -> None:
    if parent is None:
        if kind != UnitKind.GROUP and kind != UnitKind.COMPANY:
            raise ApplicationError(_("只有集团或公司可以作为最上级组织。"), field="parent")
        return
    if not parent.is_active:
        raise ApplicationError(
            _("上级组织“%(name)s”已撤销，不能在其下设置组织。") % {"name": parent.name}, field="parent"
        )
    allowed = _CHILD_RULES.get(kind)
    if allowed is not None and parent.kind not in allowed:
        raise ApplicationError(
            _("%(label)s不能设在%(label2)s之下。")
            % {"label": UnitKind(kind).label, "label2": UnitKind(parent.kind).label},
            field="parent",
        )


def _check_sibling_name(*, parent: OrgUnit | None, name: str, exclude: OrgUnit | None = None) -> None:
    siblings = (
        OrgUnit.objects.get_children(parent) if parent is not None else OrgUnit.objects.get_root_nodes()
    )
    clash = siblings.filter(name=name, is_active=True)
    if exclude is not None:
        clash = clash.exclude(pk=exclude.pk)
    if clash.exists():
        raise ApplicationError(_("同一上级下已有名为“%(name)s”的组织。") % {"name": name}, field="name")


def _clean_unit_name(name: str) -> str:
    value = validation.to_halfwidth(name).strip()
    if not value:
        raise ApplicationError(_("组织名称不能为空。"), field="name")
    if "/" in value:
        raise ApplicationError(_("组织名称中不能含有“/”（它用于分隔组织路径）。"), field="name")
    if len(value) > 100:
        raise ApplicationError(_("组织名称不能超过100个字。"), field="name")
    return value


@transaction.atomic
def unit_create(
    *, actor, parent: OrgUnit | None, name: str, kind: str, short_name: str = "", code: str = ""
) -> OrgUnit:
    if kind not in UnitKind.values:
        raise ApplicationError(_("组织类型不正确。"), field="kind")
    if parent is None:
        if not scoping.scope_for(actor, "org.manage").everything:
            raise PermissionRefused(_("只有系统管理员可以建立最上级组织。"))
    else:
        parent = OrgUnit.objects.select_for_update().get(pk=parent.pk)
        scoping.require(actor, "org.manage", parent.path)
    name = _clean_unit_name(name)
    _check_placement(kind=kind, parent=parent)
    _check_sibling_name(parent=parent, name=name)
    fields = {"name": name, "kind": kind, "short_name": short_name.strip(), "code": code.strip()}
    unit = (
        OrgUnit.objects.add_child(parent, create_kwargs=fields)
        if parent is not None
        else OrgUnit.objects.add_root(create_kwargs=fields)
    )
    audit_record(
        actor=actor,
        change=Change("unit.create", "org.orgunit", unit.pk, unit.name, unit.path, None, unit_snapshot(unit)),
    )
    return unit


@transaction.atomic
def unit_update(*, actor, unit: OrgUnit, name: str, short_name: str = "", code: str = "") -> OrgUnit:
    """Rename a unit (or change its short name and code); the audit trail keeps the former name."""
    unit = OrgUnit.objects.select_for_update().get(pk=unit.pk)
    scoping.require(actor, "org.manage", unit.path)
    before = unit_snapshot(unit)
    name = _clean_unit_name(name)
    parent = OrgUnit.objects.filter(path=unit.parent_path).first() if unit.depth > 1 else None
    _check_sibling_name(parent=parent, name=name, exclude=unit)
    unit.name, unit.short_name, unit.code = name, short_name.strip(), code.strip()
    unit.full_clean()
    unit.save(update_fields=["name", "short_name", "code", "updated_at"])
    old, new = _diff(before, unit_snapshot(unit))
    if new:
        audit_record(
            actor=actor, change=Change("unit.update", "org.orgunit", unit.pk, unit.name, unit.path, old, new)
        )
    return unit


@transaction.atomic
def unit_move(*, actor, unit: OrgUnit, new_parent: OrgUnit) -> OrgUnit:
    """Move a unit with its whole subtree under another parent; people and records move with it."""
    unit = OrgUnit.objects.get(pk=unit.pk)
    new_parent = OrgUnit.objects.get(pk=new_parent.pk)
    scoping.require(actor, "org.manage", unit.path)
    scoping.require(actor, "org.manage", new_parent.path)
    if unit.depth == 1:
        raise ApplicationError(_("最上级组织不能移动。"), field="parent")
    if new_parent.path.startswith(unit.path):
        raise ApplicationError(_("不能把组织移到它自己或它的下级组织之下。"), field="parent")
    _check_placement(kind=unit.kind, parent=new_parent)
    _check_sibling_name(parent=new_parent, name=unit.name, exclude=unit)
    before = unit_snapshot(unit)
    OrgUnit.objects.move(unit, new_parent, pos="last-child")
    unit.refresh_from_db()
    after = unit_snapshot(unit)
    audit_record(
        actor=actor,
        change=Change(
            "unit.move",
            "org.orgunit",
            unit.pk,
            unit.name,
            unit.path,
            {"parent": before["parent"], "path": before["path"]},
            {"parent": after["parent"], "path": after["path"]},
        ),
    )
    scoping.require(actor, "org.manage", unit.path)
    return unit


@transaction.atomic
def unit_close(*, actor, unit: OrgUnit, closed_on: dt.date, reason: str) -> OrgUnit:
    """Close (撤销) a unit; it stays in the tree, with its history, but takes no new people or sub-units."""
    unit = OrgUnit.objects.select_for_update().get(pk=unit.pk)
    scoping.require(actor, "org.manage", unit.path)
    if not unit.is_active:
        raise ApplicationError(
            _("“%(name)s”已于%(closed_on)s撤销。") % {"name": unit.name, "closed_on": unit.closed_on}
        )
    if not reason.strip():
        raise ApplicationError(_("请填写撤销原因。"), field="reason")
    open_children = (
        OrgUnit.objects.filter(subtree_q("path", unit.path), is_active=True).exclude(pk=unit.pk).count()
    )
    if open_children:
        raise ApplicationError(
            _("“%(name)s”下还有%(open_children)s个未撤销的组织，请先撤销或移走。")
            % {"name": unit.name, "open_children": open_children}
        )
    people = Person.objects.filter(unit=unit, status=PersonStatus.ACTIVE).count()
    if people:
        raise ApplicationError(
            _("“%(name)s”还有%(people)s名在岗人员，请先把他们调整到其他组织。")
            % {"name": unit.name, "people": people}
        )
    before = unit_snapshot(unit)
    unit.is_active, unit.closed_on, unit.closed_reason = False, closed_on, reason.strip()[:200]
    unit.save(update_fields=["is_active", "closed_on", "closed_reason", "updated_at"])
    old, new = _diff(before, unit_snapshot(unit))
    audit_record(
        actor=actor, change=Change("unit.close", "org.orgunit", unit.pk, unit.name, unit.path, old, new)
    )
    return unit


# ---------------------------------------------------------------------------------------------------- people


def apply_person_fields(person: Person, data: dict[str, Any]) -> None:
    """Set cleaned values on a person and derive what follows from them (pinyin, ID facts, encryption).

    The one place where a person's fields are assigned: the person services and the roster import both use it.
    `data` holds clean values only (see `validation`); keys absent from `data` leave the field as it is. With
    `id_number`, a caller that has computed its keyed hash already (the roster import matches rows by it) passes
    it as `id_number_hash`, so that it is not computed twice.
    """
    if "name" in data:
        person.name = data["name"]
        person.name_initials, person.name_pinyin = validation.name_pinyin(data["name"])
    if "id_number" in data:
        id_number = data["id_number"]
        person.id_number_enc = crypto.encrypt(id_number, context=ID_CONTEXT)
        person.id_number_hash = data.get("id_number_hash") or id_number_hash(id_number)
        person.id_number_masked = crypto.mask_id_number(id_number)
        person.gender, person.birth_date = validation.id_number_facts(id_number)
    if "categories" in data:
        chosen = {Category(c) for c in data["categories"]}
        for category, field in CATEGORY_FIELDS.items():
            setattr(person, field, category in chosen)
    for field in (
        "employee_no",
        "mobile",
        "email",
        "political_status",
        "position",
        "status",
        "status_since",
        "is_demo",
    ):
        if field in data:
            setattr(person, field, data[field])
    if "unit" in data:
        person.unit = data["unit"]


def id_number_hash(id_number: str) -> str:
    return crypto.keyed_hash(id_number, context=ID_CONTEXT)


def clean_person_data(raw: dict[str, Any]) -> dict[str, Any]:
    """Validate a person's fields as typed into a form or an API body; raises ApplicationError naming the field."""
    cleaners = {
        "name": validation.clean_name,
        "id_number": validation.clean_id_number,
        "mobile": validation.clean_mobile,
        "email": validation.clean_email,
        "employee_no": validation.clean_employee_no,
    }
    data: dict[str, Any] = {}
    for key, value in raw.items():
        cleaner = cleaners.get(key)
        if cleaner is None:
            data[key] = value
            continue
        try:
            data[key] = cleaner(value or "")
        except ValidationError as exc:
            _raise_validation(exc, key)
    if "political_status" in data and data["political_status"] not in PoliticalStatus.values:
        raise ApplicationError(_("政治面貌不正确。"), field="political_status")
    if "status" in data and data["status"] not in PersonStatus.values:
        raise ApplicationError(_("人员状态不正确。"), field="status")
    if "categories" in data and not set(data["categories"]) <= set(Category.values):
        raise ApplicationError(_("人员类别不正确。"), field="categories")
    if "position" in data:
        data["position"] = (data["position"] or "").strip()[:100]
    return data


def _check_unique(person: Person) -> None:
    clash = Person.objects.exclude(pk=person.pk)
    if clash.filter(id_number_hash=person.id_number_hash).exists():
        raise ApplicationError(_("已有人员使用该身份证号。"), field="id_number")
    if person.employee_no and clash.filter(employee_no=person.employee_no).exists():
        raise ApplicationError(
            _("工号“%(employee_no)s”已被其他人员使用。") % {"employee_no": person.employee_no},
            field="employee_no",
        )
    _check_login_names(person)


def _check_login_names(person: Person) -> None:
    """Employee numbers and mobiles are login names, as usernames are: none may name someone else at login."""
    fields = [(f, getattr(person, f)) for f in ("employee_no", "mobile") if getattr(person, f)]
    if not fields:
        return
    holders = login_name_holders([value for _f, value in fields])
    for field, value in fields:
        problem = login_name_clash(
            value,
            holders.get(value, []),
            field_label=str(Person._meta.get_field(field).verbose_name),
            person_id=person.pk,
            user_id=person.user_id,
        )
        if problem:
            raise ApplicationError(problem, field=field)


def _check_unit_open(unit: OrgUnit) -> None:
    if not unit.is_active:
        raise ApplicationError(
            _("组织“%(name)s”已撤销，不能再调入人员。") % {"name": unit.name}, field="unit"
        )


@transaction.atomic
def person_create(*, actor, unit: OrgUnit, **fields: Any) -> Person:
    unit = OrgUnit.objects.get(pk=unit.pk)
    scoping.require(actor, "person.change", unit.path)
    _check_unit_open(unit)
    data = clean_person_data(fields)
    if not data.get("name"):
        raise ApplicationError(_("姓名为必填项。"), field="name")
    if not data.get("id_number"):
        raise ApplicationError(_("身份证号为必填项。"), field="id_number")
    person = Person(unit=unit)
    apply_person_fields(person, data)
    if person.status != PersonStatus.ACTIVE and not person.status_since:
        person.status_since = timezone.localdate()
    _check_unique(person)
    person.full_clean(exclude=["id_number_enc", "id_number_hash", "name_initials", "name_pinyin"])
    try:
        person.save()
    except IntegrityError as exc:
        raise ApplicationError(_("身份证号或工号与已有人员重复。")) from exc
    audit_record(
        actor=actor,
        change=Change(
            "person.create", "org.person", person.pk, person.name, unit.path, None, person_snapshot(person)
        ),
    )
    announce_people_changed([person.pk])
    return person


@transaction.atomic
def person_update(*, actor, person: Person, **fields: Any) -> Person:
    """Change a person's fields; a new `unit` moves them (the writer needs scope over both units)."""
    person = Person.objects.select_for_update().select_related("unit").get(pk=person.pk)
    scoping.require(actor, "person.change", person.unit.path)
    data = clean_person_data(fields)
    if "unit" in data and data["unit"].pk != person.unit_id:
        data["unit"] = OrgUnit.objects.get(pk=data["unit"].pk)
        scoping.require(actor, "person.change", data["unit"].path)
        _check_unit_open(data["unit"])
    before = person_snapshot(person)
    old_status = person.status
    apply_person_fields(person, data)
    if person.status != old_status and "status_since" not in data:
        person.status_since = timezone.localdate()
    _check_unique(person)
    person.full_clean(exclude=["id_number_enc", "id_number_hash", "name_initials", "name_pinyin"])
    person.save()
    if "email" in data:
        _accounts_follow_email([person])
    old, new = _diff(before, person_snapshot(person))
    if new:
        changes = [Change("person.update", "org.person", person.pk, person.name, person.unit.path, old, new)]
        if _has_left(old_status, person.status):
            _check_may_end_access(actor, [person])
            changes += access_end(actor=actor, leavers=[person])
        audit_record_many(actor=actor, changes=changes)
        announce_people_changed([person.pk])
    return person


def _accounts_follow_email(people: Sequence[Person]) -> None:
    """Keep the accounts' address in step with their person's: the person's is the one people edit."""
    User = get_user_model()
    users = [User(pk=p.user_id, email=p.email) for p in people if p.user_id]
    User.objects.bulk_update(users, ["email"], batch_size=900)


@transaction.atomic
def person_reveal_id_number(*, actor, person: Person) -> str:
    """The clear ID number, for a role that needs it; every reveal is itself an audit event."""
    scoping.require(actor, "person.reveal_id", person.unit.path)
    audit_record(
        actor=actor,
        change=Change(
            "person.reveal_id",
            "org.person",
            person.pk,
            person.name,
            person.unit.path,
            None,
            {"id_number": person.id_number_masked},
        ),
    )
    return person.id_number


# ---------------------------------------------------------------------------------------------------- grants


def _grant_facts(grant: RoleGrant) -> dict[str, Any]:
    return {"user": grant.user.get_username(), "role": grant.role, "unit": grant.unit.name}


def grant_may_manage(actor, *, role: str, unit: OrgUnit) -> bool:
    """Whether `actor` may grant or revoke `role` on `unit` (whoever the holder; see grant_create for oneself).

    Sensitive roles (the inspector and every role that reads reports or violation cases) follow the discipline line:
    a system administrator over the unit, or an inspector on a unit strictly above it — never a unit administrator,
    who is among those the inspectors watch. The system administrator role is for superusers to hand out.
    """
    if actor is None or not actor.is_authenticated or not actor.is_active:
        return False
    if actor.is_superuser:
        return True
    if role in SENSITIVE_ROLES:
        return scoping.holds_role_over(actor, Role.SYSADMIN, unit.path) or scoping.holds_role_over(
            actor, Role.INSPECTOR, unit.path, strictly_above=True
        )
    if role in RESTRICTED_ROLES:
        return False
    return scoping.scope_for(actor, "grant.manage").covers(unit.path)


def account_reach_problem(actor, user_ids: Iterable[int]) -> str | None:
    """Why these accounts lie beyond `actor`'s reach, in Chinese, or None.

    A reset slip hands an account to whoever holds the slip, and recording someone's departure takes their roles
    away; both are as strong as granting or revoking the roles the account holds, so neither may reach a peer or a
    superior: a system administrator's account only from a system administrator over it; a sensitive role's
    (inspector, readers of reports and cases) only from a system administrator over it, never a unit administrator;
    any other role only from someone who manages grants strictly above it. A member grant gives no powers.
    """
    if actor is not None and actor.is_superuser:
        return None
    grants = RoleGrant.objects.filter(user_id__in=list(user_ids), role__in=sorted(POWER_ROLES))
    for role, path in grants.values_list("role", "unit__path"):
        sysadmin_over = scoping.holds_role_over(actor, Role.SYSADMIN, path)
        if role == Role.SYSADMIN:
            if not sysadmin_over:
                return _("该人员持有系统管理员角色，只能由其上级系统管理员办理。")
        elif role in SENSITIVE_ROLES:
            if not sysadmin_over:
                return _("该人员持有纪检监察等可查阅举报、案件的角色，只能由系统管理员办理。")
        elif not sysadmin_over and not any(
            path.startswith(p) and path != p for p in scoping.scope_for(actor, "grant.manage").paths
        ):
            return _(
                "该人员的账号在您的同级或上级组织持有管理或书记等角色，"
                "请由有权授予这些角色的管理员（您的上级）办理。"
            )
    return None


def grant_roles_for(actor, *, unit: OrgUnit) -> list[str]:
    """The roles `actor` may hand out on `unit`, for the grant form's choices."""
    return [role for role in Role.values if grant_may_manage(actor, role=role, unit=unit)]


def _refuse_grant(role: str, verb: str) -> PermissionRefused:
    if role in SENSITIVE_ROLES:
        return PermissionRefused(
            _(
                "“%(label)s”可查阅举报或违规案件，只能由系统管理员或上级组织的纪检监察员%(verb)s，单位管理员不能办理。"
            )
            % {"label": Role(role).label, "verb": verb}
        )
    if role in RESTRICTED_ROLES:
        return PermissionRefused(_("只有系统管理员可以%(verb)s系统管理员角色。") % {"verb": verb})
    return PermissionRefused(_("您无权在该组织范围内执行此操作。"))


def _announce_sensitive(*, actor, grant: RoleGrant, change: str) -> None:
    if grant.role in SENSITIVE_ROLES:
        sensitive_grant_changed.send(
            sender=RoleGrant,
            actor=actor,
            change=change,
            role=grant.role,
            unit=grant.unit,
            holder=grant.user,
            holder_label=str(grant.user),
        )


@transaction.atomic
def grant_create(*, actor, user, role: str, unit: OrgUnit) -> RoleGrant:
    if role not in Role.values:
        raise ApplicationError(_("角色不正确。"), field="role")
    unit = OrgUnit.objects.get(pk=unit.pk)
    if actor is not None and user is not None and actor.pk == user.pk:
        # Whatever the page, import or command: a role is always given by someone else, who answers for it.
        raise PermissionRefused(_("不能给自己授予角色，请由有权授予该角色的其他人员办理。"))
    if not grant_may_manage(actor, role=role, unit=unit):
        raise _refuse_grant(role, pgettext("in a sentence", "授予"))
    grant, created = RoleGrant.objects.get_or_create(
        user=user, role=role, unit=unit, defaults={"granted_by": actor if actor and actor.pk else None}
    )
    if not created:
        raise ApplicationError(_("该账号在此组织已有这一角色。"), field="role")
    audit_record(
        actor=actor,
        change=Change(
            "grant.create", "org.rolegrant", grant.pk, str(grant), unit.path, None, _grant_facts(grant)
        ),
    )
    scoping.forget_grants(user)
    _announce_sensitive(actor=actor, grant=grant, change="grant")
    return grant


@transaction.atomic
def grant_revoke(*, actor, grant: RoleGrant) -> None:
    scoping.forget_grants(grant.user)  # the caller's instance of the holder, which may be in use
    grant = RoleGrant.objects.select_related("unit", "user").get(pk=grant.pk)
    if not grant_may_manage(actor, role=grant.role, unit=grant.unit):
        raise _refuse_grant(grant.role, pgettext("in a sentence", "撤销"))
    if grant.user_id == getattr(actor, "pk", None) and grant.role == Role.SYSADMIN:
        others = RoleGrant.objects.filter(role=Role.SYSADMIN).exclude(pk=grant.pk).exists()
        if not others:
            raise ApplicationError(_("这是最后一个系统管理员授权，不能撤销。"))
    audit_record(
        actor=actor,
        change=Change(
            "grant.revoke", "org.rolegrant", grant.pk, str(grant), grant.unit.path, _grant_facts(grant), None
        ),
    )
    user = grant.user
    grant.delete()
    scoping.forget_grants(user)
    _announce_sensitive(actor=actor, grant=grant, change="revoke")


# ---------------------------------------------------------------------------------------------------- leaving

LEFT_STATUSES = frozenset({PersonStatus.TRANSFERRED, PersonStatus.RETIRED})
ACCOUNT_TYPE = "accounts.user"


def _has_left(old_status: str, new_status: str) -> bool:
    return new_status in LEFT_STATUSES and old_status not in LEFT_STATUSES


def _check_may_end_access(actor, leavers: list[Person]) -> None:
    """Recording a departure revokes the leaver's roles: without this, a secretary could lock out their own unit
    administrator by marking them 调离."""
    for person in leavers:
        if person.user_id is not None:
            problem = account_reach_problem(actor, [person.user_id])
            if problem:
                raise PermissionRefused(
                    _("不能登记“%(name)s”调离或退休：%(problem)s") % {"name": person.name, "problem": problem}
                )


def access_end(*, actor, leavers: list[Person]) -> list[Change]:
    """Leaving ends access: the leavers' accounts are deactivated and all their grants revoked, in the caller's
    transaction; returns the audit changes for the caller to record with its own (one write, one chain append).

    The caller has checked that the leavers' roles are within the actor's reach (`_check_may_end_access`). Roles
    that fall vacant are announced (roles_vacated, and sensitive_grant_changed for the discipline line) so that
    the staff can fill them. Nothing is undone when the person returns: an account is reactivated by someone who
    decides to (accounts.services.account_reactivate).
    """
    by_user = {p.user_id: p for p in leavers if p.user_id is not None}
    if not by_user:
        return []
    User = get_user_model()
    changes: list[Change] = []
    grants = list(
        RoleGrant.objects.filter(user_id__in=list(by_user)).select_related("unit", "user").order_by("pk")
    )
    with translation.override(settings.LANGUAGE_CODE):  # stored in the audit record, which is kept in Chinese
        reason = {uid: str(PersonStatus(p.status).label) for uid, p in by_user.items()}
    for grant in grants:
        changes.append(
            Change(
                "grant.revoke",
                "org.rolegrant",
                grant.pk,
                str(grant),
                grant.unit.path,
                _grant_facts(grant),
                {"reason": f"人员{reason[grant.user_id]}"},
            )
        )
    active = list(User.objects.filter(pk__in=list(by_user), is_active=True).values_list("pk", "username"))
    for user_id, username in active:
        person = by_user[user_id]
        changes.append(
            Change(
                "account.deactivate",
                ACCOUNT_TYPE,
                user_id,
                person.name,
                person.unit.path,
                {"username": username, "is_active": True},
                {"username": username, "is_active": False, "reason": f"人员{reason[user_id]}"},
            )
        )
    RoleGrant.objects.filter(pk__in=[g.pk for g in grants]).delete()
    User.objects.filter(pk__in=[uid for uid, _u in active]).update(is_active=False)
    for person in leavers:  # a caller holding the account instance sees the change; none is loaded for this
        if person.user_id is not None and Person.user.is_cached(person) and person.user is not None:
            person.user.is_active = False
            scoping.forget_grants(person.user)
    for grant in grants:
        _announce_sensitive(actor=actor, grant=grant, change="revoke")
    vacancies = [
        Vacancy(role=g.role, unit=g.unit, holder_label=by_user[g.user_id].name)
        for g in grants
        if g.role != Role.MEMBER
    ]
    if vacancies:
        roles_vacated.send(sender=RoleGrant, actor=actor, vacancies=vacancies)
    return changes


def grants_for(user) -> Iterable[RoleGrant]:
    return RoleGrant.objects.filter(user=user).select_related("unit")


# ---------------------------------------------------------------------------------------------------- bulk


class NewPerson(NamedTuple):
    """A new person made ahead by `person_prepare_new`, without the database (the roster import's parsing process
    makes them): what `person_bulk_apply(prepared=…)` writes and audits for them, as it would for `creates`."""

    unit: OrgUnit
    id_number_hash: str
    name: str
    row: tuple  # the person's row, `bulk.object_rows`
    after: str  # their audit snapshot (`person_snapshot`) as compact JSON text, `audit.compact_json`


def _built_people(creates: Iterable[tuple[OrgUnit, dict[str, Any]]], today: dt.date) -> Iterator[Person]:
    """New, unsaved people from `creates` (a unit and clean data each), as `person_bulk_apply` writes them."""
    make = bulk.instance_maker(Person)
    unit_field = Person._meta.get_field("unit")
    for unit, data in creates:
        person = make()
        person.unit_id = unit.pk
        unit_field.set_cached_value(person, unit)  # as `person.unit = unit` does, without its checks
        apply_person_fields(person, data)
        if person.status != PersonStatus.ACTIVE and not person.status_since:
            person.status_since = today
        yield person


def person_prepare_new(creates: Sequence[tuple[OrgUnit, dict[str, Any]]]) -> list[NewPerson]:
    """`creates` of `person_bulk_apply` made ahead into rows and audit snapshots, with no query: the slow part of
    creating people (pinyin, encrypting the ID number, the snapshot's JSON), done where the caller has a spare
    core. Nothing is checked here: `person_bulk_apply(prepared=…)` checks the actor's scope and the units."""
    people = list(_built_people(creates, timezone.localdate()))
    return [
        NewPerson(person.unit, person.id_number_hash, person.name, row, compact_json(person_snapshot(person)))
        for person, row in zip(people, bulk.object_rows(people, Person), strict=True)
    ]


def person_bulk_apply(
    *,
    actor,
    creates: list[tuple[OrgUnit, dict[str, Any]]],
    updates: list[tuple[Person, dict[str, Any]]],
    prepared: Sequence[NewPerson] = (),
    action_prefix: str = "person",
) -> tuple[list[Person], list[Person]]:
    """Create and update many people at once (roster import, demo data): same rules, one audit event each.

    `creates` pairs a unit with clean data (see `clean_person_data`/`validation`); `prepared` holds new people made
    ahead from such pairs by `person_prepare_new`; `updates` pairs a person loaded with `select_related("unit")`
    with the clean fields that change. The caller has checked uniqueness within its batch; the database
    constraints still hold the line. Must run inside the caller's transaction. Returns the people created from
    `creates` (not those `prepared`) and the people changed.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("person_bulk_apply runs inside the caller's transaction")
    scope = scoping.scope_for(actor, "person.change")
    units = {unit.pk: unit for unit, _data in creates} | {new.unit.pk: new.unit for new in prepared}
    for unit in units.values():
        if not scope.covers(unit.path):
            raise PermissionRefused(_("您无权在“%(name)s”中增加人员。") % {"name": unit.name})
        _check_unit_open(unit)
    changes: list[Change] = []
    today = timezone.localdate()
    new_people: list[Person] = []

    def built() -> Iterator[Person]:
        # Each new person is built as the rows are written (PostgreSQL inserts the ones sent while the next are
        # being built: see `bulk.insert_rows`).
        for person in _built_people(creates, today):
            new_people.append(person)
            yield person

    # The keys are read back afterwards (executemany and COPY return none): the new rows are those above the
    # highest key now visible, as keys only grow (SQLite's AUTOINCREMENT, PostgreSQL's identity sequence), so one
    # range of the primary key finds them — 5,000 look-ups by ID hash took 90 ms a chunk on PostgreSQL. A key
    # given out of order (a sequence cached per session) is found by its hash instead.
    floor = 0
    if creates or prepared:
        floor = Person.objects.aggregate(top=Max("pk"))["top"] or 0
    try:
        if creates:
            bulk.insert_objects(built(), model=Person)
        if prepared:
            bulk.insert_object_rows(Person, (new.row for new in prepared))
    except IntegrityError as exc:
        raise ApplicationError(_("身份证号或工号与已有人员重复。")) from exc
    hashes = [p.id_number_hash for p in new_people] + [new.id_number_hash for new in prepared]
    ids: dict[str, int] = {}
    if hashes:
        ids.update(Person.objects.filter(pk__gt=floor).values_list("id_number_hash", "pk"))
        missing = [h for h in hashes if h not in ids]
        if missing:
            found = Person.objects.filter(id_number_hash__in=bulk.values_in(missing))
            ids.update(found.values_list("id_number_hash", "pk"))
    for person in new_people:
        person.pk = ids[person.id_number_hash]
        person._state.adding, person._state.db = False, Person.objects.db  # saved, as bulk_create leaves them
    create = f"{action_prefix}.create"
    changes += [
        Change(create, "org.person", p.pk, p.name, p.unit.path, None, person_snapshot(p)) for p in new_people
    ]
    changes += [
        Change(create, "org.person", ids[n.id_number_hash], n.name, n.unit.path, None, CompactJSON(n.after))
        for n in prepared
    ]

    changed: list[Person] = []
    leavers: list[Person] = []
    touched_fields: set[str] = set()
    for person, data in updates:
        if not scope.covers(person.unit.path):
            raise PermissionRefused(_("您无权修改“%(name)s”的人员。") % {"name": person.unit.name})
        new_unit = data.get("unit")
        if new_unit is not None and new_unit.pk != person.unit_id:
            if not scope.covers(new_unit.path):
                raise PermissionRefused(_("您无权把人员调入“%(name)s”。") % {"name": new_unit.name})
            _check_unit_open(new_unit)
        before = person_snapshot(person)
        old_status = person.status
        apply_person_fields(person, data)
        if person.status != old_status and "status_since" not in data:
            person.status_since = today
        old, new = _diff(before, person_snapshot(person))
        if not new:
            continue
        touched_fields.update(_model_fields_for(data))
        if person.status != old_status:
            touched_fields.add("status_since")
        if _has_left(old_status, person.status):
            leavers.append(person)
        changed.append(person)
        changes.append(
            Change(
                f"{action_prefix}.update", "org.person", person.pk, person.name, person.unit.path, old, new
            )
        )
    if changed:
        try:
            bulk.update_objects(changed, sorted(touched_fields | {"updated_at"}))
        except IntegrityError as exc:
            raise ApplicationError(_("身份证号或工号与已有人员重复。")) from exc
        if "email" in touched_fields:
            _accounts_follow_email(changed)
    _check_may_end_access(actor, leavers)
    changes += access_end(actor=actor, leavers=leavers)
    audit_events_bulk(actor=actor, changes=changes)
    announce_people_changed(
        [p.pk for p in new_people] + [ids[new.id_number_hash] for new in prepared] + [p.pk for p in changed]
    )
    return new_people, changed


_DERIVED_FIELDS = {
    "name": ("name", "name_initials", "name_pinyin"),
    "id_number": ("id_number_enc", "id_number_hash", "id_number_masked", "gender", "birth_date"),
    "categories": tuple(CATEGORY_FIELDS.values()),
}


def _model_fields_for(data: dict[str, Any]) -> list[str]:
    fields: list[str] = []
    for key in data:
        fields.extend(_DERIVED_FIELDS.get(key, (key,)))
    return fields


_PERSON_FIELD_LABELS = {"employee_no": "工号", "mobile": "手机号码"}


@transaction.atomic
def person_batch_upsert(*, actor, rows: Sequence[dict[str, Any]]) -> tuple[list[Person], list[Person]]:
    """Create or update many people from dict rows, all or nothing (the API's batch write; imports of other kinds).

    Each row names its person by `id_number` and carries the fields to set, as `person_create` takes them
    (`name`, `unit` — an OrgUnit, required to create —, `employee_no`, `mobile`, `email`, `categories`,
    `political_status`, `position`, `status`, `status_since`); keys left out leave a person's field as it is. A bad
    row raises `ApplicationError` naming the row (第N条, from 1) and the field, and nothing is written. Writes
    through `person_bulk_apply`: one audit event per person created or changed, unchanged people untouched, a
    fixed number of statements however many rows.
    """
    cleaned: list[tuple[str, dict[str, Any]]] = []
    seen: dict[str, int] = {}
    for number, raw in enumerate(rows, start=1):
        try:
            data = clean_person_data({k: v for k, v in raw.items() if k != "unit"})
            if not data.get("id_number"):
                raise ApplicationError(_("身份证号为必填项。"), field="id_number")
        except ApplicationError as exc:
            raise ApplicationError(
                _("第%(number)s条：%(message)s") % {"number": number, "message": exc.message}, field=exc.field
            ) from exc
        if raw.get("unit") is not None:
            data["unit"] = raw["unit"]
        for key, value in (
            ("id_number", id_number_hash(data["id_number"])),
            ("employee_no", data.get("employee_no")),
        ):
            if not value:
                continue
            first = seen.setdefault(f"{key}:{value}", number)
            if first != number:
                label = "身份证号" if key == "id_number" else "工号"
                raise ApplicationError(
                    _("第%(number)s条：%(label)s与第%(first)s条重复。")
                    % {"number": number, "label": label, "first": first},
                    field=key,
                )
        cleaned.append((id_number_hash(data["id_number"]), data))

    hashes = [h for h, _data in cleaned]
    existing = {
        p.id_number_hash: p
        for p in Person.objects.select_related("unit").filter(id_number_hash__in=bulk.values_in(hashes))
    }
    unit_ids = sorted({d["unit"].pk for _h, d in cleaned if d.get("unit") is not None})
    units = OrgUnit.objects.in_bulk(unit_ids) if unit_ids else {}
    logins = login_name_holders([d[f] for _h, d in cleaned for f in _PERSON_FIELD_LABELS if d.get(f)])
    creates: list[tuple[OrgUnit, dict[str, Any]]] = []
    updates: list[tuple[Person, dict[str, Any]]] = []
    for number, (id_hash, data) in enumerate(cleaned, start=1):
        if data.get("unit") is not None:
            if data["unit"].pk not in units:
                raise ApplicationError(
                    _("第%(number)s条：所属组织不存在。") % {"number": number}, field="unit"
                )
            data["unit"] = units[data["unit"].pk]
        for field, label in _PERSON_FIELD_LABELS.items():
            if data.get(field):
                problem = login_name_clash(
                    data[field], logins.get(data[field], []), field_label=label, id_hash=id_hash
                )
                if problem:
                    raise ApplicationError(
                        _("第%(number)s条：%(problem)s") % {"number": number, "problem": problem}, field=field
                    )
        person = existing.get(id_hash)
        if person is None:
            if not data.get("name"):
                raise ApplicationError(
                    _("第%(number)s条：新增人员的姓名为必填项。") % {"number": number}, field="name"
                )
            if data.get("unit") is None:
                raise ApplicationError(
                    _("第%(number)s条：新增人员的所属组织为必填项。") % {"number": number}, field="unit"
                )
            creates.append((data.pop("unit"), data))
        else:
            data.pop("id_number")  # the key it was found by: unchanged
            if data.get("unit") is not None and data["unit"].pk == person.unit_id:
                data.pop("unit")
            updates.append((person, data))
    return person_bulk_apply(actor=actor, creates=creates, updates=updates)
