"""`Finding`, what the engine reports, in a module of its own: the engine may run compiled (`_compiled`), and both
builds of it then return this one class, so that their findings compare equal. (The engine makes them with
`engine._finding`, which sets the slots directly.)"""

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
