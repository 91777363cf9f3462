"""Encryption of personal fields at rest, and the keyed hashes through which they are matched.

Values are sealed with AES-256-GCM under the first key of `NETCONDUCT_FIELD_KEYS`; the token names its key, so keys
can be rotated by putting a new key first and re-encrypting (`netconduct rotate-field-keys`) while old tokens stay
readable. Equality look-ups never decrypt: they compare HMAC-SHA256 digests under `NETCONDUCT_HASH_KEY`.
"""

from __future__ import annotations

import base64
import hmac
import os
from functools import cache

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings


@cache
def _keys() -> tuple[str, dict[str, AESGCM]]:
    configured: dict[str, str] = settings.NETCONDUCT_FIELD_KEYS
    if not configured:
        raise RuntimeError("NETCONDUCT_FIELD_KEYS is empty")
    ciphers = {kid: AESGCM(bytes.fromhex(hexkey)) for kid, hexkey in configured.items()}
    return next(iter(configured)), ciphers


@cache
def _hash_key() -> bytes:
    return settings.NETCONDUCT_HASH_KEY.encode()


def reset_key_cache() -> None:
    _keys.cache_clear()
    _hash_key.cache_clear()


def encrypt(plaintext: str, *, context: str) -> str:
    """Seal `plaintext`; `context` (e.g. "person.id_number") is bound in, so a token cannot be moved to another field."""
    kid, ciphers = _keys()
    nonce = os.urandom(12)
    sealed = ciphers[kid].encrypt(nonce, plaintext.encode(), context.encode())
    return f"{kid}${base64.urlsafe_b64encode(nonce + sealed).decode()}"


def decrypt(token: str, *, context: str) -> str:
    kid, _, body = token.partition("$")
    _, ciphers = _keys()
    raw = base64.urlsafe_b64decode(body.encode())
    return ciphers[kid].decrypt(raw[:12], raw[12:], context.encode()).decode()


def key_id(token: str) -> str:
    return token.partition("$")[0]


def current_key_id() -> str:
    return _keys()[0]


def keyed_hash(value: str, *, context: str) -> str:
    return hmac.digest(_hash_key(), f"{context}\x00{value}".encode(), "sha256").hex()  # one C call


def mask_id_number(value: str) -> str:
    """3401**********123X: the region prefix and the last four, as the issue's example shows."""
    if len(value) < 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_mobile(value: str) -> str:
    if len(value) < 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def encrypt_bytes(data: bytes, *, context: str) -> bytes:
    """Seal a file's bytes like `encrypt` seals text: `<key id>$` then nonce and ciphertext, bound to `context`."""
    kid, ciphers = _keys()
    nonce = os.urandom(12)
    return kid.encode() + b"$" + nonce + ciphers[kid].encrypt(nonce, data, context.encode())


def decrypt_bytes(blob: bytes, *, context: str) -> bytes:
    kid, _, body = blob.partition(b"$")
    _, ciphers = _keys()
    return ciphers[kid.decode()].decrypt(body[:12], body[12:], context.encode())


def bytes_key_id(blob: bytes) -> str:
    return blob.partition(b"$")[0].decode()
