"""E-mailing stored notifications, each in its recipient's language."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from .models import Notification
from .services import language_of


def compose(notification: Notification) -> tuple[str, str]:
    """The subject and text of a notification's e-mail, in the active language: the message,
    the link to what it points to (through the list, which marks it read on the way), and
    where to change what one receives."""
    site = settings.SITE_URL.rstrip("/")
    parts = [notification.shown_body]
    if notification.url:
        parts.append(f"{site}{reverse('notifications:open', args=[notification.pk])}")
    parts.append(
        _("You receive this e-mail because of your notification settings: %(url)s")
        % {"url": f"{site}{reverse('notifications:settings')}"}
    )
    return notification.shown_subject, "\n\n".join(part for part in parts if part)


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
            with translation.override(language_of(notification.recipient)):
                subject, body = compose(notification)
            EmailMessage(subject=subject, body=body, to=[address], connection=connection).send()
            Notification.objects.filter(pk=notification.pk).update(emailed_at=timezone.now())
            sent += 1
    return sent
