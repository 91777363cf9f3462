"""The organisation's electronic seal: PAdES signatures that certify a pledge PDF, and their verification.

The key and certificate come from settings (`NETCONDUCT_SEAL_KEY`, `NETCONDUCT_SEAL_CERT`, `NETCONDUCT_SEAL_ROOTS`,
`NETCONDUCT_SEAL_KEY_PASSPHRASE`) when production configures them. Otherwise the first use (or `netconduct seal-init`
at setup) generates, under `<data folder>/seal/`, a root certificate and a seal certificate issued by it, whose key
usage is digitalSignature + nonRepudiation. Only the root is trusted when verifying.

A sealed pledge is *certified* with DocMDP "no changes allowed": any later incremental update, a changed byte, or
anything appended after the signature makes verification fail.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import io
import logging
import os
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from django.conf import settings

logger = logging.getLogger(__name__)

SEAL_FIELD = "NetconductSeal"


@dataclass(frozen=True)
class SealFiles:
    key: Path
    cert: Path
    roots: tuple[Path, ...]
    passphrase: bytes | None = None


def seal_dir() -> Path:
    return Path(settings.DATA_DIR) / "seal"


def seal_configured() -> SealFiles | None:
    key = getattr(settings, "NETCONDUCT_SEAL_KEY", "")
    cert = getattr(settings, "NETCONDUCT_SEAL_CERT", "")
    if not (key and cert):
        return None
    roots = tuple(Path(p) for p in getattr(settings, "NETCONDUCT_SEAL_ROOTS", ()) or (cert,))
    passphrase = getattr(settings, "NETCONDUCT_SEAL_KEY_PASSPHRASE", "") or None
    return SealFiles(Path(key), Path(cert), roots, passphrase.encode() if passphrase else None)


def _generated_files() -> SealFiles:
    d = seal_dir()
    return SealFiles(d / "seal-key.pem", d / "seal-cert.pem", (d / "root-cert.pem",))


def seal_files() -> SealFiles:
    """The seal in use: configured, or generated in the data folder on first use."""
    configured = seal_configured()
    if configured:
        return configured
    files = _generated_files()
    if not files.key.exists():
        generate_seal(organisation=getattr(settings, "NETCONDUCT_SEAL_ORGANISATION", "") or "netconduct")
    return files


def generate_seal(*, organisation: str, force: bool = False) -> SealFiles:
    """Create a root certificate and a seal certificate in the data folder (once; `force` replaces them)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    files = _generated_files()
    files.key.parent.mkdir(parents=True, exist_ok=True)
    lock_path = files.key.parent / ".lock"
    with open(lock_path, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # two processes starting at once generate one seal
        if files.key.exists() and not force:
            return files
        now = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)

        def name(cn: str) -> x509.Name:
            return x509.Name(
                [
                    x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
                    x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation[:64]),
                    x509.NameAttribute(NameOID.COMMON_NAME, cn[:64]),
                ]
            )

        root_key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
        root_name = name(f"{organisation} 承诺书签章根证书")
        root = (
            x509.CertificateBuilder()
            .subject_name(root_name)
            .issuer_name(root_name)
            .public_key(root_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now)
            .not_valid_after(now + dt.timedelta(days=365 * 30))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=False,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=True,
                    crl_sign=True,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(root_key.public_key()), critical=False)
            .sign(root_key, hashes.SHA256())
        )
        seal_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        seal = (
            x509.CertificateBuilder()
            .subject_name(name(f"{organisation} 承诺书电子签章"))
            .issuer_name(root_name)
            .public_key(seal_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now)
            .not_valid_after(now + dt.timedelta(days=365 * 20))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    content_commitment=True,  # nonRepudiation
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=False,
                    crl_sign=False,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()), critical=False
            )
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(seal_key.public_key()), critical=False)
            .sign(root_key, hashes.SHA256())
        )
        pem = serialization.Encoding.PEM
        files.roots[0].write_bytes(root.public_bytes(pem))
        files.cert.write_bytes(seal.public_bytes(pem))
        key_bytes = seal_key.private_bytes(
            pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        fd = os.open(files.key, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(key_bytes)
        _signer.cache_clear()
        _trust_roots.cache_clear()
        logger.info("generated the pledge seal in %s", files.key.parent)
        return files


# The CMS signature container reserved in the PDF (DER bytes): the chain (root 3072-bit, seal 2048-bit) and the
# signed attributes come to about 3.5 KB. Reserving it saves pyHanko a dummy signature to estimate the size.
SIGNATURE_RESERVED_BYTES = 16 * 1024


@cache
def _signer():
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
    from pyhanko.sign import signers
    from pyhanko.sign.general import get_pyca_cryptography_hash

    class KeptKeySigner(signers.SimpleSigner):
        """pyHanko's SimpleSigner parses the private key again for every signature (about 50 ms for RSA, as
        cryptography validates the key); this one parses it once and keeps it for the process."""

        _key = None

        def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
            mechanism = self.get_signature_mechanism_for_digest(digest_algorithm)
            if mechanism.signature_algo != "rsassa_pkcs1v15":
                return super().sign_raw(data, digest_algorithm)
            if self._key is None:
                self._key = serialization.load_der_private_key(self.signing_key.dump(), password=None)
            return self._key.sign(data, PKCS1v15(), get_pyca_cryptography_hash(digest_algorithm))

    files = seal_files()
    loaded = signers.SimpleSigner.load(
        str(files.key),
        str(files.cert),
        ca_chain_files=tuple(str(p) for p in files.roots),
        key_passphrase=files.passphrase,
    )
    if loaded is None:
        raise RuntimeError(f"cannot load the seal key {files.key} or certificate {files.cert}")
    return KeptKeySigner(
        signing_cert=loaded.signing_cert,
        signing_key=loaded.signing_key,
        cert_registry=loaded.cert_registry,
        signature_mechanism=loaded.signature_mechanism,
    )


@cache
def _trust_roots() -> tuple:
    from pyhanko.keys import load_cert_from_pemder

    return tuple(load_cert_from_pemder(str(p)) for p in seal_files().roots)


def reset_cache() -> None:
    _signer.cache_clear()
    _trust_roots.cache_clear()


def seal_pdf(pdf: bytes, *, reason: str, location: str = "", signer_name: str = "") -> bytes:
    """Certify `pdf` with the organisation's seal (PAdES baseline B, DocMDP: no changes allowed)."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers
    from pyhanko.sign.fields import MDPPerm, SigSeedSubFilter

    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    meta = signers.PdfSignatureMetadata(
        field_name=SEAL_FIELD,
        md_algorithm="sha256",
        subfilter=SigSeedSubFilter.PADES,
        certify=True,
        docmdp_permissions=MDPPerm.NO_CHANGES,
        reason=reason,
        location=location or None,
        name=signer_name or None,
    )
    out = signers.sign_pdf(writer, meta, signer=_signer(), bytes_reserved=SIGNATURE_RESERVED_BYTES)
    return out.getvalue()


@dataclass
class SealCheck:
    """What verifying a PDF found. `ok` only for an intact, trusted seal covering the whole file, unchanged."""

    ok: bool
    problems: list[str] = field(default_factory=list)
    signer: str = ""
    signed_at: dt.datetime | None = None
    sealed_sha256: str = ""

    @property
    def summary(self) -> str:
        return "签章有效，文件未被改动。" if self.ok else "；".join(self.problems)


def verify_pdf(data: bytes) -> SealCheck:
    from pyhanko.pdf_utils.misc import PdfReadError
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    check = SealCheck(ok=False)
    if not data.startswith(b"%PDF-"):
        check.problems.append("不是 PDF 文件。")
        return check
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        signatures = reader.embedded_signatures
    except (PdfReadError, ValueError, KeyError, TypeError, IndexError) as exc:
        check.problems.append(f"PDF 文件已损坏，无法读取（{type(exc).__name__}）。")
        return check
    seals = [s for s in signatures if s.field_name == SEAL_FIELD]
    if not seals:
        check.problems.append("文件中没有本平台的电子签章。")
        return check
    if len(signatures) != 1:
        check.problems.append("文件中有多个签名，签章后被追加过内容。")
    seal = seals[0]
    try:
        status = validate_pdf_signature(seal, ValidationContext(trust_roots=list(_trust_roots())))
    except Exception as exc:  # pyHanko raises many kinds on malformed signatures; all mean "not valid"
        logger.info("seal validation raised %r", exc)
        check.problems.append("签章数据已损坏，无法验证。")
        return check
    check.signer = status.signing_cert.subject.human_friendly if status.signing_cert else ""
    check.signed_at = status.signer_reported_dt
    if not status.intact:
        check.problems.append("签章后文件内容被改动（摘要不符）。")
    if not status.valid:
        check.problems.append("签名值无效。")
    if not status.trusted:
        check.problems.append("签章证书不受信任（不是本平台签发的）。")
    if status.coverage != SignatureCoverageLevel.ENTIRE_FILE:
        check.problems.append("签章后文件末尾被追加了内容。")
    if status.docmdp_ok is False:
        check.problems.append("签章后文件被修改，违反了“不允许更改”的认证要求。")
    if not check.problems:
        check.ok = True
    return check
