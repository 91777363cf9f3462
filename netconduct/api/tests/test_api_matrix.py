"""Every operation of the API × key scope × inside/outside the key's subtree, and every operation has a case."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.db import transaction
from django.test import Client

from netconduct.api import services
from netconduct.api.choices import KeyScope
from netconduct.pledges import services as pledge_services
from netconduct.pledges.tests import factories as pledge_factories
from netconduct.registry.tests import factories as registry_factories
from netconduct.studies import services as study_services

from .url_cases import API_CASES, ApiCase


def _operations(client) -> dict[tuple[str, str], dict]:
    schema = client.get("/api/v1/openapi.json").json()
    return {(m, p): op for p, methods in schema["paths"].items() for m, op in methods.items()}


@pytest.mark.django_db
def test_every_operation_has_exactly_one_case(client):
    operations = set(_operations(client))
    cases = [(c.method, c.path) for c in API_CASES]
    assert len(cases) == len(set(cases))
    assert not operations - set(cases), (
        f"operations without an ApiCase in api/tests/url_cases.py: {operations - set(cases)}"
    )
    assert not set(cases) - operations, f"ApiCases of no operation: {set(cases) - operations}"


@dataclass
class World:
    org: object
    person: object
    campaign: object
    pledge: object
    session: object


@pytest.fixture
def world(org, accounts) -> World:
    root = org.root_user
    campaign = pledge_factories.pledge_campaign(org.plant, actor=root, issuer_code="总支党发")
    pledge, _ = pledge_factories.sign(campaign, accounts.member)
    pledge = pledge_services.pledge_seal(pledge_id=pledge.pk)
    import datetime as dt

    from django.utils import timezone

    session = study_services.session_create(
        actor=root,
        unit=org.branch1,
        form="theme_day",
        topic="学习网络行为规范",
        starts_at=timezone.now() - dt.timedelta(hours=1),
        minutes="传达学习了规范全文。",
    )
    study_services.attendance_set(
        actor=root, session=session, marks=[study_services.Mark(accounts.member.person.pk, "present")]
    )
    registry_factories.filed(accounts.member)
    return World(org, accounts.member.person, campaign, pledge, session)


def _call(clear: str | None, case: ApiCase, w: World):
    client = Client()
    headers = {"Authorization": f"Bearer {clear}"} if clear else {}
    url = case.path.format(**case.params(w))
    with transaction.atomic():
        try:
            if case.method == "get":
                return client.get(url, case.query(w), headers=headers)
            if case.multipart:
                return client.post(url, case.body(w), headers=headers)
            return client.post(url, case.body(w), content_type="application/json", headers=headers)
        finally:
            transaction.set_rollback(True)


def _key(w: World, unit, scopes) -> str:
    _key, clear = services.api_key_create(
        actor=w.org.root_user, name=f"k{services.secrets.token_hex(3)}", unit=unit, scopes=scopes
    )
    return clear


@pytest.mark.django_db
@pytest.mark.parametrize("case", API_CASES, ids=[f"{c.method} {c.path}" for c in API_CASES])
def test_api_permission_matrix(case: ApiCase, world: World, client):
    scope = _operations(client)[(case.method, case.path)]["x-scope"]
    everything = list(KeyScope.values)
    failures = []

    inside = _call(_key(world, world.org.committee, everything), case, world)
    if inside.status_code not in case.ok:
        failures.append(f"every scope, inside → {inside.status_code} {inside.content[:300]!r}")

    lacking = _call(_key(world, world.org.committee, [s for s in everything if s != scope]), case, world)
    if lacking.status_code != 403 or lacking.json()["code"] != "scope_missing":
        failures.append(f"without {scope} → {lacking.status_code}, expected 403 scope_missing")

    only = _call(_key(world, world.org.committee, [scope]), case, world)
    if only.status_code not in case.ok:
        failures.append(f"only {scope}, inside → {only.status_code}")

    outside = _call(_key(world, world.org.office, everything), case, world)
    if outside.status_code != case.outside_status:
        failures.append(f"other subtree → {outside.status_code}, expected {case.outside_status}")
    elif case.leaks is not None and case.leaks(world, outside.json()):
        failures.append("other subtree: the inside object shows in the answer")
    if outside.status_code == 404 and outside.json()["code"] != "not_found":
        failures.append("other subtree: 404 without the not_found body")

    anonymous = _call(None, case, world)
    if anonymous.status_code != 401:
        failures.append(f"no key → {anonymous.status_code}, expected 401")
    assert not failures, f"{case.method.upper()} {case.path}: " + "; ".join(failures)
