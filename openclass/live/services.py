"""The rules of live classes: who may enter a room and as what, how a room is opened on a Janus
server and re-opened elsewhere when that server dies, the join tickets, what Janus's events mean
for presence, and how minutes present become attendance marks.

Views, the WebSocket consumer and the event endpoint are thin and call these.
"""

from __future__ import annotations

import contextlib
import datetime
import logging
import secrets
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from openclass.accounts import scoping
from openclass.accounts.models import User
from openclass.core.db import CompiledObjectQuery, CompiledQuery, insert_rows
from openclass.courses import access
from openclass.courses import services as course_services
from openclass.courses.models import Attendance, Course, Enrolment, Session

from . import registry
from .janus import JanusError, JanusUnavailable, signed_token
from .models import LiveRoom, Participant, RejectedJoin, Stay, Ticket

logger = logging.getLogger(__name__)

Role = Participant.Role
Admission = Participant.Admission
Status = Attendance.Status

# Janus feed and room numbers must survive JavaScript's numbers (janus.js parses them).
_MAX_JS_INT = 2**53 - 1


def _random_id() -> int:
    return secrets.randbelow(_MAX_JS_INT - 1) + 1


# --- Who may enter -----------------------------------------------------------------------------


# Asked at every classroom connection of every student: prepared.
_ENROLMENT = CompiledQuery(
    lambda course, student: Enrolment.objects.filter(
        course_id=course, student_id=student
    ).values_list("pk")[:1]
)


def role_for(user: User, session: Session) -> str | None:
    """The part ``user`` may play in ``session``'s live class, or None when they may not enter.

    The course's managers host. Enrolled students take part. Parents of an enrolled student and
    staff who may see the class (an outside instructor, a visiting teacher) are guests who wait
    until the host admits them. Anyone else — a student of another class among them — is refused.
    """
    if not (user.is_authenticated and user.is_active):
        return None
    course = session.course
    if access.can_manage_course(user, course):
        return Role.HOST
    if user.role == User.Role.STUDENT:
        enrolled = bool(_ENROLMENT.rows(course.pk, user.pk))
        return Role.STUDENT if enrolled and course.is_published else None
    if user.role == User.Role.PARENT:
        children = scoping.children_of(user)
        if Enrolment.objects.filter(course=course, student__in=children).exists():
            return Role.GUEST
        return None
    if user.role in access.STAFF_ROLES and access.can_view_course(user, course):
        return Role.GUEST
    return None


def participant_for(user: User, room: LiveRoom, known: Participant | None = None) -> Participant:
    """The participant row of ``user`` in ``room`` (made on first entry; ``known`` when the
    caller has read it already); PermissionDenied when they may not enter, whatever the row
    says, since enrolments change. Guests start in the waiting room."""
    role = role_for(user, room.session)
    if role is None:
        raise PermissionDenied(_("This live class is not open to you."))
    admission = Admission.WAITING if role == Role.GUEST else Admission.ADMITTED
    # Mostly they have been here before, or were seated when the class opened: one read.
    participant = known or Participant.objects.filter(room=room, user=user).first()
    if participant is None:
        try:
            with transaction.atomic():
                participant, _created = Participant.objects.get_or_create(
                    room=room, user=user, defaults={"role": role, "admission": admission}
                )
        except IntegrityError:
            participant = Participant.objects.get(room=room, user=user)
    participant.user = user
    if participant.role != role and role == Role.HOST:
        # Someone made a teacher of the course after they first came as a guest.
        participant.role = Role.HOST
        participant.admission = Admission.ADMITTED
        participant.save(update_fields=["role", "admission"])
    return participant


def seat_the_class(room: LiveRoom) -> None:
    """A participant row for every enrolled student of an opening class, written at once, so
    the class arriving together does not queue to write them one by one (a write waits for
    the database's one writer)."""
    students = Enrolment.objects.filter(course=room.session.course).values_list(
        "student_id", flat=True
    )
    Participant.objects.bulk_create(
        [Participant(room=room, user_id=student, role=Role.STUDENT) for student in students],
        ignore_conflicts=True,
        batch_size=500,
    )


def main_room(session: Session) -> LiveRoom:
    """The room of a live session (made on first use)."""
    if session.kind != Session.Kind.LIVE:
        raise ValidationError(_("Only a live session has a classroom."))
    try:
        with transaction.atomic():
            room, _created = LiveRoom.objects.get_or_create(session=session, parent=None)
    except IntegrityError:
        room = LiveRoom.objects.get(session=session, parent=None)
    return room


# --- Opening a room on a Janus server ---------------------------------------------------------


def _publishers_for(room: LiveRoom) -> int:
    enrolled = Enrolment.objects.filter(course=room.session.course).count()
    # Everyone with a camera, the teachers' screens and a few guests.
    return max(enrolled + 10, 12)


def _open_on_janus(room: LiveRoom) -> None:
    """Create ``room`` on the least-loaded healthy server (again, when its server has died);
    a breakout room goes beside its class when that server answers."""
    parent_server = room.parent.server if room.parent_id else None
    if parent_server is not None and registry.is_healthy(parent_server):
        server = parent_server
    else:
        server = registry.place()
    room.server = server
    room.janus_secret = secrets.token_urlsafe(24)
    recordings = settings.LIVE_RECORDINGS_DIR / str(room.main.pk)
    recordings.mkdir(parents=True, exist_ok=True)
    for _attempt in range(5):
        room.janus_room = _random_id()
        try:
            registry.client(server).create_room(
                room.janus_room,
                secret=room.janus_secret,
                description=str(room.session)[:100],
                publishers=_publishers_for(room),
                record_dir=str(recordings),
            )
            break
        except JanusError as error:
            if error.code != 427:  # room number taken on that server: draw another
                raise
    if room.is_recording:
        registry.client(server).set_recording(
            room.janus_room, secret=room.janus_secret, record=True
        )
    room.save(update_fields=["server", "janus_secret", "janus_room"])


def ensure_on_janus(room: LiveRoom) -> LiveRoom:
    """Make sure ``room`` exists on a healthy Janus server, re-creating it elsewhere if its
    server is down or has forgotten it (a restart). Tickets of the old room are void."""
    with transaction.atomic():
        room = (
            LiveRoom.objects.select_for_update(of=("self",))
            .select_related("server")
            .get(pk=room.pk)
        )
        healthy = room.server is not None and registry.is_healthy(room.server)
        if healthy and room.janus_room is not None:
            try:
                if registry.client(room.server).room_exists(room.janus_room):
                    return room
            except JanusUnavailable:
                registry.check(room.server)
        if room.janus_room is not None:
            logger.warning("Re-creating live room %s on another server", room.pk)
            now = timezone.now()
            room.stays.filter(left_at__isnull=True).update(left_at=now)
            room.tickets.filter(used_at__isnull=True, revoked_at__isnull=True).update(
                revoked_at=now
            )
        _open_on_janus(room)
        return room


def start(actor: User, session: Session) -> LiveRoom:
    """The host opens the live class: its room is created on a Janus server and the enrolled
    students see "live now" at home."""
    if role_for(actor, session) != Role.HOST:
        raise PermissionDenied(_("Only the course's teachers can start the live class."))
    room = main_room(session)
    if room.status == LiveRoom.Status.ENDED:
        raise ValidationError(_("This live class has ended."))
    room = ensure_on_janus(room)
    if room.status != LiveRoom.Status.OPEN:
        room.status = LiveRoom.Status.OPEN
        room.started_at = timezone.now()
        room.started_by = actor
        room.save(update_fields=["status", "started_at", "started_by"])
        seat_the_class(room)
    return room


def open_due_rooms(now: datetime.datetime | None = None) -> int:
    """Open the rooms of live sessions whose time has come (the class opens at its scheduled
    time even before the teacher arrives); returns how many opened."""
    now = timezone.localtime(now)
    due = Session.objects.filter(
        kind=Session.Kind.LIVE,
        day=now.date(),
        starts_at__lte=now.time(),
        ends_at__gt=now.time(),
        course__is_published=True,
    )
    opened = 0
    for session in due:
        room = main_room(session)
        if room.status != LiveRoom.Status.SCHEDULED:
            continue
        try:
            room = ensure_on_janus(room)
        except (JanusError, JanusUnavailable) as error:
            logger.warning("Could not open the live class %s: %s", session.pk, error)
            continue
        if LiveRoom.objects.filter(pk=room.pk, status=LiveRoom.Status.SCHEDULED).update(
            status=LiveRoom.Status.OPEN, started_at=now
        ):
            seat_the_class(room)
            opened += 1
    return opened


# --- Tickets ------------------------------------------------------------------------------------


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
    checked, then the same prepared read and rules as a ticket asked for on the socket.

    Refused (PermissionDenied, with the reason) when the class has not started or has ended,
    the user may not enter, was removed, waits to be admitted, the room is locked to newcomers,
    or asks to share a screen the host has not allowed; LiveRoom.DoesNotExist for no such room.
    """
    room = LiveRoom.objects.select_related("session__course").get(
        pk=room.pk if isinstance(room, LiveRoom) else room
    )
    participant = participant_for(user, room.main)
    pending = participant_ticket(user, participant.pk, purpose)
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


def _seat(user: User, participant_id: int) -> Participant:
    """``user``'s participant row, with their class's room, its session and its server, read
    in one prepared query (the join's hot path); Participant.DoesNotExist when it is not
    theirs."""
    participant = _SEAT.first(participant_id, user.pk)
    if participant is None:
        raise Participant.DoesNotExist("no such participant")
    participant.user = user
    return participant


def participant_ticket(
    user: User, participant_id: int, purpose: str = Ticket.Purpose.CAMERA
) -> PendingTicket:
    """``prepare_ticket`` for ``user``'s participant known by id: the classroom socket's.
    Who may be in the class was decided when the socket connected, as for every message on
    it; what changes during a class (removal, admission, the room's lock and state) is read
    afresh here, with the room and its server, in one prepared query."""
    participant = _seat(user, participant_id)
    return prepare_ticket(participant, participant.room, purpose)


_TICKET_COLUMNS = (
    "participant_id", "room_id", "purpose", "feed_id", "token", "issued_at", "expires_at"
)  # fmt: skip


def prepare_ticket(
    participant: Participant, room: LiveRoom, purpose: str = Ticket.Purpose.CAMERA
) -> PendingTicket:
    """Everything of a ticket that is the database's: the checks ``issue_ticket`` lists, the
    room the participant belongs in now (their group's while the class works in groups), and
    the ticket itself. Janus is told of its token separately (``allow_ticket``), so the
    classroom socket can do that off the database thread: the thread every socket's database
    work shares would otherwise wait on Janus for each join."""
    session = room.session
    if participant.removed_at is not None:
        raise PermissionDenied(_("The teacher has removed you from this class."))
    main = room.main
    if main.status == LiveRoom.Status.ENDED:
        raise PermissionDenied(_("This live class has ended."))
    if main.status != LiveRoom.Status.OPEN:
        if participant.role != Role.HOST:
            raise PermissionDenied(_("The live class has not started yet."))
        main = start(participant.user, session)
        room = main if room.parent_id is None else room
    if participant.admission != Admission.ADMITTED:
        raise PermissionDenied(_("Wait until the teacher lets you in."))
    if (
        main.locked
        and participant.role != Role.HOST
        and not main.stays.filter(participant=participant).exists()
    ):
        raise PermissionDenied(_("The teacher has locked the room."))
    if purpose == Ticket.Purpose.SCREEN and not (
        participant.role == Role.HOST or main.students_may_share_screen
    ):
        raise PermissionDenied(_("The teacher has not allowed screen sharing."))
    if (
        room.parent_id is None
        and participant.breakout_id
        and participant.breakout.status == LiveRoom.Status.OPEN
    ):
        room = participant.breakout
    if not (
        room.server is not None and room.janus_room is not None and registry.is_healthy(room.server)
    ):
        room = ensure_on_janus(room)
    now = timezone.now()
    ticket = Ticket(
        participant=participant,
        room=room,
        purpose=purpose,
        feed_id=_random_id(),
        token=secrets.token_urlsafe(24),
        issued_at=now,
        expires_at=now + datetime.timedelta(seconds=settings.LIVE_TICKET_SECONDS),
    )
    insert_rows(Ticket, _TICKET_COLUMNS, [tuple(getattr(ticket, name) for name in _TICKET_COLUMNS)])
    user = participant.user
    grant = Grant(
        server=room.server.public_url,
        token=signed_token(settings.JANUS_TOKEN_SECRET, _class_seconds_left(session)),
        room=room.janus_room,
        feed_id=ticket.feed_id,
        room_token=ticket.token,
        display=user.get_full_name() or user.username,
        role=participant.role,
        ice_servers=list(settings.JANUS_ICE_SERVERS),
    )
    return PendingTicket(ticket, room, grant)


def allow_ticket(pending: PendingTicket) -> bool:
    """Put the ticket's token on its Janus room's allowed list. Touches no database; False
    when the room must be opened again first (``place_ticket_again``): its server stopped
    answering, or it no longer has the room (a restart)."""
    room = pending.room
    try:
        registry.client(room.server).allow(
            room.janus_room, secret=room.janus_secret, tokens=[pending.ticket.token]
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
    room = pending.room
    registry.check(room.server)
    room = ensure_on_janus(room)
    ticket = pending.ticket
    ticket.room = room
    # Re-opening the room voided the tickets of its old self, this one among them.
    Ticket.objects.filter(token=ticket.token).update(room=room, revoked_at=None)
    registry.client(room.server).allow(
        room.janus_room, secret=room.janus_secret, tokens=[ticket.token]
    )
    pending.grant.server = room.server.public_url
    pending.grant.room = room.janus_room
    return PendingTicket(ticket, room, pending.grant)


def _host_only(actor: User, room: LiveRoom) -> None:
    if role_for(actor, room.session) != Role.HOST:
        raise PermissionDenied(_("Only the course's teachers can do this."))


def _feeds_of(participant: Participant) -> list[tuple[LiveRoom, int]]:
    """The feeds ``participant`` has in Janus now (camera, screen), with their rooms."""
    stays = Stay.objects.filter(participant=participant, left_at__isnull=True).select_related(
        "room__server"
    )
    return [(stay.room, stay.feed_id) for stay in stays]


def remove(actor: User, room: LiveRoom, user: User) -> None:
    """The host removes ``user`` from the class: out of Janus now, their unused tickets void
    and their tokens off the allowed lists, and no new ticket for this room."""
    room = room.main
    _host_only(actor, room)
    participant = Participant.objects.filter(room=room, user=user).first()
    if participant is None or participant.role == Role.HOST:
        raise ValidationError(_("This person cannot be removed."))
    now = timezone.now()
    participant.removed_at = now
    participant.save(update_fields=["removed_at"])
    unused = list(
        Ticket.objects.filter(
            participant=participant, used_at__isnull=True, revoked_at__isnull=True
        ).select_related("room__server")
    )
    Ticket.objects.filter(pk__in=[t.pk for t in unused]).update(revoked_at=now)
    for ticket in unused:
        if ticket.room.server is not None and ticket.room.janus_room is not None:
            with contextlib.suppress(JanusError, JanusUnavailable):
                registry.client(ticket.room.server).disallow(
                    ticket.room.janus_room, secret=ticket.room.janus_secret, tokens=[ticket.token]
                )
    feeds = _feeds_of(participant)
    _end_stays(Stay.objects.filter(participant=participant), now)
    for feed_room, feed_id in feeds:
        with contextlib.suppress(JanusError, JanusUnavailable):
            registry.client(feed_room.server).kick(
                feed_room.janus_room, secret=feed_room.janus_secret, feed_id=feed_id
            )


def open_breakouts(actor: User, room: LiveRoom, groups: list[list[int]]) -> list[LiveRoom]:
    """The host splits the class into groups (모둠 활동방): a room of its own on Janus for each,
    beside the class. Their pages move there; the host may visit any and call everyone back."""
    room = room.main
    _host_only(actor, room)
    if room.status != LiveRoom.Status.OPEN:
        raise ValidationError(_("This live class is not running."))
    groups = [group for group in groups if group]
    if not 2 <= len(groups) <= 20:
        raise ValidationError(_("Make between two and twenty groups."))
    close_breakouts(actor, room)
    members = {p.user_id: p for p in Participant.objects.filter(room=room)}
    for user in User.objects.filter(pk__in={u for g in groups for u in g} - set(members)):
        with contextlib.suppress(PermissionDenied):
            members[user.pk] = participant_for(user, room)
    rooms = []
    for number, group in enumerate(groups, start=1):
        breakout = LiveRoom.objects.create(
            session=room.session,
            parent=room,
            name=_("Group %(number)s") % {"number": number},
            status=LiveRoom.Status.OPEN,
            started_at=timezone.now(),
            started_by=actor,
        )
        breakout = ensure_on_janus(breakout)
        ids = [members[user].pk for user in group if user in members]
        Participant.objects.filter(pk__in=ids).exclude(role=Role.HOST).update(breakout=breakout)
        rooms.append(breakout)
    return rooms


def move_to(actor: User, room: LiveRoom, user: User, breakout: LiveRoom | None) -> None:
    """Move someone (the host themselves, to visit a group) into a group or back to the class."""
    room = room.main
    _host_only(actor, room)
    if breakout is not None and (breakout.parent_id != room.pk or breakout.status != "open"):
        raise ValidationError(_("That group is not open."))
    try:
        participant = participant_for(user, room)
    except PermissionDenied as refusal:
        raise ValidationError(_("This person is not in the class.")) from refusal
    participant.breakout = breakout
    participant.save(update_fields=["breakout"])


def close_breakouts(actor: User, room: LiveRoom) -> None:
    """Call everyone back to the class: the groups' rooms close."""
    room = room.main
    _host_only(actor, room)
    now = timezone.now()
    Participant.objects.filter(room=room).update(breakout=None)
    for breakout in room.breakouts.filter(status=LiveRoom.Status.OPEN).select_related("server"):
        _end_stays(breakout.stays.all(), now)
        if breakout.server is not None and breakout.janus_room is not None:
            with contextlib.suppress(JanusError, JanusUnavailable):
                registry.client(breakout.server).destroy_room(
                    breakout.janus_room, secret=breakout.janus_secret
                )
        breakout.status = LiveRoom.Status.ENDED
        breakout.ended_at = now
        breakout.save(update_fields=["status", "ended_at"])


# Read at every arrival (the welcome says which group the page is in): prepared.
_OPEN_GROUPS = CompiledQuery(
    lambda room: (
        LiveRoom.objects.filter(parent_id=room, status=LiveRoom.Status.OPEN)
        .order_by("pk")
        .values_list("pk", "name")
    )
)
_GROUP_MEMBERS = CompiledQuery(
    lambda room, parent: Participant.objects.filter(
        room_id=room, breakout__parent_id=parent, breakout__status=LiveRoom.Status.OPEN
    ).values_list("user_id", "breakout_id")
)


def breakout_plan(room: LiveRoom) -> dict:
    """The open groups and who is in each (the message every page is sent)."""
    main_id = room.parent_id or room.pk
    groups = _OPEN_GROUPS.rows(main_id)
    members: dict[int, list[int]] = {pk: [] for pk, _name in groups}
    if groups:
        for user_id, breakout_id in _GROUP_MEMBERS.rows(main_id, main_id):
            if breakout_id in members:  # not a group opened since the first read
                members[breakout_id].append(user_id)
    return {
        "type": "breakouts",
        "rooms": [{"id": pk, "name": name, "members": members[pk]} for pk, name in groups],
    }


# --- What Janus reports -------------------------------------------------------------------------


def _when(event: dict) -> datetime.datetime:
    """The moment of a Janus event (microseconds since the epoch), or now."""
    stamp = event.get("timestamp")
    if isinstance(stamp, int | float) and stamp > 0:
        return datetime.datetime.fromtimestamp(stamp / 1_000_000, tz=datetime.UTC)
    return timezone.now()


def joined(
    janus_room: int,
    feed_id: int,
    *,
    token: str,
    display: str,
    janus_session: int | None,
    at: datetime.datetime,
) -> bool:
    """Janus says ``feed_id`` joined ``janus_room`` with room token ``token`` (Janus reports the
    token it let in). Accepted only when an unused, unexpired ticket names exactly that feed,
    room and token and its holder is still allowed in: the ticket is spent, and its token leaves
    the room's list when the stay ends. Any other join — a shared token, a feed id the app
    never issued, a second camera on one ticket — is kicked and logged."""
    room = LiveRoom.objects.filter(janus_room=janus_room).select_related("server").first()
    if room is None:
        return False
    if Stay.objects.filter(room=room, feed_id=feed_id).exists():
        # Janus re-sends events it is not sure arrived: this join is already known. (A feed id
        # is drawn for one ticket, and its token leaves the allowed list when the stay ends, so
        # the same feed cannot really join twice.)
        return True
    with transaction.atomic():
        ticket = (
            Ticket.objects.select_for_update()
            .select_related("participant")
            .filter(room=room, feed_id=feed_id)
            .first()
        )
        valid = (
            ticket is not None
            and secrets.compare_digest(ticket.token, token)
            and ticket.used_at is None
            and ticket.revoked_at is None
            and ticket.expires_at >= at
            and ticket.participant.removed_at is None
        )
        if valid:
            ticket.used_at = at
            ticket.save(update_fields=["used_at"])
            Stay.objects.create(
                participant=ticket.participant,
                room=room,
                feed_id=feed_id,
                janus_session=janus_session,
                joined_at=at,
            )
        else:
            RejectedJoin.objects.create(room=room, feed_id=feed_id, display=display[:200])
    if not valid:
        logger.warning("Kicking feed %s from room %s: no ticket", feed_id, room.pk)
        with contextlib.suppress(JanusError, JanusUnavailable):
            registry.client(room.server).kick(
                room.janus_room, secret=room.janus_secret, feed_id=feed_id
            )
    return valid


def _end_stays(stays, at: datetime.datetime) -> None:
    """End these stays and take their tokens off the room's allowed list: the token stays on it
    while its holder is in the room (their subscriptions join with it too), never after."""
    ending = list(stays.filter(left_at__isnull=True).select_related("room__server"))
    if not ending:
        return
    Stay.objects.filter(pk__in=[stay.pk for stay in ending]).update(left_at=at)
    tokens = dict(
        Ticket.objects.filter(feed_id__in=[stay.feed_id for stay in ending]).values_list(
            "feed_id", "token"
        )
    )
    for stay in ending:
        room = stay.room
        if stay.feed_id in tokens and room.server is not None and room.janus_room is not None:
            with contextlib.suppress(JanusError, JanusUnavailable):
                registry.client(room.server).disallow(
                    room.janus_room, secret=room.janus_secret, tokens=[tokens[stay.feed_id]]
                )


def left(janus_room: int, feed_id: int, *, at: datetime.datetime) -> None:
    """Janus says ``feed_id`` left ``janus_room`` (hung up, kicked, or its session died)."""
    _end_stays(Stay.objects.filter(room__janus_room=janus_room, feed_id=feed_id), at)


def session_gone(janus_session: int, *, at: datetime.datetime) -> None:
    """A Janus session was destroyed or timed out (a crashed tab): its stays end."""
    _end_stays(Stay.objects.filter(janus_session=janus_session), at)


def reconcile(room: LiveRoom) -> int:
    """End the stays of feeds Janus no longer has in ``room`` (an event lost on the way, a
    Janus restart); returns how many ended. Run every minute for open rooms."""
    open_stays = Stay.objects.filter(room=room, left_at__isnull=True)
    if room.server is None or room.janus_room is None or not open_stays.exists():
        return 0
    try:
        present = {p.feed_id for p in registry.client(room.server).participants(room.janus_room)}
    except JanusError as error:
        if error.code != 426:  # no such room: everyone is gone
            return 0
        present = set()
    except JanusUnavailable:
        return 0
    missing = open_stays.exclude(feed_id__in=present)
    count = missing.count()
    _end_stays(missing, timezone.now())
    return count


def handle_events(events: list[dict]) -> None:
    """Apply what Janus's HTTP event handler posted (see ``deploy/janus``)."""
    for event in events:
        kind = event.get("type")
        body = event.get("event") or {}
        at = _when(event)
        if kind == 64 and body.get("plugin") == "janus.plugin.videoroom":
            data = body.get("data") or {}
            what = data.get("event")
            room_id, feed_id = data.get("room"), data.get("id")
            if not isinstance(room_id, int) or not isinstance(feed_id, int):
                continue
            if what == "joined":
                joined(
                    room_id,
                    feed_id,
                    token=str(data.get("token", "")),
                    display=str(data.get("display", "")),
                    janus_session=event.get("session_id"),
                    at=at,
                )
            elif what in ("leaving", "kicked"):
                left(room_id, feed_id, at=at)
        elif (
            kind == 1
            and body.get("name") in ("destroyed", "timeout")
            and isinstance(event.get("session_id"), int)
        ):
            session_gone(event["session_id"], at=at)


# --- From stays to attendance -------------------------------------------------------------------


def _bounds(room: LiveRoom) -> tuple[datetime.datetime, datetime.datetime]:
    """The stretch attendance is measured over: from the later of the scheduled and the real
    start to the earlier of the scheduled and the real end (a class ended early leaves nobody
    "left early")."""
    session = room.session
    start = timezone.make_aware(datetime.datetime.combine(session.day, session.starts_at))
    end = timezone.make_aware(datetime.datetime.combine(session.day, session.ends_at))
    if room.started_at and timezone.localdate(room.started_at) != session.day:
        # Held on another day than planned: the class is what really happened.
        return room.started_at, max(room.ended_at or timezone.now(), room.started_at)
    if room.started_at and room.started_at > start:
        start = room.started_at
    if room.ended_at and room.ended_at < end:
        end = room.ended_at
    return start, max(end, start)


def merge_stays(
    stays: list[tuple[datetime.datetime, datetime.datetime]], grace: datetime.timedelta
) -> list[tuple[datetime.datetime, datetime.datetime]]:
    """One stay for each stretch of presence: stays apart by no more than ``grace`` (a dropped
    connection, a reload) are joined, overlapping ones (two tabs) are merged."""
    merged: list[list[datetime.datetime]] = []
    for begin, end in sorted(stays):
        if merged and begin <= merged[-1][1] + grace:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([begin, end])
    return [(begin, end) for begin, end in merged]


@dataclass
class LiveMark:
    student: User
    status: str
    minutes: int
    first_joined: datetime.datetime | None
    last_left: datetime.datetime | None
    present_now: bool

    @property
    def label(self) -> str:
        return Status(self.status).label


def mark_from_stays(
    course: Course,
    start: datetime.datetime,
    end: datetime.datetime,
    stays: list[tuple[datetime.datetime, datetime.datetime]],
) -> tuple[str, int]:
    """The course's rule: absent below ``live_min_percent`` of the class, late when first
    there more than ``live_late_minutes`` after the start, left early when last seen more than
    ``live_left_early_minutes`` before the end; otherwise present. Returns (mark, minutes)."""
    grace = datetime.timedelta(seconds=settings.LIVE_RECONNECT_GRACE_SECONDS)
    clipped = [(max(b, start), min(e, end)) for b, e in stays if e > start and b < end]
    merged = merge_stays(clipped, grace)
    seconds = sum((e - b).total_seconds() for b, e in merged)
    length = (end - start).total_seconds()
    minutes = int(seconds // 60)
    if not merged or length <= 0 or seconds * 100 < length * course.live_min_percent:
        return Status.ABSENT, minutes
    if merged[0][0] > start + datetime.timedelta(minutes=course.live_late_minutes):
        return Status.LATE, minutes
    if merged[-1][1] < end - datetime.timedelta(minutes=course.live_left_early_minutes):
        return Status.LEFT_EARLY, minutes
    return Status.PRESENT, minutes


def live_marks(room: LiveRoom, now: datetime.datetime | None = None) -> list[LiveMark]:
    """Every enrolled student's mark as things stand (open stays count up to ``now``)."""
    now = now or timezone.now()
    room = room.main
    start, end = _bounds(room)
    if room.status == LiveRoom.Status.OPEN:
        end = min(end, max(now, start))
    course = room.session.course
    stays: dict[int, list[tuple[datetime.datetime, datetime.datetime]]] = {}
    present: set[int] = set()
    for user_id, joined_at, left_at in Stay.objects.filter(
        room__in=[room, *room.breakouts.all()]
    ).values_list("participant__user_id", "joined_at", "left_at"):
        stays.setdefault(user_id, []).append((joined_at, left_at or now))
        if left_at is None:
            present.add(user_id)
    students = User.objects.filter(enrolments__course=course).order_by(
        "organisation__path", "number", "name"
    )
    marks = []
    for student in students:
        mine = stays.get(student.pk, [])
        status, minutes = mark_from_stays(course, start, end, mine)
        marks.append(
            LiveMark(
                student=student,
                status=status,
                minutes=minutes,
                first_joined=min((b for b, _e in mine), default=None),
                last_left=max((e for _b, e in mine), default=None) if mine else None,
                present_now=student.pk in present,
            )
        )
    return marks


def write_attendance(room: LiveRoom) -> None:
    """Store the marks of an ended class in the course's attendance (a teacher's correction
    always wins)."""
    marks = {
        mark.student.pk: (mark.status, mark.minutes, mark.first_joined) for mark in live_marks(room)
    }
    course_services.record_live_attendance(room.session, marks)


def end(actor: User, room: LiveRoom) -> LiveRoom:
    """The host ends the class: everyone's stay ends now, the Janus rooms go, marks are written."""
    room = room.main
    if role_for(actor, room.session) != Role.HOST:
        raise PermissionDenied(_("Only the course's teachers can end the live class."))
    if room.status != LiveRoom.Status.OPEN:
        raise ValidationError(_("This live class is not running."))
    from . import recording, tasks  # they build on this module

    to_process = recording.finish(room)
    now = timezone.now()
    rooms = [room, *room.breakouts.all()]
    Stay.objects.filter(room__in=rooms, left_at__isnull=True).update(left_at=now)
    Ticket.objects.filter(room__in=rooms, used_at__isnull=True).update(revoked_at=now)
    for each in rooms:
        if each.server is not None and each.janus_room is not None:
            try:
                registry.client(each.server).destroy_room(each.janus_room, secret=each.janus_secret)
            except (JanusError, JanusUnavailable) as error:
                logger.warning("Could not destroy Janus room %s: %s", each.janus_room, error)
        each.status = LiveRoom.Status.ENDED
        each.ended_at = now
        each.save(update_fields=["status", "ended_at"])
    write_attendance(room)
    if to_process:
        transaction.on_commit(lambda: tasks.process_recording_task(room.pk))
    return room


@transaction.atomic
def confirm_attendance(actor: User, room: LiveRoom) -> LiveRoom:
    """The host confirms the marks after class (what the operations workflow's step g reads)."""
    room = LiveRoom.objects.select_for_update().get(pk=room.main.pk)
    if role_for(actor, room.session) != Role.HOST:
        raise PermissionDenied(_("Only the course's teachers can confirm attendance."))
    if room.status != LiveRoom.Status.ENDED:
        raise ValidationError(_("Attendance is confirmed after the class has ended."))
    if room.attendance_confirmed_at is None:
        write_attendance(room)
        room.attendance_confirmed_at = timezone.now()
        room.attendance_confirmed_by = actor
        room.save(update_fields=["attendance_confirmed_at", "attendance_confirmed_by"])
    return room


# --- Recordings, for other areas ---------------------------------------------------------------


def share_recording(actor: User, recording) -> object:
    """Share a class's recording with its course (``recording.share``)."""
    from . import recording as recordings

    return recordings.share(actor, recording)


def discard_recording(recording) -> None:
    """Delete a recording's video, lesson and files (``recording.discard``)."""
    from . import recording as recordings

    recordings.discard(recording)
