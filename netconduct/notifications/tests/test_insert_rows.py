"""core.db.insert_rows, on the notifications tables it writes (tested here: core's tests import no app): the same
rows inserted, the same taken keys skipped and the same new keys returned whether a batch goes as arrays (`INSERT … unnest`) or, on PostgreSQL from NETCONDUCT_COPY_ROWS rows, by COPY through a
temporary table — and how many statements each costs."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from netconduct.core.db import insert_rows
from netconduct.notifications.models import Delivery, Notification
from netconduct.notifications.services import DELIVERY_FIELDS, NOTIFICATION_FIELDS

pytestmark = pytest.mark.django_db

WHEN = dt.datetime(2026, 12, 5, 8, 30, tzinfo=dt.UTC)


def notes(user, keys):
    return [(key, user.pk, f"标题{key}", "正文：尚未完成", f"/x/{key}/", WHEN) for key in keys]


@pytest.mark.parametrize("copy_rows", [1, 10**6], ids=["copy", "arrays"])
def test_taken_keys_are_skipped_and_only_new_ones_returned(org, settings, copy_rows):
    settings.NETCONDUCT_COPY_ROWS = copy_rows
    settings.NETCONDUCT_BULK_ROWS = 3
    user = org.root_user
    assert set(
        insert_rows(
            Notification, NOTIFICATION_FIELDS, notes(user, ["a", "b"]), ignore_conflicts=True, returning="key"
        )
    ) == {"a", "b"}
    rows = notes(user, ["b", "c", "d", "d", "a", "e"])  # two batches of three; one key twice in a batch
    new = insert_rows(Notification, NOTIFICATION_FIELDS, rows, ignore_conflicts=True, returning="key")
    assert sorted(new) == ["c", "d", "e"]
    stored = Notification.objects.filter(user=user).order_by("key")
    assert [n.key for n in stored] == ["a", "b", "c", "d", "e"]
    c = stored.get(key="c")
    assert (c.title, c.body, c.url, c.created_at, c.read_at) == (
        "标题c",
        "正文：尚未完成",
        "/x/c/",
        WHEN,
        None,
    )


@pytest.mark.parametrize("copy_rows", [1, 10**6], ids=["copy", "arrays"])
def test_nulls_and_numbers_survive(org, settings, copy_rows):
    settings.NETCONDUCT_COPY_ROWS = copy_rows
    row = (
        "k1",
        "email",
        None,
        "来源",
        None,
        "a@example.com",
        "主题",
        "正文\n第二行\t制表",
        "pending",
        0,
        WHEN,
        "",
        WHEN,
    )
    assert insert_rows(Delivery, DELIVERY_FIELDS, [row], ignore_conflicts=True, returning="key") == ["k1"]
    delivery = Delivery.objects.get(key="k1")
    assert delivery.unit_id is None and delivery.webhook_id is None
    assert (delivery.body, delivery.attempts, delivery.next_attempt_at) == ("正文\n第二行\t制表", 0, WHEN)


def test_statements_per_batch(org, settings):
    """Arrays: one statement a batch. COPY (PostgreSQL, large batches): the temporary table (once a call), then
    COPY and the moving INSERT a batch."""
    settings.NETCONDUCT_BULK_ROWS = 2
    settings.NETCONDUCT_COPY_ROWS = 2
    rows = notes(org.root_user, ["a", "b", "c", "d", "e"])  # batches of 2, 2 and 1
    with CaptureQueriesContext(connection) as captured:
        insert_rows(Notification, NOTIFICATION_FIELDS, rows, ignore_conflicts=True, returning="key")
    if connection.vendor == "postgresql":
        assert len(captured) == 1 + 2 + 2 + 1, [q["sql"][:60] for q in captured]
    else:
        assert len(captured) == 3
    assert Notification.objects.filter(user=org.root_user).count() == 5
