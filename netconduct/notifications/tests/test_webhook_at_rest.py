"""Robot addresses and signing secrets are sealed at rest: the database holds neither."""

from __future__ import annotations

import pytest
from django.db import connection

from netconduct.core.exceptions import ApplicationError
from netconduct.notifications import services
from netconduct.notifications.models import UnitWebhook
from netconduct.notifications.selectors import webhook_list_for_unit

pytestmark = pytest.mark.django_db
TOKEN = "0123456789abcdef0123456789abcdef"
URL = f"https://oapi.dingtalk.com/robot/send?access_token={TOKEN}"
SECRET = "SEC" + "5e" * 32


def _raw_row(pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM notifications_unitwebhook WHERE id = %s", [pk])
        return " ".join(str(v) for v in cursor.fetchone())


def test_the_raw_row_holds_no_address_and_no_secret(org, accounts):
    hook = services.webhook_create(
        actor=accounts.unit_admin, unit=org.branch1, provider="dingtalk", url=URL, secret=SECRET
    )
    raw = _raw_row(hook.pk)
    assert TOKEN not in raw and "oapi.dingtalk.com" not in raw
    assert SECRET not in raw and "5e5e5e" not in raw
    loaded = UnitWebhook.objects.get(pk=hook.pk)
    assert (loaded.url, loaded.secret) == (URL, SECRET)  # the service's readers still get them


def test_the_same_robot_twice_is_still_refused_and_the_mask_still_shows(org, accounts):
    services.webhook_create(actor=accounts.unit_admin, unit=org.branch1, provider="dingtalk", url=URL)
    with pytest.raises(ApplicationError, match="已经添加过"):
        services.webhook_create(actor=accounts.unit_admin, unit=org.branch1, provider="dingtalk", url=URL)
    services.webhook_create(actor=accounts.unit_admin, unit=org.branch2, provider="dingtalk", url=URL)
    [shown] = webhook_list_for_unit(unit=org.branch1)
    assert (
        shown.masked_url.startswith("https://oapi.dingtalk.com/robot/send…") and TOKEN not in shown.masked_url
    )
