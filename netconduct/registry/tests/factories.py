"""Registry applications and accounts for tests, made through the services."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from netconduct.registry import services
from netconduct.registry.choices import AccountKind, ApplicationStatus, Decision, OwnerKind, Platform


def admin_of(person, phone: str | None = None) -> services.AdminInput:
    return services.AdminInput(person.name, phone or person.mobile or "13800138000", person.employee_no or "")


def draft(actor, *, owner_kind=OwnerKind.PERSON, unit=None, admins=None, **fields):
    fields.setdefault("platform", Platform.WECHAT_MP)
    fields.setdefault("account_kind", AccountKind.ACCOUNT)
    fields.setdefault("name", "甲醇厂安全生产")
    fields.setdefault("purpose", "安全生产知识宣传")
    fields.setdefault("content_review", "支部书记审核后发布")
    fields.setdefault("leader", "厂长")
    fields.setdefault("planned_open_on", timezone.localdate() + dt.timedelta(days=7))
    if admins is None:
        admins = [services.AdminInput("赵管理", "13700001111")]
    return services.application_create(actor=actor, owner_kind=owner_kind, unit=unit, admins=admins, **fields)


def submitted(actor, **fields):
    return services.application_submit(actor=actor, application=draft(actor, **fields))


def approve_all(application, *approvers):
    """Approve step by step, each step by the next approver given (or the last one given)."""
    n = 0
    while application.status == ApplicationStatus.SUBMITTED:
        approver = approvers[min(n, len(approvers) - 1)]
        application = services.application_decide(
            actor=approver, application=application, decision=Decision.APPROVE, version=application.version
        )
        n += 1
    return application


def filed(applicant, *approvers, **fields):
    """An account filed by the default steps; approvers default to the superuser."""
    from netconduct.testing import superuser

    application = approve_all(submitted(applicant, **fields), *(approvers or (superuser(),)))
    return application.account
