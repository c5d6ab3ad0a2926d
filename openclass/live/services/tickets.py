"""Join tickets: one permission to join one Janus room once, as one feed id, with one token.

The classroom page asks for its ticket on its socket (``prepare_ticket``, then ``allow_ticket``
off the database thread, ``place_ticket_again`` when the room must be opened anew); the rest
of the app and the tests ask ``issue_ticket``, which does all three. Who may be in the class was
decided when the socket connected, as for every message on it; what changes during a class
(removal, admission, the room's lock and state) is read afresh with each ticket, with the
room and its server, in one compiled query: this is the join's hot path (decision 0005).
"""

from __future__ import annotations

import datetime
import secrets
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from openclass.accounts.models import User
from openclass.core.db import CompiledObjectQuery, insert_rows
from openclass.courses.models import Session

from .. import registry
from ..access import Member
from ..janus import JanusError, JanusUnavailable, signed_token
from ..models import LiveRoom, Participant, Ticket
from .placement import ensure_on_janus, is_placed, placement_of, random_id
from .rooms import participant_for


@dataclass
class Grant:
    """What the classroom page needs to join Janus (sent to that one user only)."""

    server: str
    token: str
    room: int
    feed_id: int
    room_token: str
    display: str
    role: str
    ice_servers: list = field(default_factory=list)

    def as_json(self) -> dict:
        return {
            "server": self.server,
            "token": self.token,
            "room": self.room,
            "feed": self.feed_id,
            "pin": self.room_token,
            "display": self.display,
            "role": self.role,
            "iceServers": self.ice_servers,
        }


@dataclass
class PendingTicket:
    """A ticket written down whose room token Janus has yet to be given (``allow_ticket``)."""

    ticket: Ticket
    room: LiveRoom
    grant: Grant


def _class_seconds_left(session: Session) -> int:
    """How long a Janus token must stay valid: to the class's end, with an hour to spare."""
    if session.ends_at:
        end = timezone.make_aware(datetime.datetime.combine(session.day, session.ends_at))
        left = (end - timezone.now()).total_seconds()
    else:
        left = 0
    return int(max(left, 0) + 3600)


def issue_ticket(user: User, room: LiveRoom | int, purpose: str = Ticket.Purpose.CAMERA) -> Grant:
    """A one-time permission for ``user`` to join ``room``'s class (a room or its id) on its
    Janus server, in their group's room while the class works in groups: who they may be is
    checked, then the same compiled read and rules as a ticket asked for on the socket.

    Refused (PermissionDenied, with the reason) when the class has not started or has ended,
    the user may not enter, was removed, waits to be admitted, the room is locked to newcomers,
    or asks to share a screen the host has not allowed; LiveRoom.DoesNotExist for no such room.
    """
    room = LiveRoom.objects.select_related("session__course").get(
        pk=room.pk if isinstance(room, LiveRoom) else room
    )
    participant = participant_for(user, room.main)
    pending = prepare_ticket(Member.of(participant), purpose)
    if not allow_ticket(pending):
        pending = place_ticket_again(pending)
    return pending.grant


# What a ticket reads of the participant, their class's room, its session and its server (the
# rest stays deferred).
_SEAT = CompiledObjectQuery(
    lambda participant, user: Participant.objects.filter(pk=participant, user_id=user),
    {
        "": ["id", "room_id", "user_id", "role", "admission", "removed_at", "breakout_id"],
        "room": [
            "id",
            "session_id",
            "parent_id",
            "server_id",
            "janus_room",
            "janus_secret",
            "status",
            "locked",
            "students_may_share_screen",
            "is_recording",
        ],
        "room__session": ["id", "course_id", "kind", "day", "ends_at"],
        "room__server": ["id", "api_url", "public_url", "is_healthy", "last_checked_at"],
    },
)

_TICKET_COLUMNS = (
    "participant_id", "room_id", "purpose", "feed_id", "token", "issued_at", "expires_at"
)  # fmt: skip


def prepare_ticket(member: Member, purpose: object = Ticket.Purpose.CAMERA) -> PendingTicket:
    """Everything of ``member``'s ticket that is the database's: the checks ``issue_ticket``
    lists, the room they belong in now (their group's while the class works in groups), and
    the ticket itself. Janus is told of its token separately (``allow_ticket``), so the
    classroom socket can do that off the database thread: the thread every socket's database
    work shares would otherwise wait on Janus for each join. Participant.DoesNotExist when
    their row went with the room."""
    if not isinstance(purpose, str) or purpose not in Ticket.Purpose.values:
        raise ValidationError(_("Unknown kind of stream."))
    participant = _SEAT.first(member.participant_id, member.user_id)
    if participant is None:
        raise Participant.DoesNotExist("no such participant")
    room = participant.room
    session = room.session
    if participant.removed_at is not None:
        raise PermissionDenied(_("The teacher has removed you from this class."))
    main = room.main
    if main.status == LiveRoom.Status.ENDED:
        raise PermissionDenied(_("This live class has ended."))
    if main.status != LiveRoom.Status.OPEN:
        # Only the host's explicit command (or the timetable) starts a class.
        raise PermissionDenied(_("The live class has not started yet."))
    if participant.admission != Participant.Admission.ADMITTED:
        raise PermissionDenied(_("Wait until the teacher lets you in."))
    if (
        main.locked
        and not participant.is_host
        and not main.stays.filter(participant=participant).exists()
    ):
        raise PermissionDenied(_("The teacher has locked the room."))
    if purpose == Ticket.Purpose.SCREEN and not (
        participant.is_host or main.students_may_share_screen
    ):
        raise PermissionDenied(_("The teacher has not allowed screen sharing."))
    if (
        room.parent_id is None
        and participant.breakout is not None
        and participant.breakout.status == LiveRoom.Status.OPEN
    ):
        room = participant.breakout
    if not is_placed(room):
        room = ensure_on_janus(room)
    placement = placement_of(room)
    now = timezone.now()
    ticket = Ticket(
        participant=participant,
        room=room,
        purpose=purpose,
        feed_id=random_id(),
        token=secrets.token_urlsafe(24),
        issued_at=now,
        expires_at=now + datetime.timedelta(seconds=settings.LIVE_TICKET_SECONDS),
    )
    insert_rows(Ticket, _TICKET_COLUMNS, [tuple(getattr(ticket, name) for name in _TICKET_COLUMNS)])
    grant = Grant(
        server=placement.server.public_url,
        token=signed_token(settings.JANUS_TOKEN_SECRET, _class_seconds_left(session)),
        room=placement.janus_room,
        feed_id=ticket.feed_id,
        room_token=ticket.token,
        display=member.name,
        role=participant.role,
        ice_servers=list(settings.JANUS_ICE_SERVERS),
    )
    return PendingTicket(ticket, room, grant)


def allow_ticket(pending: PendingTicket) -> bool:
    """Put the ticket's token on its Janus room's allowed list. Touches no database; False
    when the room must be opened again first (``place_ticket_again``): its server stopped
    answering, or it no longer has the room (a restart)."""
    placement = placement_of(pending.room)
    try:
        registry.client(placement.server).allow(
            placement.janus_room, secret=placement.secret, tokens=[pending.ticket.token]
        )
    except JanusUnavailable:
        return False
    except JanusError as error:
        if error.code != 426:  # no such room
            raise
        return False
    return True


def place_ticket_again(pending: PendingTicket) -> PendingTicket:
    """The ticket's room was not where it should be: note the server's health, open the room
    again (elsewhere if need be), and move the ticket there; JanusUnavailable when no server
    answers."""
    registry.check(placement_of(pending.room).server)
    room = ensure_on_janus(pending.room)
    placement = placement_of(room)
    ticket = pending.ticket
    ticket.room = room
    # Re-opening the room voided the tickets of its old self, this one among them.
    Ticket.objects.filter(token=ticket.token).update(room=room, revoked_at=None)
    registry.client(placement.server).allow(
        placement.janus_room, secret=placement.secret, tokens=[ticket.token]
    )
    pending.grant.server = placement.server.public_url
    pending.grant.room = placement.janus_room
    return PendingTicket(ticket, room, pending.grant)
