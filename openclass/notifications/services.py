"""Telling users that something needs them (F-05: "every actor gets a notification").

A notification is stored for the in-app list and, for those who chose e-mail for its kind, sent
by e-mail through Django's mail backend, after the transaction that caused it commits (an
approval rolled back tells nobody), from a Huey task (a slow mail server never holds up the page
that approved).

What is sent is a message, not finished text: ``subject`` and ``body`` are msgids marked with
``gettext_noop`` where they are written, with their ``params``; each reader sees them in their
own language (the list in the page's, the e-mail in the recipient's ``User.language``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from openclass.accounts.capabilities import require_capability
from openclass.accounts.models import Organisation, User
from openclass.core.db import CompiledQuery

from . import access
from .models import Channel, Kind, Notification, Preference


def language_of(user: User) -> str:
    """The language a user is written to outside a page (e-mails): their own, or the site's."""
    return user.language or settings.LANGUAGE_CODE


def channels_for(user: User) -> dict[str, str]:
    """How this user hears of each kind: their choices over their role's defaults."""
    chosen = dict(Preference.objects.filter(user=user).values_list("kind", "channel"))
    return {kind: chosen.get(kind, Preference.default_for(user, kind)) for kind in Kind.values}


def _channels(people: list[User], kind: str) -> dict[int, str]:
    chosen = dict(
        Preference.objects.filter(user__in=[user.pk for user in people], kind=kind).values_list(
            "user_id", "channel"
        )
    )
    return {user.pk: chosen.get(user.pk, Preference.default_for(user, kind)) for user in people}


def notify(
    recipients: Iterable[User | None],
    subject: str,
    body: str = "",
    url: str = "",
    *,
    kind: str = Kind.WORK,
    params: Mapping[str, str | int] | None = None,
    note: str = "",
    event: str = "",
) -> list[int]:
    """Tell each distinct active recipient as they chose for ``kind`` (in the app, also by
    e-mail, or not at all); returns the new ids. ``subject`` and ``body`` are msgids (mark them
    with ``gettext_noop``) formatted with ``params``; ``note`` is what a person wrote, shown as
    written. With ``event``, a recipient already told of it is not told again. E-mails leave once
    the current transaction commits."""
    people = {user.pk: user for user in recipients if user is not None and user.is_active}
    if event:
        told = Notification.objects.filter(recipient__in=list(people), event=event)
        for pk in told.values_list("recipient_id", flat=True):
            people.pop(pk, None)
    channel = _channels(list(people.values()), kind)
    values = dict(params or {})
    rows = []
    for user in people.values():
        if channel[user.pk] == Channel.NONE:
            continue
        row = Notification(
            recipient=user,
            kind=kind,
            subject_key=subject[:200],
            body_key=body,
            params=values,
            note=note,
            event=event[:100],
            url=url,
        )
        with translation.override(language_of(user)):
            row.subject, row.body = row.shown_subject[:200], row.shown_body
        rows.append(row)
    created = Notification.objects.bulk_create(rows)
    ids = [n.pk for n in created if channel[n.recipient_id] == Channel.EMAIL]
    if ids:
        from .tasks import email_notifications_task

        transaction.on_commit(lambda: email_notifications_task(ids))
    return [n.pk for n in created]


def set_channels(user: User, chosen: Mapping[str, str]) -> None:
    """Keep a user's choice for each kind named (unknown kinds and channels are refused)."""
    for kind, channel in chosen.items():
        if kind not in Kind.values or channel not in Channel.values:
            raise ValueError(f"{kind}={channel}")
        Preference.objects.update_or_create(user=user, kind=kind, defaults={"channel": channel})


def list_unread(user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user, read_at__isnull=True)


# Every page a signed-in user opens shows the count on its menu: compiled (core.db).
_UNREAD_COUNT = CompiledQuery(
    lambda user: (
        Notification.objects.filter(recipient=user, read_at__isnull=True)
        .values("recipient")
        .annotate(n=Count("pk"))
        .values_list("n")
        .order_by()
    )
)


def unread_count(user: User) -> int:
    """How many of ``user``'s notifications are unread (``list_unread(user).count()``)."""
    rows = _UNREAD_COUNT.rows(user.pk)
    return rows[0][0] if rows else 0


def list_own(user: User) -> QuerySet[Notification]:
    """A user's own notifications, newest first; nobody else's are ever reachable."""
    return Notification.objects.filter(recipient=user)


def mark_seen(user: User, url: str) -> int:
    """Opening the page a notification points to reads it."""
    now = timezone.now()
    return list_unread(user).filter(url=url).update(read_at=now, updated_at=now)


def open_own(user: User, pk: int) -> Notification | None:
    """Opening a notification (from the list or its e-mail) reads it, with every other unread
    one pointing to the same page; None for another's or a missing one."""
    notification = list_own(user).filter(pk=pk).first()
    if notification is not None:
        if notification.url:
            mark_seen(user, notification.url)
        if notification.read_at is None:
            mark_read(user, [notification.pk])
    return notification


def mark_read(user: User, ids: Iterable[int] | None = None) -> int:
    """Mark the user's own notifications read (all when ``ids`` is None); others' ids are
    ignored."""
    rows = list_unread(user)
    if ids is not None:
        rows = rows.filter(pk__in=list(ids))
    now = timezone.now()
    return rows.update(read_at=now, updated_at=now)


def save_settings(user: User, language: str, channels: Mapping[str, str]) -> None:
    """A person's own settings (내 설정): the language they read the platform in (blank follows
    the browser and the language switch) and how they hear of each kind."""
    if language and language not in dict(settings.LANGUAGES):
        raise ValidationError({"language": _("Choose one of the languages offered.")})
    if any(kind not in Kind.values or how not in Channel.values for kind, how in channels.items()):
        raise ValidationError(_("Choose one of the ways offered for each kind."))
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(language=language)
        user.language = language
        set_channels(user, channels)


def send_class_message(
    teacher: User, klass: Organisation, text: str, *, with_parents: bool = False
) -> int:
    """A teacher's message to the students of a class they teach (and their parents): shown as
    written, under a line in each reader's language; returns how many it reached (those who
    chose "not at all" for messages are not counted)."""
    require_capability(teacher, "notifications.message_class", klass)
    text = text.strip()
    if not text:
        raise ValidationError({"text": _("Write the message.")})
    return len(
        notify(
            access.message_recipients(klass, with_parents),
            gettext_noop("A message from %(teacher)s to %(class)s"),
            kind=Kind.MESSAGE,
            params={"teacher": teacher.name, "class": str(klass)},
            note=text,
        )
    )
