"""Filing and the account's life: filing numbers, filing an approved application, changes, hand-overs when an
administrator leaves, suspension and closure.

Filing numbers (e.g. 西北能化网备〔2026〕12号) are allocated per filing code and year like documents' numbers: the
counter row is bumped by an UPDATE inside the approving transaction, so concurrent approvals queue on it and a
rolled-back approval gives its number back."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from netconduct.core.audit import audit_record
from netconduct.core.bulk import values_in
from netconduct.core.events import event_emit
from netconduct.core.exceptions import ApplicationError, PermissionRefused
from netconduct.org import scoping
from netconduct.org.choices import PersonStatus, Role
from netconduct.org.models import OrgUnit

from .. import policies
from ..choices import (
    AccountStatus,
    ApplicationKind,
    ApplicationStatus,
    OwnerKind,
)
from ..models import (
    Account,
    AccountAdmin,
    Application,
    ApplicationAdmin,
    FilingCounter,
)
from .common import FIELDS, _account_change, _actor_person, _notify, _write_admins, format_number

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


def number_record(code: str, year: int, seq: int) -> None:
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
    event_emit("account.filed", account)
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
        raise ApplicationError(_("已注销的账号不能变更备案。"))
    if not may_file_change(actor, account):
        raise PermissionRefused(_("您不是该账号的申请人、管理员或主管单位的管理人员。"))
    open_ = account.applications.filter(
        kind=ApplicationKind.CHANGE,
        status__in=[ApplicationStatus.DRAFT, ApplicationStatus.RETURNED, ApplicationStatus.SUBMITTED],
    ).first()
    if open_ is not None:
        raise ApplicationError(
            _("该账号已有未办结的变更申请（%(get_status_display)s），请先办结。")
            % {"get_status_display": open_.get_status_display()}
        )
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
        raise ApplicationError(_("请填写原因。"), field="reason")
    on = on or timezone.localdate()
    if on > timezone.localdate() + dt.timedelta(days=366):
        raise ApplicationError(_("日期不正确。"), field="on")
    return on, reason[:300]


@transaction.atomic
def account_suspend(*, actor, account: Account, reason: str, on: dt.date | None = None) -> Account:
    account = _managed_account(actor, account)
    if account.status != AccountStatus.ACTIVE:
        raise ApplicationError(
            _("账号当前为“%(get_status_display)s”，不能暂停。")
            % {"get_status_display": account.get_status_display()}
        )
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
        raise ApplicationError(_("只有暂停使用的账号可以恢复。"))
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
def account_close(
    *, actor, account: Account, reason: str, on: dt.date | None = None, review: str = ""
) -> Account:
    """注销: the account stays in the registry, closed, with its reason and date (and the yearly review whose
    request to close it was, when it was one)."""
    account = _managed_account(actor, account)
    if account.status == AccountStatus.CLOSED:
        raise ApplicationError(_("该账号已注销。"))
    on, reason = _clean_status(on, reason)
    before = {"status": account.status}
    account.status, account.status_on, account.status_reason = AccountStatus.CLOSED, on, reason
    account.handover_needed, account.handover_reason, account.handover_since = False, "", None
    account.save()
    # Open change filings of a closed account have nothing left to change.
    account.applications.filter(status__in=[ApplicationStatus.DRAFT, ApplicationStatus.RETURNED]).update(
        status=ApplicationStatus.WITHDRAWN, version=F("version") + 1
    )
    after = {"status": account.status, "reason": reason, "date": on}
    if review:
        after["review"] = review
    audit_record(actor=actor, change=_account_change("registry.close", account, before, after))
    return account


@transaction.atomic
def accounts_flag_handover(*, person_ids: Sequence[int]) -> int:
    """Flag the open accounts whose administrator among `person_ids` has left, retired or moved unit, until a
    change filing names a new administrator (a hand-over). Called after people change; returns how many."""
    admins = (
        # one parameter for any number of ids: a 100,000-row import announces them all at once
        AccountAdmin.objects.filter(person_id__in=values_in([int(i) for i in person_ids]))
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
