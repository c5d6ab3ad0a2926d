"""A class's room and who sits in it: the room of a live session, its participants, opening
the class (by the host, or at its scheduled time) and ending it.

Starting a class is always an explicit command: the host's (``start_class``, from the
classroom page or its form) or the timetable's (``open_due_rooms``, every minute). Asking for
a ticket never starts one.
"""

from __future__ import annotations

import datetime
import logging

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from openclass.accounts.models import ParentLink, User
from openclass.core.db import CompiledObjectQuery, every_column
from openclass.courses.models import Course, Enrolment, Session
from openclass.notifications.models import Kind as NotificationKind
from openclass.notifications.services import notify

from .. import registry
from ..access import Member, require_host, require_host_of, role_for
from ..janus import JanusError, JanusUnavailable
from ..models import LiveRoom, Participant, Stay, Ticket
from . import attendance, learning_records, recordings
from .placement import ensure_on_janus

logger = logging.getLogger(__name__)


# What each entry to a classroom page reads (the session with its course, the room, the seat;
# the seat also for a media ticket), compiled once: a class arrives together, and the ORM took
# longer to build each read than SQLite to run it (decision 0006 §8).
_LIVE_SESSION = CompiledObjectQuery(
    lambda session_id: Session.objects.filter(pk=session_id, kind=Session.Kind.LIVE),
    {"": every_column(Session), "course": every_column(Course)},
)
_MAIN_ROOM = CompiledObjectQuery(
    lambda session_id: LiveRoom.objects.filter(session_id=session_id, parent=None).order_by("pk")[
        :1
    ],
    {"": every_column(LiveRoom)},
)
_SEAT = CompiledObjectQuery(
    lambda room_id, user_id: Participant.objects.filter(room_id=room_id, user_id=user_id).order_by(
        "pk"
    )[:1],
    {"": every_column(Participant)},
)


def live_session(session_id: int) -> Session | None:
    """The live session ``session_id`` with its course, or None (none, or not a live one)."""
    return _LIVE_SESSION.first(session_id)


def main_room(session: Session) -> LiveRoom:
    """The room of a live session (made on first use), holding ``session`` as its own."""
    if session.kind != Session.Kind.LIVE:
        raise ValidationError(_("Only a live session has a classroom."))
    # Made once, read on every entry: only a missing room waits for the database's one writer.
    room = _MAIN_ROOM.first(session.pk)
    if room is None:
        try:
            with transaction.atomic():
                room, _created = LiveRoom.objects.get_or_create(session=session, parent=None)
        except IntegrityError:
            room = LiveRoom.objects.get(session=session, parent=None)
    room.session = session  # who asks next (the seat, the page) reads it: not again
    return room


def participant_for(user: User, room: LiveRoom, known: Participant | None = None) -> Participant:
    """The participant row of ``user`` in ``room`` (made on first entry; ``known`` when the
    caller has read it already); PermissionDenied when they may not enter, whatever the row
    says, since enrolments change. Guests start in the waiting room."""
    role = role_for(user, room.session)
    if role is None:
        raise PermissionDenied(_("This live class is not open to you."))
    # Mostly they have been here before, or were seated when the class opened: one read.
    participant = known or _SEAT.first(room.pk, user.pk)
    if participant is None:
        try:
            with transaction.atomic():
                participant, _created = Participant.objects.get_or_create(
                    room=room,
                    user=user,
                    defaults={"role": role, "admission": Participant.admission_on_entry(role)},
                )
        except IntegrityError:
            participant = Participant.objects.get(room=room, user=user)
    participant.user = user
    if participant.promote(role):
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
        [
            Participant(room=room, user_id=student, role=Participant.Role.STUDENT)
            for student in students
        ],
        ignore_conflicts=True,
        batch_size=500,
    )


def room_state(room: LiveRoom) -> dict:
    """The room as every page shows it (the message sent when it changes)."""
    return {
        "type": "state",
        "status": room.status,
        "locked": room.locked,
        "screenShare": room.students_may_share_screen,
        "spotlight": room.spotlight_id,
        "recording": room.is_recording,
    }


def start_class(actor: User, session: Session) -> LiveRoom:
    """The host opens the live class: its room is created on a Janus server and the enrolled
    students see "live now" at home (and their classroom pages may join)."""
    require_host_of(actor, session, _("Only the course's teachers can start the live class."))
    room = main_room(session)
    if room.status == LiveRoom.Status.ENDED:
        raise ValidationError(_("This live class has ended."))
    try:
        room = ensure_on_janus(room)
    except JanusUnavailable as failure:
        logger.warning("Could not start the live class %s: %s", session.pk, failure)
        raise ValidationError(
            _("The video server is not answering. Try again in a minute.")
        ) from failure
    if room.status != LiveRoom.Status.OPEN:
        room.status = LiveRoom.Status.OPEN
        room.started_at = timezone.now()
        room.started_by = actor
        room.save(update_fields=["status", "started_at", "started_by"])
        seat_the_class(room)
    return room


def start_own_class(member: Member) -> dict:
    """``start_class`` from the host's classroom page (its socket knows its room); returns
    the room's state, for every page of the class."""
    require_host(member)
    room = LiveRoom.objects.select_related("session__course").get(pk=member.room_id)
    actor = User.objects.get(pk=member.user_id)
    return room_state(start_class(actor, room.session))


def open_due_rooms(now: datetime.datetime | None = None) -> list[LiveRoom]:
    """Open the rooms of live sessions whose time has come (the class opens at its scheduled
    time even before the teacher arrives); returns the rooms opened."""
    now = timezone.localtime(now)
    due = Session.objects.filter(
        kind=Session.Kind.LIVE,
        day=now.date(),
        starts_at__lte=now.time(),
        ends_at__gt=now.time(),
        course__is_published=True,
    )
    opened = []
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
            room.status, room.started_at = LiveRoom.Status.OPEN, now
            seat_the_class(room)
            opened.append(room)
    return opened


#: How long before a live class its students and their parents are reminded of it.
REMIND_BEFORE = datetime.timedelta(minutes=10)


def remind_starting_classes(now: datetime.datetime | None = None) -> int:
    """Tell the students of each live class starting within ``REMIND_BEFORE`` (and their
    parents) that it is about to start, once per class and person; returns how many were told.
    Run every minute from the periodic task."""
    now = timezone.localtime(now)
    soon = now + REMIND_BEFORE
    later_today = Q(day=now.date(), starts_at__gt=now.time())
    if soon.date() == now.date():
        window = later_today & Q(starts_at__lte=soon.time())
    else:  # just before midnight: the rest of today and tomorrow's first minutes
        window = later_today | Q(day=soon.date(), starts_at__lte=soon.time())
    sessions = Session.objects.filter(
        window, kind=Session.Kind.LIVE, course__is_published=True
    ).select_related("course")
    told = 0
    for session in sessions:
        params = {"time": session.starts_at.strftime("%H:%M") if session.starts_at else ""}
        params["course"] = session.course.title
        students = list(User.objects.filter(enrolments__course=session.course_id, is_active=True))
        told += len(
            notify(
                students,
                gettext_noop("Your live class starts at %(time)s: %(course)s"),
                url=reverse("live:classroom", args=[session.pk]),
                kind=NotificationKind.LIVE,
                params=params,
                event=f"live:{session.pk}",
            )
        )
        children: dict[User, list[str]] = {}
        links = ParentLink.objects.filter(student__in=students).select_related("parent", "student")
        for link in links.order_by("student__name"):
            children.setdefault(link.parent, []).append(link.student.name)
        for parent, names in children.items():
            told += len(
                notify(
                    [parent],
                    gettext_noop("%(child)s's live class starts at %(time)s: %(course)s"),
                    url=reverse("web:home"),
                    kind=NotificationKind.LIVE,
                    params={**params, "child": ", ".join(names)},
                    event=f"live:{session.pk}",
                )
            )
    return told


def end_class(actor: User, room: LiveRoom) -> LiveRoom:
    """The host ends the class: everyone's stay ends now, the Janus rooms go, marks are
    written, and a recording is processed."""
    room = room.main
    require_host_of(actor, room.session, _("Only the course's teachers can end the live class."))
    if room.status != LiveRoom.Status.OPEN:
        raise ValidationError(_("This live class is not running."))
    to_process = recordings.finish_recording(room)
    now = timezone.now()
    rooms = [room, *room.breakouts.all()]
    with transaction.atomic():
        ending = list(Stay.objects.select_for_update().filter(room__in=rooms, left_at__isnull=True))
        Stay.objects.filter(pk__in=[stay.pk for stay in ending]).update(left_at=now)
        learning_records.stays_end(ending, now)
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
    attendance.write_attendance(room)
    if to_process:
        from .. import tasks  # the task module builds on the services

        transaction.on_commit(lambda: tasks.process_recording_task(room.pk))
    return room
