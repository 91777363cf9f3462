"""Demo registry: a few realistic accounts filed through the services (application, every approval step, filing
number), so the register, an account's page and its history look as they would in use.

`demo_load(*, actor, group)` is idempotent: accounts already in the register (by name) are skipped.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from netconduct.org.choices import PersonStatus, UnitKind
from netconduct.org.models import OrgUnit, Person
from netconduct.org.scoping import subtree_q

from . import services
from .choices import AccountKind, ApplicationStatus, Decision, OwnerKind, Platform
from .models import Account
from .policies import ancestors_and_self

DEMO_ACCOUNTS = (
    {
        "unit": ("党群工作部", "机关第一党支部"),
        "platform": Platform.WECHAT_MP,
        "account_kind": AccountKind.ACCOUNT,
        "name": "西北能化",
        "platform_ref": "gh_xbnh2016",
        "purpose": "公司新闻发布、党建宣传和企业文化展示",
        "leader": "党委副书记",
        "audience": 12000,
        "platform_verified": True,
        "content_review": "宣传干事编辑，党群工作部主管初审，分管领导终审后发布；涉密、敏感内容一律不发。",
    },
    {
        "unit": ("综采队党支部", None),
        "platform": Platform.WECHAT_GROUP,
        "account_kind": AccountKind.GROUP,
        "name": "综采队党支部工作群",
        "platform_ref": "",
        "purpose": "支部通知、三会一课安排和学习资料转发",
        "leader": "党支部书记",
        "audience": 48,
        "platform_verified": False,
        "content_review": "群主为支部书记；只发工作内容，不发涉密文件和个人信息。",
    },
    {
        "unit": ("党群工作部", "机关第一党支部"),
        "platform": Platform.WECHAT_CHANNELS,
        "account_kind": AccountKind.ACCOUNT,
        "name": "西北能化发布",
        "platform_ref": "sphXBNH",
        "purpose": "安全生产、技能比武和先进典型短视频",
        "leader": "党委副书记",
        "audience": 3500,
        "platform_verified": True,
        "content_review": "视频经党群工作部主管审核，涉及生产现场的须安全环保部确认不含敏感画面。",
    },
)


@dataclass
class DemoRegistry:
    filed: list[Account] = field(default_factory=list)
    skipped: int = 0


def _unit(group: OrgUnit, name: str) -> OrgUnit | None:
    qs = OrgUnit.objects.filter(subtree_q("path", group.path), name=name, is_active=True)
    return qs.first()


def _admins(unit: OrgUnit, n: int) -> list[services.AdminInput]:
    people = Person.objects.filter(subtree_q("unit__path", unit.path), status=PersonStatus.ACTIVE).exclude(
        mobile=""
    )
    result = []
    for person in people.order_by("pk")[:n]:
        result.append(services.AdminInput(person.name, person.mobile, person.employee_no or ""))
    return result


@transaction.atomic
def demo_load(*, actor, group: OrgUnit) -> DemoRegistry:
    """File the demo accounts, each through application → every approval step → filing number."""
    report = DemoRegistry()
    today = timezone.localdate()
    for spec in DEMO_ACCOUNTS:
        data = dict(spec)
        admin_unit_name, fallback_name = data.pop("unit")
        if Account.objects.filter(name=data["name"]).exists():
            report.skipped += 1
            continue
        admin_unit = _unit(group, admin_unit_name) or (_unit(group, fallback_name) if fallback_name else None)
        if admin_unit is None:
            report.skipped += 1
            continue
        unit = admin_unit
        if (
            data["account_kind"] != AccountKind.GROUP
        ):  # the company's accounts are run in the committee's name
            unit = next(
                (u for u in ancestors_and_self(admin_unit) if u.kind == UnitKind.COMMITTEE), admin_unit
            )
        admins = _admins(admin_unit, 2)
        if not admins:
            report.skipped += 1
            continue
        application = services.application_create(
            actor=actor,
            owner_kind=OwnerKind.UNIT,
            unit=unit,
            admins=admins,
            planned_open_on=today - dt.timedelta(days=30),
            official_capacity=True,
            **data,
        )
        application = services.application_submit(actor=actor, application=application)
        while application.status == ApplicationStatus.SUBMITTED:
            application = services.application_decide(
                actor=actor, application=application, decision=Decision.APPROVE, version=application.version
            )
        report.filed.append(application.account)
    return report
