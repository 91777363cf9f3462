"""Reads for logging in and for issuing activation slips, always through the viewer's "account.activate" scope."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import Count, Q, QuerySet

from netconduct.core import crypto
from netconduct.org import scoping
from netconduct.org.choices import PersonStatus
from netconduct.org.models import OrgUnit, Person
from netconduct.org.scoping import subtree_q
from netconduct.org.validation import clean_mobile, to_halfwidth

from .backends import find_user
from .models import ActivationCode

ACTION = "account.activate"
CODE_CONTEXT = "accounts.activation_code"

# ---------------------------------------------------------------------------------------------------- masking


def mask_employee_no(value: str | None) -> str:
    """A1***01: enough for a person to recognise their own number, too little to be useful on a lost slip."""
    if not value:
        return ""
    if len(value) <= 3:
        return value[0] + "*" * (len(value) - 1)
    keep = 2 if len(value) >= 7 else 1
    return value[:keep] + "*" * (len(value) - 2 * keep) + value[-keep:]


def mask_name(value: str) -> str:
    """王*工: the person recognises their name; someone who found the link learns little."""
    if len(value) <= 1:
        return value
    if len(value) == 2:
        return value[0] + "*"
    return value[0] + "*" * (len(value) - 2) + value[-1]


# ---------------------------------------------------------------------------------------------------- codes


def normalize_code(raw: str) -> str:
    """What people type from a slip: full-width, lower case, spaces and the dash between the groups all fold away."""
    return "".join(ch for ch in to_halfwidth(raw or "").upper() if ch.isalnum())


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def code_hash(*, person_id: int, code: str) -> str:
    """Bound to the person, so a code only ever matches together with that person's employee or mobile number."""
    return crypto.keyed_hash(f"{person_id}:{normalize_code(code)}", context=CODE_CONTEXT)


def normalize_identifier(raw: str) -> str:
    return to_halfwidth(raw or "").strip()


def people_for_identifier(identifier: str) -> list[Person]:
    """Current people whose employee number or mobile number is `identifier` (a mobile can be shared)."""
    value = normalize_identifier(identifier)
    if not value:
        return []
    query = Q(employee_no=value)
    try:
        mobile = clean_mobile(value)
    except ValidationError:
        mobile = ""
    if mobile:
        query |= Q(mobile=mobile)
    return list(Person.objects.filter(query, status=PersonStatus.ACTIVE).select_related("unit")[:5])


def activation_code_for_token(token: str) -> ActivationCode | None:
    """The code a link's token names, whatever its state (the caller says why it cannot be used)."""
    if not token or len(token) > 200:
        return None
    return (
        ActivationCode.objects.select_related("person", "person__unit", "person__user")
        .filter(token_hash=token_hash(token))
        .first()
    )


def activation_code_for_identifier(identifier: str, code: str) -> ActivationCode | None:
    """The code typed with an employee or mobile number, whatever its state, or None when nothing matches.

    A used, voided or expired code is returned too: whoever typed it holds the slip, and "expired" helps them more
    than "wrong".
    """
    clear = normalize_code(code)
    if not clear:
        return None
    for person in people_for_identifier(identifier):
        match = (
            ActivationCode.objects.select_related("person", "person__unit", "person__user")
            .filter(person=person, code_hash=code_hash(person_id=person.pk, code=clear))
            .order_by("-created_at", "-pk")
            .first()
        )
        if match is not None:
            return match
    return None


# ---------------------------------------------------------------------------------------------------- login


def lockout_username(identifier: str) -> str:
    """The one name an account is locked under, whichever of username, mobile or employee number was typed.

    django-axes locks by the submitted username; without this, each of a person's three identifiers would get its
    own five guesses.
    """
    value = normalize_identifier(identifier)
    user = find_user(value)
    return user.get_username() if user is not None else value


# ---------------------------------------------------------------------------------------------------- issuing


@dataclass
class UnitRow:
    unit: OrgUnit
    depth: int  # relative to the shallowest unit shown, for indentation
    people: int
    with_account: int

    @property
    def without_account(self) -> int:
        return self.people - self.with_account


def activation_people(*, viewer) -> QuerySet[Person]:
    """Current people in the viewer's "account.activate" scope."""
    return scoping.visible(
        Person.objects.filter(status=PersonStatus.ACTIVE), viewer, ACTION, path_field="unit__path"
    )


def activation_unit_list(*, viewer) -> list[UnitRow]:
    """Open units of the viewer's scope that have people in their subtree, in tree order, with subtree counts.

    Two queries whatever the size: the units, and people counted per unit; subtree sums are added up here.
    """
    units = list(
        scoping.visible(OrgUnit.objects.filter(is_active=True), viewer, ACTION, path_field="path").order_by(
            "path"
        )
    )
    if not units:
        return []
    per_unit = (
        activation_people(viewer=viewer)
        .values("unit__path")
        .annotate(n=Count("pk"), accounts=Count("pk", filter=Q(user__isnull=False)))
        .values_list("unit__path", "n", "accounts")
    )
    totals: dict[str, list[int]] = {unit.path: [0, 0] for unit in units}
    steplen = OrgUnit.steplen
    for path, n, accounts in per_unit:
        for end in range(steplen, len(path) + 1, steplen):
            bucket = totals.get(path[:end])
            if bucket is not None:
                bucket[0] += n
                bucket[1] += accounts
    top = min(unit.depth for unit in units)
    return [UnitRow(unit, unit.depth - top, *totals[unit.path]) for unit in units if totals[unit.path][0] > 0]


def activation_unit_get_for(*, viewer, pk) -> OrgUnit:
    return scoping.get_visible_or_404(
        OrgUnit.objects.filter(is_active=True), viewer, ACTION, path_field="path", pk=pk
    )


def activation_person_get_for(*, viewer, pk) -> Person:
    return scoping.get_visible_or_404(
        Person.objects.select_related("unit", "user"), viewer, ACTION, path_field="unit__path", pk=pk
    )


def unit_people_without_account(*, viewer, unit: OrgUnit) -> QuerySet[Person]:
    return (
        activation_people(viewer=viewer)
        .filter(subtree_q("unit__path", unit.path), user__isnull=True)
        .select_related("unit")
        .order_by("unit__path", "name", "pk")
    )


def unit_people_with_account(*, viewer, unit: OrgUnit) -> QuerySet[Person]:
    return (
        activation_people(viewer=viewer)
        .filter(subtree_q("unit__path", unit.path), user__isnull=False)
        .select_related("unit", "user")
        .order_by("unit__path", "name", "pk")
    )
