"""schemathesis against the live API (in-process WSGI, with a key holding every scope): no server error, and every
response — success or error — conforms to the OpenAPI document, for valid and for invalid requests."""

from __future__ import annotations

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.test import override_settings
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.config import GenerationConfig
from schemathesis.specs.openapi.checks import positive_data_acceptance

from netconduct import testing
from netconduct.api import services
from netconduct.api.choices import KeyScope

from .url_cases import API_CASES

EXAMPLES = 20


@pytest.fixture
def wsgi_keeps_the_connection():
    """The raw WSGI app closes the database connection after each request, which would end the test's transaction
    (on PostgreSQL); Django's test Client keeps it by muting these receivers, and so does this test."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.django_db
@override_settings(NETCONDUCT_API_RATE_PER_MINUTE=1_000_000)
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_the_api_conforms_to_its_document(org, accounts, mode, wsgi_keeps_the_connection):
    testing.make_person(org.branch1, name="赵钱孙", employee_no="S1", mobile="13900000001")
    _key, clear = services.api_key_create(
        actor=org.root_user, name="schemathesis", unit=org.committee, scopes=list(KeyScope.values)
    )
    headers = {"Authorization": f"Bearer {clear}"}
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())
    # The key goes with every request (it is not a parameter to fuzz: a missing or wrong key is the 401 tested in
    # test_api_basics), and only the parameters the document names are sent.
    schema.config.update(headers=headers)
    schema.config.generation = GenerationConfig(
        allow_extra_parameters=False,
        with_security_parameters=False,
        allow_x00=False,  # NUL: refused, see auth.py
    )
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == len(API_CASES)
    failures = []
    for operation in operations:
        try:
            _fuzz(operation, mode)
        except Exception as exc:  # noqa: BLE001  collect every operation's failure, then report them together
            failures.append(f"{operation.method.upper()} {operation.path}: {exc}")
    assert not failures, "\n\n".join(failures)


def _fuzz(operation, mode) -> None:
    # Writes check more than a schema can say (ID number checksums, the tree's placement rules, names taken): a
    # schema-valid body may still be refused, with 422 and the reason per item, so "valid data is accepted" does
    # not apply to them. Every other check does.
    excluded = [positive_data_acceptance] if operation.method.upper() == "POST" else []

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        database=None,
        derandomize=True,  # the same examples on every run: CI fails on the API, not on the dice
    )
    def run(case):
        case.call_and_validate(excluded_checks=excluded)

    run()
