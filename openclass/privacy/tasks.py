"""Huey tasks of the privacy area."""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from . import services

logger = logging.getLogger(__name__)


@db_periodic_task(crontab(minute="37", hour="3"))
def access_log_nightly_task() -> None:
    """Every night: pseudonymise the leavers whose retention is over; drop the access-log rows
    past theirs (leaving an anchor), then verify the chain and log an error naming the first
    broken row, if any."""
    pseudonymised = services.pseudonymise_due()
    if pseudonymised:
        logger.info("leavers: %s accounts pseudonymised", pseudonymised)
    dropped = services.drop_expired()
    if dropped:
        logger.info("access log: %s rows past the retention dropped", dropped)
    report = services.verify_chain()
    if not report.ok:
        logger.error(
            "access log chain broken at row %s (%s); %s rows verified before it",
            report.broken_seq,
            report.reason,
            report.checked,
        )
