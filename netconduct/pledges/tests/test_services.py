"""Signing online, the sealed archive copy, and its verification."""

from __future__ import annotations

import hashlib

import pytest
from cryptography import x509
from django.core.management import call_command

from netconduct.campaigns.models import Target
from netconduct.core.exceptions import ApplicationError, PermissionRefused
from netconduct.core.models import AuditEvent
from netconduct.pledges import sealing, services, verification
from netconduct.pledges.choices import PledgeMethod, PledgeStatus, SignatureKind
from netconduct.pledges.models import Pledge

from . import factories


@pytest.fixture
def campaign(org, accounts):
    return factories.pledge_campaign(org.committee, actor=accounts.unit_admin)


def signed(campaign, user, django_capture_on_commit_callbacks, **kw):
    with django_capture_on_commit_callbacks(execute=True):
        pledge, created = factories.sign(campaign, user, **kw)
    pledge.refresh_from_db()
    return pledge, created


def test_signing_online_records_the_evidence_and_seals_one_archive_copy(
    campaign, accounts, django_capture_on_commit_callbacks
):
    pledge, created = signed(campaign, accounts.member, django_capture_on_commit_callbacks)
    assert created and pledge.status == PledgeStatus.SIGNED and pledge.method == PledgeMethod.ONLINE
    assert (
        pledge.signer == accounts.member and pledge.ip == "10.1.2.3" and "MicroMessenger" in pledge.user_agent
    )
    assert pledge.text_sha256 == hashlib.sha256(pledge.text.encode()).hexdigest()
    assert "承诺人：王职工" in pledge.text and pledge.unit_label in pledge.text
    target = Target.objects.get(campaign=campaign, person=accounts.member.person)
    assert target.pledged_at == pledge.signed_at and target.done_at is not None
    assert AuditEvent.objects.filter(action="pledge.sign", object_id=str(pledge.pk)).count() == 1

    data = services.pledge_pdf_bytes(pledge)
    assert hashlib.sha256(data).hexdigest() == pledge.pdf_sha256
    result = verification.pledge_verify_file(data)
    assert result.ok, result.message
    assert result.pledge == pledge


def test_signing_twice_yields_one_signature(campaign, accounts, django_capture_on_commit_callbacks):
    first, created = signed(campaign, accounts.member, django_capture_on_commit_callbacks)
    again, created_again = signed(campaign, accounts.member, django_capture_on_commit_callbacks)
    assert created and not created_again and again.pk == first.pk
    assert again.signed_at == first.signed_at and again.pdf_sha256 == first.pdf_sha256
    assert Pledge.objects.filter(campaign=campaign).count() == 1
    assert AuditEvent.objects.filter(action="pledge.sign").count() == 1


def test_sealing_again_never_overwrites_the_archive(campaign, accounts, django_capture_on_commit_callbacks):
    pledge, _ = signed(campaign, accounts.member, django_capture_on_commit_callbacks)
    before = services.pledge_pdf_bytes(pledge)
    services.pledge_seal(pledge_id=pledge.pk)
    pledge.refresh_from_db()
    assert services.pledge_pdf_bytes(pledge) == before


@pytest.mark.parametrize(
    "change, message",
    [
        ({"read_to_end": False}, "请先阅读承诺书全文"),
        ({"acknowledged": False}, "请勾选"),
        ({"shown_sha256": "0" * 64}, "承诺书内容或日期已更新"),
        ({"signature": services.Signature(kind=SignatureKind.DRAWN, png=b"")}, "请在签名框内手写签名"),
        (
            {"signature": services.Signature(kind=SignatureKind.DRAWN, png=b"GIF89a....")},
            "签名数据格式不正确",
        ),
        (
            {"signature": services.Signature(kind=SignatureKind.TYPED, typed_name="张三")},
            "请输入您本人的姓名“王职工”",
        ),
        ({"signature": services.Signature(kind="")}, "请选择签名方式"),
    ],
)
def test_bad_signing_input_is_refused_and_changes_nothing(campaign, accounts, change, message):
    with pytest.raises(ApplicationError) as exc:
        factories.sign(campaign, accounts.member, **change)
    assert message in exc.value.message
    assert not Pledge.objects.exists()
    assert Target.objects.get(campaign=campaign, person=accounts.member.person).pledged_at is None


def test_a_blank_signature_pad_is_refused(campaign, accounts):
    import io

    from PIL import Image

    empty = io.BytesIO()
    Image.new("RGBA", (400, 150), (0, 0, 0, 0)).save(empty, format="PNG")
    with pytest.raises(ApplicationError, match="签名为空"):
        factories.sign(
            campaign,
            accounts.member,
            signature=services.Signature(kind=SignatureKind.DRAWN, png=empty.getvalue()),
        )


def test_typed_name_signs_too(campaign, accounts, django_capture_on_commit_callbacks):
    pledge, _ = signed(
        campaign, accounts.member, django_capture_on_commit_callbacks, kind=SignatureKind.TYPED
    )
    assert pledge.signature_kind == SignatureKind.TYPED and pledge.typed_name == "王职工"
    assert verification.pledge_verify_file(services.pledge_pdf_bytes(pledge)).ok


def test_someone_outside_the_campaign_cannot_sign(org, accounts):
    elsewhere = factories.pledge_campaign(org.branch2, actor=accounts.unit_admin, issuer_code="其他党发")
    with pytest.raises(PermissionRefused):
        factories.sign(elsewhere, accounts.member)
    assert not Pledge.objects.exists()


def test_quiz_must_be_answered_correctly(campaign, accounts, django_capture_on_commit_callbacks):
    questions = services.quiz_set(
        actor=accounts.unit_admin,
        campaign=campaign,
        questions=[
            services.QuestionInput(
                "以职务身份注册网络账号，应当？", ["无需报告", "向所在单位党组织申请报告"], 1, "第七条"
            ),
            services.QuestionInput("发现网上违法信息，应当？", ["主动报告", "转发扩散"], 0),
        ],
    )
    with pytest.raises(ApplicationError, match="第1题回答不正确，请重读规范第七条"):
        factories.sign(campaign, accounts.member, quiz_answers={questions[0].pk: 0, questions[1].pk: 0})
    with pytest.raises(ApplicationError, match="请先回答第2题"):
        factories.sign(campaign, accounts.member, quiz_answers={questions[0].pk: 1})
    assert not Pledge.objects.exists()
    pledge, _ = signed(
        campaign,
        accounts.member,
        django_capture_on_commit_callbacks,
        quiz_answers={q.pk: q.correct for q in questions},
    )
    assert pledge.quiz_passed_at is not None
    with pytest.raises(ApplicationError, match="已有人员签订"):
        services.quiz_set(actor=accounts.unit_admin, campaign=campaign, questions=[])


def test_quiz_input_errors_name_the_question(campaign, accounts):
    with pytest.raises(ApplicationError, match="第1题：至少需要两个选项"):
        services.quiz_set(
            actor=accounts.unit_admin, campaign=campaign, questions=[services.QuestionInput("题", ["甲"], 0)]
        )
    with pytest.raises(ApplicationError, match="第1题：依据条款“第十条之三”无法识别"):
        services.quiz_set(
            actor=accounts.unit_admin,
            campaign=campaign,
            questions=[services.QuestionInput("题", ["甲", "乙"], 0, "第十条之三")],
        )
    with pytest.raises(PermissionRefused):
        services.quiz_set(actor=accounts.secretary, campaign=campaign, questions=[])


# ---------------------------------------------------------------------------------------------------- the seal


@pytest.fixture
def sealed(campaign, accounts, django_capture_on_commit_callbacks) -> bytes:
    pledge, _ = signed(campaign, accounts.member, django_capture_on_commit_callbacks)
    return services.pledge_pdf_bytes(pledge)


def test_the_seal_certificate_has_the_non_repudiation_bit():
    cert = x509.load_pem_x509_certificate(sealing.seal_files().cert.read_bytes())
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.content_commitment and usage.digital_signature


def test_one_changed_byte_breaks_the_seal(sealed):
    assert sealing.verify_pdf(sealed).ok
    # change a byte inside the signed content (the page stream), not in the signature itself
    at = sealed.index(b"stream") + 40
    tampered = sealed[:at] + bytes([sealed[at] ^ 0x01]) + sealed[at + 1 :]
    check = sealing.verify_pdf(tampered)
    assert not check.ok


def test_anything_appended_after_sealing_breaks_it(sealed):
    check = sealing.verify_pdf(sealed + b"\n% appended\n")
    assert not check.ok and any("追加" in p for p in check.problems)


def test_an_incremental_update_after_sealing_breaks_it(sealed):
    import io

    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    writer = IncrementalPdfFileWriter(io.BytesIO(sealed))
    writer.set_info(
        generic.DictionaryObject({generic.NameObject("/Title"): generic.TextStringObject("改过的")})
    )
    out = io.BytesIO()
    writer.write(out)
    assert out.getvalue().startswith(sealed)  # an honest incremental update: the sealed bytes are untouched
    assert not sealing.verify_pdf(out.getvalue()).ok


def test_a_pdf_sealed_by_another_key_is_not_trusted(campaign, accounts, tmp_path, settings):
    factories.sign(campaign, accounts.member)
    unsealed = services.render_online_pdf(Pledge.objects.get())
    sealing.seal_files()
    original = settings.DATA_DIR
    settings.DATA_DIR = tmp_path
    sealing.reset_cache()
    try:
        sealing.generate_seal(organisation="别的单位")
        foreign = sealing.seal_pdf(unsealed, reason="冒充")
    finally:
        settings.DATA_DIR = original
        sealing.reset_cache()
    check = sealing.verify_pdf(foreign)
    assert not check.ok and any("不受信任" in p for p in check.problems)


def test_garbage_is_not_a_pledge():
    assert not sealing.verify_pdf(b"hello").ok
    assert not sealing.verify_pdf(b"%PDF-1.4\ngarbage").ok


def test_verify_pledge_command_exit_codes(sealed, tmp_path, capsys):
    good = tmp_path / "good.pdf"
    good.write_bytes(sealed)
    call_command("verify-pledge", str(good))
    assert "【有效】" in capsys.readouterr().out
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(sealed + b"x")
    with pytest.raises(SystemExit) as exc:
        call_command("verify-pledge", str(bad))
    assert exc.value.code == 1
