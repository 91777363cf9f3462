"""The reminder job: who is reminded when, digests to secretaries, e-mail, group robots with retries, scheduling."""

from __future__ import annotations

import datetime as dt
import io
import logging
from dataclasses import dataclass

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from netconduct import testing
from netconduct.campaigns import reminders, services
from netconduct.campaigns.models import Target
from netconduct.campaigns.reminders import DUE, OVERDUE, reminder_phase
from netconduct.core.models import AuditEvent
from netconduct.documents.models import Document
from netconduct.notifications import jobs, sending
from netconduct.notifications import services as notification_services
from netconduct.notifications.choices import DeliveryStatus
from netconduct.notifications.models import Delivery, Notification
from netconduct.notifications.tests.robots import Robot
from netconduct.org.choices import Role, UnitKind
from netconduct.org.services import unit_create

# ---------------------------------------------------------------------------------------------------- helpers


def at(day: dt.date, hour: int = 8, minute: int = 30) -> dt.datetime:
    """A Beijing-time moment on `day` (the job runs at 08:30)."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def issued_document(org) -> Document:
    existing = Document.objects.filter(issuer_code="西北能化党发", year=2023, sequence=36).first()
    return existing or Document.objects.create(
        issuer=org.committee,
        title="关于印发《党员干部网络行为规范》的通知",
        kind="norms",
        status="issued",
        number="西北能化党发〔2023〕36号",
        issuer_code="西北能化党发",
        year=2023,
        sequence=36,
    )


@dataclass
class Setup:
    org: object
    accounts: object
    campaign: object
    document: object
    deadline: dt.date
    nobody: object  # a person of branch1 without an account
    other: object  # a person of branch2 with an account and e-mail


def launch(org, *, unit=None, days: int = 5, remind: int = 3, **fields):
    document = issued_document(org)
    campaign = services.campaign_create(
        actor=org.root_user,
        unit=unit or org.plant,
        title="2025年网络行为规范宣贯",
        deadline=timezone.localdate() + dt.timedelta(days=days),
        documents=[document],
        remind_days_before=remind,
        **fields,
    )
    services.campaign_launch(actor=org.root_user, campaign=campaign)
    campaign.refresh_from_db()
    return campaign, document


@pytest.fixture
def setup(org, accounts) -> Setup:
    accounts.member.email = "wang@example.com"
    accounts.member.save(update_fields=["email"])
    accounts.secretary.email = "li@example.com"
    accounts.secretary.save(update_fields=["email"])
    nobody = testing.make_person(org.branch1, name="赵无号")
    other_user = testing.make_account("other", person=testing.make_person(org.branch2, name="孙二支"))
    other_user.email = "sun@example.com"
    other_user.save(update_fields=["email"])
    campaign, document = launch(org)
    return Setup(org, accounts, campaign, document, campaign.deadline, nobody, other_user.person)


def cn_name(i: int) -> str:
    digits = "零一二三四五六七八九"
    return "人员" + "".join(digits[int(d)] for d in str(i))


def notes_of(user) -> list[Notification]:
    return list(Notification.objects.filter(user=user).order_by("pk"))


# ---------------------------------------------------------------------------------------------------- a robot


def add_robot(org, robot: Robot, provider: str, unit=None, secret: str = ""):
    if secret:
        robot.secrets[provider] = secret
    return notification_services.webhook_create(
        actor=org.root_user,
        unit=unit or org.branch1,
        provider=provider,
        url=robot.url(provider),
        secret=secret,
    )


def message_text(received: dict) -> str:
    body = received["body"]
    return {
        "wecom": lambda: body["markdown"]["content"],
        "dingtalk": lambda: body["text"]["content"],
        "feishu": lambda: body["content"]["text"],
    }[received["provider"]]()


# ---------------------------------------------------------------------------------------------------- phases


def test_phases_due_window_then_overdue_weekly(org, accounts):
    campaign, _ = launch(org, days=10, remind=3)
    deadline = campaign.deadline
    assert reminder_phase(campaign, deadline - dt.timedelta(days=4)) is None
    due = reminder_phase(campaign, deadline - dt.timedelta(days=3))
    assert due.name == DUE and due.days == 3
    assert reminder_phase(campaign, deadline).period == due.period  # one "due" period up to the deadline
    periods = [reminder_phase(campaign, deadline + dt.timedelta(days=d)) for d in (1, 7, 8, 14, 15)]
    assert all(p.name == OVERDUE for p in periods)
    assert [p.period[-2:] for p in periods] == ["w0", "w0", "w1", "w1", "w2"]


# ---------------------------------------------------------------------------------------------------- planning


def test_due_soon_reminds_people_and_sends_each_branch_a_digest(setup):
    s, acc = setup, setup.accounts
    report = reminders.reminders_plan_and_send(now=at(s.deadline - dt.timedelta(days=3)))

    assert report.reminding == 1
    assert report.pending == 4  # 李书记, 王职工, 赵无号 in branch1; 孙二支 in branch2
    assert report.without_account == 1
    assert report.notifications == 3
    (member_note,) = notes_of(acc.member)
    assert "还有3天截止" in member_note.title
    assert "尚未完成：阅读确认传达文件" in member_note.body
    target = Target.objects.get(campaign=s.campaign, person=acc.member.person)
    assert member_note.url == f"/campaigns/my/{target.pk}/"

    secretary_notes = notes_of(acc.secretary)  # their own reminder and the branch digest
    digest = next(n for n in secretary_notes if n.title.startswith("【"))
    assert "甲醇厂第一党支部" in digest.title and "尚有3人未完成" in digest.title
    assert "赵无号（无账号）" in digest.body and "王职工" in digest.body and "孙二支" not in digest.body
    assert "1人未开通账号" in digest.body
    assert digest.url == f"/campaigns/{s.campaign.pk}/?unit={s.org.branch1.pk}"

    (branch2_digest,) = notes_of(acc.outsider_secretary)
    assert "孙二支" in branch2_digest.body and "王职工" not in branch2_digest.body
    assert not notes_of(acc.unit_admin) and not notes_of(acc.inspector)
    assert report.digests == 2

    # e-mail: each person with an address, and the secretary's digest
    assert sorted(m.to[0] for m in mail.outbox) == [
        "li@example.com",
        "li@example.com",
        "sun@example.com",
        "wang@example.com",
    ]
    assert report.emails == 4 and report.dispatch.sent == 4
    assert Delivery.objects.filter(status=DeliveryStatus.SENT).count() == 4

    event = AuditEvent.objects.filter(action="reminders.run").get()
    assert event.actor_id is None and event.actor_label == "系统"
    assert event.after["notifications"] == 3 and event.after["digests"] == 2


def test_a_persons_reminder_and_e_mail_read_in_full(setup, settings):
    """The texts the database puts together (names, what is left, links) read exactly as written; a deactivated
    account counts as none, and an account that turned e-mail off is told in the platform only."""
    s, acc = setup, setup.accounts
    settings.SITE_URL = "https://dj.example.com/"
    acc.secretary.email_notifications = False
    acc.secretary.save(update_fields=["email_notifications"])
    other = s.other.user
    other.is_active = False
    other.save(update_fields=["is_active"])
    deadline = s.deadline
    report = reminders.reminders_plan_and_send(now=at(deadline - dt.timedelta(days=2)))

    assert report.pending == 4 and report.without_account == 2  # 赵无号, and 孙二支 whose account is off
    assert report.notifications == 2 and not notes_of(other)
    (note,) = notes_of(acc.member)
    target = Target.objects.get(campaign=s.campaign, person=acc.member.person)
    day = f"{deadline.year}年{deadline.month}月{deadline.day}日"
    assert note.title == "《2025年网络行为规范宣贯》还有2天截止"
    assert note.body == (
        f"{acc.member.person.name}同志：您参加的《2025年网络行为规范宣贯》完成期限为{day}，"
        "目前尚未完成：阅读确认传达文件。请在期限前登录平台完成。"
    )
    assert note.url == f"/campaigns/my/{target.pk}/"
    assert note.key == f"remind:{s.campaign.pk}:{acc.member.person.pk}:due:{deadline:%Y%m%d}"
    (email,) = mail.outbox  # the secretary turned e-mail off: neither their reminder nor the digest
    assert email.to == ["wang@example.com"] and email.subject == note.title
    assert email.body == f"{note.body}\n\n办理地址：https://dj.example.com/campaigns/my/{target.pk}/"
    delivery = Delivery.objects.get(key=f"{note.key}:email")
    assert (delivery.unit_id, delivery.source) == (s.campaign.unit_id, s.campaign.title)


def test_running_twice_sends_nothing_twice(setup, robot):
    add_robot(setup.org, robot, "wecom")
    day = setup.deadline - dt.timedelta(days=3)
    first = reminders.reminders_plan_and_send(now=at(day))
    counts = (Notification.objects.count(), Delivery.objects.count(), len(mail.outbox), len(robot.received))
    assert first.webhooks == 1 and len(robot.received) == 1

    again = reminders.reminders_plan_and_send(now=at(day, 17))
    later_in_window = reminders.reminders_plan_and_send(now=at(setup.deadline))
    for report in (again, later_in_window):
        assert (report.notifications, report.digests, report.emails, report.webhooks) == (0, 0, 0, 0)
        assert report.dispatch.sent == 0
    assert (
        Notification.objects.count(),
        Delivery.objects.count(),
        len(mail.outbox),
        len(robot.received),
    ) == counts
    assert AuditEvent.objects.filter(action="reminders.run").count() == 3  # one per run, with its counts


def test_nothing_before_the_window(setup):
    report = reminders.reminders_plan_and_send(now=at(setup.deadline - dt.timedelta(days=4)))
    assert report.reminding == 0 and not Notification.objects.exists() and not mail.outbox


def test_overdue_on_the_first_day_after_then_once_a_week(setup):
    member = setup.accounts.member

    def run(days_after: int):
        return reminders.reminders_plan_and_send(now=at(setup.deadline + dt.timedelta(days=days_after)))

    assert run(1).notifications == 3
    (note,) = notes_of(member)
    assert "已逾期1天" in note.title and "已超过完成期限" in note.body
    for day in (2, 5, 7):
        assert run(day).notifications == 0
    assert run(8).notifications == 3
    assert "已逾期8天" in notes_of(member)[-1].title
    assert run(14).notifications == 0
    assert run(16).notifications == 3  # the week's reminder is caught up when the job missed its day


def test_done_people_get_nothing_and_leave_the_digest(setup):
    acc = setup.accounts
    target = Target.objects.get(campaign=setup.campaign, person=acc.member.person)
    services.read_confirm(actor=acc.member, target=target, document=setup.document)
    assert Target.objects.get(pk=target.pk).done_at is not None

    report = reminders.reminders_plan_and_send(now=at(setup.deadline - dt.timedelta(days=1)))
    assert report.pending == 3
    assert not notes_of(acc.member)
    assert "wang@example.com" not in [m.to[0] for m in mail.outbox]
    digest = next(n for n in notes_of(acc.secretary) if n.title.startswith("【"))
    assert "王职工" not in digest.body and "尚有2人未完成" in digest.title


def test_the_job_syncs_the_roster_first(setup):
    newcomer = testing.make_account("new", person=testing.make_person(setup.org.branch1, name="钱新来"))
    reminders.reminders_plan_and_send(now=at(setup.deadline))
    assert Target.objects.filter(campaign=setup.campaign, person=newcomer.person).exists()
    assert len(notes_of(newcomer)) == 1


def test_digest_recipients_go_up_to_the_general_branch_only(setup):
    org = setup.org
    plant_secretary = testing.make_account("plant-secretary")
    testing.grant(plant_secretary, Role.SECRETARY, org.plant)
    committee_secretary = testing.make_account("committee-secretary")
    testing.grant(committee_secretary, Role.SECRETARY, org.committee)
    group = unit_create(actor=org.root_user, parent=org.branch1, name="第一党小组", kind=UnitKind.PARTY_GROUP)
    testing.make_person(group, name="周小组")

    reminders.reminders_plan_and_send(now=at(setup.deadline))
    titles = sorted(n.title.split("》")[0] for n in notes_of(plant_secretary))
    assert len(titles) == 2 and "甲醇厂第一党支部" in titles[0] + titles[1]  # both branches' digests
    assert not notes_of(committee_secretary)
    digest = next(n for n in notes_of(setup.accounts.secretary) if n.title.startswith("【"))
    assert "周小组" in digest.body  # a party group rolls up to its branch
    assert "尚有4人未完成" in digest.title


def test_unreached_branches_are_counted(org, accounts):
    """A branch with neither secretary nor robot: the digest has nowhere to go, and the report says so."""
    testing.make_person(org.office, name="吴机关")
    campaign, _ = launch(org, unit=org.committee)
    report = reminders.reminders_plan_and_send(now=at(campaign.deadline))
    assert (
        report.branches_unreached == 1
    )  # 机关党支部 (branch1 has a secretary; branch2 its outsider secretary)


def test_planning_queries_do_not_grow_with_people(org, accounts, django_assert_max_num_queries):
    def queries_for(extra: int, unit) -> int:
        for i in range(extra):
            user = testing.make_account(f"u{unit.pk}-{i}", person=testing.make_person(unit, name=cn_name(i)))
            user.email = f"u{unit.pk}-{i}@example.com"
            user.save(update_fields=["email"])
        campaign, _ = launch(org, unit=unit)
        with CaptureQueriesContext(connection) as captured:
            reminders.reminders_plan_and_send(now=at(campaign.deadline), dispatch=False)
        services.campaign_close(actor=org.root_user, campaign=campaign)
        return len(captured.captured_queries)

    few = queries_for(2, org.branch2)
    many = queries_for(40, org.office)
    assert many <= few + 2, (few, many)  # branch1 (accounts fixture) takes no part in either


# ---------------------------------------------------------------------------------------------------- robots


def test_digest_goes_to_the_nearest_robot_in_the_provider_format(setup, robot):
    add_robot(setup.org, robot, "wecom", unit=setup.org.plant)
    report = reminders.reminders_plan_and_send(now=at(setup.deadline))
    assert report.webhooks == 2  # branch1 and branch2 both fall back to the general branch's robot
    assert report.dispatch.failed == 0
    assert [r["provider"] for r in robot.received] == ["wecom", "wecom"]
    assert robot.received[0]["query"]["key"] == ["k-123"]
    texts = sorted(message_text(r) for r in robot.received)
    assert all(
        t.endswith("（网络行为规范管理平台·宣贯提醒）") for t in texts
    )  # the keyword robots may require
    assert any("甲醇厂第一党支部" in t and "赵无号（无账号）" in t for t in texts)
    assert any("甲醇厂第二党支部" in t and "孙二支" in t for t in texts)


def test_a_branch_robot_takes_precedence_over_the_general_branch(setup, robot):
    add_robot(setup.org, robot, "wecom", unit=setup.org.plant)
    add_robot(setup.org, robot, "feishu", unit=setup.org.branch1)
    reminders.reminders_plan_and_send(now=at(setup.deadline))
    by_provider = {r["provider"]: message_text(r) for r in robot.received}
    assert "甲醇厂第一党支部" in by_provider["feishu"]
    assert "甲醇厂第二党支部" in by_provider["wecom"]


def test_dingtalk_and_feishu_signatures_are_accepted(setup, robot):
    add_robot(setup.org, robot, "dingtalk", secret="SEC" + "ab" * 32)
    add_robot(setup.org, robot, "feishu", unit=setup.org.branch2, secret="feishu-secret")
    report = reminders.reminders_plan_and_send(now=at(setup.deadline))
    assert report.dispatch.failed == 0 and report.dispatch.retrying == 0
    providers = sorted(r["provider"] for r in robot.received)
    assert providers == ["dingtalk", "feishu"]
    ding = next(r for r in robot.received if r["provider"] == "dingtalk")
    assert ding["query"]["access_token"] == ["t-456"] and ding["query"]["sign"]
    feishu = next(r for r in robot.received if r["provider"] == "feishu")
    assert feishu["body"]["sign"] and feishu["body"]["timestamp"].isdigit()


def test_a_wrong_secret_is_an_error_that_is_kept(setup, robot):
    add_robot(setup.org, robot, "dingtalk", secret="SEC-right")
    hook = setup.org.branch1.webhooks.get()
    hook.secret = "SEC-wrong"
    hook.save()
    report = reminders.reminders_plan_and_send(now=at(setup.deadline))
    assert report.dispatch.retrying == 1
    delivery = Delivery.objects.get(webhook=hook)
    assert delivery.status == DeliveryStatus.PENDING and "310000" in delivery.last_error


def test_a_redirect_is_not_followed(setup, robot):
    add_robot(setup.org, robot, "wecom")
    robot.redirect = True
    report = reminders.reminders_plan_and_send(now=at(setup.deadline))
    assert report.dispatch.retrying == 1 and not robot.received
    assert "重定向" in Delivery.objects.get(webhook__isnull=False).last_error


def test_long_name_lists_fit_the_robots_limit():
    people = [reminders._Pending("欧阳建国", i % 2 or None, "0001") for i in range(2000)]
    text = reminders._webhook_text("【某支部】《宣贯》尚有2000人未完成", "截至今天……\n名单：", people, "")
    assert len(text.encode()) <= sending.WEBHOOK_TEXT_MAX_BYTES
    assert "等2000人" in text and text.endswith("宣贯提醒）")


def test_failed_robot_is_retried_with_backoff_then_succeeds(setup, robot):
    add_robot(setup.org, robot, "wecom")
    robot.fail_next = 2
    start = at(setup.deadline)
    report = reminders.reminders_plan_and_send(now=start)
    assert report.dispatch.retrying == 1
    delivery = Delivery.objects.get(webhook__isnull=False)
    assert delivery.attempts == 1 and "HTTP 500" in delivery.last_error
    assert delivery.next_attempt_at == start + dt.timedelta(minutes=1)

    assert sending.deliveries_dispatch(now=start + dt.timedelta(seconds=30)).as_dict() == {
        "sent": 0,
        "retrying": 0,
        "failed": 0,
    }
    assert sending.deliveries_dispatch(now=start + dt.timedelta(minutes=1)).retrying == 1
    delivery.refresh_from_db()
    assert delivery.attempts == 2 and delivery.next_attempt_at == start + dt.timedelta(minutes=6)
    assert sending.deliveries_dispatch(now=start + dt.timedelta(minutes=6)).sent == 1
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT and delivery.attempts == 3
    assert len(robot.received) == 1


def test_permanent_failure_is_failed_logged_and_listed(setup, robot, caplog, client):
    add_robot(setup.org, robot, "wecom")
    robot.always_fail = True
    now = at(setup.deadline)
    reminders.reminders_plan_and_send(now=now)
    delivery = Delivery.objects.get(webhook__isnull=False)
    with caplog.at_level(logging.WARNING, logger="netconduct.reminders"):
        for _ in range(10):
            delivery.refresh_from_db()
            if delivery.status != DeliveryStatus.PENDING:
                break
            now = delivery.next_attempt_at
            sending.deliveries_dispatch(now=now)
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.attempts == sending.max_attempts() == 6
    assert "HTTP 500" in delivery.last_error
    errors = [r for r in caplog.records if r.levelno == logging.ERROR and r.name == "netconduct.reminders"]
    assert len(errors) == 1 and f"delivery {delivery.pk}" in errors[0].getMessage()
    assert sending.deliveries_dispatch(now=now + dt.timedelta(days=1)).as_dict()["sent"] == 0  # stays failed

    testing.login(client, setup.accounts.unit_admin)
    page = client.get("/campaigns/deliveries/").content.decode()
    assert delivery.subject in page and "发送失败" in page and "重试" in page

    robot.always_fail = False
    response = client.post(f"/campaigns/deliveries/{delivery.pk}/retry/")
    assert response.status_code == 302
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT and len(robot.received) == 1
    assert AuditEvent.objects.filter(action="delivery.retry", object_id=str(delivery.pk)).count() == 1


def test_a_disabled_robot_fails_visibly(setup, robot):
    hook = add_robot(setup.org, robot, "wecom")
    reminders.reminders_plan_and_send(now=at(setup.deadline), dispatch=False)
    notification_services.webhook_set_enabled(actor=setup.org.root_user, webhook=hook, enabled=False)
    report = sending.deliveries_dispatch(now=at(setup.deadline))
    delivery = Delivery.objects.get(webhook=hook)
    assert report.failed == 1 and delivery.status == DeliveryStatus.FAILED and "停用" in delivery.last_error


def test_two_dispatchers_never_send_one_delivery_twice(setup, robot, monkeypatch):
    add_robot(setup.org, robot, "wecom", unit=setup.org.plant)
    now = at(setup.deadline)
    reminders.reminders_plan_and_send(now=now, dispatch=False)
    pending = Delivery.objects.filter(status=DeliveryStatus.PENDING).count()
    assert pending == 6  # 2 robot digests, 3 people's e-mails, 1 secretary digest e-mail

    real_post = sending.webhook_post
    inner: list = []

    def post_while_another_worker_runs(webhook, text):
        if not inner:  # a second worker starts while the first is in the middle of sending
            inner.append(sending.deliveries_dispatch(now=now))
        return real_post(webhook, text)

    monkeypatch.setattr(sending, "webhook_post", post_while_another_worker_runs)
    outer = sending.deliveries_dispatch(now=now)
    total = outer.sent + inner[0].sent
    assert total == pending
    assert len(robot.received) == 2 and len(mail.outbox) == 4
    assert Delivery.objects.filter(status=DeliveryStatus.SENT).count() == pending
    assert sending.deliveries_dispatch(now=now + dt.timedelta(hours=1)).sent == 0


class FailingEmailBackend(BaseEmailBackend):
    def send_messages(self, messages):
        raise ConnectionRefusedError("SMTP 服务器拒绝连接")


def test_email_failures_are_retried(setup, settings):
    settings.EMAIL_BACKEND = "netconduct.campaigns.tests.test_reminders.FailingEmailBackend"
    now = at(setup.deadline)
    report = reminders.reminders_plan_and_send(now=now)
    assert report.dispatch.retrying == 4 and report.dispatch.sent == 0
    delivery = Delivery.objects.filter(channel="email").first()
    assert "SMTP 服务器拒绝连接" in delivery.last_error

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert sending.deliveries_dispatch(now=now + dt.timedelta(minutes=1)).sent == 4
    assert len(mail.outbox) == 4


# ---------------------------------------------------------------------------------------------------- commands and tasks


def test_send_reminders_command(org, accounts):
    accounts.member.email = "wang@example.com"
    accounts.member.save(update_fields=["email"])
    launch(org, days=1)
    out = io.StringIO()
    call_command("send-reminders", stdout=out)
    assert "新建站内提醒 2 条" in out.getvalue()  # 李书记 and 王职工
    assert len(mail.outbox) == 1
    out = io.StringIO()
    call_command("send-reminders", stdout=out)
    assert "新建站内提醒 0 条" in out.getvalue() and len(mail.outbox) == 1
    out = io.StringIO()
    call_command("send-reminders", "--dispatch-only", stdout=out)
    assert "已发送 0 条" in out.getvalue()


def test_tasks_run_on_the_immediate_backend_without_rescheduling(org, accounts):
    from netconduct.notifications.tasks import dispatch_deliveries_task, send_reminders_task

    launch(org, days=0)
    result = send_reminders_task.enqueue()
    assert result.return_value["notifications"] == 2
    assert dispatch_deliveries_task.enqueue().return_value == {"sent": 0, "retrying": 0, "failed": 0}


def test_schedule_reminders_enqueues_once_on_the_database_backend(db, settings):
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    out = io.StringIO()
    call_command("schedule-reminders", stdout=out)
    call_command("schedule-reminders", stdout=out)
    rows = list(DBTaskResult.objects.order_by("task_path").values_list("task_path", "run_after"))
    # one tick of the scheduler (notifications/schedule.py), which runs the reminders at 08:30 and the rest
    assert [path.rsplit(".", 1)[1] for path, _ in rows] == ["scheduled_jobs_task"]
    assert rows[0][1] <= timezone.now()  # the first tick runs at once; each tick queues the next
    assert "已在队列中" in out.getvalue()


def test_next_reminder_run_is_the_next_0830_beijing_time():
    before = at(dt.date(2025, 3, 1), 7, 0)
    after = at(dt.date(2025, 3, 1), 9, 0)
    assert jobs.next_reminder_run(before) == at(dt.date(2025, 3, 1))
    assert jobs.next_reminder_run(after) == at(dt.date(2025, 3, 2))
