"""Seals with a trusted time: the local RFC 3161 responder, PAdES B-LT / B-LTA as pyHanko and poppler's pdfsig see
them, and a pledge that waits for a timestamp while the TSA is down and is sealed when it comes back."""

from __future__ import annotations

import io
import shutil
import socket
import subprocess
import urllib.error
import urllib.request

import pytest
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from netconduct.core.models import AuditEvent
from netconduct.pledges import sealing, services, tsa
from netconduct.pledges.tasks import seal_pledge_task

from . import factories


def small_pdf(text: str = "pledge") -> bytes:
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    page = canvas.Canvas(out)
    page.drawString(100, 700, text)
    page.showPage()
    page.save()
    return out.getvalue()


def closed_port_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/tsa"  # nothing listens there any more: connection refused


def tsa_post(url: str, body: bytes, content_type: str = "application/timestamp-query", auth: str = ""):
    request = urllib.request.Request(url, data=body, headers={"Content-Type": content_type})  # noqa: S310
    if auth:
        request.add_header("Authorization", auth)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (a loopback test server)
            return response.status, response.headers["Content-Type"], response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers["Content-Type"], exc.read()


def timestamp_query(data: bytes) -> bytes:
    import hashlib

    from asn1crypto import algos, tsp

    return tsp.TimeStampReq(
        {
            "version": 1,
            "message_imprint": {
                "hash_algorithm": algos.DigestAlgorithm({"algorithm": "sha256"}),
                "hashed_message": hashlib.sha256(data).digest(),
            },
            "nonce": 12345,
            "cert_req": True,
        }
    ).dump()


# ---------------------------------------------------------------------------------------------------- the responder


@pytest.mark.once
def test_the_local_responder_answers_rfc_3161_and_openssl_verifies_its_token(tmp_path):
    """OpenSSL's own `ts -verify` checks the reply against the data folder's root: an independent check of the
    token, its TSA certificate (extended key usage timeStamping) and the chain."""
    url = tsa.local_url()
    status, kind, body = tsa_post(url, timestamp_query(b"hello"))
    assert status == 200 and kind == "application/timestamp-reply"
    reply = tmp_path / "reply.tsr"
    reply.write_bytes(body)
    data = tmp_path / "data.bin"
    data.write_bytes(b"hello")
    _cert, _key, root = sealing.tsa_files()
    verified = subprocess.run(
        ["openssl", "ts", "-verify", "-in", str(reply), "-data", str(data), "-CAfile", str(root)],  # noqa: S607
        capture_output=True,
        text=True,
        check=False,
    )
    assert verified.returncode == 0 and "Verification: OK" in verified.stdout, verified.stderr
    data.write_bytes(b"hellp")
    refused = subprocess.run(
        ["openssl", "ts", "-verify", "-in", str(reply), "-data", str(data), "-CAfile", str(root)],  # noqa: S607
        capture_output=True,
        text=True,
        check=False,
    )
    assert refused.returncode != 0


@pytest.mark.once
def test_the_local_responder_refuses_what_is_not_a_timestamp_query():
    from asn1crypto import core, tsp

    url = tsa.local_url()
    status, kind, body = tsa_post(url, b"not asn.1 at all")
    # RFC 3161 §2.4.2: the refusal is itself a reply, with a status other than granted and no token.
    assert status == 200 and kind == "application/timestamp-reply"
    outer = core.Sequence.load(body)
    assert len(outer) == 1  # a status only: no token
    assert tsp.PKIStatusInfo.load(outer[0].dump())["status"].native == "rejection"
    assert tsa_post(url, timestamp_query(b"x"), content_type="text/plain")[0] == 415
    with pytest.raises(urllib.error.HTTPError) as exc:
        urllib.request.urlopen(url, timeout=10)  # noqa: S310 (GET)
    assert exc.value.code == 405


@pytest.mark.once
def test_a_responder_with_credentials_refuses_requests_without_them(settings):
    server = tsa.LocalTsa(tsa.data_folder_responder(), credentials=("seal", "s3cret")).start()
    try:
        assert tsa_post(server.url, timestamp_query(b"x"))[0] == 401
        settings.SEAL_TSA_URL, settings.SEAL_TSA_USERNAME, settings.SEAL_TSA_PASSWORD = (
            server.url,
            "seal",
            "wrong",
        )
        with pytest.raises(sealing.TimestampUnavailable):
            sealing.seal_pdf(small_pdf(), reason="test")
        settings.SEAL_TSA_PASSWORD = "s3cret"  # noqa: S105
        assert sealing.verify_pdf(sealing.seal_pdf(small_pdf(), reason="test")).timestamped
    finally:
        server.stop()


# ---------------------------------------------------------------------------------------------------- a worker's start


@pytest.mark.django_db
def test_the_warm_up_seals_nothing_of_record_and_asks_an_external_tsa_nothing(settings):
    """A worker warms up at start (`sealing.warm_up`, registered by the app): a sample PDF sealed in process with the
    data folder's TSA; with an external TSA (here: nobody listening) only signed, so the start asks it nothing."""
    from netconduct.core import background
    from netconduct.pledges.apps import _warm_up
    from netconduct.pledges.models import Pledge

    assert (
        _warm_up in background._warm_ups
    )  # it imports the sealing module when a worker starts, not at start-up
    events = AuditEvent.objects.count()
    sealing.warm_up()
    settings.SEAL_TSA_URL, settings.SEAL_TSA_TIMEOUT = closed_port_url(), 2
    sealing.warm_up()  # would raise TimestampUnavailable had it asked
    assert AuditEvent.objects.count() == events and not Pledge.objects.exists()


# ---------------------------------------------------------------------------------------------------- PAdES levels


@pytest.mark.once
def test_pyhanko_validates_the_seal_at_pades_b_lta_offline():
    sealed = sealing.seal_pdf(small_pdf(), reason="test")
    assert sealing.pades_level(sealed) == "B-LTA"
    check = sealing.verify_pdf(sealed)
    assert check.ok and check.timestamped
    assert (
        abs((timezone.now() - check.signed_at).total_seconds()) < 120
    )  # the TSA's time, not a field of ours


@pytest.mark.once
def test_without_the_document_timestamp_the_seal_is_b_lt(settings):
    settings.SEAL_TSA_LTA = False
    sealed = sealing.seal_pdf(small_pdf(), reason="test")
    assert sealing.pades_level(sealed) == "B-LT"
    assert sealing.verify_pdf(sealed).ok


@pytest.mark.once
def test_a_seal_without_timestamp_is_only_b_b():
    """What sealing did before this change (and what old archived pledges are): pyHanko says B-B, not more."""
    assert sealing.pades_level(old_style_seal(small_pdf())) == "B-B"


def old_style_seal(pdf: bytes) -> bytes:
    """A seal as made before trusted timestamps: PAdES B-B, no timestamp, no validation data."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers
    from pyhanko.sign.fields import MDPPerm, SigSeedSubFilter

    meta = signers.PdfSignatureMetadata(
        field_name=sealing.SEAL_FIELD,
        md_algorithm="sha256",
        subfilter=SigSeedSubFilter.PADES,
        certify=True,
        docmdp_permissions=MDPPerm.NO_CHANGES,
        reason="旧签章",
    )
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    signed = sealing._outside_event_loop(
        signers.sign_pdf, writer, meta, signer=sealing._signer(), bytes_reserved=16 * 1024
    )
    return signed.getvalue()


@pytest.mark.once
def test_pdfsig_finds_the_seal_valid_trusted_and_timestamped(tmp_path):
    """poppler's pdfsig (NSS), with only the data folder's root imported and trusted: the seal is valid, its
    certificate trusted, and the document timestamp by the TSA covers the whole file."""
    for program in ("pdfsig", "certutil"):
        if shutil.which(program) is None:
            pytest.skip(f"{program} is not installed (apt-get install poppler-utils libnss3-tools)")
    sealed = tmp_path / "sealed.pdf"
    sealed.write_bytes(sealing.seal_pdf(small_pdf(), reason="test"))
    nss = tmp_path / "nss"
    nss.mkdir()
    root = sealing.seal_files().roots[0]
    subprocess.run(["certutil", "-N", "-d", f"sql:{nss}", "--empty-password"], check=True)  # noqa: S607
    subprocess.run(
        ["certutil", "-A", "-d", f"sql:{nss}", "-n", "root", "-t", "CT,C,C", "-i", str(root)],  # noqa: S607
        check=True,
    )
    report = subprocess.run(
        ["pdfsig", "-nssdir", f"sql:{nss}", str(sealed)],  # noqa: S607
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    seal, timestamp = report.split("Signature #2:")
    assert f"Signature Field Name: {sealing.SEAL_FIELD}" in seal
    assert "Signature Validation: Signature is Valid." in seal
    assert "Certificate Validation: Certificate is Trusted." in seal
    assert f"Signature Field Name: {sealing.TIMESTAMP_FIELD}" in timestamp
    assert "可信时间戳服务" in timestamp and "Total document signed" in timestamp


# ---------------------------------------------------------------------------------------------------- waiting


@pytest.fixture
def campaign(org, accounts):
    return factories.pledge_campaign(org.committee, actor=accounts.unit_admin)


def test_tsa_down_the_pledge_waits_then_is_sealed_when_it_is_back(
    campaign, accounts, settings, django_capture_on_commit_callbacks
):
    settings.SEAL_TSA_URL, settings.SEAL_TSA_TIMEOUT = closed_port_url(), 2
    with django_capture_on_commit_callbacks(execute=True):
        pledge, _ = factories.sign(campaign, accounts.member)
    pledge.refresh_from_db()
    assert not pledge.is_sealed and pledge.is_waiting_for_timestamp and pledge.seal_attempts == 1
    assert "无法访问" in pledge.seal_note
    client = Client()
    client.force_login(accounts.member)
    page = client.get(reverse("pledges:status", args=[pledge.pk])).content.decode()
    assert "等待可信时间戳" in page and "download-pdf" not in page
    assert client.get(reverse("pledges:pdf", args=[pledge.pk])).status_code == 302  # no file to give yet

    seal_pledge_task.enqueue(pledge.pk)  # a retry while still down: waits on, no second audit event
    pledge.refresh_from_db()
    assert pledge.seal_attempts == 2 and not pledge.is_sealed
    assert AuditEvent.objects.filter(action="pledge.seal_wait", object_id=str(pledge.pk)).count() == 1

    settings.SEAL_TSA_URL = ""  # back: the data folder's own TSA
    seal_pledge_task.enqueue(pledge.pk)
    pledge.refresh_from_db()
    assert pledge.is_sealed and not pledge.is_waiting_for_timestamp and pledge.seal_note == ""
    check = sealing.verify_pdf(services.pledge_pdf_bytes(pledge))
    assert (
        check.ok and check.timestamped and check.signed_at >= pledge.signed_at.replace(microsecond=0)
    )  # the TSA counts whole seconds
    assert AuditEvent.objects.filter(action="pledge.seal", object_id=str(pledge.pk)).count() == 1
    page = client.get(reverse("pledges:status", args=[pledge.pk])).content.decode()
    assert "download-pdf" in page and "等待可信时间戳" not in page


@pytest.mark.django_db(transaction=True)
def test_a_pledge_waiting_for_a_timestamp_gets_a_later_try_queued(org, accounts, settings):
    """On the database queue (embedded default, production) the retry is a task due 30 s later, then 60 s…"""
    campaign = factories.pledge_campaign(org.committee, actor=accounts.unit_admin)
    settings.SEAL_TSA_URL, settings.SEAL_TSA_TIMEOUT = closed_port_url(), 2
    with override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}):
        pledge, _ = factories.sign(campaign, accounts.member)  # commits: the first try is queued
        first = DBTaskResult.objects.get()
        before = timezone.now()
        seal_pledge_task.call(pledge.pk)  # the worker runs it
        retries = DBTaskResult.objects.exclude(pk=first.pk)
        assert retries.count() == 1
        delay = (retries.get().run_after - before).total_seconds()
        assert 25 <= delay <= 35, delay
    assert services.seal_retry_delay(2).total_seconds() == 60
    assert services.seal_retry_delay(50).total_seconds() == services.SEAL_RETRY_MAX_SECONDS


def test_paper_scans_are_not_recorded_without_a_timestamp(settings):
    settings.SEAL_TSA_URL, settings.SEAL_TSA_TIMEOUT = closed_port_url(), 2
    with pytest.raises(sealing.TimestampUnavailable):
        sealing.seal_pdf(small_pdf(), reason="test")


def test_a_data_folder_whose_root_kept_no_key_gets_a_new_seal_and_still_verifies_the_old(settings, tmp_path):
    """Data folders made before this change have no root key: the first use moves their root to previous/ (still
    trusted) and makes a new root and seal, so old archived pledges keep verifying."""
    original = settings.DATA_DIR
    settings.DATA_DIR = tmp_path
    sealing.reset_cache()
    try:
        sealing.generate_seal(organisation="旧单位")
        old = old_style_seal(small_pdf("old"))
        (tmp_path / "seal" / "root-key.pem").unlink()  # as an earlier version left it
        old_root = (tmp_path / "seal" / "root-cert.pem").read_bytes()
        sealing.reset_cache()
        sealing.seal_files()
        assert (tmp_path / "seal" / "root-key.pem").exists()
        assert (tmp_path / "seal" / "root-cert.pem").read_bytes() != old_root
        assert [p.read_bytes() for p in sealing.previous_roots()] == [old_root]
        assert sealing.verify_pdf(old).ok
        assert sealing.verify_pdf(sealing.seal_pdf(small_pdf("new"), reason="test")).ok
    finally:
        settings.DATA_DIR = original
        sealing.reset_cache()


def test_the_deploy_check_names_a_configured_seal_without_tsa(settings, tmp_path):
    from netconduct.pledges.checks import seal_tsa_check

    assert seal_tsa_check() == []  # the data folder's seal and its own TSA
    settings.NETCONDUCT_SEAL_KEY, settings.NETCONDUCT_SEAL_CERT = (
        str(tmp_path / "k.pem"),
        str(tmp_path / "c.pem"),
    )
    errors = seal_tsa_check()
    assert [e.id for e in errors] == ["pledges.E001"] and "SEAL_TSA_URL" in errors[0].hint
    settings.SEAL_TSA_URL = "https://tsa.example.invalid/tsr"
    assert seal_tsa_check() == []


@pytest.mark.once
def test_a_tsa_whose_root_is_not_trusted_makes_the_seal_wait(settings, tmp_path):
    """An external TSA (here: another data folder's) whose root is not in SEAL_TSA_ROOTS: no seal, a wait."""
    original = settings.DATA_DIR
    settings.DATA_DIR = tmp_path
    sealing.reset_cache()
    try:
        sealing.generate_seal(organisation="外部时间戳机构")
        foreign = tsa.LocalTsa(tsa.data_folder_responder()).start()
    finally:
        settings.DATA_DIR = original
        sealing.reset_cache()
    try:
        settings.SEAL_TSA_URL = foreign.url
        with pytest.raises(sealing.TimestampUnavailable, match="无法验证"):
            sealing.seal_pdf(small_pdf(), reason="test")
    finally:
        foreign.stop()


# ---------------------------------------------------------------------------------------------------- in process


@pytest.mark.once
def test_the_seal_is_timestamped_in_its_own_process_and_openssl_verifies_the_token(tmp_path, monkeypatch):
    """With the data folder's own TSA the sealing process signs the timestamps itself: no HTTP request, no openssl
    process. The token has the responder's fields, and OpenSSL's `ts -verify` accepts it against the root."""
    from asn1crypto import tsp as asn1_tsp

    def no_process(*args, **kwargs):
        raise AssertionError("sealing started a process")

    monkeypatch.setattr(tsa.subprocess, "run", no_process)
    running = dict(tsa._running)
    sealed = sealing.seal_pdf(small_pdf(), reason="test")
    assert sealing.pades_level(sealed) == "B-LTA"
    assert tsa._running == running  # no responder started for it
    monkeypatch.undo()

    query = asn1_tsp.TimeStampReq.load(timestamp_query(b"hello"))
    reply = tsa.local_timestamper().request_tsa_response(query)
    info = reply["time_stamp_token"]["content"]["encap_content_info"]["content"].parsed.native
    assert info["policy"] == sealing.TSA_POLICY_OID and info["nonce"] == 12345
    assert info["accuracy"]["seconds"] == 1 and info["ordering"] is True
    assert info["gen_time"].microsecond == 0 and "可信时间戳服务" in info["tsa"]["common_name"]
    (tmp_path / "reply.tsr").write_bytes(reply.dump())
    (tmp_path / "data.bin").write_bytes(b"hello")
    _cert, _key, root = sealing.tsa_files()
    verified = subprocess.run(
        [
            "openssl",
            "ts",
            "-verify",
            "-in",
            str(tmp_path / "reply.tsr"),
            "-data",
            str(tmp_path / "data.bin"),  # noqa: S607
            "-CAfile",
            str(root),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert verified.returncode == 0 and "Verification: OK" in verified.stdout, verified.stderr
    other = tsa.local_timestamper().request_tsa_response(query)
    other_info = other["time_stamp_token"]["content"]["encap_content_info"]["content"].parsed.native
    assert other_info["serial_number"] != info["serial_number"]  # random, unique without a shared serial file


@pytest.mark.once
def test_quickstarts_published_responder_is_asked_in_process_by_its_own_process(settings):
    """quickstart names the responder it started in SEAL_TSA_URL: the same TSA, answered without the loopback."""
    settings.SEAL_TSA_URL = tsa.local_url()
    config = sealing.tsa_config()
    assert config.local and sealing._timestamper(config) is tsa.local_timestamper()
    settings.SEAL_TSA_URL = closed_port_url()  # any other address is asked over HTTP
    assert not sealing.tsa_config().local
