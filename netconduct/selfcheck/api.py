"""What other parts of the product call: report evidence, document upload warnings, the CLI.

    from netconduct.selfcheck import api
    findings = api.check_text(text)                            # the built-in detectors only
    findings = api.check_text(text, keywords=[…], roster_names=[…])
    per_text = api.check_texts(texts, keywords=[…])              # many texts in one call: the same findings, faster
    findings = api.check_text_configured(text)                 # + the committee's keywords, the roster, unit codes
    api.redact(text, findings) → str (same length)
    api.extract_text("通知.docx", data) → str                  # raises api.ExtractError with a Chinese message
    api.redact_docx(data, findings) → bytes

Findings are `Finding(kind, start, end, masked, reason, article, severity)`; start and end are code-point offsets.
Nothing here stores what it is given. `check_text` and `extract_text` import no Django; `check_text_configured`
reads the configuration from the database.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

from .citations import CITATIONS, cite
from .engine import Engine, Finding, redact
from .extract import SUPPORTED, ExtractError, decode_text, extract_text, redact_docx, text_to_docx
from .kinds import KINDS, LABELS

__all__ = [
    "CITATIONS",
    "KINDS",
    "LABELS",
    "SUPPORTED",
    "Engine",
    "ExtractError",
    "Finding",
    "check_text",
    "check_texts",
    "check_text_configured",
    "cite",
    "decode_text",
    "default_engine",
    "extract_text",
    "redact",
    "redact_docx",
    "text_to_docx",
]


@lru_cache(maxsize=1)
def default_engine() -> Engine:
    return Engine()


@lru_cache(maxsize=8)
def _engine_for(keywords: tuple[str, ...], roster_names: tuple[str, ...]) -> Engine:
    return Engine(keywords=keywords, roster_names=roster_names)


def check_text(
    text: str, *, keywords: Iterable[str] | None = None, roster_names: Iterable[str] | None = None
) -> list[Finding]:
    """Every finding in `text`. Engines for the last few keyword/roster lists are cached; for many texts with one
    large list, build an `Engine` once and call its `check`."""
    if not keywords and not roster_names:
        return default_engine().check(text)
    return _engine_for(tuple(keywords or ()), tuple(roster_names or ())).check(text)


def check_texts(
    texts: Iterable[str], *, keywords: Iterable[str] | None = None, roster_names: Iterable[str] | None = None
) -> list[list[Finding]]:
    """`[check_text(text, …) for text in texts]` in one call (`Engine.check_many`): the same findings, with the
    per-text cost of the passes spread over the batch."""
    if not keywords and not roster_names:
        return default_engine().check_many(texts)
    return _engine_for(tuple(keywords or ()), tuple(roster_names or ())).check_many(texts)


def check_text_configured(text: str, *, extra_keywords: Iterable[str] = ()) -> list[Finding]:
    """As `check_text`, with the committee's keyword list, the roster's names and the units' issuer codes."""
    from .selectors import configured_engine

    return configured_engine(extra_keywords=tuple(extra_keywords)).check(text)
