"""Permission cases for the study-session URLs. Sessions are made on the fly through the services (each request runs
in a rolled-back transaction): inside = a session of branch 1, outside = one of another company's branch."""

from __future__ import annotations

import datetime as dt

from django.core.files.base import ContentFile
from django.utils import timezone

from netconduct.core.url_matrix import BRANCH_READERS, STAFF, UrlCase

RECORDERS = frozenset({"sysadmin", "unit_admin", "secretary"})
# QR sign-in is for people on the unit's roster: the secretary (李书记) and the member (王职工) of branch 1.
ROSTER = frozenset({"secretary", "member"})


def _png() -> bytes:
    """A real image: evidence is rebuilt from its pixels, so it must decode."""
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (8, 6), (20, 120, 200)).save(out, format="PNG")
    return out.getvalue()


PNG = _png()


def _session(w, unit, *, attendee=None, submitted: bool = False, evidence: bool = False):
    from netconduct.studies import services

    root = w.org.root_user
    session = services.session_create(
        actor=root,
        unit=unit,
        form="theme_day",
        topic="学习网络行为规范",
        starts_at=timezone.now() - dt.timedelta(hours=1),
        minutes="传达学习了规范全文。",
    )
    if attendee is not None:
        services.attendance_set(actor=root, session=session, marks=[services.Mark(attendee.pk, "present")])
    if evidence:
        services.evidence_add(actor=root, session=session, file=ContentFile(PNG, name="会场.png"))
    if submitted:
        services.session_submit(actor=root, session=session)
    return session


def inside(w, **kw):
    return _session(w, w.org.branch1, attendee=w.member_person, **kw)


def outside(w, **kw):
    return _session(w, w.other_branch, attendee=w.other_person, **kw)


def _pk(make):
    return lambda w: {"pk": make(w).pk}


def _signin(make):
    def kwargs(w):
        from netconduct.studies import signin

        session = make(w)
        return {"pk": session.pk, "token": signin.make_token(session)}

    return kwargs


def _evidence(make):
    def kwargs(w):
        session = make(w, evidence=True)
        return {"pk": session.pk, "evidence_pk": session.evidence.get().pk}

    return kwargs


def _submitted(make):
    return lambda w: {"pk": make(w, submitted=True).pk}


CASES = [
    UrlCase("studies:session_list", BRANCH_READERS),
    UrlCase("studies:yearly_rule", BRANCH_READERS, query="?year=2024"),
    UrlCase("studies:yearly_rule_export", BRANCH_READERS, query="?year=2024"),
    UrlCase(
        "studies:session_create",
        RECORDERS,
        inside=lambda w: {"unit_pk": w.org.branch1.pk},
        outside=lambda w: {"unit_pk": w.other_branch.pk},
    ),
    UrlCase("studies:session_detail", BRANCH_READERS, inside=_pk(inside), outside=_pk(outside)),
    UrlCase("studies:session_edit", RECORDERS, inside=_pk(inside), outside=_pk(outside)),
    UrlCase("studies:session_attendance", RECORDERS, inside=_pk(inside), outside=_pk(outside)),
    UrlCase(
        "studies:session_qr",
        RECORDERS,
        inside=_pk(inside),
        outside=_pk(outside),
        note="the sign-in QR code is shown by those who record the session, not by inspectors",
    ),
    UrlCase("studies:session_signins", RECORDERS, inside=_pk(inside), outside=_pk(outside)),
    UrlCase(
        "studies:session_signin",
        ROSTER,
        inside=_signin(inside),
        outside=_signin(outside),
        note="with a valid token, people on the unit's roster may sign in; accounts without a person there get a 404",
    ),
    UrlCase("studies:session_evidence", RECORDERS, inside=_pk(inside), outside=_pk(outside)),
    UrlCase(
        "studies:session_evidence_file",
        BRANCH_READERS,
        inside=_evidence(inside),
        outside=_evidence(outside),
    ),
    UrlCase("studies:session_submit", RECORDERS, method="post", inside=_pk(inside), outside=_pk(outside)),
    UrlCase(
        "studies:session_review",
        STAFF,
        method="post",
        inside=_submitted(inside),
        outside=_submitted(outside),
        data=lambda w: {"decision": "accept"},
    ),
]

CASES.append(
    UrlCase("studies:session_record", BRANCH_READERS, inside=_pk(inside), outside=_pk(outside)),
)
