"""Reads of the registry, always through the viewer's scope.

Who sees what: committee staff and inspectors their subtree, branch secretaries their branch (`registry.view`);
everyone the accounts they applied for or administer, their own applications, and the applications waiting for
their decision (as an approver or a stand-in).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404

from netconduct.core.models import AuditEvent
from netconduct.org import scoping
from netconduct.org.validation import to_halfwidth

from . import policies
from .choices import AccountStatus, ApplicationStatus, CloseRequest, ReviewAnswer, RoundStatus
from .models import (
    Account,
    AccountAdmin,
    Application,
    ApplicationDecision,
    Delegation,
    ReviewItem,
    ReviewRound,
)
from .reviews import answerers_q


def _own_accounts_q(viewer) -> Q:
    return Q(owner_user=viewer) | Q(pk__in=AccountAdmin.objects.filter(person__user=viewer).values("account"))


def account_q(viewer) -> Q:
    if viewer is None or not viewer.is_authenticated or not viewer.is_active:
        return Q(pk__in=[])
    return scoping.scope_for(viewer, "registry.view").q("unit__path") | _own_accounts_q(viewer)


@dataclass
class AccountFilter:
    q: str = ""
    unit: object = None  # an OrgUnit: its subtree
    platform: str = ""
    kind: str = ""
    status: str = ""
    admin: str = ""
    handover: bool = False
    basis: str = ""


def account_list(*, viewer, filters: AccountFilter | None = None) -> QuerySet[Account]:
    """The registry as the viewer may see it, filtered; administrators prefetched (two queries for a page)."""
    f = filters or AccountFilter()
    qs = Account.objects.filter(account_q(viewer))
    if f.unit is not None:
        qs = qs.filter(scoping.subtree_q("unit__path", f.unit.path))
    if f.platform:
        qs = qs.filter(platform=f.platform)
    if f.kind:
        qs = qs.filter(account_kind=f.kind)
    if f.status:
        qs = qs.filter(status=f.status)
    if f.basis:
        qs = qs.filter(basis=f.basis)
    if f.handover:
        qs = qs.filter(handover_needed=True)
    text = to_halfwidth(f.q or "").strip()
    if text:
        qs = qs.filter(
            Q(name__icontains=text)
            | Q(filing_number__icontains=text)
            | Q(platform_ref__icontains=text)
            | Q(platform_name__icontains=text)
            # One pass over the administrators (an IN list), not a subquery per account.
            | Q(pk__in=AccountAdmin.objects.filter(name__icontains=text).values("account_id"))
        )
    admin = (f.admin or "").strip()
    if admin:
        qs = qs.filter(pk__in=AccountAdmin.objects.filter(name__icontains=admin).values("account_id"))
    return (
        qs.select_related("unit")
        .prefetch_related(Prefetch("admins", queryset=AccountAdmin.objects.order_by("position", "pk")))
        .order_by("-filing_year", "-filing_seq", "-pk")
    )


def account_get_for(*, viewer, pk) -> Account:
    try:
        return (
            Account.objects.filter(account_q(viewer))
            .select_related("unit", "owner_user", "owner_person")
            .get(pk=pk)
        )
    except (Account.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def account_history(*, account: Account) -> QuerySet[AuditEvent]:
    """Every event of the account and of its applications, oldest first."""
    app_ids = [str(pk) for pk in account.applications.values_list("pk", flat=True)]
    return AuditEvent.objects.filter(
        Q(object_type="registry.account", object_id=str(account.pk))
        | Q(object_type="registry.application", object_id__in=app_ids)
    ).order_by("seq")


def may_see_phones(viewer, account_or_app) -> bool:
    if viewer.is_authenticated and scoping.scope_for(viewer, "registry.see_phone").covers(
        account_or_app.unit.path
    ):
        return True
    owner = getattr(account_or_app, "owner_user_id", None) or getattr(account_or_app, "applicant_id", None)
    return owner == viewer.pk


def registry_counts(*, viewer) -> dict[str, int]:
    qs = Account.objects.filter(account_q(viewer))
    counts = dict(qs.values("status").annotate(n=Count("pk")).values_list("status", "n"))
    return {
        "active": counts.get(AccountStatus.ACTIVE, 0),
        "suspended": counts.get(AccountStatus.SUSPENDED, 0),
        "closed": counts.get(AccountStatus.CLOSED, 0),
        "handover": qs.filter(handover_needed=True).count(),
    }


# ---------------------------------------------------------------------------------------------------- applications


def application_q(viewer) -> Q:
    if viewer is None or not viewer.is_authenticated or not viewer.is_active:
        return Q(pk__in=[])
    return (
        scoping.scope_for(viewer, "registry.view").q("unit__path")
        | Q(applicant=viewer)
        | policies.queue_q(viewer)
    )


def application_list(*, viewer, status: str = "", mine: bool = False) -> QuerySet[Application]:
    qs = Application.objects.filter(Q(applicant=viewer) if mine else application_q(viewer))
    if status:
        qs = qs.filter(status=status)
    return qs.select_related("unit", "account", "current_unit", "applicant").order_by("-updated_at", "-pk")


def approval_queue(*, viewer) -> QuerySet[Application]:
    return (
        Application.objects.filter(policies.queue_q(viewer))
        .select_related("unit", "current_unit", "applicant")
        .order_by("submitted_at", "pk")
    )


def application_get_for(*, viewer, pk) -> Application:
    try:
        return (
            Application.objects.filter(application_q(viewer))
            .select_related("unit", "account", "current_unit", "applicant", "applicant_person")
            .get(pk=pk)
        )
    except (Application.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def decisions_of(application: Application) -> QuerySet[ApplicationDecision]:
    return application.decisions.select_related("actor", "on_behalf_of").order_by("created_at", "pk")


def open_statuses() -> list[str]:
    return [ApplicationStatus.DRAFT, ApplicationStatus.SUBMITTED, ApplicationStatus.RETURNED]


# ---------------------------------------------------------------------------------------------------- delegation


def delegations_of(*, viewer) -> QuerySet[Delegation]:
    return (
        Delegation.objects.filter(Q(from_user=viewer) | Q(to_user=viewer))
        .select_related("from_user", "to_user")
        .order_by("-starts_on", "-pk")
    )


def delegation_get_for(*, viewer, pk) -> Delegation:
    try:
        return Delegation.objects.filter(Q(from_user=viewer) | Q(to_user=viewer)).get(pk=pk)
    except (Delegation.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


# ---------------------------------------------------------------------------------------------------- reviews


def review_list(*, viewer) -> QuerySet[ReviewRound]:
    scope = scoping.scope_for(viewer, "registry.view")
    step = 4  # OrgUnit.steplen: rounds opened above a secretary's branch are theirs to follow too
    above = [p[:i] for p in scope.paths for i in range(step, len(p), step)]
    qs = ReviewRound.objects.select_related("unit")
    if not scope.everything:
        qs = qs.filter(scope.q("unit__path") | Q(unit__path__in=above))
    return qs.annotate(
        n_items=Count("items"),
        n_pending=Count("items", filter=Q(items__answer=ReviewAnswer.PENDING)),
    ).order_by("-year", "-pk")


def review_get_for(*, viewer, pk, action: str = "registry.view") -> ReviewRound:
    """A round over the viewer's scope, or (for reading) one whose subtree holds part of it: a branch secretary
    follows their branch's part of the committee's round."""
    try:
        review = ReviewRound.objects.select_related("unit").get(pk=pk)
    except (ReviewRound.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    scope = scoping.scope_for(viewer, action)
    inside = action == "registry.view" and any(p.startswith(review.unit.path) for p in scope.paths)
    if not (scope.covers(review.unit.path) or inside):
        raise Http404
    return review


def review_items(*, viewer, review: ReviewRound, answer: str = "") -> QuerySet[ReviewItem]:
    """The round's items the viewer may see (a secretary sees their branch's part of a committee's round)."""
    qs = review.items.filter(scoping.scope_for(viewer, "registry.view").q("account__unit__path"))
    if answer:
        qs = qs.filter(answer=answer)
    return qs.select_related("account__unit", "answered_by").order_by(
        "account__unit__path", "account__filing_seq"
    )


def review_tally(*, viewer, review: ReviewRound) -> dict[str, int]:
    rows = dict(
        review_items(viewer=viewer, review=review)
        .order_by()
        .values("answer")
        .annotate(n=Count("pk"))
        .values_list("answer", "n")
    )
    return {a: rows.get(a, 0) for a in ReviewAnswer.values} | {"total": sum(rows.values())}


def my_review_items(*, viewer) -> QuerySet[ReviewItem]:
    if not viewer.is_authenticated:
        return ReviewItem.objects.none()
    return (
        ReviewItem.objects.filter(
            answerers_q(viewer), round__status=RoundStatus.OPEN, answer=ReviewAnswer.PENDING
        )
        .select_related("round", "account")
        .order_by("round__deadline", "pk")
    )


def review_item_get_for(*, viewer, pk) -> ReviewItem:
    """An item the viewer answers (owner, administrator) or sees through registry.view."""
    scope = scoping.scope_for(viewer, "registry.view").q("account__unit__path")
    try:
        return (
            ReviewItem.objects.filter(scope | answerers_q(viewer))
            .select_related("round__unit", "account__unit")
            .distinct()
            .get(pk=pk)
        )
    except (ReviewItem.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def close_requests(*, viewer, status: str = CloseRequest.PENDING) -> QuerySet[ReviewItem]:
    """Yearly review answers asking to close an account, for the staff who close accounts (`registry.manage` over
    the account's unit); pending ones by default, oldest request first."""
    qs = ReviewItem.objects.filter(
        scoping.scope_for(viewer, "registry.manage").q("account__unit__path"), answer=ReviewAnswer.CLOSE
    )
    if status:
        qs = qs.filter(close_status=status)
    return qs.select_related(
        "round", "account__unit", "answered_by__person", "close_decided_by__person"
    ).order_by("answered_at", "pk")


def close_request_get_for(*, viewer, pk) -> ReviewItem:
    try:
        return close_requests(viewer=viewer, status="").get(pk=pk)
    except (ReviewItem.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
