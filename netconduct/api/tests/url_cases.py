"""Permission cases for the API's URLs.

The pages (keys, docs, the OpenAPI document) are ordinary `UrlCase`s of the role matrix. The API's operations are
not reached with a login but with a key: each is an `ApiCase` here, requested by `test_api_matrix.py` with a key
holding every scope, a key lacking the operation's scope, a key bound to another subtree and no key. Each API URL
is exempted from the role matrix *by its ApiCase*, so a new API URL without an ApiCase still fails the suite.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from netconduct.core.url_matrix import EVERYONE, Exempt, UrlCase

SYSADMIN = frozenset({"sysadmin"})


def _key(w):
    from netconduct.api import services

    key, _clear = services.api_key_create(
        actor=w.org.root_user, name="矩阵测试", unit=w.org.committee, scopes=["people:read"]
    )
    return key


CASES = [
    UrlCase("api:docs", EVERYONE, public=True),
    UrlCase("api:v1:openapi-json", EVERYONE, public=True),
    UrlCase("api:keys", SYSADMIN, note="only system administrators issue keys"),
    UrlCase("api:key_revoke", SYSADMIN, method="post", inside=lambda w: {"pk": _key(w).pk}),
]


@dataclass(frozen=True)
class ApiCase:
    """One operation of the API: how to call it on objects inside a key's subtree (branch 1, under the committee the
    test key is bound to), and what a key bound to another subtree (the office branch) gets for the same request."""

    method: str  # "get" or "post"
    path: str  # as in the OpenAPI document, e.g. "/api/v1/people/{person_id}"
    url_name: str  # "api:v1:<name>"
    params: Callable[[object], dict] = lambda w: {}  # path parameters
    query: Callable[[object], dict] = lambda w: {}
    body: Callable[[object], dict] | None = None
    multipart: bool = False  # the body is a form with files (an upload), not JSON
    ok: tuple[int, ...] = (200,)
    outside_status: int = 404
    # For an outside answer that is not a 404: whether the inside object shows in it (it must not).
    leaks: Callable[[object, dict], bool] | None = None
    note: str = field(default="", compare=False)


def _archived_pdf(w):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from netconduct.pledges.services import pledge_pdf_bytes

    return SimpleUploadedFile("pledge.pdf", pledge_pdf_bytes(w.pledge), content_type="application/pdf")


def _items_have(key: str, obj: Callable[[object], object]):
    return lambda w, body: any(item.get(key) == obj(w).pk for item in body.get("items", []))


P = "/api/v1/"
API_CASES = [
    ApiCase("get", P + "units", "api:v1:units_list", query=lambda w: {"unit": w.org.branch1.pk}),
    ApiCase(
        "get", P + "units/{unit_id}", "api:v1:unit_detail", params=lambda w: {"unit_id": w.org.branch1.pk}
    ),
    ApiCase(
        "post",
        P + "units",
        "api:v1:unit_create",
        body=lambda w: {"parent_id": w.org.branch1.pk, "name": "第一党小组", "kind": "party_group"},
        ok=(201,),
    ),
    ApiCase(
        "post",
        P + "units/{unit_id}/move",
        "api:v1:unit_move",
        params=lambda w: {"unit_id": w.org.branch2.pk},
        body=lambda w: {"parent_id": w.org.committee.pk},
        note="the outside key sees neither the unit nor the new parent",
    ),
    ApiCase("get", P + "people", "api:v1:people_list", query=lambda w: {"unit": w.org.branch1.pk}),
    ApiCase(
        "get", P + "people/{person_id}", "api:v1:person_detail", params=lambda w: {"person_id": w.person.pk}
    ),
    ApiCase(
        "post",
        P + "people/batch",
        "api:v1:people_batch",
        body=lambda w: {
            "items": [{"id_number": w.person.id_number, "unit_id": w.org.branch1.pk, "position": "班长"}]
        },
        outside_status=422,
        note="a batch answers per item: the unit outside the key's subtree is named as not found in the item's error",
    ),
    ApiCase(
        "get",
        P + "campaigns",
        "api:v1:campaigns_list",
        outside_status=200,
        leaks=_items_have("id", lambda w: w.campaign),
        note="a list without a unit filter: the campaign of the plant is absent from the outside key's list",
    ),
    ApiCase(
        "get",
        P + "campaigns/{campaign_id}",
        "api:v1:campaign_detail",
        params=lambda w: {"campaign_id": w.campaign.pk},
    ),
    ApiCase(
        "get",
        P + "campaigns/{campaign_id}/completion",
        "api:v1:campaign_completion",
        params=lambda w: {"campaign_id": w.campaign.pk},
        query=lambda w: {"unit": w.org.branch1.pk},
    ),
    ApiCase(
        "get",
        P + "campaigns/{campaign_id}/people",
        "api:v1:campaign_people",
        params=lambda w: {"campaign_id": w.campaign.pk},
    ),
    ApiCase(
        "get",
        P + "campaigns/{campaign_id}/pledges",
        "api:v1:campaign_pledges",
        params=lambda w: {"campaign_id": w.campaign.pk},
    ),
    ApiCase(
        "get",
        P + "pledges/verify",
        "api:v1:pledge_verify",
        query=lambda w: {"code": w.pledge.code},
        outside_status=200,
        note="a verification code is its own credential, as on the public verification page: any key may check it",
    ),
    ApiCase(
        "post",
        P + "pledges/verify-file",
        "api:v1:pledge_verify_upload",
        body=lambda w: {"file": _archived_pdf(w)},
        multipart=True,
        outside_status=200,
        leaks=lambda w, body: False,
        note="a file is its own evidence, as on the public verification page: any key may verify one",
    ),
    ApiCase(
        "get", P + "pledges/{pledge_id}/pdf", "api:v1:pledge_pdf", params=lambda w: {"pledge_id": w.pledge.pk}
    ),
    ApiCase("get", P + "sessions", "api:v1:sessions_list", query=lambda w: {"unit": w.org.branch1.pk}),
    ApiCase(
        "get",
        P + "sessions/{session_id}",
        "api:v1:session_detail",
        params=lambda w: {"session_id": w.session.pk},
    ),
    ApiCase(
        "get", P + "registry/accounts", "api:v1:registry_accounts", query=lambda w: {"unit": w.org.branch1.pk}
    ),
    ApiCase(
        "post",
        P + "subscriptions",
        "api:v1:subscription_create",
        body=lambda w: {
            "name": f"党建系统{w.org.branch1.pk}",
            "url": "https://1.1.1.1/hooks/netconduct",
            "events": ["pledge.signed"],
            "unit_id": w.org.branch1.pk,
        },
        ok=(201,),
    ),
    ApiCase(
        "get",
        P + "reports/counts",
        "api:v1:reports_counts",
        outside_status=200,
        leaks=lambda w, body: any(u["unit_id"] == w.org.branch1.pk for u in body["units"]),
        note="counts per unit: branch 1's row is absent from the outside key's answer",
    ),
]

EXEMPT = [
    Exempt(
        name,
        "an API operation: requested with keys (every scope, missing scope, other subtree, none) in api/tests/test_api_matrix.py",
    )
    for name in sorted({c.url_name for c in API_CASES})
] + [
    Exempt(
        "api:v1:api-root",
        "django-ninja's root of /api/v1/: always a 404, it only anchors the operations' paths",
    ),
]
