"""Browsing and editing the organisation tree and its people. Reads go through selectors, writes through services;
anything outside the viewer's scope is a 404."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_POST

from netconduct.core.actions import run_action
from netconduct.core.forms import run_service
from netconduct.org import scoping
from netconduct.org.scoping import subtree_q

from . import selectors, services
from .choices import PersonStatus, Role, UnitKind
from .forms import (
    GrantForm,
    PeopleFilterForm,
    PersonForm,
    UnitAddForm,
    UnitCloseForm,
    UnitEditForm,
    UnitMoveForm,
)
from .models import OrgUnit, RoleGrant
from .permissions import SENSITIVE_ROLES

PAGE_SIZE = 50


def _can(request: HttpRequest, action: str, unit: OrgUnit) -> bool:
    return scoping.scope_for(request.user, action).covers(unit.path)


def _history(request: HttpRequest, object_type: str, object_id) -> list:
    if not scoping.has_any(request.user, "audit.view"):
        return []
    events = selectors.audit_event_list(
        viewer=request.user, object_type=object_type, object_id=str(object_id)
    )
    return list(events.select_related("actor")[:20])


# ---------------------------------------------------------------------------------------------------- tree & units


@login_required
def tree(request: HttpRequest) -> HttpResponse:
    scoping.require_any_or_404(request.user, "org.view")
    show_closed = request.GET.get("closed") == "1"
    under = (
        selectors.unit_get_for(viewer=request.user, pk=request.GET["under"])
        if request.GET.get("under")
        else None
    )
    units = selectors.unit_tree(viewer=request.user, include_closed=show_closed, under=under)
    context = {"units": selectors.tree_layout(units), "show_closed": show_closed}
    if under is not None:  # the children of a node being opened, as list items
        return render(request, "org/_tree_items.html", context)
    return render(request, "org/tree.html", context)


def _filtered_people(
    request: HttpRequest, *, unit: OrgUnit | None = None, unfiltered_count: int | None = None
):
    """The people list with the filters of the query string. `unfiltered_count`, when the caller already knows how
    many active people the unit has, spares the paginator a second count of the whole subtree."""
    form = PeopleFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    status = filters.get("status") or PersonStatus.ACTIVE
    people = selectors.person_list(
        viewer=request.user,
        unit=unit,
        q=filters.get("q", ""),
        category=filters.get("category", ""),
        status="" if status == "all" else status,
        has_account=filters.get("has_account", ""),
    )
    paginator = Paginator(people, PAGE_SIZE)
    unfiltered = status == PersonStatus.ACTIVE and not any(
        filters.get(k) for k in ("q", "category", "has_account")
    )
    if unfiltered_count is not None and unfiltered:
        paginator.count = unfiltered_count  # a cached_property: set on the instance, the paginator uses it
    page = paginator.get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return form, page, query.urlencode()


@login_required
def unit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    unit = selectors.unit_get_for(viewer=request.user, pk=pk)
    figures = selectors.unit_figures(unit=unit)
    form, page, query = (
        _filtered_people(request, unit=unit, unfiltered_count=figures.people)
        if _can(request, "person.view", unit)
        else (None, None, "")
    )
    if request.htmx and page is not None:
        return render(request, "org/_people_table.html", {"page": page, "query": query, "show_unit": True})
    context = {
        "unit": unit,
        "ancestors": selectors.unit_ancestors(unit),
        "children": selectors.unit_children(viewer=request.user, unit=unit),
        "figures": figures,
        "form": form,
        "page": page,
        "query": query,
        "can_manage": _can(request, "org.manage", unit),
        "can_add_person": unit.is_active and _can(request, "person.change", unit),
        "can_grant": _can(request, "grant.manage", unit)
        or bool(services.grant_roles_for(request.user, unit=unit)),
        "history": _history(request, "org.orgunit", unit.pk),
    }
    return render(request, "org/unit_detail.html", context)


def _managed_unit(request: HttpRequest, pk: int) -> OrgUnit:
    return selectors.unit_get_for(viewer=request.user, pk=pk, action="org.manage")


def _form_page(
    request,
    *,
    title: str,
    form,
    unit: OrgUnit | None = None,
    submit: str = "",
    danger: bool = False,
    intro: str = "",
    cancel_url: str = "",
) -> HttpResponse:
    return render(
        request,
        "org/form_page.html",
        {
            "title": title,
            "form": form,
            "unit": unit,
            "submit": submit or _("保存"),
            "danger": danger,
            "intro": intro,
            "cancel_url": cancel_url,
            "ancestors": selectors.unit_ancestors(unit) + [unit] if unit is not None else [],
        },
    )


@login_required
def unit_edit(request: HttpRequest, pk: int) -> HttpResponse:
    unit = _managed_unit(request, pk)
    form = UnitEditForm(
        request.POST or None, initial={"name": unit.name, "short_name": unit.short_name, "code": unit.code}
    )
    if request.method == "POST" and form.is_valid():
        if run_service(form, services.unit_update, actor=request.user, unit=unit, **form.cleaned_data):
            messages.success(request, _("已保存。"))
            return redirect("org:unit", pk=unit.pk)
    return _form_page(
        request, title=_("修改组织：%s") % unit.name, form=form, unit=unit, cancel_url=unit_url(unit)
    )


@login_required
def unit_add(request: HttpRequest, pk: int) -> HttpResponse:
    parent = _managed_unit(request, pk)
    form = UnitAddForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        child = run_service(
            form, services.unit_create, actor=request.user, parent=parent, **form.cleaned_data
        )
        if child:
            messages.success(request, _("已建立“%s”。") % child.name)
            return redirect("org:unit", pk=child.pk)
    return _form_page(
        request,
        title=_("在“%s”下新建组织") % parent.name,
        form=form,
        unit=parent,
        cancel_url=unit_url(parent),
    )


@login_required
def unit_move(request: HttpRequest, pk: int) -> HttpResponse:
    unit = _managed_unit(request, pk)
    parents = (
        selectors.unit_list(viewer=request.user, action="org.manage")
        .filter(is_active=True)
        .exclude(subtree_q("path", unit.path))
        .exclude(kind__in=[UnitKind.BRANCH, UnitKind.PARTY_GROUP, UnitKind.DEPARTMENT])
        .order_by("path")
    )
    form = UnitMoveForm(request.POST or None, parents=parents)
    if request.method == "POST" and form.is_valid():
        moved = run_service(
            form,
            services.unit_move,
            actor=request.user,
            unit=unit,
            new_parent=form.cleaned_data["new_parent"],
        )
        if moved:
            messages.success(request, _("已移动“%s”及其下级组织。") % moved.name)
            return redirect("org:unit", pk=moved.pk)
    return _form_page(
        request,
        title=_("移动组织：%s") % unit.name,
        form=form,
        unit=unit,
        intro=_("下级组织和人员随之移动，历史记录保留。"),
        cancel_url=unit_url(unit),
    )


@login_required
def unit_close(request: HttpRequest, pk: int) -> HttpResponse:
    unit = _managed_unit(request, pk)
    form = UnitCloseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if run_service(form, services.unit_close, actor=request.user, unit=unit, **form.cleaned_data):
            messages.success(request, _("“%s”已撤销，历史记录保留。") % unit.name)
            return redirect("org:unit", pk=unit.pk)
    return _form_page(
        request,
        title=_("撤销组织：%s") % unit.name,
        form=form,
        unit=unit,
        submit=pgettext("unit", "撤销"),
        danger=True,
        intro=_("撤销后组织仍保留在组织树中（显示为已撤销），其人员与记录不会丢失。"),
        cancel_url=unit_url(unit),
    )


def unit_url(unit: OrgUnit) -> str:
    return reverse("org:unit", kwargs={"pk": unit.pk})


def _grants_unit_or_404(request: HttpRequest, pk: int) -> OrgUnit:
    """The unit whose grants the viewer manages: staff over it, or (for sensitive roles only) a system
    administrator or an inspector above it. Anyone else is answered as if it did not exist."""
    unit = selectors.unit_get_for(viewer=request.user, pk=pk, action="org.view")
    if not (_can(request, "grant.manage", unit) or services.grant_roles_for(request.user, unit=unit)):
        raise Http404
    return unit


@login_required
def unit_grants(request: HttpRequest, pk: int) -> HttpResponse:
    unit = _grants_unit_or_404(request, pk)
    roles = [r for r in services.grant_roles_for(request.user, unit=unit) if r != Role.MEMBER]
    form = GrantForm(request.POST or None, roles=roles)
    if request.method == "POST" and form.is_valid():
        user = selectors.find_user(form.cleaned_data["username"])
        if user is None:
            form.add_error("username", _("找不到该账号（或匹配到多个账号），请核对。"))
        elif run_service(
            form,
            services.grant_create,
            actor=request.user,
            user=user,
            role=form.cleaned_data["role"],
            unit=unit,
        ):
            messages.success(request, _("已授权。"))
            return redirect("org:unit_grants", pk=unit.pk)
    grants = list(selectors.grant_list_for_unit(viewer=request.user, unit=unit))
    for grant in grants:
        grant.can_revoke = grant.unit_id == unit.pk and services.grant_may_manage(
            request.user, role=grant.role, unit=grant.unit
        )
        grant.is_sensitive = grant.role in SENSITIVE_ROLES
    return render(
        request,
        "org/unit_grants.html",
        {
            "unit": unit,
            "ancestors": selectors.unit_ancestors(unit),
            "grants": grants,
            "form": form,
            "sensitive_note": any(r in SENSITIVE_ROLES for r in Role.values if r not in roles),
        },
    )


@login_required
@require_POST
def grant_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    grant = get_object_or_404(RoleGrant.objects.select_related("unit", "user"), pk=pk)
    # Staff see the grants of their subtree (a refusal then says why); a grant nobody here manages is a 404.
    if not (
        _can(request, "grant.manage", grant.unit)
        or services.grant_may_manage(request.user, role=grant.role, unit=grant.unit)
    ):
        raise Http404
    next_unit = request.POST.get("unit") or grant.unit_id
    if not OrgUnit.objects.filter(pk=next_unit).exists():
        next_unit = grant.unit_id
    return run_action(
        request,
        services.grant_revoke,
        actor=request.user,
        grant=grant,
        success=_("已撤销授权。"),
        to=reverse("org:unit_grants", kwargs={"pk": next_unit}),
    )


@login_required
def sensitive_grants(request: HttpRequest) -> HttpResponse:
    """Who holds a sensitive role where, since when, granted by whom; and the recent grants and revocations."""
    scoping.require_any_or_404(request.user, "grant.sensitive_view")
    history = selectors.sensitive_grant_history(viewer=request.user)
    for event in history:
        event.facts = (event.after if event.action == "grant.create" else event.before) or {}
        event.role_label = Role(event.facts["role"]).label if event.facts.get("role") in Role.values else ""
        reason = (event.after or {}).get("reason", "") if event.action == "grant.revoke" else ""
        event.change_label = (
            _("授予")
            if event.action == "grant.create"
            else (_("撤销（%(reason)s）") % {"reason": reason} if reason else _("撤销"))
        )
    return render(
        request,
        "org/sensitive_grants.html",
        {
            "holders": selectors.sensitive_grant_list(viewer=request.user),
            "history": history,
            "roles": [Role(r).label for r in Role.values if r in SENSITIVE_ROLES],
        },
    )


# ---------------------------------------------------------------------------------------------------- people


@login_required
def people(request: HttpRequest) -> HttpResponse:
    scoping.require_any_or_404(request.user, "person.view")
    form, page, query = _filtered_people(request)
    context = {"form": form, "page": page, "query": query, "show_unit": True}
    if request.htmx:
        return render(request, "org/_people_table.html", context)
    return render(request, "org/people.html", context)


def _person_units(request: HttpRequest):
    return (
        selectors.unit_list(viewer=request.user, action="person.change")
        .filter(is_active=True)
        .order_by("path")
    )


@login_required
def person_create(request: HttpRequest, pk: int) -> HttpResponse:
    unit = selectors.unit_get_for(viewer=request.user, pk=pk, action="person.change")
    form = PersonForm(
        request.POST or None,
        units=_person_units(request),
        initial={"unit": unit.pk, "categories": ["employee"]},
    )
    if request.method == "POST" and form.is_valid():
        data = form.service_fields(editing=False)
        target = data.pop("unit")
        person = run_service(form, services.person_create, actor=request.user, unit=target, **data)
        if person:
            messages.success(request, _("已添加%s。") % person.name)
            return redirect("org:person", pk=person.pk)
    return _form_page(request, title=_("添加人员"), form=form, unit=unit, cancel_url=unit_url(unit))


@login_required
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    person = selectors.person_get_for(viewer=request.user, pk=pk)
    unit = person.unit
    context = {
        "person": person,
        "ancestors": selectors.unit_ancestors(unit) + [unit],
        "can_edit": _can(request, "person.change", unit),
        "can_reveal": _can(request, "person.reveal_id", unit),
        "can_activate": _can(request, "account.activate", unit),
        "history": _history(request, "org.person", person.pk),
    }
    return render(request, "org/person_detail.html", context)


@login_required
def person_edit(request: HttpRequest, pk: int) -> HttpResponse:
    person = selectors.person_get_for(viewer=request.user, pk=pk, action="person.change")
    form = PersonForm(request.POST or None, units=_person_units(request), person=person)
    if request.method == "POST" and form.is_valid():
        if run_service(
            form,
            services.person_update,
            actor=request.user,
            person=person,
            **form.service_fields(editing=True),
        ):
            messages.success(request, _("已保存。"))
            return redirect("org:person", pk=person.pk)
    return _form_page(
        request,
        title=_("修改人员：%s") % person.name,
        form=form,
        unit=person.unit,
        cancel_url=reverse("org:person", kwargs={"pk": person.pk}),
    )


@login_required
@require_POST
def person_reveal_id(request: HttpRequest, pk: int) -> HttpResponse:
    person = selectors.person_get_for(viewer=request.user, pk=pk, action="person.reveal_id")
    id_number = services.person_reveal_id_number(actor=request.user, person=person)
    response = render(request, "org/_id_reveal.html", {"id_number": id_number})
    response["Cache-Control"] = "no-store"
    return response
