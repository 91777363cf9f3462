"""Signed checkpoints of the audit chain, kept outside the database.

The hash chain shows an edit made by someone who only changes rows; someone who owns the database can also delete
the newest events and move the head, or recompute every hash after an edit. A checkpoint is the head (sequence,
hash, time) signed with the organisation's Ed25519 key; copies go to the data folder, e-mail and robots every day.
A chain that no longer reaches a checkpoint's hash at the checkpoint's sequence was rewritten, however well its
hashes agree with each other.

The key is NETCONDUCT_AUDIT_CHECKPOINT_KEY (a PEM private key file) or, unset, one generated on first use into
<data folder>/audit/checkpoint_key.pem (mode 0600). Verifying needs only the public key, whose fingerprint every
checkpoint names.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.utils import timezone

from .audit import audit_verify
from .models import AuditEvent, AuditHead

FORMAT = "netconduct-audit-checkpoint/1"


class CheckpointError(Exception):
    """A checkpoint cannot be made or read; the message says why, in Chinese."""


def audit_dir() -> Path:
    return Path(settings.DATA_DIR) / "audit"


def checkpoint_dir() -> Path:
    return audit_dir() / "checkpoints"


def _key_path() -> Path:
    configured = getattr(settings, "NETCONDUCT_AUDIT_CHECKPOINT_KEY", "")
    return Path(configured) if configured else audit_dir() / "checkpoint_key.pem"


def checkpoint_private_key(*, create: bool = True) -> Ed25519PrivateKey:
    """The organisation's checkpoint key; generated on first use when none is configured (unless `create` is
    False: verifying must not make up a key of its own)."""
    path = _key_path()
    if not path.exists():
        if getattr(settings, "NETCONDUCT_AUDIT_CHECKPOINT_KEY", "") or not create:
            raise CheckpointError(f"找不到审计检查点密钥文件：{path}（可用 --public-key 指定公钥）")
        path.parent.mkdir(parents=True, exist_ok=True)
        key = Ed25519PrivateKey.generate()
        pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process made it a moment ago: use theirs
            pass
        else:
            with os.fdopen(fd, "wb") as handle:
                handle.write(pem)
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise CheckpointError(f"审计检查点密钥必须是 Ed25519 私钥：{path}")
    return key


def _raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def fingerprint(key: Ed25519PublicKey) -> str:
    return hashlib.sha256(_raw_public(key)).hexdigest()


def load_public_key(path: str | Path) -> Ed25519PublicKey:
    """A public key from a PEM file (public or private key), for verifying on a machine without the private key."""
    data = Path(path).read_bytes()
    try:
        key = serialization.load_pem_public_key(data)
    except ValueError:
        key = serialization.load_pem_private_key(data, password=None).public_key()
    if not isinstance(key, Ed25519PublicKey):
        raise CheckpointError(f"不是 Ed25519 公钥：{path}")
    return key


def _signed_bytes(body: dict) -> bytes:
    fields = {k: body[k] for k in ("format", "seq", "hash", "time", "key_fingerprint")}
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def checkpoint_make(*, now: dt.datetime | None = None) -> dict:
    """Sign the chain's head as it stands. A chain that fails verification is not signed: signing it would vouch
    for the damage."""
    result = audit_verify()
    if not result.ok:
        raise CheckpointError(f"审计链已断裂，不生成检查点：{result.reason}")
    head = AuditHead.objects.filter(pk=1).first()
    seq, head_hash = (head.seq, head.hash) if head else (0, "0" * 64)
    key = checkpoint_private_key()
    public = key.public_key()
    moment = (now or timezone.now()).astimezone(dt.UTC).isoformat(timespec="seconds")
    body = {
        "format": FORMAT,
        "seq": seq,
        "hash": head_hash,
        "time": moment,
        "key_fingerprint": fingerprint(public),
    }
    body["public_key"] = base64.b64encode(_raw_public(public)).decode()
    body["signature"] = base64.b64encode(key.sign(_signed_bytes(body))).decode()
    return body


def checkpoint_write(checkpoint: dict, path: Path | None = None) -> Path:
    """Write a checkpoint as JSON; by default into <data folder>/audit/checkpoints/, named by sequence and time."""
    if path is None:
        stamp = checkpoint["time"].replace(":", "").replace("-", "").replace("+0000", "Z")
        path = checkpoint_dir() / f"checkpoint-{checkpoint['seq']:010d}-{stamp}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(checkpoint_dumps(checkpoint) + "\n", encoding="utf-8")
    return path


def checkpoint_dumps(checkpoint: dict) -> str:
    return json.dumps(checkpoint, ensure_ascii=False, indent=2, sort_keys=True)


def checkpoint_read(path: str | Path) -> dict:
    try:
        body = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise CheckpointError(f"无法读取检查点文件：{exc}") from None
    required = {"format", "seq", "hash", "time", "key_fingerprint", "signature"}
    if not isinstance(body, dict) or body.get("format") != FORMAT or not required <= body.keys():
        raise CheckpointError("不是审计检查点文件（格式不符）")
    if not isinstance(body["seq"], int) or body["seq"] < 0:
        raise CheckpointError("检查点的序号无效")
    return body


def checkpoint_signature_ok(checkpoint: dict, public_key: Ed25519PublicKey) -> bool:
    """The checkpoint was signed by this key (the one named in the file is not trusted on its own word)."""
    if checkpoint.get("key_fingerprint") != fingerprint(public_key):
        return False
    try:
        public_key.verify(base64.b64decode(checkpoint["signature"]), _signed_bytes(checkpoint))
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


@dataclass(frozen=True)
class CheckpointFinding:
    """What one checkpoint says about the chain: `ok`, or the first event that disagrees and why."""

    name: str
    seq: int
    ok: bool
    event_seq: int | None = None
    reason: str = ""


def checkpoints_check(
    checkpoints: list[tuple[str, dict]], *, public_key: Ed25519PublicKey | None = None
) -> list[CheckpointFinding]:
    """Check each (name, checkpoint) against the chain: a valid signature, and the chain holds up to it and still
    has the checkpoint's hash at its sequence (the checkpoint is a prefix of the chain)."""
    public_key = public_key or checkpoint_private_key(create=False).public_key()
    chain = audit_verify()
    findings: list[CheckpointFinding] = []
    # The newest checkpoint that still agrees, below each one, narrows where a recomputed chain starts to differ.
    ordered = sorted(checkpoints, key=lambda item: item[1]["seq"])
    last_good = 0
    for name, cp in ordered:
        seq = cp["seq"]
        if not checkpoint_signature_ok(cp, public_key):
            findings.append(
                CheckpointFinding(name, seq, False, None, "签名无效或不是本单位的检查点密钥签发的")
            )
            continue
        if not chain.ok and chain.broken_seq is not None and chain.broken_seq <= seq:
            findings.append(CheckpointFinding(name, seq, False, chain.broken_seq, chain.reason))
            continue
        if seq == 0:
            findings.append(CheckpointFinding(name, seq, True))
            continue
        event = AuditEvent.objects.filter(seq=seq).only("seq", "hash").first()
        if event is None:
            top = AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
            findings.append(
                CheckpointFinding(
                    name, seq, False, min(top + 1, seq), f"事件 #{seq} 不存在，链只到 #{top}（事件被删除）"
                )
            )
            continue
        if event.hash != cp["hash"]:
            first = last_good + 1
            where = f"#{first}" if first == seq else f"#{first} 至 #{seq} 之间"
            findings.append(
                CheckpointFinding(
                    name,
                    seq,
                    False,
                    first,
                    f"事件 #{seq} 的哈希与检查点不符：链在此之前被改动后重新计算（第一个不符的事件在 {where}）",
                )
            )
            continue
        last_good = seq
        findings.append(CheckpointFinding(name, seq, True))
    return findings
