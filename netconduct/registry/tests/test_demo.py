"""The demo registry files its accounts through the services, once."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from netconduct.org import demo
from netconduct.registry.choices import ApplicationStatus
from netconduct.registry.demo import demo_load
from netconduct.registry.models import Account, Application

pytestmark = pytest.mark.django_db


def test_demo_files_a_public_account_a_branch_group_and_a_channel_once():
    call_command("demo", people=120, stdout=io.StringIO())  # `demo` loads the registry's demo too
    actor, group = demo.system_actor(), demo.demo_group()
    names = {a.name: a for a in Account.objects.all()}
    assert set(names) == {"西北能化", "综采队党支部工作群", "西北能化发布"}
    assert names["西北能化"].filing_number.startswith("西北能化网备〔")
    assert names["综采队党支部工作群"].unit.name == "综采队党支部"
    assert all(a.admins.exists() for a in names.values())
    assert Application.objects.filter(status=ApplicationStatus.APPROVED).count() == 3
    again = demo_load(actor=actor, group=group)
    assert not again.filed and Account.objects.count() == 3
