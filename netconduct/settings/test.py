"""Tests: SQLite in memory by default, PostgreSQL when DATABASE_URL is set (CI runs both)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from . import env
from .base import *  # noqa: F403

DATA_DIR = Path(tempfile.mkdtemp(prefix="netconduct-test-"))
MEDIA_ROOT = DATA_DIR / "media"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
SECRET_KEY = "test-secret-key-not-for-production-0123456789-abcdefghijklmnop"  # noqa: S105
NETCONDUCT_FIELD_KEYS = {"k2": "22" * 32, "k1": "11" * 32}
NETCONDUCT_HASH_KEY = "33" * 32
ALLOWED_HOSTS = ["*"]
# Built fonts are derived from the installed packages only: shared by test runs instead of rebuilt per process.
NETCONDUCT_FONT_CACHE = Path(tempfile.gettempdir()) / "netconduct-test-font-cache"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.MD5PasswordHasher"
]  # speed only; argon2 is tested explicitly

_url = env.get("DATABASE_URL")
if _url:
    DATABASES = {"default": env.postgres(_url)}  # as production binds and prepares
else:
    DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
