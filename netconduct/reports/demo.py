"""Demo data of reports and cases: one commendation and one protection case, made through the services. No fake
reports: a report is someone's word, and the demo has nobody to speak for."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from netconduct.org.models import OrgUnit, Person

from . import case_services
from .choices import SupportKind
from .models import Commendation, ProtectionCase


def demo_load(*, actor, group: OrgUnit) -> dict[str, int]:
    """Idempotent: does nothing when the demo's cases are already there."""
    people = list(
        Person.objects.in_subtree(group).filter(is_party_member=True, status="active").order_by("pk")[:2]
    )
    if len(people) < 2:
        return {"commendations": 0, "protections": 0}
    made = {"commendations": 0, "protections": 0}
    first, second = people
    if not Commendation.objects.filter(person=first).exists():
        case_services.commendation_create(
            actor=actor,
            person=first,
            reason="在单位微信工作群中主动转发、解读《网络行为规范》，及时提醒同事不传播未经核实的消息，带动本支部形成良好网络风气。",
            granted_by=first.unit.name,
            granted_on=timezone.localdate() - dt.timedelta(days=20),
        )
        made["commendations"] = 1
    if not ProtectionCase.objects.filter(person=second).exists():
        case_services.protection_create(
            actor=actor,
            person=second,
            happened="在短视频平台评论区就企业安全生产发表客观说明、澄清不实传言后，遭到多个账号集中辱骂并被公开单位信息。",
            links="https://example.com/post/123",
            support=[SupportKind.CLARIFICATION, SupportKind.PLATFORM, SupportKind.CARE],
            support_notes="党委宣传部门发布情况说明；协助向平台投诉并申请删除泄露个人信息的内容；支部书记谈心谈话。",
        )
        made["protections"] = 1
    return made
