"""Events reach subscribers signed, are retried with backoff, replayed, kept inside their unit's subtree and away
from inside addresses; reports and cases never leave. The receiver checks every signature on its own."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from netconduct import testing
from netconduct.campaigns.models import Campaign
from netconduct.campaigns.reminders import reminders_plan_and_send
from netconduct.campaigns.tests import factories as campaigns
from netconduct.core.audit import AuditEvent
from netconduct.core.events import event_emit
from netconduct.core.exceptions import ApplicationError, PermissionRefused
from netconduct.notifications.sending import PermanentDeliveryError
from netconduct.org.choices import Role
from netconduct.org.signals import people_changed
from netconduct.pledges.tests import factories as pledges
from netconduct.registry.tests import factories as registry
from netconduct.reports.tests import factories as reports
from netconduct.webhooks import guard, payloads, services
from netconduct.webhooks.choices import EventDeliveryStatus, EventKind
from netconduct.webhooks.models import EventDelivery, Subscription
from netconduct.webhooks.sending import events_dispatch

from .receiver import verify

ALL = list(EventKind.values)


def subscribe(actor, unit, receiver, events=ALL, **kw) -> Subscription:
    subscription = services.subscription_create(
        actor=actor,
        unit=unit,
        name=kw.pop("name", "党建系统"),
        url=kw.pop("url", receiver.url()),
        events=events,
        **kw,
    )
    receiver.secret = subscription.secret
    return subscription


@pytest.mark.django_db
def test_a_launched_campaign_reaches_the_subscriber_signed(
    org, accounts, receiver, django_capture_on_commit_callbacks
):
    subscription = subscribe(accounts.sysadmin, org.committee, receiver, ["campaign.launched"])
    with django_capture_on_commit_callbacks(execute=True):
        campaign = campaigns.campaign(org.plant, actor=accounts.unit_admin)

    [got] = receiver.received
    assert got.verified, "the receiver's own HMAC check must accept the message"
    assert got.path == "/hooks/netconduct"
    delivery = EventDelivery.objects.get(subscription=subscription)
    assert got.headers["X-Netconduct-Event"] == "campaign.launched"
    assert got.headers["X-Netconduct-Delivery"] == str(delivery.uuid)
    assert got.headers["X-Netconduct-Event-Id"] == str(delivery.event_id)
    message = got.message
    assert message["id"] == str(delivery.event_id) and message["type"] == "campaign.launched"
    assert message["data"]["campaign"] | {} == message["data"]["campaign"]
    assert message["data"]["campaign"]["id"] == campaign.pk
    assert message["data"]["campaign"]["unit_id"] == org.plant.pk
    assert message["data"]["campaign"]["status"] == "active"
    assert delivery.status == EventDeliveryStatus.SENT and delivery.last_status_code == 200
    assert [(a.number, a.status_code) for a in delivery.attempt_log.all()] == [(1, 200)]


@pytest.mark.django_db
def test_a_receiver_holding_another_secret_refuses_and_the_delivery_waits(
    org, accounts, receiver, django_capture_on_commit_callbacks
):
    subscribe(accounts.sysadmin, org.committee, receiver, ["campaign.launched"])
    receiver.secret = "not-the-secret-at-all-0000"
    with django_capture_on_commit_callbacks(execute=True):
        campaigns.campaign(org.plant, actor=accounts.unit_admin)
    [got] = receiver.received
    assert not got.verified
    delivery = EventDelivery.objects.get()
    assert delivery.status == EventDeliveryStatus.PENDING and delivery.last_status_code == 401
    # and a stale timestamp is refused by the same check
    assert not verify(
        receiver.secret, got.headers, got.body, now=int(got.headers["X-Netconduct-Timestamp"]) + 301
    )


@pytest.mark.django_db
def test_a_500_is_retried_after_the_backoff_and_then_succeeds(
    org, accounts, receiver, django_capture_on_commit_callbacks
):
    subscribe(accounts.sysadmin, org.committee, receiver, ["campaign.launched"])
    receiver.answers = [500]
    before = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        campaigns.campaign(org.plant, actor=accounts.unit_admin)
    delivery = EventDelivery.objects.get()
    assert delivery.status == EventDeliveryStatus.PENDING
    assert (delivery.attempts, delivery.last_status_code) == (1, 500)
    assert "HTTP 500" in delivery.last_error
    wait = delivery.next_attempt_at - before
    assert dt.timedelta(seconds=55) < wait < dt.timedelta(minutes=2), "the first backoff step is one minute"

    assert events_dispatch(now=delivery.next_attempt_at - dt.timedelta(seconds=5)).sent == 0  # not yet due
    assert events_dispatch(now=delivery.next_attempt_at).sent == 1
    delivery.refresh_from_db()
    assert delivery.status == EventDeliveryStatus.SENT and delivery.attempts == 2
    assert [(a.number, a.status_code) for a in delivery.attempt_log.all()] == [(1, 500), (2, 200)]
    assert [r.verified for r in receiver.received] == [True, True]
    assert receiver.received[0].body == receiver.received[1].body  # the same event, signed afresh


@pytest.mark.django_db
def test_it_gives_up_after_the_last_attempt_and_a_replay_sends_the_same_event(
    org, accounts, receiver, settings, django_capture_on_commit_callbacks
):
    settings.NETCONDUCT_DELIVERY_BACKOFF_MINUTES = (1, 2)  # three attempts in all
    subscribe(accounts.sysadmin, org.committee, receiver, ["campaign.launched"])
    receiver.answers = [503, 503, 503]
    with django_capture_on_commit_callbacks(execute=True):
        campaigns.campaign(org.plant, actor=accounts.unit_admin)
    later = timezone.now()
    for _ in range(4):
        later += dt.timedelta(minutes=10)
        events_dispatch(now=later)
    failed = EventDelivery.objects.get()
    assert failed.status == EventDeliveryStatus.FAILED and failed.attempts == 3
    assert len(receiver.received) == 3

    replay = services.delivery_replay(actor=accounts.sysadmin, delivery=failed)
    assert replay.status == EventDeliveryStatus.SENT and replay.replay_of_id == failed.pk
    assert replay.event_id == failed.event_id and replay.uuid != failed.uuid
    last = receiver.received[-1]
    assert last.verified and last.body == failed.body.encode()
    assert last.headers["X-Netconduct-Delivery"] == str(replay.uuid)
    assert AuditEvent.objects.filter(action="event_delivery.replay", object_id=str(failed.pk)).count() == 1
    with pytest.raises(PermissionRefused):
        services.delivery_replay(actor=accounts.unit_admin, delivery=failed)


@pytest.mark.django_db
def test_a_redirect_is_not_followed(org, accounts, receiver, django_capture_on_commit_callbacks):
    subscribe(accounts.sysadmin, org.committee, receiver, ["campaign.launched"])
    receiver.answers = [302]
    with django_capture_on_commit_callbacks(execute=True):
        campaigns.campaign(org.plant, actor=accounts.unit_admin)
    delivery = EventDelivery.objects.get()
    assert delivery.status == EventDeliveryStatus.PENDING and delivery.last_status_code == 302
    assert len(receiver.received) == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("http://receiver.example.com/hook", "https://"),
        ("https://127.0.0.1/hook", "本机或内部网络"),
        ("https://10.1.2.3/hook", "本机或内部网络"),
        ("https://192.168.1.20:8443/hook", "本机或内部网络"),
        ("https://169.254.169.254/latest/meta-data", "本机或内部网络"),
        ("https://[::1]/hook", "本机或内部网络"),
        ("https://[::ffff:127.0.0.1]/hook", "本机或内部网络"),
        ("https://localhost/hook", "本机或内部网络"),
        ("https://printer.local/hook", "本机或内部网络"),
        ("https://intranet/hook", "本机或内部网络"),
        ("https://user:pw@receiver.example.com/hook", "用户名或密码"),
        ("https://receiver.example.com:99999/hook", "格式不正确"),
        ("", "请填写接收地址"),
    ],
)
def test_inside_addresses_are_refused_when_subscribing(org, accounts, url, says):
    with pytest.raises(ApplicationError) as refused:
        services.subscription_create(
            actor=accounts.sysadmin, unit=org.committee, name="内网", url=url, events=ALL
        )
    assert says in refused.value.message and refused.value.field == "url"
    assert not Subscription.objects.exists()


def test_a_name_that_resolves_inside_is_refused_at_send_time():
    with pytest.raises(PermanentDeliveryError, match="本机或内部网络"):
        guard.public_address("localhost", 443)


def test_a_name_is_refused_when_any_of_its_addresses_is_inside(monkeypatch):
    answers = {"mixed.example.com": ["93.184.216.34", "10.0.0.5"], "public.example.com": ["93.184.216.34"]}

    def resolve(host, port, **kw):
        return [(2, 1, 6, "", (address, port)) for address in answers[host]]

    monkeypatch.setattr(guard.socket, "getaddrinfo", resolve)
    with pytest.raises(PermanentDeliveryError, match="10.0.0.5"):
        guard.public_address("mixed.example.com", 443)
    assert guard.public_address("public.example.com", 443) == "93.184.216.34"


@pytest.mark.django_db
def test_the_local_test_allowance_covers_127_0_0_1_only(org, accounts, receiver):
    port = receiver.base.rsplit(":", 1)[1]
    with pytest.raises(ApplicationError, match="本机或内部网络"):
        subscribe(accounts.sysadmin, org.committee, receiver, url=f"https://localhost:{port}/hook")


@pytest.mark.django_db
def test_a_stored_address_that_points_inside_fails_without_a_request(
    org, accounts, receiver, settings, django_capture_on_commit_callbacks
):
    subscription = subscribe(accounts.sysadmin, org.committee, receiver, ["campaign.launched"])
    port = receiver.base.rsplit(":", 1)[1]
    Subscription.objects.filter(pk=subscription.pk).update(
        url_enc=_sealed_url(f"https://127.0.0.1:{port}/hook")
    )
    settings.NETCONDUCT_WEBHOOK_ALLOW_LOCAL = False  # as in production: the test server is an inside address
    with django_capture_on_commit_callbacks(execute=True):
        campaigns.campaign(org.plant, actor=accounts.unit_admin)
    delivery = EventDelivery.objects.get()
    assert delivery.status == EventDeliveryStatus.FAILED and "本机或内部网络" in delivery.last_error
    assert receiver.received == []


def _sealed_url(url: str) -> str:
    from netconduct.core import crypto
    from netconduct.webhooks.models import URL_CONTEXT

    return crypto.encrypt(url, context=URL_CONTEXT)


@pytest.mark.django_db
def test_events_stay_inside_the_subscriptions_subtree_and_kinds(
    org, accounts, receiver, django_capture_on_commit_callbacks
):
    committee = subscribe(accounts.sysadmin, org.committee, receiver, ["campaign.launched"], name="党委")
    branch2 = subscribe(
        accounts.sysadmin,
        org.branch2,
        receiver,
        ["campaign.launched"],
        name="二支部",
        url=receiver.url("/b2"),
    )
    pledges_only = subscribe(
        accounts.sysadmin, org.group, receiver, ["pledge.signed"], name="承诺", url=receiver.url("/p")
    )
    receiver.secret = committee.secret
    with django_capture_on_commit_callbacks(execute=True):
        campaigns.campaign(org.branch1, actor=accounts.unit_admin)
    assert EventDelivery.objects.filter(subscription=committee).count() == 1
    assert not EventDelivery.objects.filter(subscription__in=[branch2, pledges_only]).exists()
    assert [r.path for r in receiver.received] == ["/hooks/netconduct"]


@pytest.mark.django_db
def test_a_disabled_subscription_gets_nothing(org, accounts, receiver, django_capture_on_commit_callbacks):
    subscription = subscribe(accounts.sysadmin, org.committee, receiver, ["campaign.launched"])
    services.subscription_set_enabled(actor=accounts.sysadmin, subscription=subscription, enabled=False)
    with django_capture_on_commit_callbacks(execute=True):
        campaigns.campaign(org.plant, actor=accounts.unit_admin)
    assert not EventDelivery.objects.exists() and receiver.received == []


@pytest.mark.django_db
def test_only_system_administrators_over_the_unit_subscribe(org, accounts, receiver):
    for actor in (accounts.unit_admin, accounts.secretary, accounts.inspector, accounts.member):
        with pytest.raises(PermissionRefused):
            subscribe(actor, org.committee, receiver)
    local = testing.make_account("branch-sysadmin")
    testing.grant(local, Role.SYSADMIN, org.branch2)
    with pytest.raises(PermissionRefused):
        subscribe(local, org.committee, receiver)
    assert subscribe(local, org.branch2, receiver).unit == org.branch2
    assert AuditEvent.objects.filter(action="event_subscription.create").count() == 1


@pytest.mark.django_db
def test_bad_choices_are_named_and_change_nothing(org, accounts, receiver):
    with pytest.raises(ApplicationError, match="未知的事件类型：report.filed") as refused:
        subscribe(accounts.sysadmin, org.committee, receiver, ["pledge.signed", "report.filed"])
    assert refused.value.field == "events"
    with pytest.raises(ApplicationError, match="请至少选择一种事件"):
        subscribe(accounts.sysadmin, org.committee, receiver, [])
    with pytest.raises(ApplicationError, match="请填写订阅名称"):
        subscribe(accounts.sysadmin, org.committee, receiver, name="  ")
    subscribe(accounts.sysadmin, org.committee, receiver)
    with pytest.raises(ApplicationError, match="相同接收地址"):
        subscribe(accounts.sysadmin, org.committee, receiver)
    assert Subscription.objects.count() == 1


@pytest.mark.django_db
def test_the_address_and_secret_are_sealed_at_rest(org, accounts, receiver):
    subscription = subscribe(accounts.sysadmin, org.committee, receiver)
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM webhooks_subscription WHERE id = %s", [subscription.pk])
        row = " ".join(str(v) for v in cursor.fetchone())
    assert subscription.secret.startswith("whsec_") and subscription.secret not in row
    assert receiver.url() not in row and "/hooks/netconduct" not in row
    assert Subscription.objects.get().secret == subscription.secret


@pytest.mark.django_db
def test_pledges_signed_and_sealed_carry_ids_not_signatures_or_id_numbers(
    org, accounts, receiver, django_capture_on_commit_callbacks
):
    subscribe(accounts.sysadmin, org.committee, receiver, ["pledge.signed", "pledge.sealed"])
    campaign = pledges.pledge_campaign(org.committee, actor=accounts.unit_admin)
    with django_capture_on_commit_callbacks(execute=True):
        pledge, _created = pledges.sign(campaign, accounts.member)
    kinds = sorted(r.headers["X-Netconduct-Event"] for r in receiver.received)
    assert kinds == ["pledge.sealed", "pledge.signed"]
    assert all(r.verified for r in receiver.received)
    sealed = next(r.message for r in receiver.received if r.message["type"] == "pledge.sealed")
    assert sealed["data"]["pledge"]["id"] == pledge.pk and sealed["data"]["pledge"]["sealed_at"]
    person = accounts.member.person
    for got in receiver.received:
        text = got.body.decode()
        for secret in (person.id_number, person.name, person.mobile, "10.1.2.3", "MicroMessenger"):
            assert secret not in text


@pytest.mark.django_db
def test_an_overdue_campaign_is_announced_once_per_deadline(
    org, accounts, receiver, django_capture_on_commit_callbacks
):
    subscribe(accounts.sysadmin, org.committee, receiver, ["campaign.overdue"])
    campaign = campaigns.campaign(org.plant, actor=accounts.unit_admin)
    Campaign.objects.filter(pk=campaign.pk).update(deadline=timezone.localdate() - dt.timedelta(days=3))
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            reminders_plan_and_send(dispatch=False)
    [got] = receiver.received
    assert got.message["type"] == "campaign.overdue" and got.message["data"]["days_overdue"] == 3


@pytest.mark.django_db
def test_people_changes_are_sent_per_batch_inside_the_subtree_without_id_numbers(
    org, accounts, receiver, monkeypatch, django_capture_on_commit_callbacks
):
    subscribe(accounts.sysadmin, org.branch1, receiver, ["person.changed"])
    with django_capture_on_commit_callbacks(execute=True):
        inside = testing.make_person(org.branch1, name="新同志")
    with django_capture_on_commit_callbacks(execute=True):
        testing.make_person(org.branch2, name="外支部")
    [got] = receiver.received
    assert got.message["data"]["people"] == [
        {"id": inside.pk, "unit_id": org.branch1.pk, "status": inside.status}
    ]
    assert inside.id_number not in got.body.decode() and "新同志" not in got.body.decode()

    monkeypatch.setattr(payloads, "PEOPLE_PER_EVENT", 2)
    more = [testing.make_person(org.branch1, name=f"批量{n}") for n in "甲乙丙"]
    with django_capture_on_commit_callbacks(execute=True):
        people_changed.send(sender=None, person_ids=[p.pk for p in more] + [inside.pk])
    batches = [[p["id"] for p in r.message["data"]["people"]] for r in receiver.received[1:]]
    assert batches == [
        sorted([inside.pk, *(p.pk for p in more)])[:2],
        sorted([inside.pk, *(p.pk for p in more)])[2:],
    ]


@pytest.mark.django_db
def test_a_filed_account_is_announced(org, accounts, receiver, django_capture_on_commit_callbacks):
    subscribe(accounts.sysadmin, org.group, receiver, ["account.filed"])
    with django_capture_on_commit_callbacks(execute=True):
        account = registry.filed(accounts.member)
    [got] = receiver.received
    data = got.message["data"]["account"]
    assert data["id"] == account.pk and data["filing_number"] == account.filing_number
    assert "13700001111" not in got.body.decode()  # the administrators' phones stay home


@pytest.mark.django_db
def test_reports_and_cases_never_produce_events(org, accounts, receiver, django_capture_on_commit_callbacks):
    subscribe(accounts.sysadmin, org.group, receiver, ALL)
    with django_capture_on_commit_callbacks(execute=True):
        reports.file_report(accounts.member)
        reports.violation(accounts.member.person, actor=accounts.inspector)
    assert not EventDelivery.objects.exclude(kind=EventKind.PERSON_CHANGED).exists()
    assert receiver.received == [] or all(r.message["type"] == "person.changed" for r in receiver.received)
    # a kind without a payload here is never recorded, whatever emits it
    event_emit("report.filed", object())
    event_emit("case.opened", object())
    assert not EventDelivery.objects.filter(kind__startswith="report").exists()
    assert not any(k.startswith(("report", "case")) for k in EventKind.values)
    reports_app = Path(__file__).resolve().parents[2] / "reports"
    assert not [p for p in reports_app.rglob("*.py") if "event_emit" in p.read_text(encoding="utf-8")]


@pytest.mark.django_db
def test_recording_costs_a_fixed_number_of_queries(org, accounts, receiver):
    from django.test.utils import CaptureQueriesContext

    campaign = campaigns.campaign(org.plant, actor=accounts.unit_admin)
    with CaptureQueriesContext(connection) as idle:
        event_emit("campaign.launched", campaign)
    assert len(idle) == 1, "with no subscription an event costs one query"

    subscribe(accounts.sysadmin, org.committee, receiver, ["person.changed"])
    few = [testing.make_person(org.branch1, name=f"张{n}") for n in "甲乙丙"]
    many = few + [testing.make_person(org.branch2, name=f"李{n}") for n in "子丑寅卯辰巳午未申酉戌亥"]
    counts = []
    for people in (few, many):
        with CaptureQueriesContext(connection) as queries:
            services.people_changed_record(None, person_ids=[p.pk for p in people])
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
    assert EventDelivery.objects.filter(kind="person.changed").count() == 2


@pytest.mark.django_db
def test_a_paper_pledge_recorded_from_a_scan_is_signed_and_sealed(
    org, accounts, receiver, django_capture_on_commit_callbacks
):
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    from netconduct.pledges import scans

    subscribe(accounts.sysadmin, org.committee, receiver, ["pledge.signed", "pledge.sealed"])
    person = testing.make_person(org.branch1, name="赵纸质")
    campaign = pledges.pledge_campaign(org.committee, actor=accounts.unit_admin)
    sheet = io.BytesIO()
    Image.new("RGB", (1240, 1754), "white").save(sheet, format="PNG")
    upload = scans.scan_upload(
        actor=accounts.secretary,
        campaign=campaign,
        unit=org.branch1,
        files=[SimpleUploadedFile("page.png", sheet.getvalue(), content_type="image/png")],
        signed_on=timezone.localdate(),
    )
    with django_capture_on_commit_callbacks(execute=True):
        pledge = scans.scan_page_assign(actor=accounts.secretary, page=upload.pages.get(), person=person)
    got = {r.message["type"]: r.message["data"]["pledge"] for r in receiver.received if r.verified}
    assert set(got) == {"pledge.signed", "pledge.sealed"}
    assert got["pledge.signed"]["id"] == pledge.pk and got["pledge.signed"]["method"] == "paper"
    assert got["pledge.sealed"]["pdf_sha256"] == pledge.pdf_sha256
