"""The pack's seal: the summary PDF certified as pledges are (PAdES with the TSA's timestamp, `pledges.sealing`), and
the manifest signed with the same seal key as a detached CMS (`manifest.json.p7s`, DER, with a signature timestamp
from the same TSA), which `openssl cms -verify -binary -inform DER -content manifest.json -CAfile root.pem -purpose
any` and `verify_manifest` both check.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from netconduct.pledges import sealing

SUMMARY_REASON = "检查材料包汇总说明"


def seal_summary(pdf: bytes, *, location: str) -> bytes:
    """Raises sealing.TimestampUnavailable when the TSA gives no timestamp: the pack then fails and can be asked
    for again, as a pledge waits."""
    return sealing.seal_pdf(pdf, reason=SUMMARY_REASON, location=location)


def sign_manifest(data: bytes) -> bytes:
    """A detached CMS SignedData (DER) over `data` by the seal, its certificate chain inside, timestamped."""
    config = sealing.tsa_config()
    if config is None:
        raise sealing.TimestampUnavailable("未配置可信时间戳服务（SEAL_TSA_URL）。")
    signer = sealing._signer()
    timestamper = sealing._timestamper(config)

    async def sign():
        return await signer.async_sign_general_data(data, "sha256", detached=True, timestamper=timestamper)

    try:
        info = sealing._outside_event_loop(asyncio.run, sign())
    except OSError as exc:
        raise sealing.TimestampUnavailable(f"可信时间戳服务无法访问（{config.url}）。") from exc
    return info.dump()


def trust_roots(extra: tuple[Path, ...] = ()) -> list:
    """The seal's roots (and those of earlier seals of the data folder), plus any root given on the command line."""
    from pyhanko.keys import load_cert_from_pemder

    files = sealing.seal_files()
    paths = (
        files.roots + (sealing.previous_roots() if sealing.seal_configured() is None else ()) + tuple(extra)
    )
    return [load_cert_from_pemder(str(p)) for p in paths]


def verify_manifest(data: bytes, signature: bytes, *, roots: list | None = None) -> str:
    """ "" when `signature` is an intact, valid CMS signature over `data` by a certificate issued by a trusted root;
    otherwise why not, in a Chinese sentence. Never raises."""
    from asn1crypto import cms
    from pyhanko.sign.validation.generic_cms import async_validate_detached_cms
    from pyhanko_certvalidator import ValidationContext

    try:
        info = cms.ContentInfo.load(signature)
        signed_data = info["content"]
        if info["content_type"].native != "signed_data":
            return "签名文件不是 CMS 签名。"
        signed_data["signer_infos"][0]["signature"].native  # noqa: B018 (a damaged structure raises here)
    except Exception:  # noqa: BLE001 (asn1crypto raises many kinds on bad input)
        return "签名文件已损坏，无法读取。"
    context = ValidationContext(
        trust_roots=roots if roots is not None else trust_roots(), allow_fetching=False
    )

    async def check():
        return await async_validate_detached_cms(data, signed_data, signer_validation_context=context)

    try:
        status = sealing._outside_event_loop(asyncio.run, check())
    except Exception:  # noqa: BLE001
        return "签名无法验证（签名数据损坏或算法不受支持）。"
    if not status.intact:
        return "清单内容与签名不符（清单被改动，或签名来自另一份清单）。"
    if not status.valid:
        return "签名值无效。"
    if not status.trusted:
        return "签名证书不受信任，不是本平台的电子签章。"
    return ""
