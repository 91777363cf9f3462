"""Pledge campaigns and signatures for tests, made through the services."""

from __future__ import annotations

import datetime as dt
import io
from functools import cache

from django.utils import timezone
from PIL import Image, ImageDraw

from netconduct.campaigns import services as campaign_services
from netconduct.documents import services as document_services
from netconduct.documents.choices import DocumentKind
from netconduct.documents.demo import pledge_text
from netconduct.documents.seed import load_seed_notice, seed_path
from netconduct.documents.tests import factories as documents
from netconduct.pledges import render, services
from netconduct.pledges.choices import SignatureKind


@cache
def seed_pledge():
    return load_seed_notice(seed_path().read_text(encoding="utf-8")).pledge


def pledge_template(unit, *, actor):
    seed = seed_pledge()
    draft = document_services.document_create(
        actor=actor,
        issuer=unit,
        title=seed.title,
        kind=DocumentKind.PLEDGE,
        issuer_code="",
        body=pledge_text(seed),
    )
    return document_services.document_issue(actor=actor, document=draft)


def pledge_campaign(unit, *, actor, launch: bool = True, **fields):
    norms = documents.issued_norms(unit, actor=actor, issuer_code=fields.pop("issuer_code", "测试党发"))
    template = pledge_template(unit, actor=actor)
    fields.setdefault("title", "网络行为规范承诺书签订")
    fields.setdefault("deadline", timezone.localdate() + dt.timedelta(days=10))
    fields.setdefault("requires_read", False)
    fields.setdefault("requires_pledge", True)
    made = campaign_services.campaign_create(actor=actor, unit=unit, documents=[norms, template], **fields)
    if launch:
        campaign_services.campaign_launch(actor=actor, campaign=made)
    return made


def signature_png(width: int = 400, height: int = 150) -> bytes:
    """A drawn signature: a few strokes of ink on a transparent canvas, as the signature pad sends."""
    image = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.line([(30, 100), (90, 40), (150, 110), (220, 50), (300, 95)], fill=(17, 17, 17, 255), width=5)
    draw.line([(60, 70), (260, 75)], fill=(17, 17, 17, 255), width=4)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


CONTEXT = services.SigningContext(
    ip="10.1.2.3", user_agent="Mozilla/5.0 MicroMessenger/8.0", auth_method="账号密码登录"
)


def shown_sha256(campaign, person) -> str:
    _template, _label, text = services.pledge_text_for(
        campaign=campaign, person=person, on=timezone.localdate()
    )
    return render.text_sha256(text)


def sign(campaign, user, *, kind: str = SignatureKind.DRAWN, **overrides):
    args = {
        "actor": user,
        "campaign": campaign,
        "shown_sha256": shown_sha256(campaign, user.person),
        "read_to_end": True,
        "acknowledged": True,
        "signature": services.Signature(kind=kind, png=signature_png(), typed_name=user.person.name),
        "context": CONTEXT,
    }
    args.update(overrides)
    return services.pledge_sign_online(**args)
