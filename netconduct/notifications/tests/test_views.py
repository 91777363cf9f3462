"""The notification inbox, the navbar bell, group-robot settings and the delivery log."""

from __future__ import annotations

import copy

import pytest
from django.urls import reverse
from django.utils import timezone

from netconduct import testing
from netconduct.core.models import AuditEvent
from netconduct.notifications import services as notification_services
from netconduct.notifications.models import Delivery, Notification, UnitWebhook
from netconduct.org.choices import Role, UnitKind
from netconduct.org.services import unit_create

PROCESSOR = "netconduct.notifications.context_processors.notifications"


@pytest.fixture
def bell(settings):
    """The context processor registered, as settings will have it."""
    templates = copy.deepcopy(settings.TEMPLATES)
    templates[0]["OPTIONS"]["context_processors"].append(PROCESSOR)
    settings.TEMPLATES = templates


def notify(user, n: int, *, start: int = 0, url: str = "/") -> list[Notification]:
    return Notification.objects.bulk_create(
        Notification(user=user, key=f"t:{user.pk}:{i}", title=f"通知{i}", body=f"内容{i}", url=url)
        for i in range(start, start + n)
    )


def login(client, user):
    testing.login(client, user)
    return client


# ---------------------------------------------------------------------------------------------------- inbox


def test_inbox_shows_own_notifications_newest_first_unread_highlighted(client, accounts):
    mine = notify(accounts.member, 3)
    notify(accounts.secretary, 1, start=10)
    Notification.objects.filter(pk=mine[0].pk).update(read_at=timezone.now())
    page = login(client, accounts.member).get(reverse("notifications:notifications")).content.decode()
    assert page.index("通知2") < page.index("通知1") < page.index("通知0")
    assert "通知10" not in page
    assert page.count("nc-unread") == 2  # two unread items (the style rule is in a static file)
    assert "2 条未读" in page and "全部标为已读" in page


def test_opening_a_notification_marks_it_read_and_follows_its_link(client, accounts):
    (note,) = notify(accounts.member, 1, url="/campaigns/")
    response = login(client, accounts.member).post(reverse("notifications:notification_read", args=[note.pk]))
    assert response.status_code == 302 and response["Location"] == "/campaigns/"
    note.refresh_from_db()
    assert note.read_at is not None


def test_a_notification_is_the_owners_alone(client, accounts):
    (note,) = notify(accounts.member, 1)
    response = login(client, accounts.secretary).post(
        reverse("notifications:notification_read", args=[note.pk])
    )
    assert response.status_code == 404
    note.refresh_from_db()
    assert note.read_at is None


def test_a_foreign_link_is_not_followed(client, accounts):
    (note,) = notify(accounts.member, 1, url="https://evil.example.com/")
    response = login(client, accounts.member).post(reverse("notifications:notification_read", args=[note.pk]))
    assert response["Location"] == reverse("notifications:notifications")


def test_read_all(client, accounts):
    notify(accounts.member, 3)
    notify(accounts.secretary, 1, start=10)
    login(client, accounts.member).post(reverse("notifications:notifications_read_all"))
    assert not Notification.objects.filter(user=accounts.member, read_at__isnull=True).exists()
    assert Notification.objects.filter(user=accounts.secretary, read_at__isnull=True).count() == 1


def test_inbox_queries_do_not_grow_with_notifications(client, accounts, bell, django_assert_num_queries):
    login(client, accounts.member)
    url = reverse("notifications:notifications")
    notify(accounts.member, 3)
    client.get(url)  # warm the session
    # session, account, second-factor check, grants (menu), person (name in the navbar), count, unread, page
    with django_assert_num_queries(8):
        client.get(url)
    notify(accounts.member, 40, start=3)
    with django_assert_num_queries(8):
        page = client.get(url).content.decode()
    assert "1 / 3" in page  # 20 a page


def test_bell_badge_with_the_context_processor(client, accounts, bell):
    notify(accounts.member, 2)
    page = login(client, accounts.member).get(reverse("home")).content.decode()
    assert "（2 条未读）" in page and reverse("notifications:notifications") in page
    notify(accounts.member, 120, start=2)
    assert "99+" in client.get(reverse("home")).content.decode()


def test_pages_render_without_the_context_processor(client, accounts, settings):
    templates = copy.deepcopy(settings.TEMPLATES)
    processors = templates[0]["OPTIONS"]["context_processors"]
    templates[0]["OPTIONS"]["context_processors"] = [p for p in processors if p != PROCESSOR]
    settings.TEMPLATES = templates
    notify(accounts.member, 2)
    page = login(client, accounts.member).get(reverse("home")).content.decode()
    assert reverse("notifications:notifications") in page and "条未读" not in page


# ---------------------------------------------------------------------------------------------------- robots


def add(client, unit, **data):
    return client.post(reverse("notifications:webhooks", args=[unit.pk]), data)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"provider": "wecom", "url": ""}, "请填写 Webhook 地址。"),
        (
            {"provider": "wecom", "url": "http://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=x"},
            "Webhook 地址必须以 https:// 开头。",
        ),
        (
            {"provider": "wecom", "url": "https://example.com/cgi-bin/webhook/send?key=x"},
            "企业微信群机器人的地址应以 https://qyapi.weixin.qq.com/ 开头",
        ),
        (
            {"provider": "dingtalk", "url": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=x"},
            "钉钉群机器人的地址应以 https://oapi.dingtalk.com/ 开头",
        ),
        (
            {"provider": "feishu", "url": "https://open.feishu.cn.evil.com/open-apis/bot/v2/hook/x"},
            "飞书群机器人的地址应以 https://open.feishu.cn/ 开头",
        ),
        (
            {"provider": "wecom", "url": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send"},
            "Webhook 地址不完整",
        ),
        (
            {"provider": "wecom", "url": "https://qyapi.weixin.qq.com:8443/cgi-bin/webhook/send?key=x"},
            "应以 https://qyapi.weixin.qq.com/ 开头",
        ),
        (
            {
                "provider": "dingtalk",
                "url": "https://oapi.dingtalk.com/robot/send?access_token=abc",
                "secret": "not-a-sec",
            },
            "钉钉的加签密钥以 SEC 开头",
        ),
        (
            {
                "provider": "wecom",
                "url": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc",
                "secret": "x",
            },
            "企业微信群机器人没有加签密钥",
        ),
    ],
)
def test_bad_robot_addresses_are_refused_in_chinese(client, org, accounts, data, message):
    response = add(login(client, accounts.unit_admin), org.branch1, **data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not UnitWebhook.objects.exists()


def test_adding_listing_and_disabling_a_robot(client, org, accounts):
    login(client, accounts.unit_admin)
    url = "https://oapi.dingtalk.com/robot/send?access_token=0123456789abcdef0123456789abcdef"
    response = add(client, org.branch1, provider="dingtalk", url=url, secret="SEC" + "f" * 64)
    assert response.status_code == 302
    hook = UnitWebhook.objects.get()
    assert (hook.unit, hook.provider, hook.url) == (org.branch1, "dingtalk", url)

    page = client.get(reverse("notifications:webhooks", args=[org.branch1.pk])).content.decode()
    assert "钉钉群机器人" in page and "已加签" in page
    assert url not in page and "0123456789abcdef0123" not in page  # the token is shown masked
    event = AuditEvent.objects.get(action="webhook.create")
    assert "0123456789abcdef0123" not in str(event.after) and "SEC" not in str(event.after)

    client.post(reverse("notifications:webhook_toggle", args=[hook.pk]))
    hook.refresh_from_db()
    assert not hook.is_enabled
    assert "已停用" in client.get(reverse("notifications:webhooks", args=[org.branch1.pk])).content.decode()
    client.post(reverse("notifications:webhook_toggle", args=[hook.pk]))
    hook.refresh_from_db()
    assert hook.is_enabled


def test_the_page_says_where_digests_go_without_a_robot(client, org, accounts):
    login(client, accounts.unit_admin)
    page = client.get(reverse("notifications:webhooks", args=[org.branch1.pk])).content.decode()
    assert "都没有启用的群机器人" in page
    notification_services.webhook_create(
        actor=org.root_user,
        unit=org.plant,
        provider="wecom",
        url="https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc",
    )
    page = client.get(reverse("notifications:webhooks", args=[org.branch1.pk])).content.decode()
    assert "上级组织“甲醇厂党总支”的群机器人" in page


def test_a_secretary_cannot_manage_robots(client, org, accounts):
    response = login(client, accounts.secretary).get(reverse("notifications:webhooks", args=[org.branch1.pk]))
    assert response.status_code == 404


def test_test_send_reports_success_and_failure(client, org, accounts, robot):  # noqa: F811
    login(client, accounts.unit_admin)
    hook = notification_services.webhook_create(
        actor=org.root_user, unit=org.branch1, provider="feishu", url=robot.url("feishu"), secret="s3cret"
    )
    robot.secrets["feishu"] = "s3cret"
    response = client.post(reverse("notifications:webhook_test", args=[hook.pk]), follow=True)
    assert "测试消息已发送" in response.content.decode()
    assert "群机器人已连通" in robot.received[0]["body"]["content"]["text"]

    robot.always_fail = True
    response = client.post(reverse("notifications:webhook_test", args=[hook.pk]), follow=True)
    assert "测试消息发送失败：HTTP 500" in response.content.decode()
    assert AuditEvent.objects.filter(action="webhook.test").count() == 2


# ---------------------------------------------------------------------------------------------------- deliveries


def failed_delivery(unit, key: str) -> Delivery:
    hook = UnitWebhook.objects.create(
        unit=unit, provider="wecom", url="https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc"
    )
    return Delivery.objects.create(
        key=key,
        channel="webhook",
        webhook=hook,
        recipient=unit.name,
        subject=f"{unit.name}的汇总",
        body="…",
        status="failed",
        attempts=6,
        last_error="HTTP 500：boom",
    )


def test_deliveries_are_listed_within_scope(client, org, accounts):
    other_company = unit_create(actor=org.root_user, parent=org.group, name="其他公司", kind=UnitKind.COMPANY)
    other_branch = unit_create(
        actor=org.root_user, parent=other_company, name="其他支部", kind=UnitKind.BRANCH
    )
    failed_delivery(org.branch1, "a")
    failed_delivery(other_branch, "b")
    Delivery.objects.create(
        key="c",
        channel="email",
        recipient="zhang.san@example.com",
        subject="邮件提醒",
        body="…",
        status="failed",
    )

    page = login(client, accounts.unit_admin).get(reverse("notifications:deliveries")).content.decode()
    assert "甲醇厂第一党支部的汇总" in page and "其他支部的汇总" not in page
    assert "邮件提醒" not in page  # an e-mail of no campaign: only those who see everything

    sysadmin_page = login(client, accounts.sysadmin).get(reverse("notifications:deliveries")).content.decode()
    assert "其他支部的汇总" in sysadmin_page
    root_page = login(client, org.root_user).get(reverse("notifications:deliveries")).content.decode()
    assert "z***@example.com" in root_page and "zhang.san@" not in root_page

    sent = login(client, accounts.unit_admin).get(reverse("notifications:deliveries") + "?status=sent")
    assert "甲醇厂第一党支部的汇总" not in sent.content.decode()


def test_the_unit_picker_leads_to_a_units_robots(client, org, accounts):
    login(client, accounts.unit_admin)
    response = client.get(reverse("notifications:deliveries") + f"?unit={org.branch2.pk}")
    assert response["Location"] == reverse("notifications:webhooks", args=[org.branch2.pk])
    other = testing.make_account("far-admin")
    far_company = unit_create(actor=org.root_user, parent=org.group, name="远方公司", kind=UnitKind.COMPANY)
    testing.grant(other, Role.UNIT_ADMIN, far_company)
    response = login(client, other).get(reverse("notifications:deliveries") + f"?unit={org.branch2.pk}")
    assert response.status_code == 404


def test_only_failed_deliveries_can_be_retried(client, org, accounts):
    delivery = failed_delivery(org.branch1, "a")
    Delivery.objects.filter(pk=delivery.pk).update(status="sent")
    response = login(client, accounts.unit_admin).post(
        reverse("notifications:delivery_retry", args=[delivery.pk]), follow=True
    )
    assert "只有发送失败的记录可以重试" in response.content.decode()
