"""Production: PostgreSQL, Redis, a worker and gunicorn, all from environment variables."""

from __future__ import annotations

import logging
from pathlib import Path

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
    "default": env.postgres(
        env.require("DATABASE_URL", "production runs on PostgreSQL"), conn_max_age=60, conn_health_checks=True
    )
}
REDIS_URL = env.get("REDIS_URL")
# Guess limits and lockouts count in the cache: `check --deploy` fails without a shared one (core/checks.py).
NETCONDUCT_REQUIRES_SHARED_CACHE = True
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
# Sessions in the database, read through the cache: every node sees every session, and restarting or flushing
# Redis signs nobody out. Guess limits (axes) are database rows; QR sign-in tokens are HMACs of SECRET_KEY.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

# The data folder (NETCONDUCT_DATA_DIR) is shared by every node (an NFS or similar mount): stored files under
# media/, upload previews (roster and register imports) waiting for their confirmation, the seal and the audit
# checkpoint key when generated rather than configured. Each node keeps its own collected static files.
MEDIA_ROOT = env.data_dir() / "media"
STATIC_ROOT = Path(env.get("NETCONDUCT_STATIC_ROOT") or env.data_dir() / "static")
# Stored files (signed pledges, scans, evidence) on S3-compatible object storage instead of the shared folder:
# NETCONDUCT_STORAGE=s3 and NETCONDUCT_S3_BUCKET, _ENDPOINT_URL, _REGION, _ACCESS_KEY, _SECRET_KEY
# (pip install 'netconduct[s3]'). Upload previews and the seal still live in the shared data folder.
NETCONDUCT_STORAGE = env.choice("NETCONDUCT_STORAGE", ("files", "s3"), "files")
if NETCONDUCT_STORAGE == "s3":
    STORAGES = {
        **STORAGES,  # noqa: F405
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": env.require("NETCONDUCT_S3_BUCKET", "NETCONDUCT_STORAGE=s3 needs a bucket"),
                "endpoint_url": env.get("NETCONDUCT_S3_ENDPOINT_URL") or None,
                "region_name": env.get("NETCONDUCT_S3_REGION") or None,
                "access_key": env.get("NETCONDUCT_S3_ACCESS_KEY") or None,
                "secret_key": env.get("NETCONDUCT_S3_SECRET_KEY") or None,
                "location": env.get("NETCONDUCT_S3_PREFIX", "") or "",
                "default_acl": None,  # private objects: every file is served through the application
                "querystring_auth": True,
                "file_overwrite": False,
                "addressing_style": env.get("NETCONDUCT_S3_ADDRESSING_STYLE") or None,
                "signature_version": "s3v4",
            },
        },
    }

# /healthz, /readyz and /metrics answer plain HTTP on the node's own port: probes do not follow a redirect.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]

# Python's warnings (a missing static folder, a deprecation) go through the same handler instead of raw stderr.
logging.captureWarnings(True)
# One JSON object a line on standard error (journald keeps it), with the request id; see ops/logs.py for what a
# line may hold. The reporting pages are kept out as on the embedded default.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "unlogged_paths": {"()": "netconduct.core.logfilters.DropUnloggedPaths"},
        "private_loggers": {"()": "netconduct.ops.logs.DropPrivateLoggers"},
        "request_id": {"()": "netconduct.ops.logs.RequestIdFilter"},
    },
    "formatters": {"json": {"()": "netconduct.ops.logs.JsonFormatter"}},
    "handlers": {
        "json": {
            "class": "logging.StreamHandler",
            "formatter": "json",
            "filters": ["unlogged_paths", "private_loggers", "request_id"],
        }
    },
    "root": {"handlers": ["json"], "level": env.get("NETCONDUCT_LOG_LEVEL", "INFO") or "INFO"},
    "loggers": {
        "axes": {"level": "ERROR"},
        "django": {"level": "INFO"},
        "django.server": {"level": "WARNING"},
        "django.db.backends": {"level": "WARNING"},  # never SQL with its parameters
        "gunicorn.error": {"handlers": ["json"], "level": "INFO", "propagate": False},
    },
}

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
