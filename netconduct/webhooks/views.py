"""Event subscriptions and their delivery log (system administrators only)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from netconduct.core.actions import run_action
from netconduct.core.forms import run_service
from netconduct.org import scoping
from netconduct.org import selectors as org_selectors

from . import selectors, sending, services
from .choices import EventDeliveryStatus
from .forms import DeliveryFilterForm, SubscriptionForm

ACTION = services.ACTION
UNIT_CHOICES_MAX = 1000


def _units(viewer) -> list:
    units = list(
        org_selectors.unit_list(viewer=viewer, action=ACTION).filter(is_active=True)[:UNIT_CHOICES_MAX]
    )
    top = min((u.depth for u in units), default=0)
    for unit in units:
        unit.label = "\u3000" * (unit.depth - top) + unit.name
    return units


@login_required
def subscriptions(request: HttpRequest) -> HttpResponse:
    scoping.require_any_or_404(request.user, ACTION)
    units = _units(request.user)
    form = SubscriptionForm(request.POST or None, units=units)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        unit = next(u for u in units if u.pk == data["unit"])
        created = run_service(
            form,
            services.subscription_create,
            actor=request.user,
            unit=unit,
            name=data["name"],
            url=data["url"],
            events=data["events"],
        )
        if (
            created
        ):  # the one time the secret is shown: rendered, not redirected, so it is in no URL or session
            return render(
                request, "webhooks/secret.html", {"subscription": created, "secret": created.secret}
            )
    context = {
        "form": form,
        "subscriptions": list(selectors.subscription_list(viewer=request.user)),
    }
    return render(request, "webhooks/subscription_list.html", context)


@login_required
@require_POST
def subscription_toggle(request: HttpRequest, pk: int) -> HttpResponse:
    subscription = selectors.subscription_get_for(viewer=request.user, pk=pk)
    enable = not subscription.is_enabled
    return run_action(
        request,
        services.subscription_set_enabled,
        actor=request.user,
        subscription=subscription,
        enabled=enable,
        success=_("已启用订阅。") if enable else _("已停用订阅，事件不再推送到该地址。"),
        to="webhooks:subscriptions",
    )


@login_required
@require_POST
def subscription_rotate(request: HttpRequest, pk: int) -> HttpResponse:
    subscription = selectors.subscription_get_for(viewer=request.user, pk=pk)
    subscription = services.subscription_secret_rotate(actor=request.user, subscription=subscription)
    return render(
        request,
        "webhooks/secret.html",
        {"subscription": subscription, "secret": subscription.secret, "rotated": True},
    )


def _page_size() -> int:
    return getattr(settings, "NETCONDUCT_PAGE_SIZE", 50)


@login_required
def deliveries(request: HttpRequest) -> HttpResponse:
    scoping.require_any_or_404(request.user, ACTION)
    form = DeliveryFilterForm(request.GET or None)
    status = form.cleaned_data["status"] if form.is_valid() else ""
    rows = selectors.delivery_list(viewer=request.user, status=status)
    page = Paginator(rows, _page_size()).get_page(request.GET.get("page"))
    context = {"form": form, "status": status, "page": page, "max_attempts": sending.max_attempts()}
    return render(request, "webhooks/delivery_list.html", context)


@login_required
def delivery_detail(request: HttpRequest, pk: int) -> HttpResponse:
    delivery = selectors.delivery_get_for(viewer=request.user, pk=pk)
    context = {
        "delivery": delivery,
        "attempts": list(delivery.attempt_log.all()),
        "replays": list(delivery.replays.order_by("pk")),
        "sent": EventDeliveryStatus.SENT,
    }
    return render(request, "webhooks/delivery_detail.html", context)


@login_required
@require_POST
def delivery_replay(request: HttpRequest, pk: int) -> HttpResponse:
    delivery = selectors.delivery_get_for(viewer=request.user, pk=pk)

    def told(replay) -> str:
        if replay.status == EventDeliveryStatus.SENT:
            return _("已重新推送，对方已接收（HTTP %s）。") % replay.last_status_code
        return _("已重新推送，但尚未成功：%s。系统会按计划重试。") % (replay.last_error or _("未知错误"))

    return run_action(
        request,
        services.delivery_replay,
        actor=request.user,
        delivery=delivery,
        success=told,
        to=lambda replay: redirect("webhooks:delivery", pk=replay.pk).url,
        on_error=redirect("webhooks:delivery", pk=delivery.pk).url,
    )
