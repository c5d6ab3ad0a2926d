"""Where a room runs: opening it on the least-loaded healthy Janus server, and again elsewhere
when its server has died or forgotten it (a restart).

No row lock is held while Janus is asked anything: the room is read, Janus is asked (is the
room there? create one), and only then is the answer written, under a short lock that first
checks nobody re-opened the room meanwhile. When two requests re-open the same room at once,
the first to write wins and the other destroys the Janus room it made.
"""

from __future__ import annotations

import contextlib
import logging
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from openclass.courses.models import Enrolment

from .. import registry
from ..janus import JanusError, JanusUnavailable
from ..models import JanusServer, LiveRoom

logger = logging.getLogger(__name__)

# Janus feed and room numbers must survive JavaScript's numbers (janus.js parses them).
_MAX_JS_INT = 2**53 - 1


def random_id() -> int:
    """A room or feed number Janus and janus.js both take, drawn so it cannot be guessed."""
    return secrets.randbelow(_MAX_JS_INT - 1) + 1


def _publishers_for(room: LiveRoom) -> int:
    enrolled = Enrolment.objects.filter(course=room.session.course).count()
    # Everyone with a camera, the teachers' screens and a few guests.
    return max(enrolled + 10, 12)


@dataclass(frozen=True)
class Placement:
    """A Janus room made for a live room: on which server, its number and its secret."""

    server: JanusServer
    janus_room: int
    secret: str


def _create_on_janus(room: LiveRoom) -> Placement:
    """Create ``room`` on the least-loaded healthy server (a breakout room beside its class
    when that server answers). Touches no row of the room."""
    parent_server = room.parent.server if room.parent is not None else None
    if parent_server is not None and registry.is_healthy(parent_server):
        server = parent_server
    else:
        server = registry.place()
    secret = secrets.token_urlsafe(24)
    recordings = settings.LIVE_RECORDINGS_DIR / str(room.main.pk)
    recordings.mkdir(parents=True, exist_ok=True)
    janus = registry.client(server)
    for _attempt in range(5):
        janus_room = random_id()
        try:
            janus.create_room(
                janus_room,
                secret=secret,
                description=str(room.session)[:100],
                publishers=_publishers_for(room),
                record_dir=str(recordings),
            )
            break
        except JanusError as error:
            if error.code != 427:  # room number taken on that server: draw another
                raise
    if room.is_recording:
        janus.set_recording(janus_room, secret=secret, record=True)
    return Placement(server, janus_room, secret)


def _answers(room: LiveRoom) -> bool:
    """Whether ``room``'s server is healthy and still has the room."""
    if room.server is None or room.janus_room is None or not registry.is_healthy(room.server):
        return False
    try:
        return registry.client(room.server).room_exists(room.janus_room)
    except JanusUnavailable:
        registry.check(room.server)
        return False


def ensure_on_janus(room: LiveRoom) -> LiveRoom:
    """Make sure ``room`` exists on a healthy Janus server, re-creating it elsewhere if its
    server is down or has forgotten it (a restart). Tickets of the old room are void, and the
    stays in it have ended."""
    room = LiveRoom.objects.select_related("server", "session", "parent__server").get(pk=room.pk)
    if _answers(room):
        return room
    seen = room.janus_room
    placement = _create_on_janus(room)
    with transaction.atomic():
        current = (
            LiveRoom.objects.select_for_update(of=("self",))
            .select_related("server", "session")
            .get(pk=room.pk)
        )
        lost_the_race = current.janus_room != seen
        if not lost_the_race:
            if seen is not None:
                logger.warning("Re-creating live room %s on another server", room.pk)
                now = timezone.now()
                current.stays.filter(left_at__isnull=True).update(left_at=now)
                current.tickets.filter(used_at__isnull=True, revoked_at__isnull=True).update(
                    revoked_at=now
                )
            current.server = placement.server
            current.janus_room = placement.janus_room
            current.janus_secret = placement.secret
            current.save(update_fields=["server", "janus_secret", "janus_room"])
    if lost_the_race:
        # Someone else re-opened it while we asked Janus: theirs stands, ours goes.
        with contextlib.suppress(JanusError, JanusUnavailable):
            registry.client(placement.server).destroy_room(
                placement.janus_room, secret=placement.secret
            )
    return current


def placement_of(room: LiveRoom) -> Placement:
    """Where ``room`` is on Janus, for a room known to be there (``ensure_on_janus`` placed it,
    or a ticket or a stay was issued in it): a room never placed is a bug (ValueError)."""
    if room.server is None or room.janus_room is None:
        raise ValueError(f"live room {room.pk} is not on Janus")
    return Placement(room.server, room.janus_room, room.janus_secret)


def is_placed(room: LiveRoom) -> bool:
    """Whether ``room`` has a Janus room on a server last seen healthy (asked again when that
    reading is old): the ticket's quick check before it trusts the placement."""
    return (
        room.server is not None and room.janus_room is not None and registry.is_healthy(room.server)
    )
