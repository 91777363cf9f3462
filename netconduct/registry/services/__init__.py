"""Writes to the registry, by concern. Each service: permission, validation, one audit event, one transaction.

- applications: applications and each step's decision (approval);
- filing: filing numbers, filing an approved application, changes, hand-overs, suspension and closure;
- approval: how approval is set up (each unit's steps, delegations);
- common: what they share (fields, numbers, snapshots, validation of fields and administrators).

The yearly review rounds are in `registry.reviews`. Callers use this package (`from netconduct.registry import
services`); the names below are its public face.
"""

from .applications import (
    application_create,
    application_decide,
    application_submit,
    application_update,
    application_withdraw,
    stale_error,
)
from .approval import (
    FILING_CODE_RE,
    StepInput,
    delegation_create,
    delegation_revoke,
    policy_set,
    policy_snapshot,
)
from .common import (
    APPLICATION_ONLY,
    FIELDS,
    MAX_ADMINS,
    NUMBER_RE,
    AdminInput,
    account_snapshot,
    admin_snapshot,
    application_snapshot,
    format_number,
    parse_number,
    phone_seal,
)
from .filing import (
    account_close,
    account_resume,
    account_suspend,
    accounts_flag_handover,
    allocate_number,
    change_overdue,
    change_start,
    may_file_change,
    number_record,
)

__all__ = [
    "APPLICATION_ONLY",
    "FIELDS",
    "FILING_CODE_RE",
    "MAX_ADMINS",
    "NUMBER_RE",
    "AdminInput",
    "StepInput",
    "account_close",
    "account_resume",
    "account_snapshot",
    "account_suspend",
    "accounts_flag_handover",
    "admin_snapshot",
    "allocate_number",
    "application_create",
    "application_decide",
    "application_snapshot",
    "application_submit",
    "application_update",
    "application_withdraw",
    "change_overdue",
    "change_start",
    "delegation_create",
    "delegation_revoke",
    "format_number",
    "may_file_change",
    "number_record",
    "parse_number",
    "phone_seal",
    "policy_set",
    "policy_snapshot",
    "stale_error",
]
