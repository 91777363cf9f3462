"""`netconduct verify-pack`: an intact pack passes; a changed byte, an added or removed file, an edited manifest or a
swapped signature fails, naming the file. The pack is built once (through the command line) and tampered with in
memory: verifying needs only the data folder's seal roots, not the database."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from netconduct.evidence import signing
from netconduct.evidence.verification import verify_pack

from .conftest import make_year

_BUILT: dict[str, bytes] = {}


@pytest.fixture
def pack_bytes(org, accounts, django_capture_on_commit_callbacks, tmp_path) -> bytes:
    if "pack" not in _BUILT:
        year = make_year(org, accounts, django_capture_on_commit_callbacks)
        out = tmp_path / "pack.zip"
        stdout = io.StringIO()
        call_command(
            "evidence-pack",
            "--unit",
            str(org.committee.pk),
            "--year",
            str(year.year),
            "--out",
            str(out),
            "--as",
            "unitadmin",
            stdout=stdout,
        )
        assert "已生成" in stdout.getvalue()
        _BUILT["pack"] = out.read_bytes()
        other = tmp_path / "other.zip"  # a second pack, for its (valid, but other) signature
        call_command(
            "evidence-pack",
            "--unit",
            org.branch1.name,
            "--year",
            str(year.year),
            "--out",
            str(other),
            stdout=stdout,
        )
        _BUILT["other"] = other.read_bytes()
    return _BUILT["pack"]


def rebuild(data: bytes, change) -> bytes:
    """A copy of the zip with `change(entries)` applied to its {name: bytes} (order kept)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    entries = {i.filename: source.read(i.filename) for i in source.infolist()}
    change(entries)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for name, content in entries.items():
            target.writestr(name, content)
    return out.getvalue()


def pledge_name(entries: dict) -> str:
    return next(n for n in entries if n.startswith("03-承诺书/"))


def change_pledge_byte(entries):
    name = pledge_name(entries)
    data = bytearray(entries[name])
    data[len(data) // 2] ^= 0x01
    entries[name] = bytes(data)
    return name


def add_file(entries):
    entries["03-承诺书/补签.pdf"] = b"%PDF-1.7 not really"
    return "03-承诺书/补签.pdf"


def remove_file(entries):
    name = pledge_name(entries)
    del entries[name]
    return name


def edit_manifest(entries):
    manifest = json.loads(entries["manifest.json"])
    name = pledge_name(entries)
    entries[name] = entries[name] + b"\n% appended"
    for entry in manifest["files"]:
        if entry["path"] == name:  # the forger updates the digest too; the signature gives it away
            import hashlib

            entry["sha256"] = hashlib.sha256(entries[name]).hexdigest()
            entry["size"] = len(entries[name])
    entries["manifest.json"] = json.dumps(manifest, ensure_ascii=False).encode()
    return "manifest.json.p7s"


def swap_signature(entries):
    other = zipfile.ZipFile(io.BytesIO(_BUILT["other"]))
    entries["manifest.json.p7s"] = other.read("manifest.json.p7s")
    return "manifest.json.p7s"


def swap_summary(entries):
    other = zipfile.ZipFile(io.BytesIO(_BUILT["other"]))
    entries["00-汇总说明.pdf"] = other.read("00-汇总说明.pdf")  # validly sealed, but another pack's
    return "00-汇总说明.pdf"


def foreign_signature(entries):
    """A well-formed CMS signature over the very manifest, by a key the platform never issued."""
    import datetime as dt

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.hazmat.primitives.serialization import pkcs7
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "伪造签章")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    entries["manifest.json.p7s"] = (
        pkcs7.PKCS7SignatureBuilder()
        .set_data(entries["manifest.json"])
        .add_signer(cert, key, hashes.SHA256())
        .sign(serialization.Encoding.DER, [pkcs7.PKCS7Options.DetachedSignature, pkcs7.PKCS7Options.Binary])
    )
    return "manifest.json.p7s"


def drop_signature(entries):
    del entries["manifest.json.p7s"]
    return "manifest.json.p7s"


def test_an_intact_pack_verifies(pack_bytes, tmp_path):
    check = verify_pack(io.BytesIO(pack_bytes))
    assert check.ok, [str(p) for p in check.problems]
    assert check.files == len(check.manifest["files"])
    path = tmp_path / "pack.zip"
    path.write_bytes(pack_bytes)
    out = io.StringIO()
    call_command("verify-pack", str(path), stdout=out)
    assert "材料包完好" in out.getvalue()


def test_rewriting_the_zip_without_changing_a_file_still_verifies(pack_bytes):
    assert verify_pack(io.BytesIO(rebuild(pack_bytes, lambda entries: None))).ok


@pytest.mark.parametrize(
    "tamper",
    [
        change_pledge_byte,
        add_file,
        remove_file,
        edit_manifest,
        swap_signature,
        swap_summary,
        foreign_signature,
        drop_signature,
    ],
)
def test_a_tampered_pack_fails_naming_the_file(pack_bytes, tmp_path, tamper):
    named: list[str] = []
    tampered = rebuild(pack_bytes, lambda entries: named.append(tamper(entries)))
    check = verify_pack(io.BytesIO(tampered))
    assert not check.ok
    assert named[0] in {p.path for p in check.problems}, [str(p) for p in check.problems]
    path = tmp_path / "tampered.zip"
    path.write_bytes(tampered)
    out = io.StringIO()
    with pytest.raises(SystemExit) as exited:
        call_command("verify-pack", str(path), stdout=out)
    assert exited.value.code == 1
    assert named[0] in out.getvalue() and "被改动" in out.getvalue()


def test_a_signature_from_another_pack_is_reported_as_not_matching(pack_bytes):
    tampered = rebuild(pack_bytes, swap_signature)
    check = verify_pack(io.BytesIO(tampered))
    assert any("清单内容与签名不符" in p.message for p in check.problems)


def test_a_foreign_key_is_reported_as_untrusted(pack_bytes):
    check = verify_pack(io.BytesIO(rebuild(pack_bytes, foreign_signature)))
    assert any("不受信任" in p.message for p in check.problems), [str(p) for p in check.problems]


def test_verify_pack_refuses_what_is_not_a_zip(tmp_path):
    path = tmp_path / "x.zip"
    path.write_bytes(b"not a zip")
    out = io.StringIO()
    with pytest.raises(SystemExit):
        call_command("verify-pack", str(path), stdout=out)
    assert "不是有效的 zip 文件" in out.getvalue()
    with pytest.raises(CommandError, match="文件不存在"):
        call_command("verify-pack", str(tmp_path / "missing.zip"))


def test_the_manifest_signature_checks_against_the_seal(pack_bytes):
    archive = zipfile.ZipFile(io.BytesIO(pack_bytes))
    manifest, signature = archive.read("manifest.json"), archive.read("manifest.json.p7s")
    assert signing.verify_manifest(manifest, signature) == ""
    assert signing.verify_manifest(manifest + b" ", signature)
    assert signing.verify_manifest(manifest, b"garbage") == "签名文件已损坏，无法读取。"


def test_the_command_line_refuses_bad_arguments(org, accounts, tmp_path):
    with pytest.raises(CommandError, match="请给出 --year"):
        call_command("evidence-pack", "--unit", str(org.committee.pk), "--out", str(tmp_path / "a.zip"))
    with pytest.raises(CommandError, match="找不到组织"):
        call_command(
            "evidence-pack", "--unit", "不存在的单位", "--year", "2026", "--out", str(tmp_path / "a.zip")
        )
    with pytest.raises(CommandError, match="年度“1999”无效"):
        call_command(
            "evidence-pack",
            "--unit",
            str(org.committee.pk),
            "--year",
            "1999",
            "--out",
            str(tmp_path / "a.zip"),
        )
    with pytest.raises(CommandError, match="您无权"):
        call_command(
            "evidence-pack",
            "--unit",
            str(org.committee.pk),
            "--year",
            "2026",
            "--out",
            str(tmp_path / "a.zip"),
            "--as",
            "secretary",
        )
    assert not Path(tmp_path / "a.zip").exists()
