"""The backup file's encryption: what goes in comes out, and every kind of damage is refused with a reason."""

from __future__ import annotations

import io
import json
import os
import struct

import pytest

from netconduct.backup import archive
from netconduct.backup.archive import BackupError, DecryptingReader, EncryptingWriter

FAST = {"n": 1 << 10}  # the file records its own cost; a cheap one keeps these tests quick
PASSPHRASE = "correct-horse-battery-staple"


def _sealed(payload: bytes, *, header: dict | None = None) -> bytes:
    out = io.BytesIO()
    writer = EncryptingWriter(out, passphrase=PASSPHRASE, header=header or {"version": "0.1.0"}, kdf=FAST)
    writer.write(payload)
    writer.finish()
    return out.getvalue()


def _open(data: bytes, passphrase: str = PASSPHRASE) -> bytes:
    reader = DecryptingReader(io.BytesIO(data), passphrase=passphrase)
    return reader.read()


@pytest.mark.parametrize(
    "size", [0, 1, archive.CHUNK - 1, archive.CHUNK, archive.CHUNK + 1, 2 * archive.CHUNK]
)
def test_round_trip_at_chunk_edges(size):
    payload = os.urandom(size)
    data = _sealed(payload)
    assert _open(data) == payload
    if size >= 64:
        assert payload[:64] not in data  # encrypted, not merely wrapped


def test_header_is_readable_without_the_passphrase_and_names_its_cost():
    header, _ = archive.read_header(
        io.BytesIO(_sealed(b"x", header={"version": "0.1.0", "database": "sqlite"}))
    )
    assert header["version"] == "0.1.0" and header["database"] == "sqlite"
    assert header["kdf"]["name"] == "scrypt" and header["kdf"]["n"] == FAST["n"]
    assert archive.KDF_DEFAULTS["n"] >= 1 << 17  # the real backups' cost


def test_wrong_passphrase_is_named():
    with pytest.raises(BackupError, match="备份口令不正确"):
        _open(_sealed(b"payload"), "not-the-passphrase")


def test_not_a_backup():
    with pytest.raises(BackupError, match="不是本平台的备份文件"):
        _open(b"PK\x03\x04 a zip file")


@pytest.mark.parametrize("cut", [1, 16, archive.TAG + 1])
def test_truncated_end_is_refused(cut):
    data = _sealed(os.urandom(archive.CHUNK + 100))
    with pytest.raises(BackupError, match="不完整"):
        _open(data[:-cut])


def test_truncated_at_a_chunk_boundary_is_refused():
    data = _sealed(os.urandom(archive.CHUNK + 100))
    header_length = len(archive.MAGIC) + 4 + struct.unpack(">I", data[8:12])[0]
    with pytest.raises(BackupError, match="不完整"):
        _open(data[: header_length + archive.CHUNK + archive.TAG])  # the first chunk whole, the last one gone


def test_changed_byte_is_refused():
    data = bytearray(_sealed(os.urandom(3000)))
    data[-100] ^= 1
    with pytest.raises(BackupError, match="校验失败"):
        _open(bytes(data))


def test_changed_header_is_refused_even_with_the_right_passphrase():
    data = _sealed(b"payload", header={"version": "0.1.0"})
    length = struct.unpack(">I", data[8:12])[0]
    header = json.loads(data[12 : 12 + length])
    header["version"] = "0.0.9"  # claims to be older: must not pass as such
    encoded = json.dumps(header, ensure_ascii=False, sort_keys=True).encode()
    forged = archive.MAGIC + struct.pack(">I", len(encoded)) + encoded + data[12 + length :]
    with pytest.raises(BackupError, match="校验失败"):
        _open(forged)


def test_bytes_after_the_end_are_refused():
    with pytest.raises(BackupError, match="已被改动"):
        _open(_sealed(b"payload") + b"\x00")
