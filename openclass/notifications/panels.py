"""The home-page panel of teachers' messages: what a student's or a parent's teachers wrote to
the class lately, unread first, each opening the notification (which marks it read).

Registered with ``core.registry`` when this module is imported (``NotificationsConfig.ready``).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Q
from django.utils import timezone

from openclass.accounts.models import User
from openclass.core.db import CompiledObjectQuery, every_column
from openclass.core.registry import panel

from .models import Kind, Notification

#: Messages shown on a home; the rest are on the notifications page.
SHOWN = 5
#: How long a read message stays on the home.
RECENT = datetime.timedelta(days=14)


# On every student's and parent's home page: compiled (core.db).
_LATEST_MESSAGES = CompiledObjectQuery(
    lambda user, since: (
        Notification.objects.filter(recipient=user, kind=Kind.MESSAGE)
        .filter(Q(read_at__isnull=True) | Q(created_at__gte=since))
        .order_by("-created_at", "-pk")[:SHOWN]
    ),
    {"": every_column(Notification)},
    datetimes=(1,),
)


@panel(
    "notifications.messages",
    template="notifications/panels/messages.html",
    capability="notifications.read_messages",
    order=45,
)
def build_messages(user: User) -> dict[str, Any] | None:
    """The latest messages from teachers: every unread one, and the read ones of two weeks,
    newest first; nothing when there are none (the panel is then left out)."""
    messages = _LATEST_MESSAGES.all(user.pk, timezone.now() - RECENT)
    return {"messages": messages} if messages else None
