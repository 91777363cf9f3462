"""Fixtures shared by every app's tests: the standard organisation and one account per role."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from netconduct.core import testing
from netconduct.org.choices import Role


@pytest.fixture
def org(db) -> testing.StandardOrg:
    return testing.build_standard_org()


@dataclass
class RoleAccounts:
    sysadmin: object
    unit_admin: object  # over the committee
    secretary: object  # of branch1
    inspector: object  # over the committee
    member: object  # a person of branch1 with an account and no grant
    outsider_secretary: object  # of branch2: branch1 is out of their scope

    def all(self) -> dict[str, object]:
        return {
            "sysadmin": self.sysadmin,
            "unit_admin": self.unit_admin,
            "secretary": self.secretary,
            "inspector": self.inspector,
            "member": self.member,
        }


@pytest.fixture
def accounts(org) -> RoleAccounts:
    sysadmin = testing.make_account("sysadmin")
    testing.grant(sysadmin, Role.SYSADMIN, org.group)
    unit_admin = testing.make_account("unitadmin")
    testing.grant(unit_admin, Role.UNIT_ADMIN, org.committee)
    secretary = testing.make_account(
        "secretary",
        person=testing.make_person(org.branch1, name="李书记", categories=["party_member", "cadre"]),
    )
    testing.grant(secretary, Role.SECRETARY, org.branch1)
    inspector = testing.make_account("inspector")
    testing.grant(inspector, Role.INSPECTOR, org.committee)
    member = testing.make_account(
        "member",
        person=testing.make_person(org.branch1, name="王职工", employee_no="A1001", mobile="13912345678"),
    )
    outsider = testing.make_account("secretary2")
    testing.grant(outsider, Role.SECRETARY, org.branch2)
    return RoleAccounts(sysadmin, unit_admin, secretary, inspector, member, outsider)
