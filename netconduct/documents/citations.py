"""Citations of the structured norms ("第四条第（六）项"), shared by cases, reports and self-check findings."""

from .norms_parser import cite, parse_citation

__all__ = ["cite", "parse_citation"]
