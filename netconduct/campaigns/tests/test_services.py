"""Campaigns: everyone in scope gets a task, newcomers too, leavers drop out of the counts, receipts and proxy
receipts, completion rolled up the tree."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from netconduct import testing
from netconduct.campaigns import selectors, services
from netconduct.campaigns.models import ReadReceipt, Target
from netconduct.campaigns.tests import factories as f
from netconduct.core.exceptions import ApplicationError, PermissionRefused
from netconduct.core.models import AuditEvent
from netconduct.documents.tests import factories as documents
from netconduct.org import services as org_services
from netconduct.org.choices import PersonStatus
from netconduct.org.models import OrgUnit

pytestmark = pytest.mark.django_db


def _targets(campaign):
    return {t.person.name: t for t in Target.objects.filter(campaign=campaign).select_related("person")}


def test_launch_gives_everyone_in_scope_and_category_a_task(org, accounts):
    cadre = testing.make_person(org.branch2, name="赵干部", categories=["cadre"])
    worker = testing.make_person(org.branch2, name="钱职工", categories=["employee"])
    retired = testing.make_person(org.branch2, name="孙退休", status=PersonStatus.RETIRED)
    testing.make_person(org.company, name="公司本部")  # above the committee: outside the scope
    campaign = f.campaign(org.committee, actor=accounts.unit_admin, include_employees=False, launch=False)
    assert not Target.objects.exists()
    result = services.campaign_launch(actor=accounts.unit_admin, campaign=campaign)
    names = set(_targets(campaign))
    assert cadre.name in names and "李书记" in names  # party member and cadre
    assert worker.name not in names and retired.name not in names and "公司本部" not in names
    assert result.added == len(names)
    assert AuditEvent.objects.filter(action="campaign.launch").get().after["added"] == len(names)


def test_launch_refuses_what_people_cannot_do(org, accounts):
    admin = accounts.unit_admin
    draft_doc = documents.draft(org.committee, actor=admin)
    with pytest.raises(ApplicationError, match="尚未印发"):
        services.campaign_create(
            actor=admin, unit=org.committee, title="x", deadline=timezone.localdate(), documents=[draft_doc]
        )
    with pytest.raises(ApplicationError, match="至少选择一类"):
        f.campaign(
            org.committee,
            actor=admin,
            include_party_members=False,
            include_cadres=False,
            include_employees=False,
        )
    past = f.campaign(org.committee, actor=admin, launch=False, issuer_code="过期党发")
    services.campaign_update(actor=admin, campaign=past, deadline=timezone.localdate() - dt.timedelta(days=1))
    with pytest.raises(ApplicationError, match="期限已过"):
        services.campaign_launch(actor=admin, campaign=past)
    with pytest.raises(PermissionRefused):
        f.campaign(org.committee, actor=accounts.secretary, issuer_code="书记党发")


def test_newcomers_get_the_task_movers_follow_leavers_drop_out_but_keep_receipts(
    org, accounts, django_capture_on_commit_callbacks
):
    campaign = f.campaign(org.committee, actor=accounts.unit_admin)
    member = accounts.member.person
    with django_capture_on_commit_callbacks(execute=True):
        newcomer = testing.make_person(org.branch2, name="新同志")
    assert _targets(campaign)[newcomer.name].unit == org.branch2
    services.read_confirm(
        actor=accounts.member, target=_targets(campaign)[member.name], document=campaign.documents.get()
    )
    with django_capture_on_commit_callbacks(execute=True):
        org_services.person_update(actor=org.root_user, person=newcomer, unit=org.office)
    assert _targets(campaign)[newcomer.name].unit == org.office
    with django_capture_on_commit_callbacks(execute=True):
        org_services.person_update(actor=org.root_user, person=member, status=PersonStatus.TRANSFERRED)
    target = _targets(campaign)[member.name]
    assert not target.in_scope and target.read_at is not None
    assert ReadReceipt.objects.filter(target=target).count() == 1
    rollup = selectors.completion_rollup(campaign=campaign, focus=org.committee)
    assert rollup.total.total == Target.objects.filter(campaign=campaign, in_scope=True).count()
    assert rollup.total.read == 0  # the leaver's receipt no longer counts


def test_read_confirm_is_the_persons_own_and_happens_once(org, accounts):
    campaign = f.campaign(org.committee, actor=accounts.unit_admin)
    document = campaign.documents.get()
    target = _targets(campaign)["王职工"]
    with pytest.raises(PermissionRefused):
        services.read_confirm(actor=accounts.secretary, target=target, document=document)
    first = services.read_confirm(actor=accounts.member, target=target, document=document)
    again = services.read_confirm(actor=accounts.member, target=target, document=document)
    assert first.pk == again.pk and first.confirmed_at == again.confirmed_at
    target.refresh_from_db()
    assert target.read_at is not None and target.done_at == target.read_at and not target.read_by_proxy
    assert AuditEvent.objects.filter(action="campaign.read_confirm").count() == 1


def test_proxy_receipt_needs_a_reason_and_shows_as_such(org, accounts):
    miner = testing.make_person(org.branch1, name="井下工", categories=["employee", "party_member"])
    campaign = f.campaign(org.committee, actor=accounts.unit_admin)
    target = _targets(campaign)[miner.name]
    with pytest.raises(ApplicationError, match="原因") as exc:
        services.read_proxy(actor=accounts.secretary, target=target, reason="  ")
    assert exc.value.field == "reason"
    with pytest.raises(PermissionRefused):
        services.read_proxy(actor=accounts.outsider_secretary, target=target, reason="班前会传达")
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    receipts = services.read_proxy(
        actor=accounts.secretary, target=target, reason="无智能手机，班前会传达", conveyed_on=yesterday
    )
    assert receipts[0].is_proxy and receipts[0].proxy_by == accounts.secretary
    assert timezone.localtime(receipts[0].confirmed_at).date() == yesterday
    target.refresh_from_db()
    assert target.read_by_proxy and target.done_at is not None
    rollup = selectors.completion_rollup(campaign=campaign, focus=org.committee)
    assert rollup.total.proxy == 1
    with pytest.raises(ApplicationError, match="已确认"):
        services.read_proxy(actor=accounts.secretary, target=target, reason="再次")


def test_rollup_sums_up_the_tree_and_marks_overdue_units(org, accounts):
    for name in ("甲", "乙", "丙"):
        testing.make_person(org.branch2, name=f"二支部{name}")
    campaign = f.campaign(org.committee, actor=accounts.unit_admin)
    services.read_confirm(
        actor=accounts.member, target=_targets(campaign)["王职工"], document=campaign.documents.get()
    )
    rollup = selectors.completion_rollup(campaign=campaign, focus=org.committee)
    by_name = {r.unit.name: r for r in rollup.rows}
    assert by_name["甲醇厂党总支"].tally.total == 5 and by_name["甲醇厂党总支"].tally.done == 1
    assert by_name["甲醇厂党总支"].has_children
    assert rollup.total.total == 5 and rollup.total.percent == 20.0
    assert not rollup.overdue
    late = selectors.completion_rollup(
        campaign=campaign, focus=org.plant, today=campaign.deadline + dt.timedelta(days=1)
    )
    assert late.overdue and {r.unit.name for r in late.rows if r.overdue} == {
        "甲醇厂第一党支部",
        "甲醇厂第二党支部",
    }


def test_rollup_rows_match_counting_each_subtree_by_hand(org, accounts):
    """The sums the database makes per child equal counting each child's subtree directly, for every focus:
    people, done, branches and those behind after the deadline, deeper levels, the focus's own people."""
    group = org_services.unit_create(
        actor=org.root_user, parent=org.branch2, name="党小组", kind="party_group"
    )
    for unit, name in (
        (group, "小组甲"),
        (org.committee, "党委本级"),
        (org.office, "机关甲"),
        (org.branch2, "二支乙"),
    ):
        testing.make_person(unit, name=name)
    campaign = f.campaign(org.committee, actor=accounts.unit_admin)
    services.read_confirm(
        actor=accounts.member, target=_targets(campaign)["王职工"], document=campaign.documents.get()
    )
    late = campaign.deadline + dt.timedelta(days=1)
    for focus in (org.committee, org.plant, org.branch2):
        rollup = selectors.completion_rollup(campaign=campaign, focus=focus, today=late)
        counted = Target.objects.filter(campaign=campaign, in_scope=True)
        for row in rollup.rows:
            if row.unit.pk == focus.pk:
                mine = counted.filter(unit=focus)
            else:
                mine = counted.filter(unit__path__startswith=row.unit.path)
            assert (row.tally.total, row.tally.done) == (mine.count(), mine.exclude(done_at=None).count())
            if row.unit.pk == focus.pk:
                continue
            subtree = OrgUnit.objects.filter(path__startswith=row.unit.path)
            branches = subtree.filter(kind="branch")
            behind = [b for b in branches if counted.filter(unit=b, done_at=None).exists()]
            assert row.branches == branches.count() and row.branches_behind == len(behind)
            assert row.has_children == subtree.filter(depth__gt=row.unit.depth).exists()
            assert row.overdue == (row.tally.pending > 0)
        whole = counted.filter(unit__path__startswith=focus.path)
        assert (
            rollup.total.total == whole.count() and rollup.total.done == whole.exclude(done_at=None).count()
        )
    assert any(
        r.branches_behind
        for r in selectors.completion_rollup(campaign=campaign, focus=org.committee, today=late).rows
    )
    on_time = selectors.completion_rollup(campaign=campaign, focus=org.committee)
    assert not on_time.overdue and all(r.branches_behind == 0 for r in on_time.rows)


def test_rollup_query_count_does_not_grow_with_the_organisation(org, accounts, django_assert_num_queries):
    campaign = f.campaign(org.committee, actor=accounts.unit_admin)
    with django_assert_num_queries(1):
        small = selectors.completion_rollup(campaign=campaign, focus=org.committee)
    for i in "一二三四":
        branch = org_services.unit_create(
            actor=org.root_user, parent=org.plant, name=f"新支部{i}", kind="branch"
        )
        for j in "甲乙丙丁戊":
            testing.make_person(branch, name=f"新人{i}{j}")
    services.campaign_sync(campaign=campaign)
    with django_assert_num_queries(1):
        big = selectors.completion_rollup(campaign=campaign, focus=org.committee)
    assert big.total.total == small.total.total + 20


def test_subtree_rollup_counts_each_unit_over_its_subtree_and_folds_party_groups(org, accounts):
    group = org_services.unit_create(
        actor=org.root_user, parent=org.branch1, name="第一党小组", kind="party_group"
    )
    testing.make_person(group, name="小组成员")
    testing.make_person(org.committee, name="党委本级")
    campaign = f.campaign(org.committee, actor=accounts.unit_admin)
    rows = {
        r.unit.name: (r.depth, r.tally.total)
        for r in selectors.subtree_rollup(campaign=campaign, focus=org.committee)
    }
    assert rows == {"西北能化公司党委": (0, 4), "甲醇厂党总支": (1, 3), "甲醇厂第一党支部": (2, 3)}
    at_branch = selectors.subtree_rollup(campaign=campaign, focus=org.branch1)
    assert [(r.unit.name, r.depth, r.tally.total) for r in at_branch] == [
        ("甲醇厂第一党支部", 0, 3),
        ("第一党小组", 1, 1),
    ]


@pytest.mark.parametrize(
    "required",
    [("pledge",), ("read", "pledge"), ("read", "study", "pledge"), ("read",)],
    ids=lambda r: "+".join(r),
)
def test_marking_a_pledge_completes_the_target_as_the_other_actions_allow(org, accounts, required):
    """One UPDATE on the signer's path: done when every required action is done, at the latest of them; a voided
    pledge (None) undoes it; a campaign that does not ask for a pledge is not completed by one."""
    campaign = f.campaign(
        org.committee,
        actor=accounts.unit_admin,
        requires_read="read" in required,
        requires_study="study" in required,
        requires_pledge="pledge" in required,
    )
    target = _targets(campaign)["王职工"]
    person = target.person
    early = timezone.now() - dt.timedelta(hours=3)
    late = timezone.now() - dt.timedelta(hours=1)

    def state():
        target.refresh_from_db()
        return target.pledged_at, target.done_at

    # nothing else done yet: the pledge completes only a pledge-only campaign
    services.target_mark_pledged(campaign=campaign, person=person, at=early)
    assert state() == (early, early if required == ("pledge",) else None)

    # the other required actions done later than the pledge: the pledge marked again keeps the latest as done_at
    Target.objects.filter(pk=target.pk).update(read_at=late, studied_at=late)
    services.target_mark_pledged(campaign=campaign, person=person, at=early)
    expected_done = late if "pledge" in required and len(required) > 1 else early
    if required == ("read",):
        expected_done = None  # completion is not recomputed by a pledge the campaign does not ask for
    assert state() == (early, expected_done)

    # the pledge later than the rest: done at the pledge
    services.target_mark_pledged(campaign=campaign, person=person, at=late + dt.timedelta(minutes=5))
    if "pledge" in required:
        assert state() == (late + dt.timedelta(minutes=5), late + dt.timedelta(minutes=5))

    # voided: incomplete again when the campaign asks for a pledge
    services.target_mark_pledged(campaign=campaign, person=person, at=None)
    assert state() == (None, None)


def test_marking_a_pledge_when_another_required_action_is_missing_leaves_the_target_open(org, accounts):
    campaign = f.campaign(org.committee, actor=accounts.unit_admin, requires_read=True, requires_pledge=True)
    target = _targets(campaign)["王职工"]
    services.target_mark_pledged(campaign=campaign, person=target.person, at=timezone.now())
    target.refresh_from_db()
    assert target.pledged_at is not None and target.read_at is None and target.done_at is None
