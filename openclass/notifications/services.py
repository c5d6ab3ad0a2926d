"""Telling users that something needs them (F-05: "every actor gets a notification").

A notification is stored for the in-app list and sent by e-mail through Django's mail backend,
after the transaction that caused it commits (an approval rolled back tells nobody), from a
Huey task (a slow mail server never holds up the page that approved).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from openclass.accounts.models import User

from .models import Notification


def notify(recipients: Iterable[User], subject: str, body: str = "", url: str = "") -> list[int]:
    """Store one notification per distinct active recipient and send each by e-mail once the
    current transaction commits; returns the new ids."""
    people = {user.pk: user for user in recipients if user is not None and user.is_active}
    created = Notification.objects.bulk_create(
        Notification(recipient=user, subject=subject[:200], body=body, url=url)
        for user in people.values()
    )
    ids = [notification.pk for notification in created]
    if ids:
        from .tasks import email_notifications_task

        transaction.on_commit(lambda: email_notifications_task(ids))
    return ids


def list_unread(user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user, read_at__isnull=True)


def list_own(user: User) -> QuerySet[Notification]:
    """A user's own notifications, newest first; nobody else's are ever reachable."""
    return Notification.objects.filter(recipient=user)


def mark_seen(user: User, url: str) -> int:
    """Opening the page a notification points to reads it."""
    now = timezone.now()
    return list_unread(user).filter(url=url).update(read_at=now, updated_at=now)


def mark_read(user: User, ids: Iterable[int] | None = None) -> int:
    """Mark the user's own notifications read (all when ``ids`` is None); others' ids are
    ignored."""
    rows = list_unread(user)
    if ids is not None:
        rows = rows.filter(pk__in=list(ids))
    now = timezone.now()
    return rows.update(read_at=now, updated_at=now)
