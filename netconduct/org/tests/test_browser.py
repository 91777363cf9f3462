"""The main flows of a committee's staff in Debian's Chromium: log in, browse the tree, search people, import a
roster through the page and see the row errors."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from netconduct import testing
from netconduct.org.models import Person

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery-9"  # the password testing.make_account gives


def _log_in(page, live_server, username: str) -> None:
    page.goto(live_server.url + reverse("accounts:login"))
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(live_server.url + reverse("home"))


def _menu(page, label: str) -> None:
    """Open a page from the top menu: the administration pages sit under 管理, opened first."""
    link = page.locator("nav").get_by_role("link", name=label, exact=True)
    if not link.is_visible():
        page.locator("nav").get_by_role("button", name="管理").click()
    link.click()


def test_staff_browse_the_tree_open_a_branch_and_search_people(live_server, page, org, accounts):
    testing.make_person(org.branch1, name="张三丰", employee_no="XB000001")
    testing.make_person(org.branch2, name="李四光", employee_no="XB000002")
    _log_in(page, live_server, "unitadmin")

    _menu(page, "组织")
    tree = page.locator("#org-tree")
    assert tree.get_by_role("link", name="西北能化公司党委").is_visible()
    assert tree.get_by_role("link", name="西北能化公司", exact=True).count() == 0  # above the admin's scope
    tree.get_by_role("link", name="甲醇厂第一党支部").click()
    page.wait_for_url("**/org/units/*/")
    assert page.locator("h1").inner_text() == "甲醇厂第一党支部"
    assert page.locator("#people-list").get_by_text("张三丰").is_visible()
    assert page.locator("#people-list").get_by_text("李四光").count() == 0

    _menu(page, "人员")
    page.fill("input[name=q]", "lsg")  # pinyin initials of 李四光; htmx refreshes the list as one types
    # expect() rather than wait_for_function: the Content-Security-Policy forbids evaluating strings in the page
    expect(page.locator("#people-list")).not_to_contain_text("张三丰")
    assert page.locator("#people-list").get_by_text("李四光").is_visible()


def test_import_a_roster_through_the_page_and_see_the_row_errors(live_server, page, org, accounts, tmp_path):
    good = testing.make_id_number()
    roster = tmp_path / "花名册.csv"
    roster.write_text(
        "西北能化公司甲醇厂花名册\n"
        "填报单位：甲醇厂党总支\n"
        "序号,姓名,工号,身份证号码,手机号码,所在支部,政治面貌\n"
        f"1,周建国,XB100001,{good},+86 139-0000-0001,甲醇厂第一党支部,中共党员\n"
        "2,吴敏,XB100002,150602198501011230,13900000002,甲醇厂第一党支部,群众\n"
        f"3,郑华,XB100003,{testing.make_id_number()},13900000003,不存在的支部,群众\n"
        "填表人：王某,,审核人：李某\n",
        encoding="gbk",
    )
    _log_in(page, live_server, "unitadmin")
    _menu(page, "花名册")
    page.set_input_files("input[type=file]", str(roster))
    page.click("button:has-text('上传并检查')")
    page.wait_for_url("**/org/roster/*/")
    body = page.locator("main").inner_text()
    assert "校验位不正确" in body  # row 5: wrong checksum
    assert "不存在的支部" in body  # row 6: unknown unit
    errors = page.locator("main table").first.inner_text()
    assert "5" in errors and "6" in errors
    assert not Person.objects.filter(name="周建国").exists()  # nothing written before confirming

    page.click("button:has-text('确认导入')")
    page.wait_for_load_state()
    person = Person.objects.get(name="周建国")
    assert (person.unit_id, person.mobile, person.is_party_member) == (org.branch1.pk, "13900000001", True)
    assert not Person.objects.filter(name__in=["吴敏", "郑华"]).exists()


def test_phone_layout_has_no_horizontal_scroll(live_server, phone, org, accounts):
    for i in range(5):
        testing.make_person(org.branch1, name="赵钱孙李"[i % 4] + "明", employee_no=f"XB2{i:05d}")
    _log_in(phone, live_server, "unitadmin")
    for url in [
        reverse("org:people"),
        reverse("org:unit", kwargs={"pk": org.branch1.pk}),
        reverse("org:tree"),
        reverse("org:person", kwargs={"pk": accounts.member.person.pk}),
    ]:
        phone.goto(live_server.url + url)
        overflow = phone.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{url} scrolls sideways by {overflow}px on a 390px phone"


def test_an_inspector_grants_an_inspector_below_and_sees_it_listed(
    live_server, page, phone, org, accounts, tmp_path
):
    import os

    from netconduct.org.choices import Role

    shots = os.environ.get("NETCONDUCT_SHOTS") or str(tmp_path)
    _log_in(page, live_server, "inspector")
    page.goto(live_server.url + reverse("org:unit_grants", kwargs={"pk": org.branch1.pk}))
    assert page.locator("#id_role option").all_inner_texts() == ["纪检监察员"]
    page.fill("#id_username", "A1001")
    page.click("button:has-text('授权')")
    page.wait_for_url("**/grants/")
    page.screenshot(path=f"{shots}/unit-grants-inspector.png", full_page=True)
    _menu(page, "敏感角色")
    page.wait_for_url("**/org/grants/sensitive/")
    holders = page.locator("table").first
    assert holders.get_by_text("王职工").is_visible() and holders.get_by_text("甲醇厂第一党支部").is_visible()
    page.screenshot(path=f"{shots}/sensitive-grants.png", full_page=True)
    assert Role.INSPECTOR in {g.role for g in accounts.member.grants.all()}

    _log_in(phone, live_server, "inspector")
    phone.goto(live_server.url + reverse("org:sensitive_grants"))
    phone.screenshot(path=f"{shots}/sensitive-grants-phone.png", full_page=True)
