"""The host's controls: mute someone's microphone or camera (Janus stops relaying it), remove
someone from the class, lock the room to newcomers, spotlight someone, let students share their
screen, and let guests in from the waiting room. Each returns the message the room's pages are
sent.
"""

from __future__ import annotations

import contextlib

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from openclass.accounts.models import User

from .. import registry
from ..access import Member, hosting, require_host
from ..janus import JanusError, JanusUnavailable
from ..models import LiveRoom, Participant, Stay, Ticket
from .janus_events import end_stays
from .placement import placement_of
from .rooms import room_state


def _moderate(participant: Participant, kind: str, mute: bool) -> None:
    """Have Janus stop (or resume) relaying ``kind`` from the participant's camera feed."""
    streams = [s for s in participant.media.get("streams", []) if s.get("kind") == kind]
    stays = {
        stay.feed_id: stay.room
        for stay in Stay.objects.filter(
            participant=participant, left_at__isnull=True
        ).select_related("room__server")
    }
    for stream in streams:
        room = stays.get(stream["feed"])
        if room is None or room.server is None or room.janus_room is None:
            continue
        with contextlib.suppress(JanusError, JanusUnavailable):
            registry.client(room.server).moderate(
                room.janus_room,
                secret=room.janus_secret,
                feed_id=stream["feed"],
                mid=stream["mid"],
                mute=mute,
            )


def mute(member: Member, user_id: object, kind: str) -> dict:
    """Mute one person's microphone (or turn off their camera): Janus stops relaying it, and
    their page switches it off. They may switch it on again themselves (``unmute_self``)."""
    require_host(member)
    if kind not in ("audio", "video"):
        raise ValidationError(_("Unknown kind of stream."))
    participant = (
        Participant.objects.filter(
            room_id=member.room_id, user_id=user_id if isinstance(user_id, int) else 0
        )
        .select_related("user")
        .first()
    )
    if participant is None:
        raise ValidationError(_("This person is not in the class."))
    _moderate(participant, kind, True)
    media = {**participant.media, kind: False}
    Participant.objects.filter(pk=participant.pk).update(media=media)
    return {"type": "muted", "user": participant.user_id, "kind": kind, "by": member.name}


def mute_all(member: Member) -> list[dict]:
    require_host(member)
    messages = []
    others = Participant.objects.filter(room_id=member.room_id, connections__gt=0).exclude(
        role=Participant.Role.HOST
    )
    for participant in others:
        if participant.media.get("audio"):
            messages.append(mute(member, participant.user_id, "audio"))
    return messages


def unmute_self(member: Member, kind: str) -> None:
    """The person switches their own microphone or camera on again after the host's mute."""
    if kind not in ("audio", "video"):
        raise ValidationError(_("Unknown kind of stream."))
    participant = Participant.objects.get(pk=member.participant_id)
    _moderate(participant, kind, False)


def remove_participant(member: Member, user_id: object) -> dict:
    """The host removes someone from the class: out of Janus now, their unused tickets void
    and their tokens off the allowed lists, and no new ticket for this room."""
    _actor, room = hosting(member)
    user = User.objects.filter(pk=user_id if isinstance(user_id, int) else 0).first()
    if user is None:
        raise ValidationError(_("This person is not in the class."))
    participant = Participant.objects.filter(room=room, user=user).first()
    if participant is None or participant.is_host:
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
    end_stays(Stay.objects.filter(participant=participant), now)
    for feed_room, feed_id in feeds:
        placement = placement_of(feed_room)  # a stay is in a room on Janus
        with contextlib.suppress(JanusError, JanusUnavailable):
            registry.client(placement.server).kick(
                placement.janus_room, secret=placement.secret, feed_id=feed_id
            )
    return {"type": "removed", "user": user.pk}


def _feeds_of(participant: Participant) -> list[tuple[LiveRoom, int]]:
    """The feeds ``participant`` has in Janus now (camera, screen), with their rooms."""
    stays = Stay.objects.filter(participant=participant, left_at__isnull=True).select_related(
        "room__server"
    )
    return [(stay.room, stay.feed_id) for stay in stays]


_UNCHANGED = object()


def set_room(
    member: Member,
    *,
    locked: object = _UNCHANGED,
    screen_share: object = _UNCHANGED,
    spotlight: object = _UNCHANGED,
) -> dict:
    """Lock the room to newcomers, let students share their screen, or spotlight someone
    (None: nobody); what is not given stays as it is."""
    require_host(member)
    room = LiveRoom.objects.get(pk=member.room_id)
    fields = []
    if locked is not _UNCHANGED:
        room.locked = bool(locked)
        fields.append("locked")
    if screen_share is not _UNCHANGED:
        room.students_may_share_screen = bool(screen_share)
        fields.append("students_may_share_screen")
    if spotlight is not _UNCHANGED:
        if spotlight is not None and not (
            isinstance(spotlight, int)
            and Participant.objects.filter(room=room, user_id=spotlight).exists()
        ):
            raise ValidationError(_("This person is not in the class."))
        room.spotlight_id = spotlight
        fields.append("spotlight")
    room.save(update_fields=fields)
    return room_state(room)


def admit_guest(member: Member, user_id: object, admitted: bool) -> dict:
    """Let a guest in from the waiting room, or turn them away."""
    require_host(member)
    updated = Participant.objects.filter(
        room_id=member.room_id,
        user_id=user_id if isinstance(user_id, int) else 0,
        role=Participant.Role.GUEST,
    ).update(admission=Participant.Admission.ADMITTED if admitted else Participant.Admission.DENIED)
    if not updated:
        raise ValidationError(_("This person is not waiting."))
    return {"type": "admitted", "user": user_id, "admitted": bool(admitted)}
