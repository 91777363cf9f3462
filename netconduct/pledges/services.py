"""Writes of the pledge issue: signing online, sealing the archive copy, the quiz.

Signing is idempotent per person and campaign: the target row is locked, so a double tap, a second tab or a retry
finds the signature the first request wrote and returns it. The sealed PDF is produced after commit by a task
(`tasks.seal_pledge_task`), written once under a name no other pledge uses, and never overwritten.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import logging
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import prefetch_related_objects
from django.utils import timezone
from django.utils.translation import gettext as _

from netconduct.campaigns.choices import CampaignStatus
from netconduct.campaigns.models import Campaign, Target
from netconduct.campaigns.services import target_mark_pledged
from netconduct.core.audit import Change, audit_record
from netconduct.core.events import event_emit
from netconduct.core.exceptions import ApplicationError, PermissionRefused
from netconduct.documents.choices import DocumentKind, DocumentStatus
from netconduct.documents.models import Document
from netconduct.org.choices import UnitKind
from netconduct.org.models import OrgUnit, Person
from netconduct.org.scoping import require

from . import render, sealing
from .choices import PledgeMethod, PledgeStatus, SignatureKind
from .models import Pledge, QuizQuestion

logger = logging.getLogger(__name__)

CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read aloud and typed from paper
CODE_LENGTH = 16  # 80 bits
SIGNATURE_MAX_BYTES = 300 * 1024
SIGNATURE_MAX_SIDE = 2400
MIN_INK_PIXELS = 40  # a signature, not a tap


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


# ---------------------------------------------------------------------------------------------------- templates


def pledge_template_for(campaign: Campaign) -> Document:
    """The pledge a campaign asks people to sign: its issued pledge-kind document."""
    templates = [
        d
        for d in campaign.documents.all()
        if d.kind == DocumentKind.PLEDGE and d.status == DocumentStatus.ISSUED
    ]
    if not templates:
        raise ApplicationError(_("本次活动没有附带已印发的承诺书，请联系组织部门。"))
    return templates[0]


def pledge_norms_for(campaign: Campaign) -> Document | None:
    """The version of the norms the pledge is made to: the campaign's norms document, if it carries one."""
    norms = [d for d in campaign.documents.all() if d.kind == DocumentKind.NORMS]
    return norms[0] if norms else None


def unit_labels(units: Iterable[OrgUnit]) -> dict[int, str]:
    """承诺人单位 for each unit: its company's name and its own (西北能化公司 综采一队党支部), in one query."""
    units = list({u.pk: u for u in units}.values())
    prefixes = {u.path[:n] for u in units for n in range(4, len(u.path) + 1, 4)}
    companies = dict(
        OrgUnit.objects.filter(path__in=prefixes, kind=UnitKind.COMPANY).values_list("path", "name")
    )
    labels: dict[int, str] = {}
    for unit in units:
        company = next(
            (companies[unit.path[:n]] for n in range(len(unit.path), 3, -4) if unit.path[:n] in companies), ""
        )
        labels[unit.pk] = unit.name if not company or company == unit.name else f"{company} {unit.name}"
    return labels


def pledge_text_for(*, campaign: Campaign, person: Person, on: dt.date) -> tuple[Document, str, str]:
    """(template, unit label, exact text) of the pledge `person` signs today."""
    template = pledge_template_for(campaign)
    label = unit_labels([person.unit])[person.unit_id]
    text = render.signed_text(
        title=template.title, body=template.body, unit_label=label, signer_name=person.name, on=on
    )
    return template, label, text


# ---------------------------------------------------------------------------------------------------- signing


@dataclass(frozen=True)
class Signature:
    kind: str  # SignatureKind
    png: bytes | None = None
    typed_name: str = ""


@dataclass(frozen=True)
class SigningContext:
    """What the server records about the request: never taken from the form."""

    ip: str | None
    user_agent: str
    auth_method: str


def clean_signature_png(data: bytes) -> bytes:
    """A drawn signature: a real PNG of sensible size with some ink on it, re-encoded (nothing else kept)."""
    from PIL import Image, UnidentifiedImageError

    if not data:
        raise ApplicationError(_("请在签名框内手写签名。"), field="signature")
    if len(data) > SIGNATURE_MAX_BYTES:
        raise ApplicationError(_("签名图片过大，请清除后重新签写。"), field="signature")
    if not data.startswith(b"\x89PNG\r\n\x1a\n"):
        raise ApplicationError(_("签名数据格式不正确，请清除后重新签写。"), field="signature")
    try:
        image = Image.open(io.BytesIO(data))
        if max(image.size) > SIGNATURE_MAX_SIDE:
            raise ApplicationError(_("签名图片尺寸过大，请清除后重新签写。"), field="signature")
        image = image.convert("RGBA")
    except (UnidentifiedImageError, OSError, ValueError):
        raise ApplicationError(_("签名数据已损坏，请清除后重新签写。"), field="signature") from None
    alpha = image.getchannel("A")
    dark = image.convert("L").point(lambda v: 255 if v < 160 else 0)
    from PIL import ImageChops

    ink = ImageChops.multiply(alpha.point(lambda v: 255 if v > 64 else 0), dark)
    box = ink.getbbox()
    if box is None or sum(ink.histogram()[255:]) < MIN_INK_PIXELS:
        raise ApplicationError(_("签名为空或过于简单，请在签名框内手写您的姓名。"), field="signature")
    pad = 8
    left, top, right, bottom = box
    cropped = image.crop(
        (
            max(0, left - pad),
            max(0, top - pad),
            min(image.width, right + pad),
            min(image.height, bottom + pad),
        )
    )
    out = io.BytesIO()
    # Pillow's default compression: `optimize` made the file about a tenth smaller for four times the CPU (6 ms of
    # a signing request's 45). The PDF holds the pixels, compressed again, so it does not change.
    cropped.save(out, format="PNG")
    return out.getvalue()


def _check_quiz(campaign: Campaign, answers: dict[int, int] | None) -> bool:
    questions = list(QuizQuestion.objects.filter(campaign=campaign))
    if not questions:
        return False
    answers = answers or {}
    for number, question in enumerate(questions, start=1):
        given = answers.get(question.pk)
        if given is None:
            raise ApplicationError(_("请先回答第%(number)s题。") % {"number": number}, field="quiz")
        if given != question.correct:
            hint = (
                _("请重读规范%(citation)s后再作答。") % {"citation": question.citation}
                if question.citation
                else _("请重读规范后再作答。")
            )
            raise ApplicationError(
                _("第%(number)s题回答不正确，%(hint)s") % {"number": number, "hint": hint}, field="quiz"
            )
    return True


def _signable_target(actor, campaign: Campaign) -> Target:
    """The actor's target in `campaign`, locked, with the campaign, person and unit read in the same statement."""
    person = getattr(actor, "person", None)
    if person is None:
        raise PermissionRefused(_("您的账号没有关联人员，无法签订承诺书。"))
    try:
        # The lock serialises two requests of one person: the second waits, then finds the first one's signature.
        # Only the target row is locked (of self): the campaign and the person are read, not held.
        target = (
            Target.objects.select_for_update(of=("self",))
            .select_related("campaign__unit", "person__unit")
            .get(campaign_id=campaign.pk, person_id=person.pk)
        )
    except Target.DoesNotExist:
        raise PermissionRefused(_("本次活动不要求您签订承诺书。")) from None
    if not target.in_scope:
        raise ApplicationError(_("您已不在本次活动范围内。"))
    if not target.campaign.requires_pledge:
        raise ApplicationError(_("本次活动不要求签订承诺书。"))
    return target


def pledge_sign_online(
    *,
    actor,
    campaign: Campaign,
    shown_sha256: str,
    read_to_end: bool,
    acknowledged: bool,
    signature: Signature,
    context: SigningContext,
    quiz_answers: dict[int, int] | None = None,
) -> tuple[Pledge, bool]:
    """Sign the campaign's pledge as the actor's person. Returns (pledge, created); a repeat returns the first."""
    with transaction.atomic():
        target = _signable_target(actor, campaign)
        campaign, person = target.campaign, target.person  # as they are now, inside the transaction
        existing = Pledge.objects.filter(
            campaign=campaign, person_id=target.person_id, round=campaign.pledge_round
        ).first()
        if existing is not None and existing.is_signed:
            return existing, False
        if campaign.status != CampaignStatus.ACTIVE:
            raise ApplicationError(_("活动未在进行中，不能签订。"))
        prefetch_related_objects([campaign], "documents")  # the pledge and the norms: one query
        now = timezone.now()
        template, label, text = pledge_text_for(campaign=campaign, person=person, on=timezone.localdate(now))
        digest = render.text_sha256(text)
        if shown_sha256 != digest:
            raise ApplicationError(_("承诺书内容或日期已更新，请刷新页面重新阅读后签订。"), field="text")
        if not read_to_end:
            raise ApplicationError(_("请先阅读承诺书全文（滑动到底部）。"), field="read_to_end")
        if not acknowledged:
            raise ApplicationError(
                _("请勾选“我已认真阅读《网络行为规范》并将严格遵守”。"), field="acknowledged"
            )
        quizzed = _check_quiz(campaign, quiz_answers)
        png, typed = None, ""
        if signature.kind == SignatureKind.DRAWN:
            png = clean_signature_png(signature.png or b"")
        elif signature.kind == SignatureKind.TYPED:
            typed = "".join((signature.typed_name or "").split())
            if typed != person.name:
                raise ApplicationError(
                    _("请输入您本人的姓名“%(name)s”。") % {"name": person.name}, field="typed_name"
                )
        else:
            raise ApplicationError(_("请选择签名方式。"), field="signature")

        pledge = existing or Pledge(
            campaign=campaign, person=person, round=campaign.pledge_round, code=new_code()
        )
        pledge.unit = person.unit
        pledge.template = template
        pledge.norms = pledge_norms_for(campaign)
        pledge.year = campaign.year
        pledge.status = PledgeStatus.SIGNED
        pledge.method = PledgeMethod.ONLINE
        pledge.unit_label = label
        pledge.text = text
        pledge.text_sha256 = digest
        pledge.signed_at = now
        pledge.signer = actor
        pledge.auth_method = context.auth_method[:100]
        pledge.ip = context.ip
        pledge.user_agent = (context.user_agent or "")[:500]
        pledge.signature_kind = signature.kind
        pledge.signature_png = png
        pledge.typed_name = typed
        pledge.quiz_passed_at = now if quizzed else None
        try:
            with transaction.atomic():
                pledge.save()
        except IntegrityError:  # a concurrent first signature on a database without row locks (SQLite)
            return Pledge.objects.get(campaign=campaign, person=person, round=campaign.pledge_round), False
        target_mark_pledged(campaign=campaign, person=person, at=now)
        audit_record(
            actor=actor,
            change=Change(
                "pledge.sign",
                "pledges.pledge",
                pledge.pk,
                str(pledge),
                pledge.unit.path,
                None,
                {
                    "campaign": campaign.title,
                    "method": "online",
                    "signature": signature.kind,
                    "text_sha256": digest,
                },
            ),
        )
        event_emit("pledge.signed", pledge)
        transaction.on_commit(lambda pk=pledge.pk: _enqueue_seal(pk))
    return pledge, True


def _enqueue_seal(pledge_id: int, *, run_after: dt.datetime | None = None) -> None:
    """Queue the sealing task; a retry (`run_after`) only on a backend that can defer work: the immediate backend
    of the tests would run it again at once, for ever (a test calls the task again instead)."""
    from .tasks import seal_pledge_task

    if run_after is None:
        seal_pledge_task.enqueue(pledge_id)
    elif seal_pledge_task.get_backend().supports_defer:
        seal_pledge_task.using(run_after=run_after).enqueue(pledge_id)


# ---------------------------------------------------------------------------------------------------- the archive


def archive_name(pledge: Pledge) -> str:
    return f"pledges/{pledge.year}/{pledge.code}.pdf"


def evidence_rows(pledge: Pledge) -> list[tuple[str, str]]:
    local = timezone.localtime(pledge.signed_at) if pledge.signed_at else None
    template = pledge.template
    rows = [
        ("承诺人", pledge.person.name),
        ("承诺人单位", pledge.unit_label),
        ("承诺书", f"《{template.title}》" + (f"（{template.number}）" if template.number else "")),
        ("依据规范", f"《{pledge.norms.title}》（{pledge.norms.number}）" if pledge.norms else "—"),
        ("有效年度", f"{pledge.year}年度"),
        ("签订时间", f"{local:%Y-%m-%d %H:%M:%S} (UTC{local:%z})" if local else "—"),
    ]
    if pledge.method == PledgeMethod.ONLINE:
        rows += [
            ("签订方式", "线上签订（" + SignatureKind(pledge.signature_kind).label + "）"),
            ("登录账号", pledge.signer.get_username() if pledge.signer else "—"),
            ("认证方式", pledge.auth_method or "—"),
            ("IP 地址", pledge.ip or "—"),
            ("浏览器标识", pledge.user_agent or "—"),
            ("文本摘要", f"SHA-256 {pledge.text_sha256}"),
        ]
    return rows


def render_online_pdf(pledge: Pledge) -> bytes:
    """The signer's pledge page with the drawn (or typed) signature, then the evidence page. Not yet sealed."""
    title, paragraphs = render.template_parts(pledge.template.title, pledge.template.body)
    rows = evidence_rows(pledge)
    extra = pledge.unit_label + pledge.person.name + pledge.typed_name + "".join(v for _l, v in rows)
    local_date = timezone.localtime(pledge.signed_at).date()
    buffer = io.BytesIO()
    with render.fonts_for(title, paragraphs, extra) as fonts:
        layout = render.layout_for(title, paragraphs, fonts[render.Face.FANGSONG])
        canvas = render.new_canvas(buffer, title=title, author=pledge.person.name)
        render.draw_pledge_page(
            canvas,
            fonts,
            layout,
            render.PageFields(
                code=pledge.code,
                unit_label=pledge.unit_label,
                signer_name=pledge.person.name,
                signature_png=bytes(pledge.signature_png) if pledge.signature_png else None,
                typed_name=pledge.typed_name,
                date_text=render.chinese_date(local_date),
            ),
        )
        canvas.showPage()
        render.draw_evidence_page(
            canvas,
            fonts,
            heading="电子签订证据页",
            rows=rows,
            code=pledge.code,
            note=(
                "本文件由平台以组织电子签章（PAdES）认证，签章后任何改动都会使签章失效。"
                "扫描二维码或在验证页面输入验证码、上传本文件，即可核验真伪。"
            ),
        )
        canvas.showPage()
        canvas.save()
    return buffer.getvalue()


def _store_sealed(pledge: Pledge, sealed: bytes) -> bool:
    """Write the archive copy once and record it; False when another run already did."""
    name = default_storage.save(archive_name(pledge), ContentFile(sealed))
    digest = hashlib.sha256(sealed).hexdigest()
    updated = Pledge.objects.filter(pk=pledge.pk, pdf_name="").update(
        pdf_name=name, pdf_sha256=digest, sealed_at=timezone.now()
    )
    if not updated:
        default_storage.delete(name)  # ours lost the race; the first archive copy stands
        return False
    pledge.pdf_name, pledge.pdf_sha256 = name, digest
    return True


SEAL_RETRY_FIRST_SECONDS = 30
SEAL_RETRY_MAX_SECONDS = 600


def seal_retry_delay(attempts: int) -> dt.timedelta:
    """30 s after the first failure, doubling, at most 10 minutes between tries."""
    return dt.timedelta(
        seconds=min(SEAL_RETRY_FIRST_SECONDS * 2 ** max(attempts - 1, 0), SEAL_RETRY_MAX_SECONDS)
    )


def pledge_seal(*, pledge_id: int) -> Pledge:
    """Render and seal a signed online pledge's PDF (idempotent: a sealed pledge is left alone).

    The seal needs a trusted timestamp. When the TSA cannot give one, the pledge is marked as waiting for it
    (等待可信时间戳, shown on its page), the first wait is audited, and another try is queued for later with a
    growing delay; it is never sealed without one.
    """
    pledge = Pledge.objects.select_related("person", "template", "norms", "signer", "unit").get(pk=pledge_id)
    if pledge.is_sealed or not pledge.is_signed or pledge.method != PledgeMethod.ONLINE:
        return pledge
    try:
        sealed = sealing.seal_pdf(
            render_online_pdf(pledge),
            reason=f"承诺书签订（验证码 {pledge.code_display}）",
            signer_name=pledge.person.name,
        )
    except sealing.TimestampUnavailable as exc:
        return _seal_wait(pledge, str(exc))
    with transaction.atomic():
        if _store_sealed(pledge, sealed):
            Pledge.objects.filter(pk=pledge.pk).update(seal_waiting_since=None, seal_note="")
            pledge.seal_waiting_since, pledge.seal_note = None, ""
            audit_record(
                actor=None,
                change=Change(
                    "pledge.seal",
                    "pledges.pledge",
                    pledge.pk,
                    str(pledge),
                    pledge.unit.path,
                    None,
                    {"pdf_sha256": pledge.pdf_sha256, "attempts": pledge.seal_attempts + 1},
                ),
            )
            event_emit("pledge.sealed", pledge)
    return pledge


def _seal_wait(pledge: Pledge, reason: str) -> Pledge:
    now = timezone.now()
    first = pledge.seal_waiting_since is None
    with transaction.atomic():
        pledge.seal_attempts += 1
        pledge.seal_waiting_since = pledge.seal_waiting_since or now
        pledge.seal_note = reason[:200]
        Pledge.objects.filter(pk=pledge.pk, pdf_name="").update(
            seal_attempts=pledge.seal_attempts,
            seal_waiting_since=pledge.seal_waiting_since,
            seal_note=pledge.seal_note,
        )
        if first:  # one event when the wait begins, not one per retry
            audit_record(
                actor=None,
                change=Change(
                    "pledge.seal_wait",
                    "pledges.pledge",
                    pledge.pk,
                    str(pledge),
                    pledge.unit.path,
                    None,
                    {"reason": pledge.seal_note},
                ),
            )
        delay = seal_retry_delay(pledge.seal_attempts)
        transaction.on_commit(lambda pk=pledge.pk: _enqueue_seal(pk, run_after=now + delay))
    logger.warning(
        "pledge %s waits for a trusted timestamp (try %d): %s", pledge.pk, pledge.seal_attempts, reason
    )
    return pledge


def pledge_pdf_bytes(pledge: Pledge) -> bytes:
    with default_storage.open(pledge.pdf_name, "rb") as f:
        return f.read()


# ---------------------------------------------------------------------------------------------------- the quiz


@dataclass(frozen=True)
class QuestionInput:
    text: str
    options: Sequence[str]
    correct: int  # 0-based index into options
    citation: str = ""


def quiz_set(*, actor, campaign: Campaign, questions: Sequence[QuestionInput]) -> list[QuizQuestion]:
    """Replace the campaign's quiz (an empty list removes it). Not once people have started signing."""
    require(actor, "campaign.manage", campaign.unit.path)
    from netconduct.documents.citations import parse_citation

    cleaned: list[QuizQuestion] = []
    for number, q in enumerate(questions, start=1):
        options = [o.strip() for o in q.options if o.strip()]
        if not q.text.strip():
            raise ApplicationError(_("第%(number)s题：请填写题目。") % {"number": number}, field="questions")
        if len(options) < 2:
            raise ApplicationError(
                _("第%(number)s题：至少需要两个选项。") % {"number": number}, field="questions"
            )
        if not 0 <= q.correct < len(options):
            raise ApplicationError(
                _("第%(number)s题：正确选项不在选项之中。") % {"number": number}, field="questions"
            )
        citation = q.citation.strip()
        if citation:
            try:
                parse_citation(citation)
            except ValueError:
                raise ApplicationError(
                    _("第%(number)s题：依据条款“%(citation)s”无法识别，请写成“第四条第（六）项”的形式。")
                    % {"number": number, "citation": citation},
                    field="questions",
                ) from None
        cleaned.append(
            QuizQuestion(
                campaign=campaign,
                order=number,
                text=q.text.strip(),
                options=options,
                correct=q.correct,
                citation=citation,
            )
        )
    with transaction.atomic():
        if Pledge.objects.filter(
            campaign=campaign, round=campaign.pledge_round, status=PledgeStatus.SIGNED
        ).exists():
            raise ApplicationError(_("已有人员签订承诺书，不能再修改测试题。"))
        QuizQuestion.objects.filter(campaign=campaign).delete()
        created = QuizQuestion.objects.bulk_create(cleaned)
        audit_record(
            actor=actor,
            change=Change(
                "pledge.quiz_set",
                "campaigns.campaign",
                campaign.pk,
                campaign.title,
                campaign.unit.path,
                None,
                {"questions": [q.text for q in cleaned]},
            ),
        )
    return created


def quiz_copy(source: Campaign, copy: Campaign) -> dict:
    """Registered with campaigns.campaign_copy: next year's campaign asks the same questions (inside its
    transaction and audit event)."""
    questions = [
        QuizQuestion(
            campaign=copy,
            order=q.order,
            text=q.text,
            options=list(q.options),
            correct=q.correct,
            citation=q.citation,
        )
        for q in QuizQuestion.objects.filter(campaign=source)
    ]
    QuizQuestion.objects.bulk_create(questions)
    return {"questions": [q.text for q in questions]} if questions else {}
