import pytest

from .factories import CHEAP_ARGON2


@pytest.fixture(autouse=True)
def cheap_argon2(settings):
    """Receipt hashing at a low cost in tests (its cost is a setting; the bench measures the real one)."""
    settings.NETCONDUCT_REPORT_ARGON2 = CHEAP_ARGON2
    settings.NETCONDUCT_REPORT_CODE_ARGON2 = CHEAP_ARGON2


@pytest.fixture(autouse=True)
def clear_cache():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
