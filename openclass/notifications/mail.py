"""E-mailing stored notifications."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.utils import timezone

from .models import Notification


def send(ids: list[int]) -> int:
    """Send each notification not sent yet to its recipient's address (those without one are
    left for the in-app list); returns how many were sent. Each is marked as it goes, so a
    failure part-way and the task's retry do not send anything twice."""
    pending = Notification.objects.filter(pk__in=ids, emailed_at__isnull=True).select_related(
        "recipient"
    )
    sent = 0
    with get_connection() as connection:
        for notification in pending:
            address = notification.recipient.email
            if not address:
                continue
            body = notification.body
            if notification.url:
                body = f"{body}\n\n{settings.SITE_URL.rstrip('/')}{notification.url}".strip()
            EmailMessage(
                subject=notification.subject,
                body=body,
                to=[address],
                connection=connection,
            ).send()
            Notification.objects.filter(pk=notification.pk).update(emailed_at=timezone.now())
            sent += 1
    return sent
