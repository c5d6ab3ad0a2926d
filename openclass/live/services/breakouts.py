"""Groups (모둠 활동방, breakout rooms): the host splits the class into groups, each a room of
its own on Janus beside the class, visits any of them, and calls everyone back. Each command
returns who is where (``breakout_plan``), the message every page follows: a page whose group
changes moves its media there with a new ticket, and its chat becomes the group's.
"""

from __future__ import annotations

import contextlib

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from openclass.accounts.models import User
from openclass.core.db import CompiledQuery

from .. import registry
from ..access import Member, hosting
from ..janus import JanusError, JanusUnavailable
from ..models import LiveRoom, Participant
from .janus_events import end_stays
from .placement import ensure_on_janus
from .rooms import participant_for


def open_breakouts(member: Member, groups: object) -> dict:
    """Split the class into ``groups`` (lists of user ids, two to twenty of them): the groups
    open before (if any) close, and a room opens on Janus for each new one, beside the class.
    Their pages move there; the host stays with the class until they visit a group."""
    actor, room = hosting(member)
    if not isinstance(groups, list) or not all(isinstance(group, list) for group in groups):
        raise ValidationError(_("Make between two and twenty groups."))
    groups = [[user for user in group if isinstance(user, int)] for group in groups]
    groups = [group for group in groups if group]
    if room.status != LiveRoom.Status.OPEN:
        raise ValidationError(_("This live class is not running."))
    if not 2 <= len(groups) <= 20:
        raise ValidationError(_("Make between two and twenty groups."))
    _close_groups(room)
    members = {p.user_id: p for p in Participant.objects.filter(room=room)}
    for user in User.objects.filter(pk__in={u for g in groups for u in g} - set(members)):
        with contextlib.suppress(PermissionDenied):
            members[user.pk] = participant_for(user, room)
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
        Participant.objects.filter(pk__in=ids).exclude(role=Participant.Role.HOST).update(
            breakout=breakout
        )
    return breakout_plan(room)


def move_to_group(member: Member, user_id: object, group_id: object) -> dict:
    """Move someone (the host themselves, to visit a group) into a group, or back to the
    class when ``group_id`` is None."""
    _actor, room = hosting(member)
    group = None
    if group_id is not None:
        group = LiveRoom.objects.filter(pk=group_id if isinstance(group_id, int) else 0).first()
        if group is None or group.parent_id != room.pk or group.status != LiveRoom.Status.OPEN:
            raise ValidationError(_("That group is not open."))
    user = User.objects.filter(pk=user_id if isinstance(user_id, int) else 0).first()
    if user is None:
        raise ValidationError(_("This person is not in the class."))
    try:
        participant = participant_for(user, room)
    except PermissionDenied as refusal:
        raise ValidationError(_("This person is not in the class.")) from refusal
    participant.breakout = group
    participant.save(update_fields=["breakout"])
    return breakout_plan(room)


def close_breakouts(member: Member) -> dict:
    """Call everyone back to the class: the groups' rooms close."""
    _actor, room = hosting(member)
    _close_groups(room)
    return breakout_plan(room)


def _close_groups(room: LiveRoom) -> None:
    now = timezone.now()
    Participant.objects.filter(room=room).update(breakout=None)
    for breakout in room.breakouts.filter(status=LiveRoom.Status.OPEN).select_related("server"):
        end_stays(breakout.stays.all(), now)
        if breakout.server is not None and breakout.janus_room is not None:
            with contextlib.suppress(JanusError, JanusUnavailable):
                registry.client(breakout.server).destroy_room(
                    breakout.janus_room, secret=breakout.janus_secret
                )
        breakout.status = LiveRoom.Status.ENDED
        breakout.ended_at = now
        breakout.save(update_fields=["status", "ended_at"])


# Read at every arrival (the welcome says which group the page is in): compiled once.
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
