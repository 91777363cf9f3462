"""Every error status an operation documents can be reached, and answers with the one error body."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client, override_settings

from netconduct.api.choices import KeyScope

from .test_api_matrix import World, _key, world  # noqa: F401  (the matrix's world fixture)
from .url_cases import API_CASES, ApiCase


def _request(clear: str | None, case: ApiCase, w, *, params=None, query=None, body=None):
    client = Client()
    headers = {"Authorization": f"Bearer {clear}"} if clear else {}
    url = case.path.format(**(params if params is not None else case.params(w)))
    if case.method == "get":
        return client.get(url, query if query is not None else case.query(w), headers=headers)
    payload = body if body is not None else case.body(w)
    if case.multipart:
        return client.post(url, payload, headers=headers)
    return client.post(url, payload, content_type="application/json", headers=headers)


def _invalid(operation: dict, case: ApiCase, w) -> dict:
    """Arguments for a request that breaks the operation's own document."""
    if case.method == "post":
        return {"body": {}}
    parameters = operation.get("parameters", [])
    for p in parameters:
        schemas = [p.get("schema", {}), *p.get("schema", {}).get("anyOf", [])]
        minimum = next((s["minimum"] for s in schemas if "minimum" in s), None)
        if p["in"] == "query" and minimum is not None:
            return {"query": {**case.query(w), p["name"]: minimum - 1}}
    for p in parameters:
        if p["in"] == "path":
            return {"params": {**case.params(w), p["name"]: 0}}
    required = [p["name"] for p in parameters if p["in"] == "query" and p.get("required")]
    return {"query": {k: v for k, v in case.query(w).items() if k not in required}}


@pytest.mark.django_db
@pytest.mark.parametrize("case", API_CASES, ids=[f"{c.method} {c.path}" for c in API_CASES])
def test_every_documented_error_is_reachable(case: ApiCase, world: World, client):  # noqa: F811
    schema = client.get("/api/v1/openapi.json").json()
    operation = schema["paths"][case.path][case.method]
    scope = operation["x-scope"]
    documented = {int(status) for status in operation["responses"] if int(status) >= 400}
    everything = list(KeyScope.values)
    committee = world.org.committee
    reached = {}
    reached[401] = _request(None, case, world)
    reached[403] = _request(_key(world, committee, [s for s in everything if s != scope]), case, world)
    if case.outside_status == 404:
        reached[404] = _request(_key(world, world.org.office, everything), case, world)
    elif 404 in documented:
        reached[404] = _request(_key(world, committee, everything), case, world, query={"code": "0" * 16})
    reached[422] = _request(
        _key(world, committee, everything), case, world, **_invalid(operation, case, world)
    )
    limited_key = _key(world, committee, everything)
    cache.clear()
    with override_settings(NETCONDUCT_API_RATE_PER_MINUTE=0):
        reached[429] = _request(limited_key, case, world)
    if 413 in documented:  # a file over the limit
        from netconduct.api import routes_domains

        limit, routes_domains.VERIFY_UPLOAD_MAX = routes_domains.VERIFY_UPLOAD_MAX, 10
        try:
            reached[413] = _request(_key(world, committee, everything), case, world)
        finally:
            routes_domains.VERIFY_UPLOAD_MAX = limit
    problems = []
    for status in sorted(documented):
        response = reached.get(status)
        if response is None or response.status_code != status:
            problems.append(f"{status}: got {response.status_code if response else 'no request'}")
            continue
        body = response.json()
        if set(body) != {"code", "message", "errors"} or not body["message"]:
            problems.append(f"{status}: body {body}")
    assert documented >= {401, 403, 422, 429}
    assert not problems, f"{case.method.upper()} {case.path}: " + "; ".join(problems)
