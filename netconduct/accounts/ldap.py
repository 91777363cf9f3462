"""Sign in with the organisation's directory (LDAP / Active Directory), through django-auth-ldap.

Off unless `NETCONDUCT_LDAP_URI` is set. The platform binds with a service account, searches the user by a
configurable filter, and checks the password by binding as the entry found. The entry is then matched to a person
of the roster by its employee number, else by its mobile (never by name): the directory says who someone is, the
roster says what they are. A directory user who matches no person (or several) is refused with a message naming the
reason; no empty account is ever made. A matched person without an account gets one (no usable password: they sign
in through the directory, or redeem a slip to set one); the attributes named in `NETCONDUCT_LDAP_SYNC` (e-mail,
name) are copied to the person. Everything after that — status, audit, TOTP — is `accounts.signin`.

The backend (`ldap_backend`, the only module importing python-ldap, an optional extra) answers only when called with `signin_via="ldap"` (the directory page does), so the password form never
reaches the directory, and the password backend never sees directory passwords.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from netconduct.core.audit import Change, audit_record_many
from netconduct.core.crypto import mask_mobile
from netconduct.org import scoping
from netconduct.org import services as org_services
from netconduct.org.choices import PersonStatus, Role
from netconduct.org.models import Person, RoleGrant
from netconduct.org.permissions import SENSITIVE_ROLES
from netconduct.org.validation import clean_email, clean_mobile, to_halfwidth

from . import signin
from .services import account_open_for_signin

METHOD = "ldap"
BACKEND = "netconduct.accounts.ldap_backend.DirectoryBackend"  # python-ldap is needed only there
SYNCABLE = (
    "email",
    "name",
)  # employee number and mobile identify the person: they are matched, never written


def ldap_enabled() -> bool:
    return bool(getattr(settings, "NETCONDUCT_LDAP_URI", ""))


signin.signin_method_register(
    METHOD,
    _("单位目录账号（LDAP）"),
    "accounts:login_ldap",
    enabled=ldap_enabled,
    order=10,
)


class DirectoryRefused(Exception):
    """The directory accepted the password, but the platform does not let this entry in; `message` says why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _first(attrs, name: str) -> str:
    if not name:
        return ""
    values = attrs.get(name) or []
    return to_halfwidth(str(values[0])).strip() if values else ""


def directory_values(attrs) -> dict[str, str]:
    """The entry's employee number, mobile, e-mail and name, read through the configured attribute names."""
    names = settings.NETCONDUCT_LDAP_ATTRS
    return {
        field: _first(attrs, names.get(field, "")) for field in ("employee_no", "mobile", "email", "name")
    }


def directory_person(values: dict[str, str]) -> Person:
    """The one person an entry names by employee number, else by mobile; DirectoryRefused otherwise."""
    people = Person.objects.select_related("unit", "user")
    if values["employee_no"]:
        person = people.filter(employee_no=values["employee_no"]).first()
        if person is not None:
            return person
    mobile = ""
    if values["mobile"]:
        try:
            mobile = clean_mobile(values["mobile"])
        except Exception:  # noqa: BLE001 - a malformed mobile in the directory simply matches nobody
            mobile = ""
    if mobile:
        matches = list(people.filter(mobile=mobile)[:2])
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            raise DirectoryRefused(
                str(_("目录账号的手机号对应了多名人员，无法确定是谁。请联系所在支部书记在人员名册中核对。"))
            )
    raise DirectoryRefused(
        str(
            _(
                "目录账号已验证，但人员名册中没有工号或手机号与之相符的人员（工号：%(no)s，手机号：%(mobile)s），"
                "因此不能登录。请联系所在支部书记核对名册中的工号或手机号。"
            )
            % {"no": values["employee_no"] or "无", "mobile": mask_mobile(mobile or values["mobile"]) or "无"}
        )
    )


@transaction.atomic
def account_directory_link(*, person: Person, values: dict[str, str]):
    """The account of the person a directory entry matched, made if they have none, with the configured attributes
    copied to the person. One audit event per change (`account.open` for a new account, `person.directory_sync`)."""
    person = Person.objects.select_for_update(of=("self",)).select_related("unit", "user").get(pk=person.pk)
    if person.user is None and person.status != PersonStatus.ACTIVE:
        # Same words as signin_complete would use for an existing account: no account is made for someone who left.
        raise DirectoryRefused(signin.signin_person_refusal(person.status))
    changes: list[Change] = []
    updates: dict[str, Any] = {}
    sync = [f for f in settings.NETCONDUCT_LDAP_SYNC if f in SYNCABLE]
    if "email" in sync and values["email"]:
        try:
            email = clean_email(values["email"])
        except Exception:  # noqa: BLE001 - a malformed address in the directory is not copied
            email = ""
        if email and email != person.email:
            updates["email"] = email
    if "name" in sync and values["name"] and values["name"] != person.name:
        updates["name"] = values["name"][:50]
    if updates:
        before = org_services.person_snapshot(person)
        org_services.apply_person_fields(person, updates)
        person.save()
        after = org_services.person_snapshot(person)
        changed = [k for k in after if after[k] != before.get(k)]
        changes.append(
            Change(
                "person.directory_sync",
                "org.person",
                person.pk,
                person.name,
                person.unit.path,
                {k: before.get(k) for k in changed},
                {k: after[k] for k in changed},
            )
        )
    user = person.user
    if user is None:
        user = account_open_for_signin(person=person, via=METHOD)
    elif "email" in updates and user.email != person.email:
        user.email = person.email
        user.save(update_fields=["email"])
    if changes:
        audit_record_many(actor=user, changes=changes)
    return user


@transaction.atomic
def grant_directory_roles(*, user, person: Person, group_dns) -> list[RoleGrant]:
    """The roles NETCONDUCT_LDAP_GROUP_ROLES maps the user's directory groups to, granted on the person's own unit.

    Off unless configured. Grants are added, never removed here: taking a role away stays a person's decision on the
    grants page (the directory does not say which grants it made). The inspector role, and every role that reads
    reports, is never granted this way, whatever the configuration says (the settings refuse it at start too).
    """
    mapping = settings.NETCONDUCT_LDAP_GROUP_ROLES
    if not mapping:
        return []
    wanted = {mapping[dn] for dn in (d.lower() for d in group_dns) if dn in mapping}
    wanted = {r for r in wanted if r in (Role.SECRETARY, Role.UNIT_ADMIN) and r not in SENSITIVE_ROLES}
    made: list[RoleGrant] = []
    for role in sorted(wanted):
        grant, created = RoleGrant.objects.get_or_create(user=user, role=role, unit=person.unit)
        if created:
            made.append(grant)
    if made:
        audit_record_many(
            actor=None,
            changes=[
                Change(
                    "grant.create",
                    "org.rolegrant",
                    g.pk,
                    str(g),
                    person.unit.path,
                    None,
                    {"user": user.get_username(), "role": g.role, "unit": person.unit.name, "via": METHOD},
                )
                for g in made
            ],
        )
        scoping.forget_grants(user)
    return made
