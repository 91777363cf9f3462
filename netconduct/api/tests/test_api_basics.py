"""What every endpoint shares: the key, its scopes and subtree, error bodies, ETags, rate limits, the documents."""

from __future__ import annotations

import re

import pytest
from django.test import Client, override_settings

from netconduct import testing

from .conftest import KeyClient


@pytest.mark.django_db
def test_no_key_or_a_wrong_key_is_401_with_the_error_body(org, make_key):
    make_key()
    for client in (KeyClient(None), KeyClient("nc_00000000_nothing"), KeyClient("garbage")):
        response = client.get("units")
        assert response.status_code == 401
        assert response.json() == {
            "code": "unauthorized",
            "message": "缺少API密钥，或密钥无效、已过期、已吊销。",
            "errors": [],
        }
        assert response["WWW-Authenticate"] == "Bearer"


@pytest.mark.django_db
def test_a_key_without_the_scope_is_refused_with_403(org, make_key):
    _key, client = make_key(scopes=["units:read"])
    response = client.get("people")
    assert response.status_code == 403
    assert response.json()["code"] == "scope_missing"
    assert "people:read" in response.json()["message"]
    assert client.get("units").status_code == 200


@pytest.mark.django_db
def test_a_key_sees_nothing_outside_its_subtree(org, make_key):
    inside = testing.make_person(org.branch1, name="甲乙")
    outside = testing.make_person(org.branch2, name="丙丁")
    _key, client = make_key(unit=org.branch1)
    people = client.get("people").json()["items"]
    assert [p["id"] for p in people] == [inside.pk]
    assert client.get(f"people/{outside.pk}").status_code == 404
    assert client.get(f"people/{inside.pk}").status_code == 200
    assert client.get(f"units/{org.branch2.pk}").status_code == 404
    assert client.get("people", {"unit": org.branch2.pk}).status_code == 404
    assert [u["id"] for u in client.get("units").json()["items"]] == [org.branch1.pk]
    body = client.get(f"people/{outside.pk}").json()
    assert body["code"] == "not_found" and body["message"]


@pytest.mark.django_db
def test_cursor_pages_and_updated_since(org, make_key):
    people = [testing.make_person(org.branch1, name=f"人员{'甲乙丙丁戊'[i]}") for i in range(5)]
    _key, client = make_key()
    first = client.get("people", {"limit": 2}).json()
    second = client.get("people", {"limit": 2, "cursor": first["next_cursor"]}).json()
    third = client.get("people", {"limit": 2, "cursor": second["next_cursor"]}).json()
    seen = [p["id"] for page in (first, second, third) for p in page["items"]]
    assert seen == [p.pk for p in people] and third["next_cursor"] is None
    people[2].refresh_from_db()
    from netconduct.org import services

    services.person_update(actor=testing.superuser(), person=people[2], position="书记")
    changed = client.get("people").json()["items"][2]["updated_at"]
    assert [p["id"] for p in client.get("people", {"updated_since": changed}).json()["items"]] == [
        people[2].pk
    ]
    bad = client.get("people", {"updated_since": "yesterday"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "updated_since"
    assert client.get("people", {"cursor": "!!"}).json()["errors"][0]["field"] == "cursor"


@pytest.mark.django_db
def test_etag_answers_304_when_nothing_changed(org, make_key):
    testing.make_person(org.branch1, name="甲乙")
    _key, client = make_key()
    response = client.get("people")
    etag = response["ETag"]
    assert re.fullmatch(r'"[0-9a-f]{32}"', etag)
    again = client.get("people", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    testing.make_person(org.branch1, name="丙丁")
    assert client.get("people", headers={"If-None-Match": etag}).status_code == 200


@pytest.mark.django_db
@override_settings(NETCONDUCT_API_RATE_PER_MINUTE=3)
def test_each_key_has_its_own_rate_limit(org, make_key):
    from django.core.cache import cache

    cache.clear()
    _a, first = make_key()
    _b, second = make_key()
    assert [first.get("units").status_code for _ in range(3)] == [200, 200, 200]
    limited = first.get("units")
    assert limited.status_code == 429 and limited.json()["code"] == "rate_limited"
    assert int(limited["Retry-After"]) > 0
    assert second.get("units").status_code == 200


@pytest.mark.django_db
def test_the_openapi_document_is_3_1_and_names_every_scope(client):
    schema = client.get("/api/v1/openapi.json").json()
    assert schema["openapi"].startswith("3.1")
    assert schema["info"]["title"] == "网络行为规范管理平台 API"
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            assert operation.get("x-scope"), f"{method} {path} names no scope"
            assert operation.get("summary"), f"{method} {path} has no Chinese summary"
            assert "401" in operation["responses"] and "403" in operation["responses"]


@pytest.mark.django_db
def test_the_docs_page_renders_every_operation_without_scripts(client):
    schema = client.get("/api/v1/openapi.json").json()
    response = client.get("/api/v1/docs")
    html = response.content.decode()
    assert response.status_code == 200
    for path in schema["paths"]:
        assert f"<code>{path}</code>" in html
    assert "<script>" not in html and "style=" not in html
    assert "cdn" not in html.lower()
    assert "people:write" in html


@pytest.mark.django_db
def test_sessions_do_not_authenticate_the_api(accounts):
    client = Client()
    testing.login(client, accounts.sysadmin)
    assert client.get("/api/v1/people").status_code == 401


@pytest.mark.django_db
def test_a_nul_character_is_refused_before_any_field_is_read(org, make_key):
    _key, client = make_key()
    response = client.post("people/batch", {"items": [{"id_number": "x", "position": "班\u0000长"}]})
    assert response.status_code == 422
    assert response.json()["message"] == "请求中含有空字符（NUL），已拒绝。"
    assert client.get("pledges/verify", {"code": "AB\x00CD"}).status_code == 422


@pytest.mark.django_db
@pytest.mark.parametrize(
    "moment", ["0563-09-12T01:17:52-19:01", "0001-01-01T00:00:00+23:59", "9999-12-31T23:59:59-23:59"]
)
def test_any_iso_offset_and_year_is_answered(org, make_key, moment):
    testing.make_person(org.branch1, name="甲乙")
    _key, client = make_key()
    response = client.get("people", {"updated_since": moment})
    assert response.status_code == 200
    assert len(response.json()["items"]) == (0 if moment.startswith("9999") else 1)
