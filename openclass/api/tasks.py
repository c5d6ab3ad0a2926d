"""Huey tasks of the Open API."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from . import idempotency


@db_periodic_task(crontab(minute="23"))
def prune_idempotency_records_task() -> None:
    """Every hour: forget the idempotency keys' answers older than a day."""
    idempotency.prune()
