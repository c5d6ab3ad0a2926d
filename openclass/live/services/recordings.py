"""The recording of a class, as the host decides: started and stopped in class (everyone sees
that the class is being recorded), stopped when the class ends (then processed into a video,
``live.recording``), and afterwards kept private, shared with the course as a lesson assigned
to those who missed the class, or deleted. The course's opener decides too (operations step j:
``share_recording`` and ``discard_recording``).
"""

from __future__ import annotations

import contextlib
import shutil

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from openclass.accounts.models import User
from openclass.core.db import CompiledObjectQuery, every_column
from openclass.courses.models import Attendance, Lesson, Section
from openclass.courses.services import courses as course_services

from .. import registry
from ..access import Member, hosting, require_host_of
from ..janus import JanusError, JanusUnavailable
from ..models import LiveRoom, Recording
from ..recording import folder

# Asked by every classroom page as its class arrives (decision 0006 §8).
_SHARED = CompiledObjectQuery(
    lambda room_id: Recording.objects.filter(room_id=room_id, lesson__isnull=False).order_by("pk")[
        :1
    ],
    {"": every_column(Recording)},
)


def shared_into_course(room: LiveRoom) -> Recording | None:
    """The room's recording shared into its course as a lesson, if there is one."""
    return _SHARED.first(room.pk)


def record_class(member: Member, on: object) -> dict:
    """The host starts or stops recording; returns the room's state, which tells everyone in
    class that they are being recorded."""
    from .rooms import room_state  # rooms ends a class through this module

    actor, room = hosting(member, _("Only the course's teachers can record the class."))
    on = bool(on)
    room = LiveRoom.objects.select_related("server").get(pk=room.main.pk)
    if room.status != LiveRoom.Status.OPEN or room.server is None or room.janus_room is None:
        raise ValidationError(_("This live class is not running."))
    registry.client(room.server).set_recording(room.janus_room, secret=room.janus_secret, record=on)
    room.is_recording = on
    room.save(update_fields=["is_recording"])
    if on:
        Recording.objects.get_or_create(room=room, defaults={"started_by": actor})
    return room_state(room)


def finish_recording(room: LiveRoom) -> bool:
    """When a recorded class ends: stop recording and say whether there is something to
    process (the task ``process_recording_task`` does it)."""
    if room.is_recording and room.server is not None and room.janus_room is not None:
        with contextlib.suppress(JanusError, JanusUnavailable):
            registry.client(room.server).set_recording(
                room.janus_room, secret=room.janus_secret, record=False
            )
        LiveRoom.objects.filter(pk=room.pk).update(is_recording=False)
    return Recording.objects.filter(room=room, status=Recording.Status.RECORDING).exists()


@transaction.atomic
def share_recording(actor: User, recording: Recording) -> Lesson:
    """The teacher shares the recording with the course: a lesson of its own at the end, and
    the students who missed the class (absent, or gone early) are assigned it."""
    room = recording.room
    course = room.session.course
    require_host_of(actor, room.session, _("Only the course's teachers can share the recording."))
    if recording.status != Recording.Status.READY or recording.video is None:
        raise ValidationError(_("The recording is not ready yet."))
    if recording.lesson is not None:
        return recording.lesson
    section_title = _("Live class recordings")
    section = Section.objects.filter(course=course, title=section_title).first()
    if section is None:
        section = Section.objects.create(
            course=course,
            title=section_title,
            position=course_services.next_position(course.sections.all()),
        )
    lesson = Lesson.objects.create(
        section=section,
        title=recording.video.title[:120],
        kind=Lesson.Kind.VIDEO,
        video=recording.video,
        duration=recording.video.duration,
        is_required=False,
        position=course_services.next_position(section.lessons.all()),
    )
    recording.lesson = lesson
    recording.shared_at = timezone.now()
    recording.save(update_fields=["lesson", "shared_at"])
    missed = Attendance.objects.filter(
        session=room.session,
        status__in=[Attendance.Status.ABSENT, Attendance.Status.LEFT_EARLY, Attendance.Status.LATE],
    ).values_list("student_id", flat=True)
    recording.assigned_to.set(list(missed))
    return lesson


def delete_recording(actor: User, recording: Recording) -> None:
    """The teacher deletes the recording: its video (and lesson, if shared) and Janus's files."""
    require_host_of(
        actor, recording.room.session, _("Only the course's teachers can delete the recording.")
    )
    discard_recording(recording)


@transaction.atomic
def discard_recording(recording: Recording) -> None:
    """Delete a recording's video, lesson and files (the teacher's choice, or the retention
    period the course's opener set, operations step j)."""
    room = recording.room
    if recording.lesson is not None:
        recording.lesson.delete()
    if recording.video is not None:
        from openclass.media import services as media

        video = recording.video
        video.delete()
        media.delete_video_files(video)
    shutil.rmtree(folder(room), ignore_errors=True)
    recording.status = Recording.Status.DELETED
    recording.lesson = None
    recording.video = None
    recording.save(update_fields=["status", "lesson", "video"])
