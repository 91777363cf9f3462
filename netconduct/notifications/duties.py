"""Telling people about changes of duty that org announces (org sits below notifications and cannot send).

- A sensitive role (inspector, or one that reads reports or violation cases) granted or revoked: the inspectors on
  the units strictly above are told, as the discipline line watches who may read what it protects.
- Roles left vacant by someone who left (调离/退休): the unit administrators of that unit and above are told.
"""

from __future__ import annotations

import secrets

from django.urls import reverse

from netconduct.org.choices import Role
from netconduct.org.models import OrgUnit, RoleGrant
from netconduct.org.signals import Vacancy, roles_vacated, sensitive_grant_changed

from .services import Message, notifications_send


def _ancestor_paths(unit: OrgUnit, *, include_self: bool) -> list[str]:
    end = len(unit.path) + (1 if include_self else 0)
    return [unit.path[:i] for i in range(unit.steplen, end, unit.steplen)]


def _holders(role: str, paths: list[str]) -> list[int]:
    if not paths:
        return []
    return sorted(
        set(
            RoleGrant.objects.filter(role=role, unit__path__in=paths, user__is_active=True).values_list(
                "user_id", flat=True
            )
        )
    )


def _actor_label(actor) -> str:
    if actor is None:
        return "系统"
    return str(actor)


def on_sensitive_grant_changed(sender, *, actor, change, role, unit, holder, holder_label, **kwargs) -> None:
    inspectors = _holders(Role.INSPECTOR, _ancestor_paths(unit, include_self=False))
    if not inspectors:
        return
    verb = "授予" if change == "grant" else "撤销"
    title = (
        f"敏感角色变动：{_actor_label(actor)}{verb}了{holder_label}在“{unit.name}”的{Role(role).label}角色"
    )
    body = "该角色可查阅举报或违规案件。请在“敏感角色”页面核对谁在何处持有这些角色。"
    nonce = secrets.token_hex(6)  # every change is told, a repeated one too
    notifications_send(
        messages=[
            Message(
                user_id=user_id,
                key=f"duty:sensitive:{change}:{role}:{unit.pk}:{holder.pk}:{nonce}:{user_id}",
                title=title,
                body=body,
                url=reverse("org:sensitive_grants"),
            )
            for user_id in inspectors
        ],
        unit=unit,
        source="敏感角色变动",
    )


def on_roles_vacated(sender, *, actor, vacancies: list[Vacancy], **kwargs) -> None:
    messages: list[Message] = []
    nonce = secrets.token_hex(6)
    for index, vacancy in enumerate(vacancies):
        unit = vacancy.unit
        admins = _holders(Role.UNIT_ADMIN, _ancestor_paths(unit, include_self=True))
        title = (
            f"角色空缺：“{unit.name}”的{Role(vacancy.role).label}（原为{vacancy.holder_label}，已调离或退休）"
        )
        for user_id in admins:
            messages.append(
                Message(
                    user_id=user_id,
                    key=f"duty:vacant:{vacancy.role}:{unit.pk}:{nonce}:{index}:{user_id}",
                    title=title,
                    body="其账号已停用、授权已撤销。请为该组织重新指定人员。",
                    url=reverse("org:unit_grants", kwargs={"pk": unit.pk}),
                )
            )
    if messages:
        notifications_send(messages=messages, source="角色空缺")


def connect() -> None:
    sensitive_grant_changed.connect(on_sensitive_grant_changed, dispatch_uid="notifications.duties.sensitive")
    roles_vacated.connect(on_roles_vacated, dispatch_uid="notifications.duties.vacated")
