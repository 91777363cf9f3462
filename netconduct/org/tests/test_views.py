import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from netconduct import testing
from netconduct.core.models import AuditEvent
from netconduct.org.models import OrgUnit, Person

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client, accounts):
    testing.login(client, accounts.unit_admin)
    return client


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def _add_people(unit, n: int, start: int) -> None:
    for i in range(n):
        testing.make_person(unit, name="张" + "三四五六七八九"[i % 7], employee_no=f"Q{start + i}")


@pytest.mark.parametrize("url_name", ["org:people", "org:tree"])
def test_list_pages_query_count_does_not_grow_with_rows(staff_client, org, url_name):
    _add_people(org.branch1, 3, 100)
    url = reverse(url_name)
    small = _queries(staff_client, url)
    _add_people(org.branch2, 60, 200)
    assert _queries(staff_client, url) == small


def test_unit_page_query_count_does_not_grow_with_rows(staff_client, org):
    url = reverse("org:unit", kwargs={"pk": org.plant.pk})
    _add_people(org.branch1, 3, 100)
    small = _queries(staff_client, url)
    _add_people(org.branch2, 60, 200)
    assert _queries(staff_client, url) == small


def test_people_search_by_name_initials_and_employee_number(staff_client, org):
    testing.make_person(org.branch1, name="张三", employee_no="XB000123")
    testing.make_person(org.branch1, name="李四", employee_no="XB000456")
    for q, expected in [("张", "张三"), ("zs", "张三"), ("XB000456", "李四"), ("ls", "李四")]:
        content = staff_client.get(reverse("org:people"), {"q": q}).content.decode()
        assert expected in content
        other = "李四" if expected == "张三" else "张三"
        assert f">{other}</a>" not in content


def test_people_list_is_scoped_for_a_secretary(client, org, accounts):
    testing.make_person(org.branch2, name="外支部")
    testing.login(client, accounts.secretary)
    content = client.get(reverse("org:people")).content.decode()
    assert "王职工" in content and "外支部" not in content


def test_person_page_masks_the_id_number_and_reveal_is_audited(staff_client, accounts):
    person = accounts.member.person
    content = staff_client.get(reverse("org:person", kwargs={"pk": person.pk})).content.decode()
    assert person.id_number_masked in content and person.id_number not in content
    response = staff_client.post(reverse("org:person_reveal_id", kwargs={"pk": person.pk}))
    assert person.id_number in response.content.decode()
    assert AuditEvent.objects.filter(action="person.reveal_id", object_id=str(person.pk)).exists()


def test_secretary_sees_masked_id_without_reveal_button(client, accounts):
    testing.login(client, accounts.secretary)
    person = accounts.member.person
    content = client.get(reverse("org:person", kwargs={"pk": person.pk})).content.decode()
    assert person.id_number_masked in content and "reveal-id" not in content


def test_add_person_form_shows_chinese_errors_and_changes_nothing(staff_client, org):
    before = Person.objects.count()
    response = staff_client.post(
        reverse("org:person_create", kwargs={"pk": org.branch1.pk}),
        {
            "name": "周五",
            "id_number": "150602198501011230",
            "political_status": "masses",
            "unit": org.branch1.pk,
            "status": "active",
            "mobile": "12345",
        },
    )
    content = response.content.decode()
    assert response.status_code == 200
    assert "身份证号校验位不正确" in content
    assert Person.objects.count() == before


def test_add_then_edit_person_through_the_pages(staff_client, org):
    id_number = testing.make_id_number()
    response = staff_client.post(
        reverse("org:person_create", kwargs={"pk": org.branch1.pk}),
        {
            "name": "周五",
            "id_number": id_number,
            "political_status": "party_member",
            "unit": org.branch1.pk,
            "status": "active",
            "mobile": "+86 139 0000 2222",
            "categories": ["party_member", "employee"],
        },
    )
    person = Person.objects.get(name="周五")
    assert response.status_code == 302 and person.mobile == "13900002222" and person.is_party_member
    response = staff_client.post(
        reverse("org:person_edit", kwargs={"pk": person.pk}),
        {
            "name": "周五",
            "id_number": "",
            "political_status": "party_member",
            "unit": org.branch2.pk,
            "status": "active",
            "mobile": "13900002222",
            "position": "班长",
            "categories": ["employee"],
        },
    )
    person.refresh_from_db()
    assert response.status_code == 302
    assert (person.unit_id, person.position, person.id_number) == (org.branch2.pk, "班长", id_number)


def test_unit_pages_rename_move_close(staff_client, org):
    staff_client.post(reverse("org:unit_edit", kwargs={"pk": org.office.pk}), {"name": "机关第一党支部"})
    assert OrgUnit.objects.get(pk=org.office.pk).name == "机关第一党支部"
    response = staff_client.post(
        reverse("org:unit_move", kwargs={"pk": org.office.pk}), {"new_parent": org.plant.pk}
    )
    assert response.status_code == 302
    assert OrgUnit.objects.get(pk=org.office.pk).path.startswith(org.plant.path)
    response = staff_client.post(
        reverse("org:unit_close", kwargs={"pk": org.office.pk}),
        {"closed_on": "2026-11-01", "reason": "机构调整"},
    )
    assert response.status_code == 302 and not OrgUnit.objects.get(pk=org.office.pk).is_active
    staff_client.get(reverse("home"))  # shows and clears the success messages
    assert 'data-name="机关第一党支部"' not in staff_client.get(reverse("org:tree")).content.decode()
    assert (
        'data-name="机关第一党支部"' in staff_client.get(reverse("org:tree") + "?closed=1").content.decode()
    )


def test_close_with_people_shows_the_reason(staff_client, org, accounts):
    response = staff_client.post(
        reverse("org:unit_close", kwargs={"pk": org.branch1.pk}),
        {"closed_on": "2026-11-01", "reason": "合并"},
    )
    assert "名在岗人员" in response.content.decode()
    assert OrgUnit.objects.get(pk=org.branch1.pk).is_active


def test_grant_page_grants_and_revokes(staff_client, org, accounts):
    url = reverse("org:unit_grants", kwargs={"pk": org.branch2.pk})
    response = staff_client.post(url, {"username": "13912345678", "role": "secretary"})
    assert response.status_code == 302
    grant = accounts.member.grants.get()
    assert grant.unit_id == org.branch2.pk
    staff_client.post(reverse("org:grant_revoke", kwargs={"pk": grant.pk}))
    assert not accounts.member.grants.exists()
    response = staff_client.post(url, {"username": "nobody", "role": "secretary"})
    assert "找不到该账号" in response.content.decode()


def test_tree_shows_two_levels_and_loads_deeper_ones_when_opened(client, org, accounts):
    testing.login(client, accounts.sysadmin)  # scope root: the group, depth 1
    page = client.get(reverse("org:tree")).content.decode()
    assert 'data-name="西北能化公司党委"' in page  # depth 3
    assert 'data-name="甲醇厂党总支"' not in page  # depth 4: loaded on opening its parent
    assert f"?under={org.committee.pk}" in page
    fragment = client.get(
        reverse("org:tree"), {"under": org.committee.pk}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert 'data-name="甲醇厂第一党支部"' in fragment and 'data-name="西北能化公司党委"' not in fragment


def test_tree_fragment_outside_scope_is_404(client, org, accounts):
    testing.login(client, accounts.secretary)
    assert client.get(reverse("org:tree"), {"under": org.plant.pk}).status_code == 404


def test_unit_page_count_matches_the_people_in_the_subtree(staff_client, org):
    _add_people(org.branch1, 3, 100)
    _add_people(org.branch2, 2, 200)
    content = staff_client.get(reverse("org:unit", kwargs={"pk": org.plant.pk})).content.decode()
    assert 'data-total="7"' in content  # and the secretary and the member of the accounts fixture
    content = staff_client.get(
        reverse("org:unit", kwargs={"pk": org.plant.pk}), {"q": "张三"}
    ).content.decode()
    assert 'data-total="2"' in content  # names cycle 张三, 张四, …: one 张三 in each branch


def test_people_are_listed_in_pinyin_order(staff_client, org):
    for name in ["乔峰", "丁春秋", "王语嫣", "阿朱"]:
        testing.make_person(org.office, name=name)
    content = staff_client.get(reverse("org:unit", kwargs={"pk": org.office.pk})).content.decode()
    positions = [content.index(f">{name}</a>") for name in ["阿朱", "丁春秋", "乔峰", "王语嫣"]]
    assert positions == sorted(positions)


def test_navigation_marks_only_the_most_specific_section(staff_client):
    content = staff_client.get(reverse("org:roster_import")).content.decode()
    assert 'active" href="/org/roster/"' in content
    assert 'active" href="/org/"' not in content


def test_tree_counts_the_subtree_with_the_units_own_beside(client, org, accounts):
    """As on the campaign pages: a unit's figure is everyone in it and below (deeper units not shown yet too)."""
    testing.make_person(org.committee, name="党委本级")
    testing.make_person(org.branch2, name="二支部")
    testing.login(client, accounts.sysadmin)
    page = client.get(reverse("org:tree")).content.decode()
    committee = page[page.index('data-name="西北能化公司党委"') :]
    committee = committee[: committee.index("</summary>")]
    # 李书记, 王职工 (branch1), 二支部 (branch2) below, 党委本级 in the committee itself
    assert "4人（本级 1）" in committee
    fragment = client.get(reverse("org:tree"), {"under": org.committee.pk}).content.decode()
    plant = fragment[fragment.index('data-name="甲醇厂党总支"') :]
    assert "3人" in plant[: plant.index("</summary>")] and "本级" not in plant[: plant.index("</summary>")]
