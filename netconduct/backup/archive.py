"""The backup file: one stream encrypted under the operator's passphrase, in chunks that each carry their own tag.

    NCBACKUP | header length (4 bytes, big-endian) | header (JSON) | chunk 0 | chunk 1 | … | last chunk

The header is readable without the passphrase (format, product version, migrations, the KDF's salt and cost) so a
restore can say what the file is before asking for anything, but it is bound to every chunk as associated data: a
changed header fails like a changed byte. The key is scrypt(passphrase) (N=2^17, r=8, p=1: about 0.7 s and 128 MiB
per try); the chunks are AES-256-GCM over 1 MiB of the payload each, with a nonce of a random prefix, the chunk's
number and a flag on the last one, so chunks cannot be dropped, reordered, repeated or cut off at the end unnoticed.
A short check value derived from the passphrase tells a wrong passphrase from a damaged file.

The payload is a tar stream (see `snapshot.py`): the manifest, the database and the data folder's files.
"""

from __future__ import annotations

import base64
import hmac
import io
import json
import os
import struct
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt
from django.utils.translation import gettext as _

MAGIC = b"NCBACKUP"
FORMAT = 1
CHUNK = 1 << 20
TAG = 16
KDF_DEFAULTS = {"name": "scrypt", "n": 1 << 17, "r": 8, "p": 1}
HEADER_MAX = 1 << 20


class BackupError(Exception):
    """The backup cannot be made or read; the message says why, in Chinese, for the operator."""


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode(), validate=True)


def derive_keys(passphrase: str, kdf: dict) -> tuple[bytes, str]:
    """(encryption key, check value) of a passphrase under the header's KDF parameters."""
    if kdf.get("name") != "scrypt":
        raise BackupError(
            _("备份文件使用了本程序不认识的密钥派生方法（{name}）。").format(name=kdf.get("name"))
        )
    material = Scrypt(
        salt=_unb64(kdf["salt"]), length=64, n=int(kdf["n"]), r=int(kdf["r"]), p=int(kdf["p"])
    ).derive(passphrase.encode("utf-8"))
    check = hmac.digest(material[32:], b"netconduct-backup-passphrase-check", "sha256")[:16].hex()
    return material[:32], check


def _nonce(prefix: bytes, counter: int, last: bool) -> bytes:
    return prefix + counter.to_bytes(4, "big") + (b"\x01" if last else b"\x00")


class EncryptingWriter(io.RawIOBase):
    """A write-only file object: what is written goes out encrypted, chunk by chunk, to `target`."""

    def __init__(self, target: BinaryIO, *, passphrase: str, header: dict, kdf: dict | None = None) -> None:
        super().__init__()
        kdf = {**KDF_DEFAULTS, **(kdf or {}), "salt": _b64(os.urandom(16))}
        key, check = derive_keys(passphrase, kdf)
        self._prefix = os.urandom(7)
        full = {
            **header,
            "format": FORMAT,
            "kdf": kdf,
            "check": check,
            "nonce": _b64(self._prefix),
            "chunk": CHUNK,
        }
        encoded = json.dumps(full, ensure_ascii=False, sort_keys=True).encode("utf-8")
        self._aad = MAGIC + struct.pack(">I", len(encoded)) + encoded
        self._aead = AESGCM(key)
        self._target = target
        self._buffer = bytearray()
        self._counter = 0
        self._finished = False
        target.write(self._aad)

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self._buffer += data
        while len(self._buffer) > CHUNK:  # keep at least one byte back: the last chunk is written by close()
            self._emit(bytes(self._buffer[:CHUNK]), last=False)
            del self._buffer[:CHUNK]
        return len(data)

    def _emit(self, plain: bytes, *, last: bool) -> None:
        nonce = _nonce(self._prefix, self._counter, last)
        self._target.write(self._aead.encrypt(nonce, plain, self._aad))
        self._counter += 1

    def finish(self) -> None:
        """Write the last chunk (shorter than a full one, possibly empty). Without it the file is incomplete."""
        if not self._finished:
            if len(self._buffer) == CHUNK:
                self._emit(bytes(self._buffer), last=False)
                self._buffer.clear()
            self._emit(bytes(self._buffer), last=True)
            self._buffer.clear()
            self._finished = True


def read_header(source: BinaryIO) -> tuple[dict, bytes]:
    """The header of a backup file and the bytes it was read from (bound to every chunk)."""
    magic = source.read(len(MAGIC))
    if magic != MAGIC:
        raise BackupError(_("这不是本平台的备份文件（文件开头不对）。"))
    raw_length = source.read(4)
    if len(raw_length) != 4:
        raise BackupError(_("备份文件不完整：文件头被截断。"))
    (length,) = struct.unpack(">I", raw_length)
    if length > HEADER_MAX:
        raise BackupError(_("备份文件已损坏：文件头长度不合理。"))
    encoded = source.read(length)
    if len(encoded) != length:
        raise BackupError(_("备份文件不完整：文件头被截断。"))
    try:
        header = json.loads(encoded.decode("utf-8"))
        if not isinstance(header, dict):
            raise ValueError
    except ValueError:
        raise BackupError(_("备份文件已损坏：文件头无法读取。")) from None
    if header.get("format") != FORMAT:
        raise BackupError(
            _("备份文件的格式版本（{found}）不是本程序能读的（{known}）：请用较新版本的程序恢复。").format(
                found=header.get("format"), known=FORMAT
            )
        )
    return header, magic + raw_length + encoded


class DecryptingReader(io.RawIOBase):
    """A read-only file object over a backup's payload. Every chunk is authenticated before a byte of it is
    returned; a wrong passphrase, a changed, dropped or reordered chunk, or a missing end raise BackupError."""

    def __init__(self, source: BinaryIO, *, passphrase: str) -> None:
        super().__init__()
        self.header, self._aad = read_header(source)
        try:
            key, check = derive_keys(passphrase, self.header["kdf"])
            self._prefix = _unb64(self.header["nonce"])
        except (KeyError, TypeError, ValueError):
            raise BackupError(_("备份文件已损坏：文件头缺少密钥参数。")) from None
        if not hmac.compare_digest(check, str(self.header.get("check", ""))):
            raise BackupError(_("备份口令不正确。"))
        self._aead = AESGCM(key)
        self._source = source
        self._counter = 0
        self._pending = b""
        self._done = False

    def readable(self) -> bool:
        return True

    def _next_chunk(self) -> bytes:
        sealed = self._source.read(CHUNK + TAG)
        if not sealed:
            raise BackupError(_("备份文件不完整：在结尾之前就结束了（可能被截断）。"))
        last = len(sealed) < CHUNK + TAG
        try:
            plain = self._aead.decrypt(_nonce(self._prefix, self._counter, last), sealed, self._aad)
        except InvalidTag:
            if last:
                raise BackupError(
                    _("备份文件不完整或已被改动：第 {n} 段校验失败。").format(n=self._counter + 1)
                ) from None
            raise BackupError(
                _("备份文件已被改动或损坏：第 {n} 段校验失败。").format(n=self._counter + 1)
            ) from None
        self._counter += 1
        if last:
            self._done = True
            if self._source.read(1):
                raise BackupError(_("备份文件已被改动：结尾之后还有多余的数据。"))
        return plain

    def readinto(self, buffer) -> int:
        while not self._pending and not self._done:
            self._pending = self._next_chunk()
        n = min(len(buffer), len(self._pending))
        buffer[:n] = self._pending[:n]
        self._pending = self._pending[n:]
        return n

    def drain(self) -> None:
        """Read (and so authenticate) whatever is left, to the last chunk."""
        while self.read(CHUNK):
            pass
