"""What is said in class: chat (the class's, or each group's while the class works in groups),
raised hands and reactions. Each command checks who is asking, keeps what must last in the
database, and returns the message every page of the room is sent.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from openclass.core.db import CompiledQuery

from ..access import Member, require_host
from ..models import ChatMessage, LiveRoom, Participant

REACTIONS = ("👍", "👏", "😀", "😮", "❤️", "❓")
CHAT_HISTORY = 50


def _chat_message(
    pk: int, group: int | None, author_id: int, name: str, text: str, sent_at: datetime.datetime
) -> dict:
    return {
        "type": "chat",
        "id": pk,
        "group": group,
        "user": author_id,
        "name": name,
        "text": text,
        "at": sent_at.isoformat(),
    }


def chat_message(message: ChatMessage, group: int | None) -> dict:
    author = message.author
    return _chat_message(
        message.pk,
        group,
        message.author_id,
        author.get_full_name() or author.username,
        message.text,
        message.sent_at,
    )


def current_group(participant_id: int) -> int | None:
    """The open group (breakout room) someone is in now, None when with the class."""
    return (
        Participant.objects.filter(
            pk=participant_id, breakout__status=LiveRoom.Status.OPEN
        ).values_list("breakout_id", flat=True)
    ).first()


def group_of(user_id: int, groups: list[dict]) -> int | None:
    """Which of the open groups (as ``breakout_plan`` lists them) ``user_id`` is in."""
    return next((group["id"] for group in groups if user_id in group["members"]), None)


# Read at every arrival (the welcome's chat): prepared.
_CHAT_HISTORY = CompiledQuery(
    lambda room: (
        ChatMessage.objects.filter(room_id=room, deleted_at__isnull=True)
        .order_by("-sent_at", "-pk")
        .values_list("pk", "author_id", "author__name", "author__username", "text", "sent_at")[
            :CHAT_HISTORY
        ]
    )
)


def chat_history(room_id: int, group: int | None) -> list[dict]:
    """The last messages of the class's chat, or of one group's: while the class works in
    groups, each group talks among itself (the host hears the group they visit)."""
    return [
        _chat_message(pk, group, author_id, name or username, text, sent_at)
        for pk, author_id, name, username, text, sent_at in reversed(
            _CHAT_HISTORY.rows(group or room_id)
        )
    ]


def send_chat(member: Member, text: object) -> dict:
    """A message to the class, or to the group the sender is in."""
    text = str(text or "").strip()
    if not text:
        raise ValidationError(_("Write a message first."))
    if len(text) > 1000:
        raise ValidationError(_("A message can be at most 1,000 characters."))
    group = current_group(member.participant_id)
    message = ChatMessage.objects.create(
        room_id=group or member.room_id, author_id=member.user_id, text=text
    )
    message = ChatMessage.objects.select_related("author").get(pk=message.pk)
    return chat_message(message, group)


def delete_chat(member: Member, message_id: object) -> dict:
    """The host takes a message back, from the class's chat or any of its groups'."""
    require_host(member)
    updated = (
        ChatMessage.objects.filter(
            pk=message_id if isinstance(message_id, int) else 0, deleted_at__isnull=True
        )
        .filter(Q(room_id=member.room_id) | Q(room__parent_id=member.room_id))
        .update(deleted_at=timezone.now(), deleted_by_id=member.user_id)
    )
    if not updated:
        raise ValidationError(_("That message is not here."))
    return {"type": "chat.deleted", "id": message_id}


_HANDS = CompiledQuery(
    lambda room: (
        Participant.objects.filter(room_id=room, hand_raised_at__isnull=False)
        .order_by("hand_raised_at", "pk")
        .values_list("user_id", "user__name", "user__username")
    )
)


def hand_queue(room: LiveRoom | int) -> dict:
    room_id = room.pk if isinstance(room, LiveRoom) else room
    return {
        "type": "hands",
        "queue": [
            {"user": user_id, "name": name or username}
            for user_id, name, username in _HANDS.rows(room_id)
        ],
    }


def raise_hand(member: Member, raised: bool) -> dict:
    Participant.objects.filter(pk=member.participant_id).update(
        hand_raised_at=timezone.now() if raised else None
    )
    return hand_queue(member.room_id)


def lower_hand(member: Member, user_id: object) -> dict:
    require_host(member)
    Participant.objects.filter(
        room_id=member.room_id, user_id=user_id if isinstance(user_id, int) else 0
    ).update(hand_raised_at=None)
    return hand_queue(member.room_id)


def react(member: Member, emoji: object) -> dict:
    if emoji not in REACTIONS:
        raise ValidationError(_("Choose one of the reactions."))
    return {"type": "reaction", "user": member.user_id, "name": member.name, "emoji": emoji}
