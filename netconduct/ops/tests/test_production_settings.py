"""Production settings for several nodes: shared sessions, object storage by setting, probes without redirects."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys

import pytest

pytestmark = pytest.mark.once

PRINT = """
import json
from django.conf import settings
print(json.dumps({
    "storage": settings.STORAGES["default"],
    "sessions": settings.SESSION_ENGINE,
    "cache": settings.CACHES["default"]["BACKEND"],
    "exempt": settings.SECURE_REDIRECT_EXEMPT,
    "static_root": str(settings.STATIC_ROOT),
    "media_root": str(settings.MEDIA_ROOT),
    "middleware": settings.MIDDLEWARE[0],
}))
"""


def _settings(tmp_path, **extra: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "SECRET_KEY"}}
    env.update(
        DJANGO_SETTINGS_MODULE="netconduct.settings.production",
        SECRET_KEY=secrets.token_urlsafe(60),
        FIELD_ENCRYPTION_KEYS=f"k1:{secrets.token_hex(32)}",
        ID_HASH_KEY=secrets.token_hex(32),
        DATABASE_URL="postgres://netconduct@127.0.0.1:5432/netconduct",
        REDIS_URL="redis://127.0.0.1:6379/0",
        ALLOWED_HOSTS="netconduct.example.cn",
        NETCONDUCT_DATA_DIR=str(tmp_path / "shared"),
        **extra,
    )
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup();" + PRINT],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_every_node_shares_sessions_cache_and_the_data_folder(tmp_path):
    done = _settings(tmp_path, NETCONDUCT_STATIC_ROOT=str(tmp_path / "node-static"))
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    assert (
        found["sessions"] == "django.contrib.sessions.backends.cached_db"
    )  # the database, read through Redis
    assert found["cache"] == "django.core.cache.backends.redis.RedisCache"
    assert found["storage"]["BACKEND"] == "django.core.files.storage.FileSystemStorage"
    assert found["media_root"] == str(tmp_path / "shared" / "media")
    assert found["static_root"] == str(tmp_path / "node-static")  # collected per node
    assert {"^healthz$", "^readyz$", "^metrics$"} <= set(found["exempt"])
    assert found["middleware"] == "netconduct.ops.middleware.RequestIdMiddleware"


def test_object_storage_is_chosen_by_a_setting(tmp_path):
    done = _settings(
        tmp_path,
        NETCONDUCT_STORAGE="s3",
        NETCONDUCT_S3_BUCKET="netconduct-files",
        NETCONDUCT_S3_ENDPOINT_URL="https://minio.example.cn:9000",
        NETCONDUCT_S3_ACCESS_KEY="AKIAEXAMPLE",
        NETCONDUCT_S3_SECRET_KEY="secret-example",
        NETCONDUCT_S3_ADDRESSING_STYLE="path",
    )
    assert done.returncode == 0, done.stderr
    storage = json.loads(done.stdout)["storage"]
    assert storage["BACKEND"] == "storages.backends.s3.S3Storage"
    options = storage["OPTIONS"]
    assert options["bucket_name"] == "netconduct-files"
    assert options["endpoint_url"] == "https://minio.example.cn:9000"
    assert options["default_acl"] is None and options["querystring_auth"] is True  # private objects
    assert options["file_overwrite"] is False  # a second archive copy never replaces the first


def test_object_storage_without_a_bucket_or_an_unknown_storage_is_refused(tmp_path):
    done = _settings(tmp_path, NETCONDUCT_STORAGE="s3")
    assert done.returncode != 0 and "NETCONDUCT_S3_BUCKET must be set" in done.stderr
    done = _settings(tmp_path, NETCONDUCT_STORAGE="ftp")
    assert done.returncode != 0 and "NETCONDUCT_STORAGE must be one of files, s3" in done.stderr
