"""Receipt codes, passphrases and the limit on guessing them.

A receipt code is 20 digits printed in five groups of four: a 3-digit bucket (`locator`, not secret, stored in
clear so the code can be found), 16 random digits from `secrets`, and a Luhn check digit that catches a mistyped
digit before it counts as a guess. The code and the passphrase are stored only as argon2 hashes; following a report
verifies the few rows of its bucket.

Guessing is limited in the cache only (Redis in production), counted atomically before each check, per client and
per bucket (see `attempt_begin`); nobody is refused because of other people's attempts. The client is a keyed hash
of its address under a key that is made each day, lives only in the cache and expires within the day; no address,
nor anything derived from one, is written to the database or the logs. Following runs the same argon2 work whether
the code exists or not (`dummy_hashes`).
"""

from __future__ import annotations

import contextlib
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


# ---------------------------------------------------------------------------------------------------- same work


@functools.cache
def _dummy_hashes(code_params: tuple, secret_params: tuple) -> tuple[str, str]:
    """Hashes of nothing, verified when the code is unknown so that an unknown code costs what a known one does."""
    return (
        _hasher_for(*code_params).hash(secrets.token_hex(16)),
        _hasher_for(*secret_params).hash(secrets.token_hex(16)),
    )


def dummy_hashes() -> tuple[str, str]:
    """(code hash, passphrase hash) at the configured costs."""

    def params(setting: str) -> tuple:
        p = getattr(settings, setting)
        return (p["time_cost"], p["memory_cost"], p["parallelism"])

    return _dummy_hashes(params("NETCONDUCT_REPORT_CODE_ARGON2"), params("NETCONDUCT_REPORT_ARGON2"))


# ---------------------------------------------------------------------------------------------------- guess limits


def _limits() -> dict:
    return settings.NETCONDUCT_REPORT_FOLLOW_LIMITS


def client_id(address: str) -> str:
    """A keyed hash of the client's address under today's key; the key lives only in the cache."""
    key_name = f"reports:clientkey:{timezone.localdate():%Y%m%d}"
    cache.add(key_name, secrets.token_hex(32), timeout=24 * 60 * 60)
    key = cache.get(key_name) or ""
    return hmac.new(key.encode(), address.encode(), hashlib.sha256).hexdigest()[:32]


def hit(name: str, window: int) -> tuple[int, float]:
    """Count one more for `name` in a window that starts with its first count: (count, when the window ends).

    `add` then `incr` is atomic in Redis and in the local-memory cache, so that of a burst of parallel attempts each
    gets its own number and none beyond the limit is let through."""
    counter, until = f"{name}:n", f"{name}:until"
    cache.add(until, time.time() + window, timeout=window)
    cache.add(counter, 0, timeout=window)
    try:
        count = cache.incr(counter)
    except ValueError:  # the window ended between add and incr: this is the first of a new one
        cache.set(until, time.time() + window, timeout=window)
        cache.set(counter, 1, timeout=window)
        count = 1
    return count, float(cache.get(until) or time.time() + window)


def unhit(name: str) -> None:
    with contextlib.suppress(ValueError):
        cache.decr(f"{name}:n")


class Refused(Exception):
    def __init__(self, wait: int):
        super().__init__(wait)
        self.wait = wait


@dataclass(frozen=True)
class Attempt:
    """The counters one follow attempt was counted against (undone when it succeeds: only failures count)."""

    names: tuple[str, ...]


def attempt_begin(*, locator: str, address: str) -> Attempt:
    """Count a follow attempt before it is checked, or raise `Refused` with the seconds to wait.

    - Per client (a keyed hash of its address, see `clients.client_address`): `client` attempts per window. This
      is what stops one guesser; only the client's own attempts count against it.
    - Per bucket (the code's first three digits): after `bucket` attempts in a window the bucket is guarded, and
      each client gets `bucket_client` attempts on it per window. A guesser with many addresses gets that few per
      address, while the reporter, whose own attempts are the only ones counted against them, still gets in.

    Nothing here refuses an attempt because of other people's attempts, so nobody can lock a reporter out."""
    limits = _limits()
    now = time.time()
    client = client_id(address or "-")
    names: list[str] = []

    def count(name: str, allowed: int, window: int) -> None:
        n, until = hit(name, window)
        names.append(name)
        if n > allowed:
            for done in names:
                unhit(done)  # a refused attempt was not checked and does not count
            raise Refused(max(1, int(until - now + 0.999)))

    allowed, window = limits["client"]
    count(f"reports:follow:client:{client}", allowed, window)
    bucket_allowed, bucket_window = limits["bucket"]
    n, _ = hit(f"reports:follow:bucket:{locator}", bucket_window)
    names.append(f"reports:follow:bucket:{locator}")
    if n > bucket_allowed:
        per_client, _ = limits["bucket_client"]
        count(f"reports:follow:bucket:{locator}:{client}", per_client, bucket_window)
    return Attempt(tuple(names))


def attempt_succeeded(attempt: Attempt) -> None:
    for name in attempt.names:
        unhit(name)


# ---------------------------------------------------------------------------------------------------- filing limits


def filing_begin(*, actor, address: str) -> None:
    """Count a filing, or raise `Refused`. Signed-in people are counted per account (a whole shift files from one
    NAT address); anyone else per client address and, all together, against an overall limit, so that a flood of
    anonymous filings cannot bury the real ones."""
    limits = settings.NETCONDUCT_REPORT_FILE_LIMITS
    now = time.time()
    if actor is not None and actor.is_authenticated:
        # Under the same daily key as addresses: the cache holds no account number beside a filing time.
        keys = [(f"reports:file:account:{client_id(f'account:{actor.pk}')}", *limits["account"])]
    else:
        keys = [
            (f"reports:file:client:{client_id(address or '-')}", *limits["client"]),
            ("reports:file:public", *limits["public"]),
        ]
    done: list[str] = []
    for name, allowed, window in keys:
        n, until = hit(name, window)
        done.append(name)
        if n > allowed:
            for d in done:
                unhit(d)
            raise Refused(max(1, int(until - now + 0.999)))
