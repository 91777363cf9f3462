import json

import pytest
from django.utils import timezone

from netconduct.notifications.choices import DeliveryChannel
from netconduct.notifications.jobs import daily_run
from netconduct.notifications.models import Delivery, UnitWebhook

pytestmark = pytest.mark.django_db


def test_daily_run_writes_and_sends_a_checkpoint(org, tmp_path, settings):
    settings.DATA_DIR = tmp_path / "data"
    settings.NETCONDUCT_AUDIT_CHECKPOINT_EMAILS = ["audit@example.com"]
    settings.NETCONDUCT_AUDIT_CHECKPOINT_ROBOTS = True
    top = UnitWebhook.objects.create(
        unit=org.group, provider="wecom", url="https://qyapi.weixin.qq.com/x?key=1"
    )
    UnitWebhook.objects.create(unit=org.branch1, provider="wecom", url="https://qyapi.weixin.qq.com/y?key=2")
    report = daily_run(now=timezone.now(), dispatch=False)
    assert "audit_checkpoint" in report.jobs and not report.failed
    files = list((tmp_path / "data" / "audit" / "checkpoints").glob("*.json"))
    assert len(files) == 1
    seq = json.loads(files[0].read_text())["seq"]
    mail = Delivery.objects.get(channel=DeliveryChannel.EMAIL, recipient="audit@example.com")
    assert f"#{seq}" in mail.subject and '"signature"' in mail.body
    robots = Delivery.objects.filter(channel=DeliveryChannel.WEBHOOK)
    assert [d.webhook_id for d in robots] == [top.pk]  # the top unit's robot only


def test_nothing_is_sent_when_nothing_is_configured(org, tmp_path, settings):
    settings.DATA_DIR = tmp_path / "data"
    settings.NETCONDUCT_AUDIT_CHECKPOINT_EMAILS = []
    daily_run(now=timezone.now(), dispatch=False)
    assert not Delivery.objects.exists()
    assert list((tmp_path / "data" / "audit" / "checkpoints").glob("*.json"))
