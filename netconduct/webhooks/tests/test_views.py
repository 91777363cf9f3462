"""The subscriptions page shows a secret once, refuses inside addresses with a message, and the delivery log lists
attempts and replays in a fixed number of queries; the command subscribes from a shell."""

from __future__ import annotations

import io
import uuid

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from netconduct import testing
from netconduct.webhooks import services
from netconduct.webhooks.models import EventDelivery, Subscription

from .receiver import verify


def _client(user) -> Client:
    client = Client()
    testing.login(client, user)
    return client


@pytest.mark.django_db
def test_subscribing_on_the_page_shows_the_secret_once(org, accounts, receiver):
    client = _client(accounts.sysadmin)
    page = client.get(reverse("webhooks:subscriptions"))
    assert page.status_code == 200 and "添加订阅" in page.content.decode()
    answer = client.post(
        reverse("webhooks:subscriptions"),
        {
            "name": "党建系统",
            "url": receiver.url(),
            "unit": org.committee.pk,
            "events": ["pledge.signed", "account.filed"],
        },
    )
    subscription = Subscription.objects.get()
    assert answer.status_code == 200 and subscription.secret in answer.content.decode()
    assert subscription.events == ["pledge.signed", "account.filed"] and subscription.unit == org.committee
    again = client.get(reverse("webhooks:subscriptions")).content.decode()
    assert "党建系统" in again and subscription.secret not in again and receiver.url() not in again


@pytest.mark.django_db
def test_an_inside_address_is_refused_on_the_page_with_a_message(org, accounts):
    answer = _client(accounts.sysadmin).post(
        reverse("webhooks:subscriptions"),
        {
            "name": "内网",
            "url": "https://192.168.0.10/hook",
            "unit": org.committee.pk,
            "events": ["pledge.signed"],
        },
    )
    assert answer.status_code == 200
    assert "不能推送到本机或内部网络的地址（192.168.0.10）" in answer.content.decode()
    assert not Subscription.objects.exists()


@pytest.mark.django_db
def test_rotating_the_secret_shows_the_new_one_and_the_old_no_longer_verifies(
    org, accounts, receiver, django_capture_on_commit_callbacks
):
    subscription = services.subscription_create(
        actor=accounts.sysadmin,
        unit=org.committee,
        name="党建系统",
        url=receiver.url(),
        events=["campaign.launched"],
    )
    old = subscription.secret
    answer = _client(accounts.sysadmin).post(reverse("webhooks:subscription_rotate", args=[subscription.pk]))
    subscription.refresh_from_db()
    assert subscription.secret != old and subscription.secret in answer.content.decode()
    receiver.secret = old
    from netconduct.campaigns.tests import factories as campaigns

    with django_capture_on_commit_callbacks(execute=True):
        campaigns.campaign(org.plant, actor=accounts.unit_admin)
    [got] = receiver.received
    assert not got.verified and verify(subscription.secret, got.headers, got.body)


def _deliveries(subscription, n: int) -> None:
    EventDelivery.objects.bulk_create(
        EventDelivery(
            event_id=uuid.uuid4(),
            subscription=subscription,
            kind="pledge.signed",
            key=f"many:{uuid.uuid4()}",
            unit=subscription.unit,
            body="{}",
            status="failed",
            attempts=6,
            last_status_code=500,
        )
        for _ in range(n)
    )


@pytest.mark.django_db
def test_the_delivery_log_takes_the_same_queries_for_3_or_40_rows(org, accounts, receiver):
    subscription = services.subscription_create(
        actor=accounts.sysadmin,
        unit=org.committee,
        name="党建系统",
        url=receiver.url(),
        events=["pledge.signed"],
    )
    client = _client(accounts.sysadmin)
    counts = []
    for n in (3, 37):
        _deliveries(subscription, n)
        with CaptureQueriesContext(connection) as queries:
            page = client.get(reverse("webhooks:deliveries"))
        assert page.status_code == 200 and "承诺书已签订" in page.content.decode()
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


@pytest.mark.django_db
def test_replaying_from_the_detail_page(org, accounts, receiver, django_capture_on_commit_callbacks):
    subscription = services.subscription_create(
        actor=accounts.sysadmin,
        unit=org.committee,
        name="党建系统",
        url=receiver.url(),
        events=["campaign.launched"],
    )
    receiver.secret = subscription.secret
    receiver.answers = [500]
    from netconduct.campaigns.tests import factories as campaigns

    with django_capture_on_commit_callbacks(execute=True):
        campaigns.campaign(org.plant, actor=accounts.unit_admin)
    first = EventDelivery.objects.get()
    client = _client(accounts.sysadmin)
    detail = client.get(reverse("webhooks:delivery", args=[first.pk])).content.decode()
    assert "500" in detail and str(first.event_id) in detail and "重新推送" in detail
    answer = client.post(reverse("webhooks:delivery_replay", args=[first.pk]), follow=True)
    replay = EventDelivery.objects.exclude(pk=first.pk).get()
    assert answer.redirect_chain[-1][0] == reverse("webhooks:delivery", args=[replay.pk])
    assert "对方已接收（HTTP 200）" in answer.content.decode()
    assert receiver.received[-1].verified and receiver.received[-1].headers["X-Netconduct-Delivery"] == str(
        replay.uuid
    )


@pytest.mark.django_db
def test_the_command_subscribes_and_prints_the_secret_once(org, accounts, receiver):
    out = io.StringIO()
    call_command(
        "webhook-subscribe",
        url=receiver.url(),
        events="all",
        unit=str(org.committee.pk),
        name="党建系统",
        stdout=out,
    )
    subscription = Subscription.objects.get()
    assert subscription.secret in out.getvalue() and subscription.unit == org.committee
    assert len(subscription.events) == 6
    with pytest.raises(CommandError, match="未知的事件类型：report.filed"):
        call_command(
            "webhook-subscribe", url=receiver.url("/x"), events="report.filed", unit=org.committee.name
        )
    with pytest.raises(CommandError, match="找不到组织"):
        call_command("webhook-subscribe", url=receiver.url("/y"), events="all", unit="没有这个组织")
    assert Subscription.objects.count() == 1
