"""What the registry's services share: the application fields, filing numbers, snapshots for the audit trail,
notifications, and the validation of fields and administrators."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext as _

from netconduct.core import crypto
from netconduct.core.audit import Change
from netconduct.core.exceptions import ApplicationError
from netconduct.core.links import absolute_url
from netconduct.notifications.services import Message, notifications_send
from netconduct.org.choices import PersonStatus
from netconduct.org.models import OrgUnit, Person
from netconduct.org.scoping import subtree_q
from netconduct.org.validation import clean_mobile

from ..choices import (
    NAMED_PLATFORMS,
    AccountKind,
    ApplicationKind,
    OwnerKind,
    Platform,
)
from ..models import (
    PHONE_CONTEXT,
    Account,
    Application,
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
            _("备案编号“%(number)s”格式不正确，应为“代字〔年份〕序号号”，例如：西北能化网备〔2026〕12号。")
            % {"number": number},
            field="filing_number",
        )
    return match["code"], int(match["year"]), int(match["seq"])


@dataclass(frozen=True)
class AdminInput:
    """An administrator as typed: name, mobile and optionally the employee number that picks the roster's person."""

    name: str
    phone: str
    employee_no: str = ""


def phone_seal(phone: str) -> tuple[str, str]:
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
    """In-app notifications, and e-mail to those with an address; the key makes each one at most once."""
    ids = sorted(set(user_ids))
    emails = dict(get_user_model().objects.filter(pk__in=ids, is_active=True).values_list("pk", "email"))
    link = absolute_url(url)
    notifications_send(
        messages=[
            Message(
                user_id=uid,
                key=f"{key}:to{uid}",
                title=title,
                body=body,
                url=url,
                email=emails.get(uid) or "",
                email_body=body + (f"\n\n{link}" if link else ""),
            )
            for uid in ids
        ]
    )


def _app_url(application: Application) -> str:
    return reverse("registry:application", args=[application.pk])


# ---------------------------------------------------------------------------------------------------- validation


def _clean_fields(data: dict[str, Any]) -> dict[str, Any]:
    clean = {k: (v.strip() if isinstance(v, str) else v) for k, v in data.items()}
    if "platform" in clean and clean["platform"] not in Platform.values:
        raise ApplicationError(_("请选择平台。"), field="platform")
    if "account_kind" in clean and clean["account_kind"] not in AccountKind.values:
        raise ApplicationError(_("请选择类型（账号、群组或直播频道）。"), field="account_kind")
    if clean.get("platform") in NAMED_PLATFORMS and not clean.get("platform_name"):
        raise ApplicationError(_("境外平台或其他平台请填写平台名称。"), field="platform_name")
    if clean.get("platform") and clean["platform"] not in NAMED_PLATFORMS:
        clean["platform_name"] = ""
    if "name" in clean and not clean["name"]:
        raise ApplicationError(_("请填写账号或群组名称。"), field="name")
    audience = clean.get("audience")
    if audience is not None and (not isinstance(audience, int) or audience < 0):
        raise ApplicationError(_("受众/群规模应为不小于0的整数。"), field="audience")
    return clean


def _person_in(unit: OrgUnit, item: AdminInput, line: int) -> Person | None:
    """The roster's person for an administrator: by employee number anywhere, else by name under the unit."""
    if item.employee_no:
        person = Person.objects.filter(employee_no=item.employee_no).select_related("unit").first()
        if person is None:
            raise ApplicationError(
                _("管理员第%(line)s行：工号“%(employee_no)s”不在人员名册中。")
                % {"line": line, "employee_no": item.employee_no},
                field="admins",
            )
        if person.name != item.name:
            raise ApplicationError(
                _("管理员第%(line)s行：工号“%(employee_no)s”是%(name)s，与填写的姓名“%(name2)s”不符。")
                % {"line": line, "employee_no": item.employee_no, "name": person.name, "name2": item.name},
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
            _("管理员第%(line)s行：“%(name)s”在%(name2)s有多人同名，请在手机号后填写其工号。")
            % {"line": line, "name": item.name, "name2": unit.name},
            field="admins",
        )
    return matches[0] if matches else None


def _clean_admins(unit: OrgUnit, admins: Sequence[AdminInput]) -> list[dict[str, Any]]:
    if len(admins) > MAX_ADMINS:
        raise ApplicationError(_("管理员最多%(MAX_ADMINS)s人。") % {"MAX_ADMINS": MAX_ADMINS}, field="admins")
    rows = []
    seen = set()
    for line, item in enumerate(admins, start=1):
        name = re.sub(r"\s+", "", item.name or "")
        if not name:
            raise ApplicationError(_("管理员第%(line)s行：请填写姓名。") % {"line": line}, field="admins")
        try:
            phone = clean_mobile(item.phone or "")
        except ValidationError as exc:
            raise ApplicationError(
                _("管理员第%(line)s行：%(messages)s") % {"line": line, "messages": exc.messages[0]},
                field="admins",
            ) from None
        if not phone:
            raise ApplicationError(
                _("管理员第%(line)s行：请填写%(name)s的手机号码。") % {"line": line, "name": name},
                field="admins",
            )
        if (name, phone) in seen:
            raise ApplicationError(
                _("管理员第%(line)s行：%(name)s重复填写。") % {"line": line, "name": name}, field="admins"
            )
        seen.add((name, phone))
        person = _person_in(unit, AdminInput(name, phone, (item.employee_no or "").strip()), line)
        enc, masked = phone_seal(phone)
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
        missing.append(_("账号/群组名称"))
    if not application.purpose:
        missing.append(_("用途"))
    if application.official_capacity and not application.content_review:
        missing.append(_("内容审核安排"))
    if application.owner_kind == OwnerKind.UNIT and not application.leader:
        missing.append(_("分管领导"))
    if not application.admins.exists():
        missing.append(_("管理员"))
    if application.kind == ApplicationKind.OPEN and not application.planned_open_on:
        missing.append(_("计划开通日期"))
    if application.kind == ApplicationKind.CHANGE and not application.changed_on:
        missing.append(_("变更发生日期"))
    if missing:
        raise ApplicationError(_("提交前请填写：%(join)s。") % {"join": "、".join(missing)})


def _actor_person(actor) -> Person | None:
    return (
        Person.objects.filter(user=actor).select_related("unit").first() if actor.is_authenticated else None
    )
