"""The registry listens to the organisation: an administrator who leaves, retires or moves unit flags the accounts
they administer as needing a hand-over (see `services.accounts_flag_handover`)."""

from __future__ import annotations

import logging

logger = logging.getLogger("netconduct.registry")


def on_people_changed(sender, person_ids, **kwargs) -> None:
    from .services import accounts_flag_handover

    flagged = accounts_flag_handover(person_ids=person_ids)
    if flagged:
        logger.info("registry: %d account(s) flagged for hand-over", flagged)
