"""What Janus reports, and what it means: its HTTP event handler posts joins, leaves and
sessions gone (``handle_events``, from the event endpoint); a join counts only with the ticket
that names its feed and token, every other join is kicked. Stays begin and end here, and every
minute ``reconcile`` ends those Janus no longer knows of and begins those whose join was lost
(a lost event, a restart).
"""

from __future__ import annotations

import contextlib
import datetime
import logging
import secrets

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from .. import registry
from ..janus import JanusError, JanusUnavailable
from ..models import LiveRoom, RejectedJoin, Stay, Ticket
from . import learning_records
from .placement import placement_of

logger = logging.getLogger(__name__)


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
        if ticket is not None and valid:
            _begin_stay(ticket, feed_id, janus_session, at)
        else:
            RejectedJoin.objects.create(room=room, feed_id=feed_id, display=display[:200])
    if not valid:
        _kick(room, feed_id)
    return valid


def _begin_stay(
    ticket: Ticket, feed_id: int, janus_session: int | None, at: datetime.datetime
) -> None:
    """Spend ``ticket`` on its feed's join at ``at``: the holder's stay in its room begins."""
    ticket.used_at = at
    ticket.save(update_fields=["used_at"])
    learning_records.stay_begins(ticket.participant, ticket.room_id, at)
    Stay.objects.create(
        participant=ticket.participant,
        room_id=ticket.room_id,
        feed_id=feed_id,
        janus_session=janus_session,
        joined_at=at,
    )


def _kick(room: LiveRoom, feed_id: int) -> None:
    """A feed no ticket names leaves the room (logged)."""
    logger.warning("Kicking feed %s from room %s: no ticket", feed_id, room.pk)
    with contextlib.suppress(JanusError, JanusUnavailable):
        placement = placement_of(room)
        registry.client(placement.server).kick(
            placement.janus_room, secret=placement.secret, feed_id=feed_id
        )


def end_stays(stays: QuerySet[Stay], at: datetime.datetime) -> None:
    """End these stays and take their tokens off the room's allowed list: the token stays on it
    while its holder is in the room (their subscriptions join with it too), never after."""
    with transaction.atomic():
        # Locked, so a leave and a reconcile ending one stay at once say "left" once.
        ending = list(
            stays.filter(left_at__isnull=True)
            .select_for_update(of=("self",))
            .select_related("room__server")
        )
        if not ending:
            return
        Stay.objects.filter(pk__in=[stay.pk for stay in ending]).update(left_at=at)
        learning_records.stays_end(ending, at)
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
    end_stays(Stay.objects.filter(room__janus_room=janus_room, feed_id=feed_id), at)


def session_gone(janus_session: int, *, at: datetime.datetime) -> None:
    """A Janus session was destroyed or timed out (a crashed tab): its stays end."""
    end_stays(Stay.objects.filter(janus_session=janus_session), at)


def reconcile(room: LiveRoom) -> int:
    """Make the stays agree with what Janus has in ``room``, for the events lost on the way (an
    app restarted longer than Janus retries, a Janus restart): end the stays of feeds Janus no
    longer has, and begin those of feeds it has whose join never arrived (``adopt``). Returns
    how many stays ended. Run every minute for open rooms."""
    if room.server is None or room.janus_room is None:
        return 0
    try:
        present = {p.feed_id for p in registry.client(room.server).participants(room.janus_room)}
    except JanusError as error:
        if error.code != 426:  # no such room: everyone is gone
            return 0
        present = set()
    except JanusUnavailable:
        return 0
    adopt(room, present)
    missing = Stay.objects.filter(room=room, left_at__isnull=True).exclude(feed_id__in=present)
    count = missing.count()
    end_stays(missing, timezone.now())
    return count


def adopt(room: LiveRoom, feeds: set[int]) -> int:
    """Begin the stays of ``feeds`` Janus has in ``room`` whose join the app never heard: the
    unused ticket naming each feed is the join, as of when it was issued (the page joins at
    once with it), so no minute of a student who was there is lost. Janus let the feed in with a
    token on the room's list, and only tickets put tokens there; a feed no ticket names is
    kicked, as its join would have been. Returns how many stays began."""
    known = set(Stay.objects.filter(room=room, feed_id__in=feeds).values_list("feed_id", flat=True))
    begun = 0
    for feed_id in sorted(feeds - known):
        with transaction.atomic():
            ticket = (
                Ticket.objects.select_for_update()
                .select_related("participant")
                .filter(room=room, feed_id=feed_id)
                .first()
            )
            valid = (
                ticket is not None
                and ticket.used_at is None
                and ticket.revoked_at is None
                and ticket.participant.removed_at is None
            )
            if ticket is not None and valid:
                _begin_stay(ticket, feed_id, None, ticket.issued_at)
                begun += 1
        if valid:
            logger.warning(
                "Room %s: feed %s's join was lost; its stay begins now", room.pk, feed_id
            )
        else:
            _kick(room, feed_id)
    return begun


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
