"""Huey tasks of the notifications app."""

from __future__ import annotations

from huey.contrib.djhuey import db_task

from . import mail


@db_task(retries=3, retry_delay=60)
def email_notifications_task(ids: list[int]) -> None:
    """E-mail stored notifications that have not been sent yet (a retry sends only the rest)."""
    mail.send(ids)
