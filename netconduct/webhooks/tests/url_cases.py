"""Permission cases for event subscriptions and their delivery log: system administrators only."""

from netconduct.core.url_matrix import UrlCase

SYSADMIN = frozenset({"sysadmin"})


def _subscription(unit) -> int:
    from netconduct.webhooks.models import Subscription

    subscription = Subscription(unit=unit, name="矩阵测试", events=["pledge.signed"])
    subscription.url = (
        f"https://receiver.example.com/{unit.pk}"  # never called: replays below are refused first
    )
    subscription.secret = "matrix-secret-0123456789"
    subscription.url_masked = "https://receiver.example.com/…"
    subscription.is_enabled = False  # a replay is refused before any network call
    subscription.save()
    return subscription.pk


def _delivery(unit) -> int:
    import uuid

    from netconduct.webhooks.models import EventDelivery

    return EventDelivery.objects.create(
        event_id=uuid.uuid4(),
        subscription_id=_subscription(unit),
        kind="pledge.signed",
        key=f"matrix:{unit.pk}",
        unit=unit,
        body="{}",
        status="failed",
        attempts=6,
    ).pk


CASES = [
    UrlCase("webhooks:subscriptions", SYSADMIN),
    UrlCase(
        "webhooks:subscription_toggle",
        SYSADMIN,
        method="post",
        inside=lambda w: {"pk": _subscription(w.org.branch1)},
        outside=lambda w: {"pk": _subscription(w.other_branch)},
    ),
    UrlCase(
        "webhooks:subscription_rotate",
        SYSADMIN,
        method="post",
        inside=lambda w: {"pk": _subscription(w.org.branch1)},
        outside=lambda w: {"pk": _subscription(w.other_branch)},
    ),
    UrlCase("webhooks:deliveries", SYSADMIN),
    UrlCase(
        "webhooks:delivery",
        SYSADMIN,
        inside=lambda w: {"pk": _delivery(w.org.branch1)},
        outside=lambda w: {"pk": _delivery(w.other_branch)},
    ),
    UrlCase(
        "webhooks:delivery_replay",
        SYSADMIN,
        method="post",
        inside=lambda w: {"pk": _delivery(w.org.branch1)},
        outside=lambda w: {"pk": _delivery(w.other_branch)},
    ),
]
