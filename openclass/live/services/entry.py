"""A classroom page comes in: who its person is to the class (refused, waiting, or in), the
connection counted, and the welcome — everything the page needs to draw the room, read in one
go: every page of a class arriving at once comes here (decision 0005).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from openclass.accounts.models import User
from openclass.core.db import CompiledObjectQuery

from .. import presence
from ..access import Member
from ..models import LiveRoom, Participant
from . import chat, polls
from .breakouts import breakout_plan
from .rooms import participant_for, room_state

# What a connection reads of the participant, their room, its session and course (the rest
# stays deferred).
_CONNECTING = CompiledObjectQuery(
    lambda room, user: Participant.objects.filter(
        room_id=room, room__parent__isnull=True, user_id=user
    ),
    {
        "": [
            "id",
            "room_id",
            "user_id",
            "role",
            "admission",
            "removed_at",
            "breakout_id",
            "connections",
            "hand_raised_at",
            "media",
        ],
        "room": [
            "id",
            "session_id",
            "parent_id",
            "status",
            "locked",
            "students_may_share_screen",
            "spotlight_id",
            "is_recording",
        ],
        "room__session": ["id", "course_id", "kind"],
        "room__session__course": ["id", "is_published", "owner_id", "organisation_id"],
    },
)


def connect(user: User, room_id: int) -> tuple[Member, dict]:
    """A classroom page connects: who they are (PermissionDenied if they may not be here),
    counted in, and everything the page needs to draw the room."""
    return _enter(user, room_id, count=True)


def rejoin(user: User, room_id: int) -> tuple[Member, dict]:
    """A guest's page, already counted in, was let in from the waiting room: who they are now
    and the class's welcome."""
    return _enter(user, room_id, count=False)


def disconnect(member: Member) -> dict:
    """A classroom page closed: counted out; returns the presence message about its person."""
    return presence.count_out(member)


def _enter(user: User, room_id: int, *, count: bool) -> tuple[Member, dict]:
    presence.forget_connections_of_earlier_runs()
    known = _CONNECTING.first(room_id, user.pk)
    if known is None:  # a first visit (a guest, a teacher), or no such room
        room = LiveRoom.objects.select_related("session__course").get(pk=room_id, parent=None)
    else:
        room = known.room
    participant = participant_for(user, room, known)
    if participant.removed_at is not None:
        raise PermissionDenied(_("The teacher has removed you from this class."))
    if count:
        presence.count_in(participant)
    member = Member(
        participant.pk, room.pk, user.pk, user.get_full_name() or user.username, participant.role
    )
    groups = breakout_plan(room)["rooms"]
    group = chat.group_of(user.pk, groups)
    open_poll = polls.open_poll_in(room.pk)
    me = presence.person(participant)
    welcome = {
        "type": "welcome",
        "you": me,
        # What everyone else is told of this arrival (sent by the consumer, not to the page).
        "presence": {"type": "presence", "person": me, "online": True},
        "people": presence.people_online(room, with_waiting=member.is_host),
        "chat": chat.chat_history(room.pk, group),
        "group": group,
        "hands": chat.hand_queue(room)["queue"],
        "poll": polls.poll_message(open_poll, user)["poll"] if open_poll else None,
        "breakouts": groups,
        **{k: v for k, v in room_state(room).items() if k != "type"},
    }
    return member, welcome
