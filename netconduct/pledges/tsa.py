"""The data folder's own time-stamping authority: OpenSSL's RFC 3161 responder (`openssl ts -reply`) behind a small
HTTP server on a loopback port.

Production points `SEAL_TSA_URL` at a real TSA. The embedded default and the tests cannot reach one, so they run
this: the certificate it signs with is issued by the data folder's seal root (`sealing.tsa_files`), with the
critical extended key usage timeStamping, and OpenSSL's `ts` does all of RFC 3161 (the request, the TSTInfo, the
signed response with the ESS certificate id). We only carry bytes over HTTP (RFC 3161 §3.4: POST,
application/timestamp-query in, application/timestamp-reply out) and serialise the calls, as `openssl ts` keeps
its serial number in a file.

`local_url()` starts it once per process (a daemon thread) and returns its URL; quickstart starts it at launch so it
names the URL it serves.

Sealing does not go through it: a process that seals with the data folder's own TSA signs the timestamp itself
(`LocalTimeStamper`, pyHanko's in-process time-stamper with this TSA's certificate, key, policy and fields). Asking
the responder cost every seal two loopback HTTP requests, each starting an `openssl` process one at a time behind a
file lock (about 45 ms of waiting and 10 ms of CPU a pledge, and a queue when several processes seal at once).
"""

from __future__ import annotations

import base64
import datetime as dt
import fcntl
import hashlib
import hmac
import logging
import secrets
import shutil
import subprocess
import threading
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from django.conf import settings

logger = logging.getLogger(__name__)

QUERY_MAX_BYTES = 16 * 1024
OPENSSL = shutil.which("openssl") or "/usr/bin/openssl"


def openssl_available() -> bool:
    return Path(OPENSSL).exists()


def _config(*, workdir: Path, cert: Path, key: Path, chain: Path, policy: str) -> str:
    return f"""
[ tsa ]
default_tsa = local_tsa

[ local_tsa ]
serial = {workdir / "serial"}
crypto_device = builtin
signer_cert = {cert}
certs = {chain}
signer_key = {key}
signer_digest = sha256
default_policy = {policy}
digests = sha256, sha384, sha512
accuracy = secs:1
ordering = yes
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = sha256
"""


class Responder:
    """`openssl ts -reply` for one certificate: request DER in, response DER out."""

    def __init__(self, *, cert: Path, key: Path, chain: Path, workdir: Path, policy: str) -> None:
        workdir.mkdir(parents=True, exist_ok=True)
        serial = workdir / "serial"
        if not serial.exists():
            serial.write_text("01\n")
        self.config = workdir / "openssl-ts.cnf"
        self.config.write_text(_config(workdir=workdir, cert=cert, key=key, chain=chain, policy=policy))
        self._lock_path = workdir / ".lock"
        self._lock = threading.Lock()

    def reply(self, query: bytes) -> bytes | None:
        """The DER TimeStampResp for `query`, or None when OpenSSL cannot parse it."""
        # The serial file is read and rewritten by each call: one call at a time, across threads and processes (each
        # process of a multi-process deployment may run its own responder on the same data folder).
        with self._lock, open(self._lock_path, "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not openssl_available():
                logger.error("the local TSA needs the openssl program, which is not installed")
                return None
            done = subprocess.run(  # noqa: S603 (fixed program and arguments; the query goes in on stdin)
                [
                    OPENSSL,
                    "ts",
                    "-reply",
                    "-config",
                    str(self.config),
                    "-queryfile",
                    "/dev/stdin",
                    "-out",
                    "/dev/stdout",
                ],
                input=query,
                capture_output=True,
                timeout=30,
                check=False,
            )
        if done.returncode != 0 or not done.stdout:
            logger.info("openssl ts refused a query: %s", done.stderr.decode(errors="replace")[:300])
            return None
        return done.stdout


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format, *args):  # noqa: A002 (the base class's name)
        logger.debug("tsa %s", format % args)

    def _answer(
        self, status: int, body: bytes = b"", content_type: str = "text/plain; charset=utf-8"
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        if status == 401:
            self.send_header("WWW-Authenticate", 'Basic realm="tsa"')
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):  # noqa: N802
        self._answer(405, "只接受 RFC 3161 时间戳请求（POST application/timestamp-query）。\n".encode())

    def do_POST(self):  # noqa: N802
        if not self.server.authorised(self.headers.get("Authorization", "")):
            self._answer(401, "需要时间戳服务的用户名和密码。\n".encode())
            return
        if self.headers.get("Content-Type", "").split(";")[0].strip() != "application/timestamp-query":
            self._answer(415, "请求类型应为 application/timestamp-query。\n".encode())
            return
        try:
            length = int(self.headers.get("Content-Length", ""))
        except ValueError:
            length = -1
        if not 0 < length <= QUERY_MAX_BYTES:
            self._answer(400, "时间戳请求长度不正确。\n".encode())
            return
        reply = self.server.responder.reply(self.rfile.read(length))
        if reply is None:
            self._answer(400, "无法解析的时间戳请求。\n".encode())
            return
        self._answer(200, reply, "application/timestamp-reply")


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address, responder: Responder, credentials: tuple[str, str] | None) -> None:
        super().__init__(address, _Handler)
        self.responder = responder
        self._expected = (
            "Basic " + base64.b64encode(f"{credentials[0]}:{credentials[1]}".encode()).decode()
            if credentials
            else ""
        )

    def authorised(self, header: str) -> bool:
        return not self._expected or hmac.compare_digest(header.encode(), self._expected.encode())


class LocalTsa:
    """The responder served over HTTP in a daemon thread on a loopback port (0: any free port)."""

    def __init__(
        self,
        responder: Responder,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        credentials: tuple[str, str] | None = None,
    ) -> None:
        self._server = _Server((host, port), responder, credentials)
        self._thread = threading.Thread(target=self._server.serve_forever, name="netconduct-tsa", daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/tsa"

    def start(self) -> LocalTsa:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def data_folder_responder() -> Responder:
    """The responder signing with the data folder's TSA certificate (issued by its seal root on first use)."""
    from . import sealing

    cert, key, root = sealing.tsa_files()
    return Responder(
        cert=cert, key=key, chain=root, workdir=sealing.seal_dir() / "tsa", policy=sealing.TSA_POLICY_OID
    )


_running: dict[str, LocalTsa] = {}
_start_lock = threading.Lock()


def local_start(*, port: int = 0, credentials: tuple[str, str] | None = None) -> LocalTsa:
    """The data folder's TSA in this process, started once (per data folder: the tests switch folders)."""
    key = str(Path(settings.DATA_DIR).resolve())
    with _start_lock:
        running = _running.get(key)
        if running is None:
            running = _running[key] = LocalTsa(
                data_folder_responder(), port=port, credentials=credentials
            ).start()
            logger.info("local time-stamping authority serving at %s", running.url)
        return running


def local_url() -> str:
    return local_start().url


# ---------------------------------------------------------------------------------------------------- in process


def _local_timestamper_class():
    from asn1crypto import algos, cms, core, tsp, x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
    from pyhanko.sign.general import simple_cms_attribute
    from pyhanko.sign.timestamps.api import TimeStamper

    class LocalTimeStamper(TimeStamper):
        """The data folder's TSA answering in this process: the token `openssl ts -reply` gives with `_config`'s
        settings (policy, accuracy one second, ordering, the TSA's name, the signing-certificate-v2 attribute with
        the SHA-256 of the TSA certificate, the TSA certificate and the root), signed with the key parsed once.
        Serial numbers are random 128-bit integers: unique without the serial file several processes would share.

        What is the same for every token is encoded once and parsed back for each: asn1crypto copies a parsed
        value as bytes, while a value built in memory is encoded again at every copy pyHanko makes of the token.
        """

        def __init__(
            self, *, cert: x509.Certificate, chain: list[x509.Certificate], key, policy: str
        ) -> None:
            super().__init__(include_nonce=True)
            self._key = key
            self._policy = policy
            self._tsa_name = x509.GeneralName(name="directory_name", value=cert.subject).dump()
            # As OpenSSL writes it: hashAlgorithm left out (SHA-256 is its DEFAULT), no issuerSerial.
            self._signing_certificate = simple_cms_attribute(
                "signing_certificate_v2",
                tsp.SigningCertificateV2({"certs": [{"cert_hash": hashlib.sha256(cert.dump()).digest()}]}),
            ).dump()
            self._certificates = cms.CertificateSet(
                [cms.CertificateChoices(name="certificate", value=c) for c in [cert, *chain]]
            ).dump()
            self._sid = cms.SignerIdentifier(
                name="issuer_and_serial_number",
                value=cms.IssuerAndSerialNumber({"issuer": cert.issuer, "serial_number": cert.serial_number}),
            ).dump()

        def request_tsa_response(self, req: tsp.TimeStampReq) -> tsp.TimeStampResp:
            imprint = req["message_imprint"]
            if imprint["hash_algorithm"]["algorithm"].native not in ACCEPTED_DIGESTS:
                reply = tsp.TimeStampResp({"status": {"status": "rejection", "fail_info": {"bad_alg"}}})
                return tsp.TimeStampResp.load(reply.dump())
            now = dt.datetime.now(dt.UTC).replace(microsecond=0)  # whole seconds, as OpenSSL's responder
            info = {
                "version": "v1",
                "policy": self._policy,
                "message_imprint": imprint,
                "serial_number": secrets.randbits(127) | 1 << 127,
                "gen_time": now,
                "accuracy": {"seconds": 1},
                "ordering": True,
                "tsa": x509.GeneralName.load(self._tsa_name),
            }
            if req["nonce"].native is not None:
                info["nonce"] = req["nonce"].native
            tst_info = tsp.TSTInfo(info).dump()
            attrs = cms.CMSAttributes(
                [
                    simple_cms_attribute("content_type", "tst_info"),
                    simple_cms_attribute("signing_time", cms.Time({"utc_time": core.UTCTime(now)})),
                    simple_cms_attribute("message_digest", hashlib.sha256(tst_info).digest()),
                    cms.CMSAttribute.load(self._signing_certificate),
                ]
            )
            signature = self._key.sign(attrs.dump(), PKCS1v15(), hashes.SHA256())
            sha256 = algos.DigestAlgorithm({"algorithm": "sha256"})
            signed_data = cms.SignedData(
                {
                    "version": "v3",
                    "digest_algorithms": [sha256],
                    "encap_content_info": {
                        "content_type": "tst_info",
                        "content": cms.ParsableOctetString(tst_info),
                    },
                    "certificates": cms.CertificateSet.load(self._certificates),
                    "signer_infos": [
                        {
                            "version": "v1",
                            "sid": cms.SignerIdentifier.load(self._sid),
                            "digest_algorithm": sha256,
                            "signature_algorithm": {"algorithm": "rsassa_pkcs1v15"},
                            "signed_attrs": attrs,
                            "signature": signature,
                        }
                    ],
                }
            )
            token = cms.ContentInfo({"content_type": "signed_data", "content": signed_data})
            reply = tsp.TimeStampResp({"status": {"status": "granted"}, "time_stamp_token": token})
            return tsp.TimeStampResp.load(reply.dump())  # as a client receives it

        async def async_request_tsa_response(self, req: tsp.TimeStampReq) -> tsp.TimeStampResp:
            return self.request_tsa_response(req)

    return LocalTimeStamper


ACCEPTED_DIGESTS = frozenset({"sha256", "sha384", "sha512"})  # `digests` of the responder's configuration


@cache
def _local_timestamper(data_dir: str):
    from cryptography.hazmat.primitives import serialization
    from pyhanko.keys import load_cert_from_pemder

    from . import sealing

    cert, key, root = sealing.tsa_files()
    return _local_timestamper_class()(
        cert=load_cert_from_pemder(str(cert)),
        chain=[load_cert_from_pemder(str(root))],
        key=serialization.load_pem_private_key(key.read_bytes(), password=None),
        policy=sealing.TSA_POLICY_OID,
    )


def local_timestamper():
    """The data folder's TSA as a pyHanko time-stamper answering in this process (one per data folder)."""
    return _local_timestamper(str(Path(settings.DATA_DIR).resolve()))


def reset_local_timestamper() -> None:
    _local_timestamper.cache_clear()


def serves_here(url: str) -> bool:
    """Is `url` the data folder's responder started in this process (quickstart names it in SEAL_TSA_URL)?"""
    running = _running.get(str(Path(settings.DATA_DIR).resolve()))
    return running is not None and running.url == url
