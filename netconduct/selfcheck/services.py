"""Writes: the committee's keyword list (permission, validation, one audit event, one transaction), and the
anonymous daily tallies."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from netconduct.core.audit import Change, audit_record
from netconduct.core.exceptions import ApplicationError
from netconduct.org import scoping
from netconduct.org.models import OrgUnit

from .choices import TallyKind
from .engine import Finding, normalise_keyword
from .models import SelfcheckKeyword, SelfcheckTally
from .selectors import MANAGE, forget_configuration

MAX_KEYWORDS_PER_UNIT = 20_000
MIN_KEY_LENGTH = 2


def _split_terms(terms: str | Iterable[str]) -> list[str]:
    lines = terms.splitlines() if isinstance(terms, str) else list(terms)
    return [line.strip() for line in lines if line and line.strip()]


def _clean_terms(terms: str | Iterable[str]) -> list[tuple[str, str]]:
    """(term as written, key as matched) for each distinct keyword; a Chinese error for the first bad one."""
    seen: set[str] = set()
    cleaned: list[tuple[str, str]] = []
    for term in _split_terms(terms):
        key = normalise_keyword(term)
        if len(key) < MIN_KEY_LENGTH:
            raise ApplicationError(
                _("关键词“%(term)s”太短：至少要两个字，单个字会把大量正常文字误判为泄密。") % {"term": term},
                field="terms",
            )
        if len(term) > 100:
            raise ApplicationError(
                _("关键词“%(term)s…”太长：不能超过100个字。") % {"term": term[:20]}, field="terms"
            )
        if key not in seen:
            seen.add(key)
            cleaned.append((term, key))
    if not cleaned:
        raise ApplicationError(_("请至少填写一个关键词（每行一个）。"), field="terms")
    return cleaned


@transaction.atomic
def keyword_add(
    *, actor, unit: OrgUnit, terms: str | Iterable[str], note: str = ""
) -> list[SelfcheckKeyword]:
    """Add keywords (one per line) to a unit's list; those already on it are left as they are."""
    unit = OrgUnit.objects.select_for_update().get(pk=unit.pk)
    scoping.require(actor, MANAGE, unit.path)
    note = note.strip()
    if len(note) > 200:
        raise ApplicationError(_("说明不能超过200个字。"), field="note")
    cleaned = _clean_terms(terms)
    existing = set(
        SelfcheckKeyword.objects.filter(unit=unit, key__in=[k for _t, k in cleaned]).values_list(
            "key", flat=True
        )
    )
    new = [(term, key) for term, key in cleaned if key not in existing]
    if not new:
        raise ApplicationError(_("这些关键词都已在本单位的列表中。"), field="terms")
    if SelfcheckKeyword.objects.filter(unit=unit).count() + len(new) > MAX_KEYWORDS_PER_UNIT:
        raise ApplicationError(
            _("每个单位最多 %(MAX_KEYWORDS_PER_UNIT)s 个关键词。")
            % {"MAX_KEYWORDS_PER_UNIT": MAX_KEYWORDS_PER_UNIT},
            field="terms",
        )
    objects = [SelfcheckKeyword(unit=unit, term=term, key=key, note=note) for term, key in new]
    for obj in objects:
        obj.full_clean(validate_unique=False, validate_constraints=False)
    created = SelfcheckKeyword.objects.bulk_create(objects, batch_size=1000)
    audit_record(
        actor=actor,
        change=Change(
            "selfcheck.keyword.add",
            "selfcheck.selfcheckkeyword",
            created[0].pk if len(created) == 1 else "",
            f"{unit.name}：{len(created)}个关键词",
            unit.path,
            None,
            {"terms": [obj.term for obj in created], "note": note, "unit": unit.name},
        ),
    )
    scoping.require(actor, MANAGE, unit.path)
    transaction.on_commit(forget_configuration)
    return created


@transaction.atomic
def keyword_delete(*, actor, keyword: SelfcheckKeyword) -> None:
    keyword = (
        SelfcheckKeyword.objects.select_related("unit").select_for_update(of=("self",)).get(pk=keyword.pk)
    )
    scoping.require(actor, MANAGE, keyword.unit.path)
    before = {"term": keyword.term, "note": keyword.note, "unit": keyword.unit.name}
    pk = keyword.pk
    keyword.delete()
    audit_record(
        actor=actor,
        change=Change(
            "selfcheck.keyword.delete",
            "selfcheck.selfcheckkeyword",
            pk,
            before["term"],
            keyword.unit.path,
            before,
            None,
        ),
    )
    transaction.on_commit(forget_configuration)


def tally_record(*, findings: Iterable[Finding]) -> None:
    """Count one check and its findings by kind, for today. No audit event: the tally names no one and holds
    nothing of the text, and an event would record who checked — exactly what the page promises not to keep."""
    counts = Counter(f.kind for f in findings)
    counts[TallyKind.CHECK.value] = 1
    day = timezone.localdate()
    with transaction.atomic():
        for kind, n in counts.items():
            if SelfcheckTally.objects.filter(day=day, kind=kind).update(count=F("count") + n):
                continue
            try:
                with transaction.atomic():
                    SelfcheckTally.objects.create(day=day, kind=kind, count=n)
            except IntegrityError:  # another check created today's row first
                SelfcheckTally.objects.filter(day=day, kind=kind).update(count=F("count") + n)
