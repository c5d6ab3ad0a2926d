"""Huey tasks of the assessments app: thin shells around the rules."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from .services import assignments, quizzes


@db_periodic_task(crontab(minute="*"))
def submit_expired_attempts_task() -> None:
    """Every minute, submit quiz attempts whose time ran out while nobody had the page open
    (the tab was closed, the connection lost), graded as of their deadline."""
    quizzes.finalise_expired()
    quizzes.announce_results()  # quizzes that show their scores after closing, once closed


@db_periodic_task(crontab(minute="5"))
def remind_due_tomorrow_task() -> None:
    """Every hour, tell students of the assignments due tomorrow they have not handed in (each
    once; from the morning on)."""
    assignments.remind_due_tomorrow()
