import pytest

from netconduct.org import scoping, services
from netconduct.org.choices import UnitKind
from netconduct.org.models import OrgUnit, Person
from netconduct.testing import make_person

pytestmark = pytest.mark.django_db


def test_subtree_range_matches_exactly_the_prefix_in_this_database(org):
    # Siblings whose paths share digits and letters around the boundary ("…0009", "…000A", "…000Z", "…0010").
    for i in range(40):
        services.unit_create(actor=org.root_user, parent=org.plant, name=f"第{i}党支部", kind=UnitKind.BRANCH)
    for unit in OrgUnit.objects.all():
        by_range = set(
            OrgUnit.objects.filter(scoping.subtree_q("path", unit.path)).values_list("pk", flat=True)
        )
        by_prefix = {u.pk for u in OrgUnit.objects.all() if u.path.startswith(unit.path)}
        assert by_range == by_prefix, unit.name


def test_scope_q_joins_people_through_their_unit(org, accounts):
    make_person(org.branch2, name="外支部")
    visible = scoping.visible(
        Person.objects.all(), accounts.secretary, "person.view", path_field="unit__path"
    )
    assert set(visible.values_list("name", flat=True)) == {"李书记", "王职工"}


def test_overlapping_grants_reduce_to_the_outermost_paths(org, accounts):
    from netconduct.org.choices import Role
    from netconduct.testing import grant

    grant(accounts.unit_admin, Role.SECRETARY, org.branch1)  # already inside the committee grant
    scoping.forget_grants(accounts.unit_admin)
    assert scoping.scope_for(accounts.unit_admin, "person.view").paths == (org.committee.path,)


def test_inactive_or_anonymous_accounts_reach_nothing(org, accounts):
    from django.contrib.auth.models import AnonymousUser

    assert scoping.scope_for(AnonymousUser(), "org.view").empty
    accounts.unit_admin.is_active = False
    assert scoping.scope_for(accounts.unit_admin, "org.view").empty


def test_unknown_action_is_a_programming_error(accounts):
    with pytest.raises(KeyError, match="unknown action"):
        scoping.scope_for(accounts.unit_admin, "org.delete_everything")
