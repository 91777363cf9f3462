"""Production: PostgreSQL, Redis, a worker and gunicorn, all from environment variables."""

from __future__ import annotations

import dj_database_url

from . import env
from .base import *  # noqa: F403

SECRET_KEY = env.require("SECRET_KEY", "production refuses to start without a secret key")
if len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("SECRET_KEY must be at least 50 characters of random text")
NETCONDUCT_FIELD_KEYS = env.parse_field_keys(
    env.require("FIELD_ENCRYPTION_KEYS", "personal data is encrypted with these keys")
)
NETCONDUCT_HASH_KEY = env.require("ID_HASH_KEY", "ID numbers are matched through a keyed hash")
ALLOWED_HOSTS = env.get_list("ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env.get_list("CSRF_TRUSTED_ORIGINS")

DATABASES = {
    "default": dj_database_url.parse(
        env.require("DATABASE_URL", "production runs on PostgreSQL"), conn_max_age=60, conn_health_checks=True
    )
}
REDIS_URL = env.get("REDIS_URL")
# Guess limits and lockouts count in the cache: `check --deploy` fails without a shared one (core/checks.py).
NETCONDUCT_REQUIRES_SHARED_CACHE = True
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
    SESSION_ENGINE = "django.contrib.sessions.backends.cache"
MEDIA_ROOT = env.data_dir() / "media"
STATIC_ROOT = env.data_dir() / "static"

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.get_bool("SECURE_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = int(env.get("SECURE_HSTS_SECONDS", "31536000") or 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
