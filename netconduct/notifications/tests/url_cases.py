"""Permission cases for the reminder pages: notifications (everyone, own only), robots and deliveries (staff)."""

from netconduct.core.url_matrix import EVERYONE, STAFF, UrlCase


def _someone_elses_notification(w) -> dict:
    from netconduct.notifications.models import Notification

    note = Notification.objects.create(
        user=w.other_grant.user, key="matrix:note", title="别人的通知", url="/"
    )
    return {"pk": note.pk}


def _webhook(unit) -> int:
    from netconduct.notifications.models import UnitWebhook

    # An address the dispatcher refuses before any network call (not https, not a provider's host), so the test
    # button answers at once and the matrix never reaches the internet.
    return UnitWebhook.objects.create(unit=unit, provider="wecom", url="http://127.0.0.9/never").pk


def _failed_delivery(unit) -> int:
    from netconduct.notifications.models import Delivery

    return Delivery.objects.create(
        key=f"matrix:{unit.pk}",
        channel="webhook",
        webhook_id=_webhook(unit),
        recipient=unit.name,
        subject="测试",
        body="测试",
        status="failed",
        attempts=6,
    ).pk


CASES = [
    UrlCase(
        "jobs:list", frozenset({"sysadmin"}), note="the scheduled jobs' page: system administrators only"
    ),
    UrlCase("notifications:notifications", EVERYONE),
    UrlCase(
        "notifications:notification_read",
        frozenset(),
        method="post",
        inside=_someone_elses_notification,
        note="only the owner may open a notification: everyone else gets 404; the owner's path is in test_reminder_views",
    ),
    UrlCase("notifications:notifications_read_all", EVERYONE, method="post"),
    UrlCase(
        "notifications:webhooks",
        STAFF,
        inside=lambda w: {"pk": w.org.branch1.pk},
        outside=lambda w: {"pk": w.other_branch.pk},
    ),
    UrlCase(
        "notifications:webhook_toggle",
        STAFF,
        method="post",
        inside=lambda w: {"pk": _webhook(w.org.branch1)},
        outside=lambda w: {"pk": _webhook(w.other_branch)},
    ),
    UrlCase(
        "notifications:webhook_test",
        STAFF,
        method="post",
        inside=lambda w: {"pk": _webhook(w.org.branch1)},
        outside=lambda w: {"pk": _webhook(w.other_branch)},
    ),
    UrlCase("notifications:deliveries", STAFF),
    UrlCase(
        "notifications:delivery_retry",
        STAFF,
        method="post",
        inside=lambda w: {"pk": _failed_delivery(w.org.branch1)},
        outside=lambda w: {"pk": _failed_delivery(w.other_branch)},
    ),
]
