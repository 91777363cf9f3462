"""Which roles may do what. A grant (account, role, unit) reaches the unit's whole subtree."""

from __future__ import annotations

from netconduct.org.choices import Role

R = Role
STAFF = frozenset({R.SYSADMIN, R.UNIT_ADMIN})

# action -> the roles whose grants give it, over the granted unit's subtree
ACTIONS: dict[str, frozenset[str]] = {
    "org.view": frozenset({R.SYSADMIN, R.UNIT_ADMIN, R.SECRETARY, R.INSPECTOR}),
    "org.manage": STAFF,
    "person.view": frozenset({R.SYSADMIN, R.UNIT_ADMIN, R.SECRETARY, R.INSPECTOR}),
    "person.change": frozenset({R.SYSADMIN, R.UNIT_ADMIN, R.SECRETARY}),
    "person.reveal_id": STAFF,
    "roster.import": STAFF,
    "grant.manage": STAFF,
    # the list of who holds a sensitive role (see SENSITIVE_ROLES) and its history, over the viewer's subtree
    "grant.sensitive_view": frozenset({R.SYSADMIN, R.INSPECTOR}),
    "account.activate": frozenset({R.SYSADMIN, R.UNIT_ADMIN, R.SECRETARY}),
    "audit.view": STAFF,
    # the committee's dashboard across campaigns (home.dashboard): figures of the viewer's subtree, no contents
    "dashboard.view": STAFF,
    "selfcheck.manage": STAFF,
    # documents and campaigns
    "document.view": frozenset({R.SYSADMIN, R.UNIT_ADMIN, R.SECRETARY, R.INSPECTOR}),
    "document.manage": STAFF,
    "campaign.view": frozenset({R.SYSADMIN, R.UNIT_ADMIN, R.SECRETARY, R.INSPECTOR}),
    "campaign.manage": STAFF,
    "campaign.proxy_receipt": frozenset({R.SYSADMIN, R.UNIT_ADMIN, R.SECRETARY}),
    "session.view": frozenset({R.SYSADMIN, R.UNIT_ADMIN, R.SECRETARY, R.INSPECTOR}),
    "session.record": frozenset({R.SYSADMIN, R.UNIT_ADMIN, R.SECRETARY}),
    "session.review": STAFF,
    "webhook.manage": STAFF,
    # pledges (issue 4)
    "pledge.view": frozenset({R.SYSADMIN, R.UNIT_ADMIN, R.SECRETARY, R.INSPECTOR}),
    "pledge.paper": frozenset({R.SYSADMIN, R.UNIT_ADMIN, R.SECRETARY}),
    # registry (article 7: official-capacity accounts and groups); approving follows the policy's steps, not these
    "registry.view": frozenset({R.SYSADMIN, R.UNIT_ADMIN, R.SECRETARY, R.INSPECTOR}),
    "registry.apply_unit": frozenset({R.SYSADMIN, R.UNIT_ADMIN, R.SECRETARY}),
    "registry.see_phone": frozenset({R.SYSADMIN, R.UNIT_ADMIN, R.SECRETARY}),
    "registry.manage": STAFF,
    # reports and cases: contents only to discipline inspectors; the committee sees counts and durations
    "report.handle": frozenset({R.INSPECTOR}),
    "report.stats": STAFF,
    "case.violation": frozenset({R.INSPECTOR}),
    "case.support": frozenset({R.SYSADMIN, R.UNIT_ADMIN, R.SECRETARY, R.INSPECTOR}),
    # the inspection evidence pack (issue 19): staff, and discipline inspectors, who read such packs on inspection
    "evidence.pack": frozenset({R.SYSADMIN, R.UNIT_ADMIN, R.INSPECTOR}),
    # outgoing events (issue 17): subscriptions to a unit subtree's events, their delivery log and replays
    "event.manage": frozenset({R.SYSADMIN}),
    # operations: the scheduled jobs' page (notifications/views_jobs.py)
    "system.jobs": frozenset({R.SYSADMIN}),
}

# Roles only a system administrator may hand out.
RESTRICTED_ROLES = frozenset({R.SYSADMIN})

# Roles that follow the discipline line, not the office line: the inspector role and every role that reads reports
# or violation cases. Only a system administrator over the unit, or an inspector on a unit strictly above it, grants
# or revokes them; a unit administrator cannot. Derived from ACTIONS so that a role later given these reads joins.
SENSITIVE_ACTIONS = ("report.handle", "case.violation")
SENSITIVE_ROLES = frozenset({R.INSPECTOR}) | frozenset(
    role for action in SENSITIVE_ACTIONS for role in ACTIONS[action]
)
# Roles that give powers (a member grant gives none): holding one "at or above" a unit administrator's level puts
# the account out of that administrator's reach for activation and reset slips.
POWER_ROLES = frozenset(r for r in Role.values if r != R.MEMBER)


def roles_for(action: str) -> frozenset[str]:
    try:
        return ACTIONS[action]
    except KeyError:
        raise KeyError(f"unknown action {action!r}; add it to netconduct.org.permissions.ACTIONS") from None
