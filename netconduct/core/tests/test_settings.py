"""The production configuration: refuses to start without secrets and passes `check --deploy` cleanly."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    base = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    base.update(env)
    return subprocess.run(
        [sys.executable, "-m", "netconduct.cli", *args], env=base, capture_output=True, text=True, timeout=120
    )


def _production_env(tmp_path) -> dict[str, str]:
    return {
        "DJANGO_SETTINGS_MODULE": "netconduct.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(60),
        "FIELD_ENCRYPTION_KEYS": f"k1:{secrets.token_hex(32)}",
        "ID_HASH_KEY": secrets.token_hex(32),
        "DATABASE_URL": "postgres://netconduct@127.0.0.1:5432/netconduct",
        "REDIS_URL": "redis://127.0.0.1:6379/0",
        "ALLOWED_HOSTS": "netconduct.example.cn",
        "NETCONDUCT_DATA_DIR": str(tmp_path),
        "SITE_URL": "https://netconduct.example.cn",
    }


def test_production_passes_check_deploy_without_warnings(tmp_path):
    result = _run(["check", "--deploy", "--fail-level", "WARNING"], _production_env(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_warns_without_a_public_address_and_refuses_one_a_phone_cannot_open(tmp_path):
    env = _production_env(tmp_path)
    env["SITE_URL"] = ""
    result = _run(["check", "--deploy", "--fail-level", "WARNING"], env)
    assert result.returncode != 0 and "netconduct.W001" in result.stderr + result.stdout

    env["SITE_URL"] = "netconduct.example.cn"  # no scheme: a QR code of it opens nothing
    result = _run(["check"], env)
    assert result.returncode != 0 and "SITE_URL must be the address people open" in result.stderr


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    env = _production_env(tmp_path)
    env["SECRET_KEY"] = ""
    result = _run(["check"], env)
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_refuses_a_weak_secret_key(tmp_path):
    env = _production_env(tmp_path)
    env["SECRET_KEY"] = "short"
    result = _run(["check"], env)
    assert result.returncode != 0 and "SECRET_KEY" in result.stderr


def test_embedded_default_keeps_its_keys_in_the_data_folder(tmp_path):
    env = {"DJANGO_SETTINGS_MODULE": "netconduct.settings.embedded", "NETCONDUCT_DATA_DIR": str(tmp_path)}
    first = _run(["check"], env)
    assert first.returncode == 0, first.stderr
    keys = (tmp_path / "keys.json").read_text()
    assert oct((tmp_path / "keys.json").stat().st_mode & 0o777) == "0o600"
    _run(["check"], env)
    assert (tmp_path / "keys.json").read_text() == keys


def _deploy(tmp_path, **changes) -> subprocess.CompletedProcess:
    env = _production_env(tmp_path)
    env.update(changes)
    return _run(["check", "--deploy"], env)


def test_check_deploy_fails_on_weak_or_malformed_keys(tmp_path):
    cases = {
        "FIELD_ENCRYPTION_KEYS": [
            "k1:" + "11" * 32,  # well-formed, not random
            "k1:" + "zz" * 32,  # not hex
            "k1:abcdef",  # too short
            f"k2:{'ab12' * 16},k1:{'ab12' * 16}",
        ],
        "ID_HASH_KEY": ["33" * 32, "short-key", "0123456789abcdef" * 4],
    }
    for name, values in cases.items():
        for value in values:
            result = _deploy(tmp_path, **{name: value})
            assert result.returncode != 0, (name, value)
            assert "ERROR" in result.stderr and name in result.stderr, result.stderr


def test_check_deploy_fails_on_empty_allowed_hosts_and_missing_redis(tmp_path):
    result = _deploy(tmp_path, ALLOWED_HOSTS="")
    assert result.returncode != 0 and "netconduct.E003" in result.stderr
    result = _deploy(tmp_path, REDIS_URL="")
    assert result.returncode != 0 and "netconduct.E004" in result.stderr and "REDIS_URL" in result.stderr


def test_the_wsgi_entry_refuses_to_serve_with_weak_keys(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "SECRET_KEY"}}
    env.update(_production_env(tmp_path))
    command = [sys.executable, "-c", "import netconduct.wsgi"]
    assert subprocess.run(command, env=env, capture_output=True, timeout=120).returncode == 0
    env["ID_HASH_KEY"] = "33" * 32
    weak = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert weak.returncode != 0 and "netconduct.E002" in weak.stderr
