"""The organisation's electronic seal: PAdES signatures that certify a pledge PDF, and their verification.

The key and certificate come from settings (`NETCONDUCT_SEAL_KEY`, `NETCONDUCT_SEAL_CERT`, `NETCONDUCT_SEAL_ROOTS`,
`NETCONDUCT_SEAL_KEY_PASSPHRASE`) when production configures them. Otherwise the first use (or `netconduct seal-init`
at setup) generates, under `<data folder>/seal/`, a root certificate (its key kept beside it: it also issues the
local time-stamping authority's certificate and the CRLs) and a seal certificate issued by it, whose key usage is
digitalSignature + nonRepudiation. Only the root (and the roots of earlier seals of the folder) is trusted when
verifying.

A sealed pledge is *certified* with DocMDP "no changes allowed" at PAdES B-LTA: the signature carries an RFC 3161
timestamp from the TSA (`SEAL_TSA_URL`, or the data folder's own, `tsa.py`), the certificates and CRLs it needs are
embedded (DSS), and a document timestamp covers them. Those are the only later revisions allowed: any other
incremental update, a changed byte, or anything appended makes verification fail. Without a timestamp nothing is
sealed (`TimestampUnavailable`: the pledge waits and is tried again).
"""

from __future__ import annotations

import datetime as dt
import fcntl
import io
import logging
import os
import threading
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

logger = logging.getLogger(__name__)


class _NoFetchNotice(logging.Filter):
    """pyHanko warns at every seal that revocation info is embedded without fetching: that is our design (the
    data folder's own CRL is handed to it), not news."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "fetching is not allowed" not in record.getMessage()


logging.getLogger("pyhanko.sign.signers.pdf_signer").addFilter(_NoFetchNotice())

SEAL_FIELD = "NetconductSeal"
TIMESTAMP_FIELD = "NetconductArchiveTimestamp"  # the document timestamp (B-LTA) over the seal and its DSS


@dataclass(frozen=True)
class SealFiles:
    key: Path
    cert: Path
    roots: tuple[Path, ...]
    passphrase: bytes | None = None
    root_key: Path | None = (
        None  # only for the data folder's own root: it issues the TSA certificate and CRLs
    )


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
    return SealFiles(
        d / "seal-key.pem", d / "seal-cert.pem", (d / "root-cert.pem",), root_key=d / "root-key.pem"
    )


def previous_roots() -> tuple[Path, ...]:
    """Roots of earlier seals of this data folder (see `generate_seal`): still trusted for what they sealed."""
    d = seal_dir() / "previous"
    return tuple(sorted(d.glob("root-cert-*.pem"))) if d.is_dir() else ()


def seal_files() -> SealFiles:
    """The seal in use: configured, or generated in the data folder on first use.

    A data folder made before the seal's root kept its key (it now issues the time-stamping authority's certificate
    and the CRLs) gets a new root and seal on first use; the old root stays trusted, so what it sealed still
    verifies.
    """
    configured = seal_configured()
    if configured:
        return configured
    files = _generated_files()
    if not files.key.exists() or not files.root_key.exists():
        generate_seal(organisation=_organisation())
    return files


def _organisation() -> str:
    return getattr(settings, "NETCONDUCT_SEAL_ORGANISATION", "") or "netconduct"


def generate_seal(*, organisation: str, force: bool = False) -> SealFiles:
    """Create a root certificate (and keep its key) and a seal certificate in the data folder (once; `force`
    replaces them). A seal made before roots kept their key is replaced too; its root moves to `previous/` and stays
    trusted, so the pledges it sealed still verify."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    files = _generated_files()
    files.key.parent.mkdir(parents=True, exist_ok=True)
    lock_path = files.key.parent / ".lock"
    with open(lock_path, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # two processes starting at once generate one seal
        if files.key.exists() and files.root_key.exists() and not force:
            return files
        if files.roots[0].exists() and not files.root_key.exists() and not force:
            old = x509.load_pem_x509_certificate(files.roots[0].read_bytes())
            keep = files.key.parent / "previous" / f"root-cert-{old.serial_number:x}.pem"
            keep.parent.mkdir(exist_ok=True)
            keep.write_bytes(files.roots[0].read_bytes())
            logger.warning("the seal's root had no key: a new seal replaces it, the old root stays trusted")
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
        _write_private(files.key, key_bytes)
        _write_private(
            files.root_key,
            root_key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()),
        )
        for stale in (files.key.parent / "tsa-key.pem", files.key.parent / "tsa-cert.pem"):
            stale.unlink(missing_ok=True)  # issued by the root replaced
        reset_cache()
        logger.info("generated the pledge seal in %s", files.key.parent)
        return files


def _outside_event_loop(fn, /, *args, **kwargs):
    """Run `fn`, which uses pyHanko's synchronous API (asyncio.run inside), in a thread of its own when this thread
    already runs an event loop (an ASGI request, Playwright's sync API in the browser tests)."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return fn(*args, **kwargs)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(fn, *args, **kwargs).result()


def _write_private(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)


# The CMS signature container reserved in the PDF (DER bytes): the chain (root 3072-bit, seal 2048-bit) and the
# signed attributes come to about 3.5 KB. Reserving it saves pyHanko a dummy signature to estimate the size.
SIGNATURE_RESERVED_BYTES = 16 * 1024


@cache
def _signer():
    from asn1crypto import tsp
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
    from pyhanko.sign import attributes, signers
    from pyhanko.sign.general import as_signing_certificate_v2, get_pyca_cryptography_hash

    class EncodedSigningCertificate(attributes.SigningCertificateV2Provider):
        """The signing-certificate-v2 attribute pyHanko makes, encoded once and read back for each signature: the
        value it builds in memory has a DEFAULT field (hashAlgorithm), which makes asn1crypto encode it again at
        every copy and every encoding of what contains it (hundreds of times a seal, a third of its CPU)."""

        def __init__(self, signing_cert, der: bytes) -> None:
            super().__init__(signing_cert)
            self._der = der

        async def build_attr_value(self, dry_run=False) -> tsp.SigningCertificateV2:
            return tsp.SigningCertificateV2.load(self._der)

    class KeptKeySigner(signers.SimpleSigner):
        """pyHanko's SimpleSigner parses the private key again for every signature (about 50 ms for RSA, as
        cryptography validates the key); this one parses it once and keeps it for the process. The same bytes are
        signed as by SimpleSigner."""

        _key = None
        _signing_certificate: bytes | None = None

        def _signed_attr_providers(self, *args, **kwargs):
            for provider in super()._signed_attr_providers(*args, **kwargs):
                if type(provider) is attributes.SigningCertificateV2Provider:
                    if self._signing_certificate is None:
                        self._signing_certificate = as_signing_certificate_v2(provider.signing_cert).dump()
                    provider = EncodedSigningCertificate(provider.signing_cert, self._signing_certificate)
                yield provider

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

    files = seal_files()
    paths = files.roots + (previous_roots() if seal_configured() is None else ())
    return tuple(load_cert_from_pemder(str(p)) for p in paths)


def reset_cache() -> None:
    from . import tsa

    tsa.reset_local_timestamper()
    _signer.cache_clear()
    _trust_roots.cache_clear()
    _root_pair.cache_clear()
    _CRL.clear()


# ---------------------------------------------------------------------------------------------------- the data folder's CA

TSA_POLICY_OID = "2.25.209113427290372063446394283563101905921"  # a UUID OID: ours, needs no registration
CRL_DAYS = 7
CRL_REFRESH = dt.timedelta(hours=1)
_CRL: dict[Path, tuple[dt.datetime, bytes]] = {}
_ca_lock = threading.Lock()


@cache
def _root_pair():
    """(root certificate, root key) of the data folder's own seal, or None for a configured seal."""
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    if seal_configured() is not None:
        return None
    files = seal_files()
    root = x509.load_pem_x509_certificate(files.roots[0].read_bytes())
    key = serialization.load_pem_private_key(files.root_key.read_bytes(), password=None)
    return root, key


def tsa_files() -> tuple[Path, Path, Path]:
    """(certificate, key, root) of the local time-stamping authority, issued by the data folder's root on first use.

    The certificate carries the critical extended key usage timeStamping that RFC 3161 requires of a TSA.
    """
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    pair = _root_pair()
    if pair is None:
        raise RuntimeError("the local time-stamping authority needs the data folder's own seal root")
    root, root_key = pair
    d = seal_dir()
    cert_path, key_path = d / "tsa-cert.pem", d / "tsa-key.pem"
    with open(d / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if cert_path.exists() and key_path.exists():
            return cert_path, key_path, _generated_files().roots[0]
        now = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        organisation = root.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value
        cert = (
            x509.CertificateBuilder()
            .subject_name(
                x509.Name(
                    [
                        x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
                        x509.NameAttribute(NameOID.ORGANIZATION_NAME, str(organisation)),
                        x509.NameAttribute(NameOID.COMMON_NAME, f"{organisation} 可信时间戳服务"[:64]),
                    ]
                )
            )
            .issuer_name(root.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now)
            .not_valid_after(min(now + dt.timedelta(days=365 * 20), root.not_valid_after_utc))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    content_commitment=True,
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
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()), critical=False
            )
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .sign(root_key, hashes.SHA256())
        )
        pem = serialization.Encoding.PEM
        _write_private(
            key_path, key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        )
        cert_path.write_bytes(cert.public_bytes(pem))
        logger.info("issued the local time-stamping authority's certificate in %s", d)
        return cert_path, key_path, _generated_files().roots[0]


def current_crl() -> bytes | None:
    """The data folder root's CRL (DER): empty, as this root has never revoked anything; re-issued hourly, valid a
    week. Embedded with each seal, it is the revocation information that lets the file be validated offline."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization

    pair = _root_pair()
    if pair is None:
        return None
    root, root_key = pair
    now = dt.datetime.now(dt.UTC)
    with _ca_lock:
        cached = _CRL.get(seal_dir())
        if cached and now - cached[0] < CRL_REFRESH:
            return cached[1]
        this_update = now - dt.timedelta(minutes=5)
        crl = (
            x509.CertificateRevocationListBuilder()
            .issuer_name(root.subject)
            .last_update(this_update)
            .next_update(this_update + dt.timedelta(days=CRL_DAYS))
            .add_extension(x509.CRLNumber(int(now.timestamp() * 1000)), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()), critical=False
            )
            .sign(root_key, hashes.SHA256())
        )
        der = crl.public_bytes(serialization.Encoding.DER)
        _CRL[seal_dir()] = (now, der)
        return der


# ---------------------------------------------------------------------------------------------------- sealing


class TimestampUnavailable(Exception):  # noqa: N818 (a state, not a programming error)
    """The time-stamping authority could not be reached or refused: the pledge waits and is sealed later."""


@dataclass(frozen=True)
class TsaConfig:
    url: str
    username: str = ""
    password: str = ""
    timeout: float = 10.0
    local: bool = False  # the data folder's own TSA: the seal's process signs the timestamp itself


def tsa_config() -> TsaConfig | None:
    """The TSA to ask: `SEAL_TSA_URL` (with optional `SEAL_TSA_USERNAME` / `SEAL_TSA_PASSWORD`), or, unset, the data
    folder's own TSA, answering in this process (`tsa.local_timestamper`). SEAL_TSA_URL naming the data folder's
    responder started in this process (quickstart) is the same TSA, asked the same way. None: a configured seal with
    no TSA."""
    from . import tsa

    url = getattr(settings, "SEAL_TSA_URL", "") or ""
    timeout = float(getattr(settings, "SEAL_TSA_TIMEOUT", 10) or 10)
    if url and not tsa.serves_here(url):
        return TsaConfig(
            url,
            getattr(settings, "SEAL_TSA_USERNAME", "") or "",
            getattr(settings, "SEAL_TSA_PASSWORD", "") or "",
            timeout,
        )
    if seal_configured() is not None:
        return None
    return TsaConfig(url or "local", timeout=timeout, local=True)


def _tsa_roots() -> list:
    """Extra roots trusted for timestamps only (`SEAL_TSA_ROOTS`: the roots of an external TSA)."""
    from pyhanko.keys import load_cert_from_pemder

    return [load_cert_from_pemder(p) for p in getattr(settings, "SEAL_TSA_ROOTS", ()) or ()]


def _validation_context(*, for_signing: bool, for_timestamps: bool = False):
    """Signing: the seal's roots and the TSA's, the data folder root's CRL when it is ours, and fetching allowed
    (an external TSA's certificates name where their revocation info is; ours name nothing, the CRL covers them).
    Verifying: nothing fetched; the seal's own roots only for the seal, the TSA roots added for timestamps."""
    from pyhanko_certvalidator import ValidationContext

    roots = list(_trust_roots())
    if not for_signing:
        return ValidationContext(
            trust_roots=roots + (_tsa_roots() if for_timestamps else []), allow_fetching=False
        )
    crl = current_crl()
    return ValidationContext(
        trust_roots=roots + _tsa_roots(),
        crls=[crl] if crl is not None else [],
        allow_fetching=True,
        revocation_mode="require" if crl is not None else "hard-fail",
    )


def _timestamper(config: TsaConfig):
    """The data folder's TSA in this process, or the HTTP client of the configured one."""
    if config.local:
        from . import tsa

        return tsa.local_timestamper()
    return _http_timestamper(config)


@cache
def _http_timestamper(config: TsaConfig):
    """One client per TSA: pyHanko keeps in it the dummy reply by which it sizes the document timestamp."""
    try:
        from pyhanko.sign.timestamps.requests_client import RequestsHTTPTimeStamper
    except ImportError:  # pyHanko before the client was split out
        from pyhanko.sign.timestamps import HTTPTimeStamper as RequestsHTTPTimeStamper

    auth = (config.username, config.password) if config.username else None
    return RequestsHTTPTimeStamper(config.url, timeout=config.timeout, auth=auth)


def seal_pdf(pdf: bytes, *, reason: str, location: str = "", signer_name: str = "") -> bytes:
    """Certify `pdf` with the organisation's seal, DocMDP "no changes allowed", at PAdES B-LTA: the signature carries
    an RFC 3161 timestamp from the TSA, the certificates and CRLs it needs are embedded (DSS), and a document
    timestamp covers them. Raises TimestampUnavailable when the TSA cannot give a timestamp: never seals without."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers
    from pyhanko.sign.fields import MDPPerm, SigSeedSubFilter
    from pyhanko.sign.general import SigningError
    from pyhanko.sign.signers.pdf_signer import DSSContentSettings, TimestampDSSContentSettings
    from pyhanko.sign.timestamps.common_utils import TimestampRequestError
    from pyhanko_certvalidator.errors import PathBuildingError, PathValidationError

    config = tsa_config()
    if config is None:
        raise TimestampUnavailable(_("未配置可信时间戳服务（SEAL_TSA_URL）。"))
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
        embed_validation_info=True,
        use_pades_lta=bool(getattr(settings, "SEAL_TSA_LTA", True)),
        timestamp_field_name=TIMESTAMP_FIELD,
        validation_context=_validation_context(for_signing=True),
        # The document timestamp's own revocation info goes into the DSS before it, so it covers the whole file.
        dss_settings=DSSContentSettings(
            next_ts_settings=TimestampDSSContentSettings(update_before_ts=True, include_vri=False)
        ),
    )
    try:
        out = _outside_event_loop(
            signers.sign_pdf,
            writer,
            meta,
            signer=_signer(),
            timestamper=_timestamper(config),
            bytes_reserved=SIGNATURE_RESERVED_BYTES,
        )
    except (TimestampRequestError, OSError) as exc:
        raise TimestampUnavailable(_("可信时间戳服务无法访问（%(url)s）。") % {"url": config.url}) from exc
    except (SigningError, PathBuildingError, PathValidationError) as exc:
        # Our own seal chain validates by construction: what fails here is the TSA's answer, or its certificate
        # chain or revocation info (an external TSA whose root is not in SEAL_TSA_ROOTS). Waiting is the answer.
        logger.warning("the timestamp could not be used: %s", exc)
        raise TimestampUnavailable(
            _("可信时间戳服务的应答或其证书无法验证（%(url)s）。") % {"url": config.url}
        ) from exc
    return out.getvalue()


def warm_up() -> None:
    """Load what the first seal of a process would (`netconduct db_worker` at start, `background.worker_warm_up`):
    the fonts and a rendering, the seal's key and chain, the CRL, pyHanko's modules. With the data folder's own TSA a
    sample PDF is sealed in full (nothing leaves the process); with an external one it is only signed, without the
    timestamp, so that starting a worker asks the TSA nothing."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers
    from pyhanko.sign.fields import SigSeedSubFilter

    from . import render

    pdf = render.sample_pdf()
    config = tsa_config()
    if config is not None and config.local:
        seal_pdf(pdf, reason="warm-up")
        return
    meta = signers.PdfSignatureMetadata(
        field_name=SEAL_FIELD, md_algorithm="sha256", subfilter=SigSeedSubFilter.PADES
    )
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    _outside_event_loop(
        signers.sign_pdf, writer, meta, signer=_signer(), bytes_reserved=SIGNATURE_RESERVED_BYTES
    )
    _trust_roots()


# ---------------------------------------------------------------------------------------------------- verifying


class Finding:
    """What is wrong with a file, most fundamental first: verification stops at the first, so a changed byte in
    the content is reported as that and only that."""

    NOT_PDF = "not_pdf"
    DAMAGED = "damaged"
    NO_SEAL = "no_seal"
    SEAL_DAMAGED = "seal_damaged"
    CONTENT_CHANGED = "content_changed"
    BAD_SIGNATURE = "bad_signature"
    UNTRUSTED = "untrusted"
    BAD_TIMESTAMP = "bad_timestamp"
    APPENDED = "appended"
    MODIFIED = "modified"
    ARCHIVE_TIMESTAMP_BROKEN = "archive_timestamp_broken"


# Findings about what came after an intact, valid, trusted seal: the seal itself is fine, the file around it is not.
AFTER_THE_SEAL = frozenset({Finding.APPENDED, Finding.MODIFIED, Finding.ARCHIVE_TIMESTAMP_BROKEN})


FINDING_MESSAGES = {
    Finding.NOT_PDF: gettext_lazy("这不是 PDF 文件，不是本平台生成的承诺书。"),
    Finding.DAMAGED: gettext_lazy("PDF 文件已损坏或不完整，无法读取。"),
    Finding.NO_SEAL: gettext_lazy("文件中没有本平台的电子签章。"),
    Finding.SEAL_DAMAGED: gettext_lazy("文件中的签章数据已损坏，无法验证。"),
    Finding.CONTENT_CHANGED: gettext_lazy("签章后文件内容被改动过（摘要不符）。"),
    Finding.BAD_SIGNATURE: gettext_lazy("签章的签名值无效，签章是伪造的或已损坏。"),
    Finding.UNTRUSTED: gettext_lazy("签章证书不受信任，不是本平台签发的。"),
    Finding.BAD_TIMESTAMP: gettext_lazy("签章所附的可信时间戳无效。"),
    Finding.APPENDED: gettext_lazy("签章后文件末尾被追加了内容。"),
    Finding.MODIFIED: gettext_lazy("签章后文件被修改过（追加了修订或签名），违反了“不允许更改”的认证要求。"),
    Finding.ARCHIVE_TIMESTAMP_BROKEN: gettext_lazy("签章后文件被改动过（文档时间戳的摘要不符）。"),
}


@dataclass
class SealCheck:
    """What verifying a PDF's seal found: `ok` for an intact, trusted seal, and nothing changed after it but its
    validation data and document timestamps. Otherwise `finding` names the one thing wrong."""

    ok: bool
    finding: str = ""
    signer: str = ""
    signed_at: dt.datetime | None = (
        None  # the TSA's time when the seal carries a timestamp, else the signer's clock
    )
    timestamped: bool = False

    @property
    def message(self) -> str:
        return _("签章有效，文件未被改动。") if self.ok else str(FINDING_MESSAGES[self.finding])

    @property
    def problems(self) -> list[str]:
        return [] if self.ok else [self.message]


def _failed(finding: str, **known) -> SealCheck:
    return SealCheck(ok=False, finding=finding, **known)


def verify_pdf(data: bytes) -> SealCheck:
    """Check the seal of `data` (only the seal: whether these are the archived bytes is `verification`'s question).
    Never raises, whatever the input."""
    try:
        return _outside_event_loop(_verify_pdf, data)
    except Exception:  # noqa: BLE001 (a malformed file makes pyHanko raise almost anything: "cannot be verified")
        logger.info("verifying a PDF raised", exc_info=True)
        return _failed(Finding.DAMAGED)


def _verify_pdf(data: bytes) -> SealCheck:
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.diff_analysis import ModificationLevel
    from pyhanko.sign.validation import validate_pdf_signature, validate_pdf_timestamp
    from pyhanko.sign.validation.status import SignatureCoverageLevel

    if not data.startswith(b"%PDF-"):
        return _failed(Finding.NOT_PDF)
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        regular = reader.embedded_regular_signatures
        timestamps = reader.embedded_timestamp_signatures
    except Exception:  # noqa: BLE001 (any parse failure: a truncated or broken file)
        return _failed(Finding.DAMAGED)
    seals = [s for s in regular if s.field_name == SEAL_FIELD]
    if not seals:
        return _failed(Finding.NO_SEAL)
    seal = seals[0]
    vc = _validation_context(for_signing=False)
    ts_vc = _validation_context(for_signing=False, for_timestamps=True)
    try:
        status = validate_pdf_signature(seal, signer_validation_context=vc, ts_validation_context=ts_vc)
    except Exception:  # noqa: BLE001
        logger.info("seal validation raised", exc_info=True)
        return _failed(Finding.SEAL_DAMAGED)
    known = {"signer": status.signing_cert.subject.human_friendly if status.signing_cert else ""}
    tst = status.timestamp_validity
    known["timestamped"] = tst is not None
    known["signed_at"] = tst.timestamp if tst is not None else status.signer_reported_dt
    if not status.intact:
        return _failed(Finding.CONTENT_CHANGED, **known)
    if not status.valid:
        return _failed(Finding.BAD_SIGNATURE, **known)
    if not status.trusted:
        return _failed(Finding.UNTRUSTED, **known)
    if tst is not None and not (tst.intact and tst.valid and tst.trusted):
        return _failed(Finding.BAD_TIMESTAMP, **known)
    if len(regular) != 1:
        return _failed(Finding.MODIFIED, **known)
    if status.coverage == SignatureCoverageLevel.ENTIRE_FILE:
        return SealCheck(ok=True, **known)
    # Later revisions may only add validation data (DSS) and document timestamps, the last one covering the file.
    level = status.diff_result.modification_level if status.diff_result is not None else None
    if status.docmdp_ok is False or level is None or level > ModificationLevel.LTA_UPDATES:
        return _failed(Finding.MODIFIED, **known)
    if timestamps:
        try:
            last = validate_pdf_timestamp(timestamps[-1], validation_context=ts_vc)
        except Exception:  # noqa: BLE001
            return _failed(Finding.BAD_TIMESTAMP, **known)
        if not last.intact:
            return _failed(Finding.ARCHIVE_TIMESTAMP_BROKEN, **known)
        if not (last.valid and last.trusted):
            return _failed(Finding.BAD_TIMESTAMP, **known)
        if last.coverage != SignatureCoverageLevel.ENTIRE_FILE:
            return _failed(Finding.APPENDED, **known)
    return SealCheck(ok=True, **known)


# ---------------------------------------------------------------------------------------------------- PAdES level


def pades_level(data: bytes) -> str:
    return _outside_event_loop(_pades_level, data)


def _pades_level(data: bytes) -> str:
    """The PAdES baseline level the seal in `data` reaches, by pyHanko's validators, offline (nothing fetched):
    "B-B" a valid, trusted seal; "B-T" with a valid signature timestamp; "B-LT" when the revocation info the
    certificates need is in the file (validated with revocation required, from the DSS only); "B-LTA" when pyHanko's
    AdES LTA validation (ETSI EN 319 102-1 §5.6.3) passes over the document timestamps. "" when not even B-B.
    """
    import asyncio

    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.ades.report import AdESStatus
    from pyhanko.sign.validation import ades, validate_pdf_signature
    from pyhanko.sign.validation.dss import DocumentSecurityStore
    from pyhanko.sign.validation.policy_decl import (
        PdfSignatureValidationSpec,
        RevinfoOnlineFetchingRule,
        RevocationInfoGatheringSpec,
        SignatureValidationSpec,
    )
    from pyhanko_certvalidator import ValidationContext
    from pyhanko_certvalidator.context import CertValidationPolicySpec
    from pyhanko_certvalidator.policy_decl import REQUIRE_REVINFO, CertRevTrustPolicy
    from pyhanko_certvalidator.registry import SimpleTrustManager

    roots = list(_trust_roots()) + _tsa_roots()  # a diagnostic: the seal's roots and the TSA's alike
    reader = PdfFileReader(io.BytesIO(data), strict=False)
    seal = next(s for s in reader.embedded_regular_signatures if s.field_name == SEAL_FIELD)
    basic = ValidationContext(trust_roots=roots, allow_fetching=False)
    status = validate_pdf_signature(seal, signer_validation_context=basic, ts_validation_context=basic)
    if not (status.intact and status.valid and status.trusted):
        return ""
    tst = status.timestamp_validity
    if tst is None or not (tst.intact and tst.valid and tst.trusted):
        return "B-B"
    try:
        dss = DocumentSecurityStore.read_dss(reader)
    except Exception:  # noqa: BLE001 (no DSS)
        return "B-T"
    settings_ = {"trust_roots": roots, "allow_fetching": False, "revocation_mode": "require"}
    try:
        with_revinfo = validate_pdf_signature(
            seal,
            signer_validation_context=dss.as_validation_context(settings_),
            ts_validation_context=dss.as_validation_context(settings_),
        )
    except Exception:  # noqa: BLE001
        logger.info("validation with the file's revocation info raised", exc_info=True)
        return "B-T"
    if not (with_revinfo.valid and with_revinfo.trusted and with_revinfo.revocation_details is None):
        return "B-T"
    if not reader.embedded_timestamp_signatures:
        return "B-LT"
    spec = PdfSignatureValidationSpec(
        SignatureValidationSpec(
            cert_validation_policy=CertValidationPolicySpec(
                trust_manager=SimpleTrustManager.build(trust_roots=roots),
                revinfo_policy=CertRevTrustPolicy(REQUIRE_REVINFO),
            ),
            revinfo_gathering_policy=RevocationInfoGatheringSpec(
                online_fetching_rule=RevinfoOnlineFetchingRule.LOCAL_ONLY
            ),
        )
    )
    result = asyncio.run(ades.ades_lta_validation(seal, spec))
    if result.ades_subindic.status != AdESStatus.PASSED or result.oldest_evidence_record_timestamp is None:
        logger.info("PAdES LTA validation did not pass: %s %s", result.ades_subindic, result.failure_msg)
        return "B-LT"
    return "B-LTA"
