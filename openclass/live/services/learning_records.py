"""Live classes as xAPI statements (F-18), in the transaction that begins or ends a stay; the
context is ``courses``' (``courses.services.learning_records``).

- ``joined`` (the live class): a student's stay begins while they have no other open stay (a
  second feed — a shared screen — or a breakout room is not a second arrival).
- ``left``: their last open stay ends (they hung up, their tab died, they were removed, the
  class ended); ``result.duration`` is how long that stay lasted (ISO 8601), from the earliest
  of the stays ending with it.
- the minutes present are the attendance mark's statement (``attended`` or ``absent``, with the
  minutes and the status), recorded by ``courses`` when the class's marks are written at its
  end (``attendance.write_attendance``): one statement per student and class, not a second
  ``attended`` beside the mark.

Only students are recorded: a teacher hosting and a guest visiting are not learning events.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from openclass.courses.services import learning_records as course_records
from openclass.xapi import services as xapi

from ..access import Member
from ..models import LiveRoom, Participant, Stay


def _session_of(room_id: int) -> LiveRoom:
    room = LiveRoom.objects.select_related("session__course", "parent__session__course").get(
        pk=room_id
    )
    return room.main


def stay_begins(participant: Participant, room_id: int, at: datetime.datetime) -> None:
    """Call before the new stay is written: ``joined`` unless they are in already."""
    if not Member.of(participant).is_student:
        return
    if Stay.objects.filter(participant=participant, left_at__isnull=True).exists():
        return
    student = participant.user
    session = _session_of(room_id).session
    xapi.record(
        student,
        "joined",
        course_records.session_activity(session),
        where=course_records.where(student, session.course),
        timestamp=at,
    )


def stays_end(ending: Iterable[Stay], at: datetime.datetime) -> None:
    """Call after ``ending`` (open stays) got their ``left_at``: ``left`` for each student who
    has no open stay any more."""
    by_participant: dict[int, list[Stay]] = {}
    for stay in ending:
        by_participant.setdefault(stay.participant_id, []).append(stay)
    if not by_participant:
        return
    participants = Participant.objects.filter(
        pk__in=list(by_participant), role=Participant.Role.STUDENT
    ).select_related("user__organisation")
    still_in = set(
        Stay.objects.filter(participant__in=list(by_participant), left_at__isnull=True)
        .values_list("participant_id", flat=True)
        .distinct()
    )
    for participant in participants:
        if participant.pk in still_in:
            continue
        stays = by_participant[participant.pk]
        joined_at = min(stay.joined_at for stay in stays)
        session = _session_of(stays[0].room_id).session
        xapi.record(
            participant.user,
            "left",
            course_records.session_activity(session),
            where=course_records.where(participant.user, session.course),
            result={"duration": course_records.iso_duration((at - joined_at).total_seconds())},
            timestamp=at,
        )
