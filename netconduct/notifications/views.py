"""Notifications, group robots and the delivery log."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from netconduct.core.exceptions import ApplicationError
from netconduct.core.forms import run_service
from netconduct.org import scoping
from netconduct.org import selectors as org_selectors

from . import selectors, sending, services
from .choices import DeliveryStatus
from .forms import DeliveryFilterForm, WebhookForm

NOTIFICATIONS_PER_PAGE = 20


def _page_size() -> int:
    return getattr(settings, "NETCONDUCT_PAGE_SIZE", 50)


# ---------------------------------------------------------------------------------------------------- notifications


@login_required
def notifications(request: HttpRequest) -> HttpResponse:
    paginator = Paginator(selectors.notification_list(user=request.user), NOTIFICATIONS_PER_PAGE)
    page = paginator.get_page(request.GET.get("page"))
    context = {
        "page": page,
        # also feeds the navbar's bell, in place of the context processor's own count
        "unread_notifications": selectors.notification_unread_count(user=request.user),
        "is_staff_scope": scoping.has_any(request.user, "webhook.manage"),
    }
    return render(request, "notifications/notification_list.html", context)


@login_required
@require_POST
def notification_read(request: HttpRequest, pk: int) -> HttpResponse:
    notification = selectors.notification_get_own(user=request.user, pk=pk)
    services.notification_mark_read(user=request.user, notification=notification)
    target = notification.url
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect("notifications:notifications")


@login_required
@require_POST
def notifications_read_all(request: HttpRequest) -> HttpResponse:
    count = services.notifications_mark_all_read(user=request.user)
    if count:
        messages.success(request, _("已将 %d 条通知标为已读。") % count)
    return redirect("notifications:notifications")


# ---------------------------------------------------------------------------------------------------- robots


@login_required
def webhooks(request: HttpRequest, pk: int) -> HttpResponse:
    unit = org_selectors.unit_get_for(viewer=request.user, pk=pk, action="webhook.manage")
    form = WebhookForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if run_service(form, services.webhook_create, actor=request.user, unit=unit, **form.cleaned_data):
            messages.success(request, _("已添加群机器人。建议点“测试”确认能收到消息。"))
            return redirect("notifications:webhooks", pk=unit.pk)
    own = selectors.webhook_list_for_unit(unit=unit)
    has_enabled = any(w.is_enabled for w in own)
    context = {
        "unit": unit,
        "crumbs": [*org_selectors.unit_ancestors(unit), unit],
        "webhooks": own,
        "has_enabled": has_enabled,
        "inherited": [] if has_enabled else selectors.webhook_inherited(unit=unit),
        "form": form,
    }
    return render(request, "notifications/webhook_list.html", context)


@login_required
@require_POST
def webhook_toggle(request: HttpRequest, pk: int) -> HttpResponse:
    webhook = selectors.webhook_get_for(viewer=request.user, pk=pk)
    enable = not webhook.is_enabled
    services.webhook_set_enabled(actor=request.user, webhook=webhook, enabled=enable)
    messages.success(request, _("已启用群机器人。") if enable else _("已停用群机器人，提醒不再发送到该群。"))
    return redirect("notifications:webhooks", pk=webhook.unit_id)


@login_required
@require_POST
def webhook_test(request: HttpRequest, pk: int) -> HttpResponse:
    webhook = selectors.webhook_get_for(viewer=request.user, pk=pk)
    error = services.webhook_test_send(actor=request.user, webhook=webhook)
    if error:
        messages.error(request, _("测试消息发送失败：%s") % error)
    else:
        messages.success(request, _("测试消息已发送，请在群里查看。"))
    return redirect("notifications:webhooks", pk=webhook.unit_id)


# ---------------------------------------------------------------------------------------------------- deliveries


@login_required
def deliveries(request: HttpRequest) -> HttpResponse:
    if not scoping.has_any(request.user, "webhook.manage"):
        raise Http404
    if request.GET.get("unit"):  # the "configure a unit's robots" picker below the list
        unit = org_selectors.unit_get_for(
            viewer=request.user, pk=request.GET["unit"], action="webhook.manage"
        )
        return redirect("notifications:webhooks", pk=unit.pk)
    form = DeliveryFilterForm(request.GET or None)
    status = form.cleaned_data["status"] if form.is_valid() else ""
    page = Paginator(selectors.delivery_list(viewer=request.user, status=status), _page_size()).get_page(
        request.GET.get("page")
    )
    for delivery in page.object_list:
        delivery.recipient_display = sending.mask_email(delivery.recipient)
    units = list(selectors.webhook_unit_choices(viewer=request.user))
    top = min((u.depth for u in units), default=0)
    for unit in units:
        unit.indent = "\u3000" * (unit.depth - top)
    context = {
        "form": form,
        "status": status,
        "page": page,
        "failed": DeliveryStatus.FAILED,
        "webhooks": list(selectors.webhook_list(viewer=request.user)[:200]),
        "units": units,
        "max_attempts": sending.max_attempts(),
    }
    return render(request, "notifications/delivery_list.html", context)


@login_required
@require_POST
def delivery_retry(request: HttpRequest, pk: int) -> HttpResponse:
    delivery = selectors.delivery_get_for(viewer=request.user, pk=pk)
    try:
        delivery = services.delivery_retry(actor=request.user, delivery=delivery)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        if delivery.status == DeliveryStatus.SENT:
            messages.success(request, _("已重新发送成功。"))
        else:
            messages.warning(
                request,
                _("重新发送仍未成功：%s。系统会按计划继续重试。") % (delivery.last_error or _("未知错误")),
            )
    return redirect("notifications:deliveries")
