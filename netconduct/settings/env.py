"""Everything the settings read from the environment, read here and nowhere else."""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured


def get(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def get_bool(name: str, default: bool = False) -> bool:
    value = get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def get_list(name: str, default: list[str] | None = None) -> list[str]:
    value = get(name)
    if value is None:
        return list(default or [])
    return [part.strip() for part in value.split(",") if part.strip()]


def choice(name: str, allowed: tuple[str, ...], default: str) -> str:
    value = (get(name) or default).strip()
    if value not in allowed:
        raise ImproperlyConfigured(f"{name} must be one of {', '.join(allowed)} (got {value!r})")
    return value


def require(name: str, why: str) -> str:
    value = get(name)
    if value is None:
        raise ImproperlyConfigured(f"{name} must be set: {why}")
    return value


def site_url() -> str:
    """The platform's public address (`SITE_URL`, or its earlier name `NETCONDUCT_SITE_URL`), without a trailing
    slash: what every printed or sent link starts with. Refused when a phone could not open it as a link."""
    value = (get("SITE_URL") or get("NETCONDUCT_SITE_URL") or "").strip().rstrip("/")
    if value:
        parsed = urlsplit(value)
        if parsed.scheme not in {"http", "https"} or not parsed.netloc or parsed.query or parsed.fragment:
            raise ImproperlyConfigured(
                f"SITE_URL must be the address people open, such as https://netconduct.example.cn (got {value!r})"
            )
    return value


def postgres(url: str, **kwargs) -> dict:
    """DATABASES["default"] for a PostgreSQL URL: parameters bound by the server and statements prepared once a
    connection has run them 5 times (psycopg's `prepare_threshold`; Django's default turns preparing off). With the
    persistent connections of production a repeated query is then neither parsed nor planned again: about half the
    server's CPU of a pledge's signing (bench/README.md, pledges_sign.py). Not behind PgBouncer in transaction mode
    before 1.21 (prepared statements are per server connection)."""
    import dj_database_url

    database = dj_database_url.parse(url, **kwargs)
    if database["ENGINE"] == "django.db.backends.postgresql":
        database["OPTIONS"] = {
            "server_side_binding": True,
            "prepare_threshold": 5,
            **database.get("OPTIONS", {}),
        }
    return database


def data_dir() -> Path:
    path = Path(get("NETCONDUCT_DATA_DIR", "./netconduct-data")).expanduser().resolve()
    return path


def embedded_keys(directory: Path) -> dict[str, str]:
    """Keys of an embedded installation: made once, kept in the data folder, never printed.

    The secret key signs sessions; the field key encrypts personal data (ID numbers); the hash key makes the
    keyed hashes through which encrypted values are matched. Losing this file loses the encrypted fields, which
    is why it lives beside the database it belongs to.
    """
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "keys.json"
    if path.exists():
        return json.loads(path.read_text(encoding="utf-8"))
    keys = {
        "secret_key": secrets.token_urlsafe(50),
        "field_keys": {"k1": secrets.token_hex(32)},
        "hash_key": secrets.token_hex(32),
    }
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(keys, handle)
    return keys


def parse_field_keys(value: str) -> dict[str, str]:
    """`FIELD_ENCRYPTION_KEYS=k2:<64 hex>,k1:<64 hex>`: the first key encrypts, all of them decrypt.

    Only the shape `<id>:<key>` is required here; whether each key is 64 random hex digits is an Error of
    `check --deploy` (netconduct/core/checks.py), which names every bad key at once."""
    keys: dict[str, str] = {}
    for part in value.split(","):
        kid, _, hexkey = part.strip().partition(":")
        if not kid or not hexkey:
            raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS: each entry is <id>:<64 hex digits>")
        keys[kid] = hexkey.strip()
    return keys


# Roles a directory group may give. Never the inspector (纪检监察员): that stays with the discipline line, as does
# every role that reads reports; nor the system administrator, whom superusers appoint by name.
LDAP_MAPPABLE_ROLES = ("secretary", "unit_admin")


def ldap_group_roles(value: str | None) -> dict[str, str]:
    """`NETCONDUCT_LDAP_GROUP_ROLES="<group DN>|<role>; <group DN>|<role>"` (DNs hold commas, hence `;` and `|`):
    members of the group get the role on their own unit at sign-in. Empty (the default): no mapping."""
    roles: dict[str, str] = {}
    for part in (value or "").split(";"):
        if not part.strip():
            continue
        dn, sep, role = part.rpartition("|")
        dn, role = dn.strip(), role.strip()
        if not sep or not dn:
            raise ImproperlyConfigured(
                f"NETCONDUCT_LDAP_GROUP_ROLES: each entry is <group DN>|<role> (got {part!r})"
            )
        if role not in LDAP_MAPPABLE_ROLES:
            raise ImproperlyConfigured(
                f"NETCONDUCT_LDAP_GROUP_ROLES: a directory group may give only {', '.join(LDAP_MAPPABLE_ROLES)}; "
                f"not {role!r} (the inspector role stays with the discipline line)"
            )
        roles[dn.lower()] = role
    return roles
