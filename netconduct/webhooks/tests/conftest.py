"""The webhooks tests' fixtures."""

from .receiver import receiver  # noqa: F401 (a fixture: a real receiver that checks signatures)
