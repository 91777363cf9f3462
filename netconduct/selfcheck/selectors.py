"""Reads: the keyword list as staff see it, the engine configured from the database, the anonymous tallies."""

from __future__ import annotations

import datetime as dt
import threading
import time
from dataclasses import dataclass

from django.db.models import Count, Max, QuerySet, Sum
from django.utils import timezone

from netconduct.org import scoping
from netconduct.org.models import OrgUnit, Person

from .choices import TallyKind
from .engine import Engine
from .models import SelfcheckKeyword, SelfcheckTally

MANAGE = "selfcheck.manage"


def keyword_list(*, viewer, q: str = "") -> QuerySet[SelfcheckKeyword]:
    """The keywords of the units the viewer may manage (members see none: the list itself is internal)."""
    keywords = scoping.visible(
        SelfcheckKeyword.objects.select_related("unit"), viewer, MANAGE, path_field="unit__path"
    )
    if q.strip():
        keywords = keywords.filter(term__icontains=q.strip())
    return keywords


def keyword_get_for(*, viewer, pk) -> SelfcheckKeyword:
    return scoping.get_visible_or_404(
        SelfcheckKeyword.objects.select_related("unit"), viewer, MANAGE, path_field="unit__path", pk=pk
    )


def manageable_units(*, viewer) -> QuerySet[OrgUnit]:
    return scoping.visible(
        OrgUnit.objects.filter(is_active=True), viewer, MANAGE, path_field="path"
    ).order_by("path")


# ---------------------------------------------------------------------------------------------------- the engine

# The roster is re-read at most this often (seconds); the keyword list on every check, as it is small and staff
# expect an added keyword to count at once.
ROSTER_TTL = 60.0


@dataclass
class _Cache:
    key: tuple | None = None
    engine: Engine | None = None
    roster_key: tuple | None = None
    roster_checked: float = 0.0
    roster: tuple[str, ...] = ()
    codes: tuple[str, ...] = ()


_cache = _Cache()
_lock = threading.Lock()


def forget_configuration() -> None:
    """Make the next check rebuild the engine (after a keyword edit; tests)."""
    global _cache
    with _lock:
        _cache = _Cache()


def _roster_state(now: float) -> tuple[tuple, tuple[str, ...], tuple[str, ...]]:
    cache = _cache
    if cache.roster_key is not None and now - cache.roster_checked < ROSTER_TTL:
        return cache.roster_key, cache.roster, cache.codes
    people = Person.objects.aggregate(n=Count("pk"), last=Max("updated_at"), top=Max("pk"))
    codes = tuple(sorted(set(OrgUnit.objects.exclude(code="").values_list("code", flat=True))))
    key = (people["n"], people["last"], people["top"], codes)
    if key == cache.roster_key:
        roster = cache.roster
    else:
        roster = tuple(sorted(set(Person.objects.values_list("name", flat=True))))
    cache.roster_key, cache.roster_checked, cache.roster, cache.codes = key, now, roster, codes
    return key, roster, codes


def configured_engine(*, extra_keywords: tuple[str, ...] = ()) -> Engine:
    """An engine with the committee's keywords, the roster's names and the units' issuer codes (发文代字), rebuilt
    when any of them changed (the roster is looked at once a minute at most)."""
    with _lock:
        roster_key, roster, codes = _roster_state(time.monotonic())
        kw = SelfcheckKeyword.objects.aggregate(n=Count("pk"), last=Max("updated_at"), top=Max("pk"))
        key = (kw["n"], kw["last"], kw["top"], roster_key, extra_keywords)
        if _cache.key == key and _cache.engine is not None:
            return _cache.engine
        keywords = list(SelfcheckKeyword.objects.values_list("term", flat=True)) + list(extra_keywords)
        engine = Engine(keywords=keywords, roster_names=roster, issuer_codes=codes)
        _cache.key, _cache.engine = key, engine
        return engine


# ---------------------------------------------------------------------------------------------------- tallies


@dataclass(frozen=True)
class TallyRow:
    kind: str
    label: str
    count: int


def tally_summary(*, days: int = 30, today: dt.date | None = None) -> list[TallyRow]:
    """Checks run and findings per kind over the last `days` days, commonest first (checks on top)."""
    today = today or timezone.localdate()
    totals = dict(
        SelfcheckTally.objects.filter(day__gt=today - dt.timedelta(days=days))
        .values_list("kind")
        .annotate(total=Sum("count"))
        .values_list("kind", "total")
    )
    rows = [TallyRow(k, TallyKind(k).label, totals[k]) for k in TallyKind.values if totals.get(k)]
    return sorted(rows, key=lambda r: (r.kind != TallyKind.CHECK, -r.count))
