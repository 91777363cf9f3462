"""The embedded default: SQLite and files under one data folder, no service needed."""

from __future__ import annotations

from . import env
from .base import *  # noqa: F403
from .base import DATA_DIR

_keys = env.embedded_keys(DATA_DIR)
(DATA_DIR / "static").mkdir(exist_ok=True)  # whitenoise serves from finders here, but wants the folder

DEBUG = env.get_bool("NETCONDUCT_DEBUG", False)
SECRET_KEY = _keys["secret_key"]
NETCONDUCT_FIELD_KEYS = _keys["field_keys"]
NETCONDUCT_HASH_KEY = _keys["hash_key"]
ALLOWED_HOSTS = env.get_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": DATA_DIR / "netconduct.sqlite3",
        "OPTIONS": {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;",
            "transaction_mode": "IMMEDIATE",
        },
    }
}
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
