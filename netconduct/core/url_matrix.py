"""The permission matrix every URL of the product is held to.

Each app lists its URLs in `<app>/tests/url_cases.py` as `UrlCase`s: which roles may use the URL on an object inside
their scope, and which object lies outside it. `core/tests/test_url_matrix.py` requests each URL as every role and
as an anonymous visitor, and fails for any URL of the product that has neither a case nor a written exemption.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from django.urls import URLPattern, URLResolver, get_resolver

ROLES = ("sysadmin", "unit_admin", "secretary", "inspector", "member")
STAFF = frozenset({"sysadmin", "unit_admin"})
BRANCH_READERS = frozenset({"sysadmin", "unit_admin", "secretary", "inspector"})
EVERYONE = frozenset(ROLES)


@dataclass(frozen=True)
class UrlCase:
    name: str  # "namespace:name"
    allowed: frozenset[str]  # roles that succeed on the inside object
    inside: Callable[[object], dict] = lambda w: {}  # kwargs for an object inside every tested role's scope
    outside: Callable[[object], dict] | None = (
        None  # kwargs for an object outside all but the sysadmin's scope
    )
    method: str = "get"
    data: Callable[[object], dict] = lambda w: {}
    public: bool = False  # answers anonymous visitors too
    query: str = ""
    expect_ok: tuple[int, ...] = (200, 302)
    note: str = field(default="", compare=False)


@dataclass(frozen=True)
class Exempt:
    name: str
    reason: str


def iter_url_names(resolver: URLResolver | None = None, namespace: str = "") -> Iterator[str]:
    """Every named URL of the project, qualified with its namespace."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            ns = entry.namespace or ""
            qualified = f"{namespace}:{ns}" if namespace and ns else (ns or namespace)
            yield from iter_url_names(entry, qualified)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}:{entry.name}" if namespace else entry.name


def product_url_names() -> set[str]:
    """URL names of the product: everything but Django's admin site."""
    return {name for name in iter_url_names() if not name.startswith("admin:")}
