"""Launching a campaign and the reminder run write in batches: their statements grow with the number of batches
(NETCONDUCT_BULK_ROWS rows each), never with the number of people. Pinned at two sizes with a small batch, so a
write that slips back to one row at a time fails here without timing anything."""

from __future__ import annotations

import datetime as dt
import math

from django.contrib.auth import get_user_model
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from netconduct import testing
from netconduct.campaigns import reminders, services
from netconduct.campaigns.models import Target
from netconduct.notifications.choices import DeliveryStatus
from netconduct.notifications.models import Delivery, Notification
from netconduct.notifications.sending import deliveries_dispatch
from netconduct.org.models import Person
from netconduct.org.services import unit_create

from .test_reminders import at, cn_name, issued_document

BULK_ROWS = 20
SMALL, LARGE = 30, 150  # 2 and 8 batches


def batches(people: int) -> int:
    return math.ceil(people / BULK_ROWS)


def branch_with_people(org, people: int):
    """A new branch under the committee whose people all have an account with an e-mail address."""
    branch = unit_create(actor=org.root_user, parent=org.committee, name=f"{people}人党支部", kind="branch")
    User = get_user_model()
    for i in range(people):
        person = testing.make_person(branch, name=cn_name(i))
        user = User.objects.create_user(username=f"b{branch.pk}-{i}", email=f"b{branch.pk}-{i}@example.com")
        Person.objects.filter(pk=person.pk).update(user=user)
    return branch


def new_campaign(org, unit, days: int = 10):
    return services.campaign_create(
        actor=org.root_user,
        unit=unit,
        title=f"{unit.name}宣贯",
        deadline=timezone.localdate() + dt.timedelta(days=days),
        documents=[issued_document(org)],
    )


def launch_statements(org, people: int, capture) -> int:
    branch = branch_with_people(org, people)
    campaign = new_campaign(org, branch)
    with CaptureQueriesContext(connection) as captured, capture(execute=True):
        result = services.campaign_launch(actor=org.root_user, campaign=campaign)
    assert result.added == people
    assert Target.objects.filter(campaign=campaign).count() == people
    assert Notification.objects.filter(key__startswith=f"campaign:{campaign.pk}:task:").count() == people
    assert Delivery.objects.filter(key__startswith=f"campaign:{campaign.pk}:task:").count() == people
    return len(captured.captured_queries)


def test_launch_statements_grow_with_batches_not_people(org, settings, django_capture_on_commit_callbacks):
    settings.NETCONDUCT_BULK_ROWS = BULK_ROWS
    small = launch_statements(org, SMALL, django_capture_on_commit_callbacks)
    large = launch_statements(org, LARGE, django_capture_on_commit_callbacks)
    # The targets are one INSERT … SELECT at any size; telling people costs three statements a batch (who turned
    # e-mail off, the notifications and the deliveries, each inserted skipping taken keys and returning new ones).
    per_batch = 3
    assert large - small == per_batch * (batches(LARGE) - batches(SMALL)), (small, large)


def reminder_statements(org, people: int) -> tuple[int, int]:
    """Statements of the reminder run's two parts: planning (as the daily job calls it) and sending."""
    branch = branch_with_people(org, people)
    campaign = new_campaign(org, branch, days=2)
    services.campaign_launch(actor=org.root_user, campaign=campaign)
    mail.outbox.clear()
    with CaptureQueriesContext(connection) as planning:
        report = reminders.reminders_plan_and_send(now=at(campaign.deadline), dispatch=False)
    assert report.notifications == people and report.emails == people
    with CaptureQueriesContext(connection) as sending:
        dispatch = deliveries_dispatch(now=at(campaign.deadline))
    assert dispatch.sent == people  # everything planned went out in this one run
    assert not Delivery.objects.filter(status=DeliveryStatus.PENDING).exists()
    assert len(mail.outbox) == people
    services.campaign_close(actor=org.root_user, campaign=campaign)
    return len(planning.captured_queries), len(sending.captured_queries)


def test_reminder_run_statements_grow_with_batches_not_people(org, settings):
    settings.NETCONDUCT_BULK_ROWS = BULK_ROWS
    small_plan, small_send = reminder_statements(org, SMALL)
    large_plan, large_send = reminder_statements(org, LARGE)
    # Planning writes the people's reminders and e-mails from the targets in the database (INSERT … SELECT): the
    # same statements at any size. Sending, per batch: savepoint, claim (lease and read in one UPDATE …
    # RETURNING), release, record as sent.
    assert large_plan == small_plan, (small_plan, large_plan)
    per_batch = 4
    assert large_send - small_send == per_batch * (batches(LARGE) - batches(SMALL)), (small_send, large_send)


def test_launch_by_copy_also_grows_with_batches(org, settings, django_capture_on_commit_callbacks):
    """From NETCONDUCT_COPY_ROWS rows a batch goes by COPY on PostgreSQL (core.db): each insert that skips taken
    keys becomes a COPY into a temporary table and the INSERT from it, plus the table once a call — still so
    many statements a batch, whatever the number of people. (Forced here with batches of 20.)"""
    settings.NETCONDUCT_BULK_ROWS = BULK_ROWS
    settings.NETCONDUCT_COPY_ROWS = 1
    small = launch_statements(org, SMALL, django_capture_on_commit_callbacks)
    large = launch_statements(org, LARGE, django_capture_on_commit_callbacks)
    per_batch = 7 if connection.vendor == "postgresql" else 3
    assert large - small == per_batch * (batches(LARGE) - batches(SMALL)), (small, large)
