"""Huey tasks of the operations area."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from .services import closing


@db_periodic_task(crontab(minute="17", hour="3"))
def enforce_recording_retention_task() -> None:
    """Every night, delete the recordings whose course's opener chose "delete after N days"
    once the days have passed (F-05 j)."""
    closing.enforce_recording_retention()
