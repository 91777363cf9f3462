from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client

from netconduct import testing
from netconduct.api import services
from netconduct.api.choices import KeyScope

ALL_SCOPES = list(KeyScope.values)


class KeyClient:
    """A test client that sends one API key."""

    def __init__(self, clear: str | None) -> None:
        self.client = Client()
        self.headers = {"Authorization": f"Bearer {clear}"} if clear else {}

    def get(self, path: str, data=None, headers=None):
        return self.client.get("/api/v1/" + path, data, headers={**self.headers, **(headers or {})})

    def post(self, path: str, body):
        return self.client.post(
            "/api/v1/" + path, body, content_type="application/json", headers=self.headers
        )


@pytest.fixture(autouse=True)
def _fresh_rate_counts():
    """Each test starts with no requests counted against its keys (the rate limit lives in the cache)."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def make_key(org):
    def make(*, unit=None, scopes=ALL_SCOPES, name: str | None = None, **extra):
        key, clear = services.api_key_create(
            actor=testing.superuser(),
            name=name or f"测试密钥{make.count}",
            unit=unit or org.committee,
            scopes=scopes,
            **extra,
        )
        make.count += 1
        return key, KeyClient(clear)

    make.count = 1
    return make
