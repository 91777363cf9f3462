"""`bulk.values_in`: many values as one parameter, on SQLite and PostgreSQL, whatever the values hold."""

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from netconduct.core import bulk

pytestmark = pytest.mark.django_db

User = get_user_model()  # any table with a free text column will do

AWKWARD = [
    "plain",
    "",
    "with,comma",
    'quote"and\\backslash',
    "{braces}",
    "NULL",
    "  spaces  ",
    "中文用户名",
    "tab\there",
    "x" * 150,
]


@pytest.fixture
def users():
    return {name: User.objects.create(username=f"u{i}", first_name=name) for i, name in enumerate(AWKWARD)}


def names_found(values) -> set[str]:
    return set(
        User.objects.filter(first_name__in=bulk.values_in(values)).values_list("first_name", flat=True)
    )


def test_text_values_match_exactly_whatever_they_hold(users):
    assert names_found(AWKWARD) == set(AWKWARD)
    assert names_found(["with", "comma", "plain "]) == set()  # no splitting on commas, no trimming
    assert names_found(["NULL"]) == {"NULL"}


def test_a_lone_empty_string_and_the_separator_itself_are_values_too(users):
    assert names_found([""]) == {""}
    assert names_found(["", ""]) == {""}
    User.objects.create(username="sep", first_name="a\x1fb")
    assert names_found(["a\x1fb"]) == {"a\x1fb"}
    assert names_found(["a", "b"]) == set()
    assert names_found(["a\x1fb", "plain"]) == {"a\x1fb", "plain"}


def test_numbers_and_one_statement_however_many_values(users):
    pks = [u.pk for u in users.values()]
    with CaptureQueriesContext(connection) as queries:
        found = set(User.objects.filter(pk__in=bulk.values_in(pks + list(range(10**6, 10**6 + 20_000)))))
    assert found == set(users.values())
    assert len(queries) == 1
    assert set(User.objects.filter(pk__in=bulk.values_in([pks[0]]))) == {users["plain"]}
    assert list(User.objects.filter(pk__in=bulk.values_in([]))) == []
