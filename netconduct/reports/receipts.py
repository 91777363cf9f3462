"""Receipt codes, passphrases and the limit on guessing them.

A receipt code is 20 digits printed in five groups of four: a 3-digit bucket (`locator`, not secret, stored in
clear so the code can be found), 16 random digits from `secrets`, and a Luhn check digit that catches a mistyped
digit before it counts as a guess. The code and the passphrase are stored only as argon2 hashes; following a report
verifies the few rows of its bucket.

Guessing is limited in the cache only (Redis in production): failures are counted per bucket, per client and
overall, and each new lockout of the same bucket or client lasts twice as long as the one before (up to a day). The
client is a keyed hash of its address under a key that is made each day, lives only in the cache and expires within
the day; no address, nor anything derived from one, is written to the database or the logs.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets
import time
import unicodedata
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

LOCATOR_DIGITS = 3
SECRET_DIGITS = 16
CODE_DIGITS = LOCATOR_DIGITS + SECRET_DIGITS + 1
PASSPHRASE_MIN = 8


def _hasher(setting: str = "NETCONDUCT_REPORT_ARGON2") -> PasswordHasher:
    params = getattr(settings, setting)
    return _hasher_for(params["time_cost"], params["memory_cost"], params["parallelism"])


@functools.cache
def _hasher_for(time_cost: int, memory_cost: int, parallelism: int) -> PasswordHasher:
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism)


def _luhn_digit(digits: str) -> str:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


def new_code() -> str:
    body = "".join(secrets.choice("0123456789") for _ in range(LOCATOR_DIGITS + SECRET_DIGITS))
    return body + _luhn_digit(body)


def format_code(code: str) -> str:
    return " ".join(code[i : i + 4] for i in range(0, len(code), 4))


def normalise_code(typed: str) -> str | None:
    """The 20 digits of a typed code (spaces, dashes and full-width digits allowed), or None when it cannot be one."""
    text = unicodedata.normalize("NFKC", typed or "")
    digits = "".join(ch for ch in text if ch.isdigit())
    if len(digits) != CODE_DIGITS or any(ch not in "0123456789" for ch in digits):
        return None
    if _luhn_digit(digits[:-1]) != digits[-1]:
        return None
    return digits


def locator_of(code: str) -> str:
    return code[:LOCATOR_DIGITS]


def hash_secret(value: str) -> str:
    """A passphrase: argon2id at the full cost (people choose passphrases; they need it)."""
    return _hasher().hash(value)


def hash_code(code: str) -> str:
    """A receipt code: argon2id at a lighter cost. Its 16 random digits (53 bits) already defeat an offline search
    at this cost, and following verifies every row of the code's bucket, so each verification must stay cheap."""
    return _hasher("NETCONDUCT_REPORT_CODE_ARGON2").hash(code)


def verify_secret(stored: str, value: str) -> bool:
    try:
        return _hasher().verify(stored, value)
    except (VerificationError, InvalidHashError):
        return False


# ---------------------------------------------------------------------------------------------------- guess limits


def _limits() -> dict:
    return settings.NETCONDUCT_REPORT_FOLLOW_LIMITS


def _client_id(address: str) -> str:
    """A keyed hash of the client's address under today's key; the key lives only in the cache."""
    key_name = f"reports:follow:clientkey:{timezone.localdate():%Y%m%d}"
    cache.add(key_name, secrets.token_hex(32), timeout=24 * 60 * 60)
    key = cache.get(key_name) or ""
    return hmac.new(key.encode(), address.encode(), hashlib.sha256).hexdigest()[:32]


@dataclass(frozen=True)
class Subjects:
    """What a follow attempt is counted against."""

    keys: tuple[tuple[str, str], ...]  # (kind, cache id)

    @classmethod
    def of(cls, *, locator: str | None, address: str) -> Subjects:
        keys = [("global", "all")]
        if locator:
            keys.append(("bucket", locator))
        if address:
            keys.append(("client", _client_id(address)))
        return cls(tuple(keys))


def locked_for(subjects: Subjects) -> int:
    """Seconds until the attempt may be made; 0 when it may be made now."""
    now = time.time()
    wait = 0.0
    for kind, ident in subjects.keys:
        until = cache.get(f"reports:follow:lock:{kind}:{ident}")
        if until and until > now:
            wait = max(wait, until - now)
    return int(wait + 0.999)


def record_failure(subjects: Subjects) -> None:
    limits = _limits()
    for kind, ident in subjects.keys:
        allowed, window = limits[kind]
        counter = f"reports:follow:fail:{kind}:{ident}"
        cache.add(counter, 0, timeout=window)
        try:
            count = cache.incr(counter)
        except ValueError:  # expired between add and incr
            cache.set(counter, 1, timeout=window)
            count = 1
        if count >= allowed:
            level_key = f"reports:follow:level:{kind}:{ident}"
            level = int(cache.get(level_key) or 0) + 1
            seconds = min(limits["lockout_seconds"] * 2 ** (level - 1), 24 * 60 * 60)
            cache.set(f"reports:follow:lock:{kind}:{ident}", time.time() + seconds, timeout=seconds)
            cache.set(level_key, level, timeout=24 * 60 * 60)
            cache.delete(counter)
