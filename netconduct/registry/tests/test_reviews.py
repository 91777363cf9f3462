"""Yearly review rounds: opening over a subtree, answers, who has not answered, reminders through the campaigns'
notifications and deliveries (once a week each), closing, and the command."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from netconduct import testing
from netconduct.core.exceptions import ApplicationError, PermissionRefused
from netconduct.notifications.models import Delivery, Notification
from netconduct.registry import reviews, selectors, services
from netconduct.registry.choices import ReviewAnswer
from netconduct.registry.tests import factories as f

pytestmark = pytest.mark.django_db


def _deadline(days: int = 20) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=days)


def test_a_round_covers_the_open_accounts_and_shows_who_has_not_answered(org, accounts):
    member = accounts.member
    kept = f.filed(member, name="在用的号")
    gone = f.filed(member, name="不用的号")
    closed = f.filed(member, name="已注销的号")
    services.account_close(actor=accounts.unit_admin, account=closed, reason="停用")
    with pytest.raises(PermissionRefused):
        reviews.review_open(actor=accounts.secretary, unit=org.committee, year=2026, deadline=_deadline())
    review = reviews.review_open(
        actor=accounts.unit_admin, unit=org.committee, year=2026, deadline=_deadline()
    )
    assert review.title == "2026年度网络账号年检"
    assert set(review.items.values_list("account__name", flat=True)) == {"在用的号", "不用的号"}
    with pytest.raises(ApplicationError, match="已经开启"):
        reviews.review_open(actor=accounts.unit_admin, unit=org.committee, year=2026, deadline=_deadline())

    reviews.review_answer(actor=member, item=review.items.get(account=kept), answer=ReviewAnswer.CONFIRMED)
    with pytest.raises(ApplicationError, match="说明原因"):
        reviews.review_answer(actor=member, item=review.items.get(account=gone), answer=ReviewAnswer.CLOSE)
    reviews.review_answer(
        actor=member, item=review.items.get(account=gone), answer=ReviewAnswer.CLOSE, note="项目结束"
    )
    assert selectors.review_tally(viewer=accounts.unit_admin, review=review) == {
        "pending": 0,
        "confirmed": 1,
        "close": 1,
        "total": 2,
    }
    # Someone who is neither applicant, administrator nor in charge of the unit cannot answer.
    with pytest.raises(PermissionRefused):
        reviews.review_answer(
            actor=accounts.outsider_secretary,
            item=review.items.get(account=kept),
            answer=ReviewAnswer.CONFIRMED,
        )
    reviews.review_close(actor=accounts.unit_admin, review=review)
    with pytest.raises(ApplicationError, match="已结束"):
        reviews.review_answer(
            actor=member, item=review.items.get(account=kept), answer=ReviewAnswer.CONFIRMED
        )


def test_reminders_reach_owners_and_administrators_once_a_week(org, accounts):
    member = accounts.member
    member.email = "wang@example.cn"
    member.save()
    keeper_user = testing.make_account(
        "keeper", person=testing.make_person(org.branch1, name="孙管理", mobile="13600001111")
    )
    account = f.filed(member, admins=[f.admin_of(keeper_user.person)])
    orphan = f.filed(
        accounts.secretary,
        owner_kind="unit",
        unit=org.branch1,
        name="无人认领的群",
        admins=[services.AdminInput("外聘", "13600002222")],
    )
    answered = f.filed(member, name="已答复的号")
    review = reviews.review_open(
        actor=accounts.unit_admin, unit=org.committee, year=2026, deadline=_deadline()
    )
    reviews.review_answer(
        actor=member, item=review.items.get(account=answered), answer=ReviewAnswer.CONFIRMED
    )

    report = reviews.review_remind(review=review, actor=accounts.unit_admin)
    assert report.pending == 2 and report.unreached == 0
    to = set(
        Notification.objects.filter(key__startswith=f"registry:review{review.pk}:").values_list(
            "user__username", "body"
        )
    )
    names = {user for user, _body in to}
    assert names == {"member", "keeper", "secretary"}  # the unit's account goes to its branch secretary
    assert all(account.filing_number in body or orphan.filing_number in body for _user, body in to)
    assert (
        Delivery.objects.filter(recipient="wang@example.cn", key__startswith="registry:review").count() == 1
    )
    again = reviews.review_remind(review=review, actor=accounts.unit_admin)
    assert again.notifications == 0 and again.emails == 0  # nothing twice in the same week
    next_week = timezone.now() + dt.timedelta(days=7)
    assert reviews.review_remind(review=review, now=next_week, dispatch=False).notifications == 3

    out = StringIO()
    call_command("registry-remind", "--no-dispatch", stdout=out)
    assert "未答复账号 2 个" in out.getvalue()
    with pytest.raises(PermissionRefused):
        reviews.review_remind(review=review, actor=accounts.secretary)


def test_a_secretary_follows_their_branchs_part_of_the_committees_round(org, accounts):
    f.filed(accounts.member, name="一支部的号")
    other = testing.make_account(
        "qian", person=testing.make_person(org.branch2, name="钱职工", mobile="13500001111")
    )
    f.filed(other, name="二支部的号")
    review = reviews.review_open(
        actor=accounts.unit_admin, unit=org.committee, year=2026, deadline=_deadline()
    )
    assert selectors.review_get_for(viewer=accounts.secretary, pk=review.pk) == review
    assert review in selectors.review_list(viewer=accounts.secretary)
    names = set(
        selectors.review_items(viewer=accounts.secretary, review=review).values_list(
            "account__name", flat=True
        )
    )
    assert names == {"一支部的号"}
    assert [i.account.name for i in selectors.my_review_items(viewer=other)] == ["二支部的号"]


def test_a_round_is_opened_from_its_page(client, org, accounts):
    """The page's unit choice once came from a sliced queryset, so every unit was "not valid" and no round opened."""
    from django.urls import reverse

    from netconduct.registry.models import ReviewRound

    f.filed(accounts.member, name="在用的号")
    testing.login(client, accounts.unit_admin)
    url = reverse("registry:review_create")
    data = {"unit": org.committee.pk, "year": 2026, "deadline": _deadline().isoformat(), "title": ""}
    response = client.post(url, data)
    review = ReviewRound.objects.get()
    assert response.status_code == 302 and response.url == reverse(
        "registry:review", kwargs={"pk": review.pk}
    )
    assert review.unit == org.committee and review.items.count() == 1
    # A unit outside the manager's scope is still refused, with the field's message, and nothing is opened.
    response = client.post(url, {**data, "unit": org.group.pk, "year": 2027})
    assert response.status_code == 200 and "选择一个有效的选项" in response.content.decode()
    assert ReviewRound.objects.count() == 1
