"""Huey tasks of the assessments app: thin shells around the rules."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from .services import quizzes


@db_periodic_task(crontab(minute="*"))
def submit_expired_attempts_task() -> None:
    """Every minute, submit quiz attempts whose time ran out while nobody had the page open
    (the tab was closed, the connection lost), graded as of their deadline."""
    quizzes.finalise_expired()
