"""`Finding`, what the engine reports, in a module of its own: the engine may run compiled (`_compiled`), and both
builds of it then return this one class, so that their findings compare equal."""

from __future__ import annotations

from dataclasses import dataclass

from .kinds import LABELS


@dataclass(frozen=True, slots=True)
class Finding:
    """One finding: `start`/`end` are code-point offsets into the checked text; `masked` has the same length as the
    matched text and is what a redacted copy shows in its place."""

    kind: str
    start: int
    end: int
    masked: str
    reason: str
    article: str
    severity: str

    @property
    def label(self) -> str:
        return LABELS[self.kind]

    def as_json(self) -> dict:
        """The CLI's shape: kind, start, end, article, severity."""
        return {
            "kind": self.kind,
            "start": self.start,
            "end": self.end,
            "article": self.article,
            "severity": self.severity,
        }

    def as_dict(self) -> dict:
        return {**self.as_json(), "masked": self.masked, "reason": self.reason}


# Findings are made by setting their slots directly: a frozen dataclass's __init__ goes through object.__setattr__
# for each field, twice as slow, and the engine makes one for every finding of every text.
_new_object = object.__new__
_set_kind, _set_start, _set_end, _set_masked, _set_reason, _set_article, _set_severity = (
    Finding.__dict__[f].__set__ for f in ("kind", "start", "end", "masked", "reason", "article", "severity")
)


def new_finding(
    kind: str, start: int, end: int, masked: str, reason: str, article: str, severity: str
) -> Finding:
    f = _new_object(Finding)
    _set_kind(f, kind)
    _set_start(f, start)
    _set_end(f, end)
    _set_masked(f, masked)
    _set_reason(f, reason)
    _set_article(f, article)
    _set_severity(f, severity)
    return f
