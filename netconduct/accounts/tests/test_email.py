"""A person's e-mail address: kept on the Person (person form, roster, profile page), followed by their account,
and the e-mail channel that each person turns on or off for themselves."""

from __future__ import annotations

import datetime as dt

import pytest

from netconduct import testing
from netconduct.accounts import services
from netconduct.core.exceptions import ApplicationError
from netconduct.core.models import AuditEvent
from netconduct.org import services as org_services
from netconduct.org.roster.importer import roster_import
from netconduct.org.roster.testing import office_rows, write_xlsx

pytestmark = pytest.mark.django_db


def test_the_person_form_keeps_the_address_and_the_account_follows(org, accounts):
    person = accounts.member.person
    org_services.person_update(actor=accounts.unit_admin, person=person, email=" Wang@Example.COM ")
    person.refresh_from_db()
    accounts.member.refresh_from_db()
    assert person.email == accounts.member.email == "Wang@example.com"
    with pytest.raises(ApplicationError) as exc:
        org_services.person_update(actor=accounts.unit_admin, person=person, email="不是邮箱")
    assert exc.value.field == "email" and "格式不正确" in exc.value.message
    person.refresh_from_db()
    assert person.email == "Wang@example.com"  # refused: nothing changed


def test_the_roster_reads_an_email_column(tmp_path, org, accounts):
    header = ["序号", "姓名", "身份证号码", "所在党组织", "电子邮件"]
    member = accounts.member.person
    rows = [
        ["张伟", testing.make_id_number(901, birth=dt.date(1990, 1, 1)), "机关党支部", "zhang@example.com"],
        ["王职工", member.id_number, "甲醇厂第一党支部", "wang@example.com"],
        ["李娜", testing.make_id_number(902, birth=dt.date(1990, 1, 1)), "机关党支部", "li@@example"],
    ]
    path = write_xlsx(tmp_path / "r.xlsx", office_rows(rows, header=header))
    result = roster_import(actor=accounts.unit_admin, path=path, filename=path.name, dry_run=False)
    assert [(e.row, e.column) for e in result.errors] == [(6, "电子邮件")]
    assert "li@@example" in result.errors[0].message
    accounts.member.refresh_from_db()
    member.refresh_from_db()
    assert member.email == accounts.member.email == "wang@example.com"
    from netconduct.org.models import Person

    assert Person.objects.get(name="张伟").email == "zhang@example.com"


def test_the_profile_page_sets_address_and_channel(client, org, accounts):
    member = accounts.member
    testing.login(client, member)
    page = client.get("/accounts/profile/")
    assert "平台内通知" in page.content.decode() and "未填写邮箱" in page.content.decode()
    bad = client.post("/accounts/profile/", {"email": "wang@", "email_notifications": "on"})
    assert "格式不正确" in bad.content.decode()
    member.refresh_from_db()
    assert member.email == ""
    client.post("/accounts/profile/", {"email": "wang@example.com", "email_notifications": "on"})
    member.refresh_from_db()
    assert member.email == member.person.email == "wang@example.com" and member.email_notifications
    assert AuditEvent.objects.filter(action="account.profile").count() == 1

    client.post("/accounts/profile/", {"email": "wang@example.com"})  # the box unticked
    member.refresh_from_db()
    assert not member.email_notifications and member.email == "wang@example.com"


def test_an_account_activated_later_takes_the_persons_address(org, accounts):
    person = testing.make_person(org.office, name="赵新人", email="zhao@example.com")
    slip = services.activation_issue(actor=accounts.unit_admin, people=[person], purpose="activate")[0]
    user = services.activation_redeem(token=slip.token, password="Correct-horse-battery-9")
    assert user.email == "zhao@example.com"
    bare = testing.make_person(org.office, name="钱无邮")
    slip = services.activation_issue(actor=accounts.unit_admin, people=[bare], purpose="activate")[0]
    assert services.activation_redeem(token=slip.token, password="Correct-horse-battery-9").email == ""
