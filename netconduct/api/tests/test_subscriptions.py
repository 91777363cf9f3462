"""An integration subscribes to events through its key: only with events:manage, only inside its subtree, only while
the administrator who issued the key still holds the duty; the secret is shown once and signs what is sent."""

from __future__ import annotations

import pytest

from netconduct.api import services
from netconduct.api.choices import KeyScope
from netconduct.core.models import AuditEvent
from netconduct.org.models import RoleGrant
from netconduct.webhooks.models import Subscription

from .conftest import KeyClient

pytestmark = pytest.mark.django_db
BODY = {
    "name": "党建系统",
    "url": "https://1.1.1.1/hooks/netconduct",
    "events": ["pledge.signed", "person.changed"],
}


def test_a_key_with_events_manage_subscribes_its_subtree_audited_as_the_key(make_key, org):
    key, client = make_key(scopes=[KeyScope.EVENTS_MANAGE], name="党建平台")
    response = client.post("subscriptions", BODY)
    assert response.status_code == 201, response.content
    body = response.json()
    subscription = Subscription.objects.get(pk=body["id"])
    assert subscription.unit_id == org.committee.pk and body["secret"] == subscription.secret
    assert len(body["secret"]) >= 16 and body["events"] == ["pledge.signed", "person.changed"]
    event = AuditEvent.objects.get(action="event_subscription.create")
    assert event.actor_id == key.account_id and event.after["authorized_by"] == key.created_by.get_username()


def test_refusals_change_nothing(make_key, org, accounts):
    _key, client = make_key(scopes=[KeyScope.PEOPLE_READ])
    assert client.post("subscriptions", BODY).status_code == 403  # no events:manage
    key, clear = services.api_key_create(
        actor=accounts.sysadmin, name="总支的集成", unit=org.plant, scopes=[KeyScope.EVENTS_MANAGE]
    )
    client = KeyClient(clear)
    outside = client.post("subscriptions", {**BODY, "unit_id": org.office.pk})
    assert outside.status_code == 404 and outside.json()["code"] == "not_found"
    inside_address = client.post("subscriptions", {**BODY, "url": "https://10.0.0.5/hook"})
    assert inside_address.status_code == 422 and inside_address.json()["errors"][0]["field"] == "url"
    unknown = client.post("subscriptions", {**BODY, "events": ["report.created"]})
    assert unknown.status_code == 422 and "未知的事件类型" in unknown.json()["message"]
    # The administrator who issued the key lost the duty: the key can no longer subscribe.
    RoleGrant.objects.filter(user=accounts.sysadmin).delete()
    refused = client.post("subscriptions", BODY)
    assert refused.status_code == 403 and refused.json()["code"] == "permission_refused"
    assert not Subscription.objects.exists()
