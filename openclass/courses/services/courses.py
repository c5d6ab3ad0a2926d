"""Commands of courses: opening, publishing and copying a course, its sections, lessons and
dated sessions, ordering, enrolment, opening and completing lessons, course completion, and
lesson-side attendance.

Views, consumers and tasks call these (views through ``core.views.perform``). A command refuses
what its actor may not do with ``PermissionDenied`` (capabilities from ``accounts.capabilities``,
object rules from ``courses.access``) and what cannot be done as asked with a ``ValidationError``
saying why. Reads for other areas are in ``courses.selectors``.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max, Model, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from openclass.accounts.capabilities import has_capability, require_capability
from openclass.accounts.models import Organisation, User
from openclass.core.params import parse_id
from openclass.media import access as media_access
from openclass.notifications.models import Kind as NotificationKind
from openclass.notifications.services import notify

from .. import access, selectors
from ..models import (
    Attendance,
    AttendanceCorrection,
    Course,
    Enrolment,
    Lesson,
    LessonProgress,
    Section,
    Session,
)
from . import learning_records

Status = Attendance.Status


# --- Opening and publishing a course ----------------------------------------------------------


def _require_openable(by: User, organisation_id: int | None) -> None:
    """Courses are opened by those holding "course.create" (teachers and admins; instructors
    get theirs through an application, 개설 신청), only where ``access`` lets them open one."""
    require_capability(by, "course.create")
    if (
        organisation_id is None
        or not access.openable_organisations(by).filter(pk=organisation_id).exists()
    ):
        raise PermissionDenied


@transaction.atomic
def create_course(
    by: User, course: Course, *, save_related: Callable[[], None] | None = None
) -> Course:
    """Open ``course`` (built but not saved, as ``CourseForm.save(commit=False)`` gives it) with
    ``by`` as its owner and first teacher; ``save_related`` then stores its many-to-many fields
    (the form's ``save_m2m``)."""
    _require_openable(by, course.organisation_id)
    course.owner = by
    course.full_clean()
    course.save()
    if save_related is not None:
        save_related()
    course.teachers.add(by)
    return course


def publish_course(by: User, course: Course) -> None:
    """Show the course to the students it is opened for; a course without a lesson has
    nothing to show them yet."""
    require_capability(by, "course.manage", course)
    if not Lesson.objects.filter(section__course=course).exists():
        raise ValidationError(_("Add at least one lesson before publishing."))
    was_published, course.is_published = course.is_published, True
    course.save(update_fields=["is_published", "updated_at"])
    if not was_published:
        notify(
            User.objects.filter(enrolments__course=course),
            gettext_noop("A course is ready for you: %(course)s"),
            url=reverse("courses:detail", args=[course.pk]),
            kind=NotificationKind.LESSON,
            params={"course": course.title},
        )


def unpublish_course(by: User, course: Course) -> None:
    """Hide the course from students (enrolments and progress stay)."""
    require_capability(by, "course.manage", course)
    course.is_published = False
    course.save(update_fields=["is_published", "updated_at"])


# --- Authoring ------------------------------------------------------------------------------


def next_position(queryset: QuerySet) -> int:
    return (queryset.aggregate(top=Max("position"))["top"] or 0) + 1


def _stamps(model: type[Model]) -> list[str]:
    """``updated_at`` when ``model`` has one (a lesson: ``core.stamps``): ``bulk_update`` sets
    only the fields it is given."""
    return [f.name for f in model._meta.concrete_fields if f.name == "updated_at"]


@transaction.atomic
def reorder(items: QuerySet, ordered_ids: Sequence[int]) -> None:
    """Give ``items`` the order of ``ordered_ids``; the ids must be exactly the items' ids, so a
    stale page (a lesson added or removed meanwhile) is refused instead of half applied."""
    by_id = {item.pk: item for item in items.select_for_update()}
    if sorted(by_id) != sorted(ordered_ids) or len(set(ordered_ids)) != len(ordered_ids):
        raise ValidationError(_("The list changed meanwhile. Reload the page and try again."))
    stamped = _stamps(items.model)
    now = timezone.now()
    for position, pk in enumerate(ordered_ids, start=1):
        by_id[pk].position = position
        for name in stamped:
            setattr(by_id[pk], name, now)
    items.model.objects.bulk_update(by_id.values(), ["position", *stamped])


def move_in_order(items: QuerySet, item_id: str, direction: str) -> None:
    """Move the section or lesson ``item_id`` of ``items`` one place "up" or "down" (the
    authoring page's buttons); past either end nothing moves."""
    ids = list(items.order_by("position", "pk").values_list("pk", flat=True))
    pk = parse_id(item_id)
    if pk is None or pk not in ids or direction not in ("up", "down"):
        raise ValidationError(_("The list changed meanwhile. Reload the page and try again."))
    index = ids.index(pk)
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(ids):
        ids[index], ids[other] = ids[other], ids[index]
        reorder(items, ids)


def add_section(by: User, course: Course, title: str) -> Section:
    """A new section at the end of ``course``."""
    require_capability(by, "course.manage", course)
    return Section.objects.create(
        course=course, title=title, position=next_position(course.sections.all())
    )


def delete_section(by: User, section: Section) -> None:
    """Delete an empty section; its lessons must be moved or deleted first, so no lesson (and
    no student's progress in it) goes with it by accident."""
    require_capability(by, "course.manage", section.course)
    if section.lessons.exists():
        raise ValidationError(_("Move or delete the section's lessons first."))
    section.delete()


@transaction.atomic
def save_lesson(by: User, section: Section, lesson: Lesson) -> Lesson:
    """Store ``lesson`` (built by ``LessonForm``, new or changed) in ``section``; a new one goes
    at the end. An uploaded video is attached only if ``by`` may attach it (``media.access``)."""
    require_capability(by, "course.manage", section.course)
    adding = lesson.pk is None
    if lesson.video_id:
        was = None if adding else Lesson.objects.filter(pk=lesson.pk).values("video_id").get()
        keeps = was is not None and was["video_id"] == lesson.video_id
        if not keeps and not media_access.attachable_videos(by).filter(pk=lesson.video_id).exists():
            raise PermissionDenied
    if adding:
        lesson.section = section
        lesson.position = next_position(section.lessons.all())
    lesson.full_clean()
    lesson.save()
    if adding and section.course.is_published:
        notify(
            User.objects.filter(enrolments__course=section.course_id),
            gettext_noop("A new lesson in %(course)s: %(lesson)s"),
            url=reverse("courses:lesson", args=[section.course_id, lesson.pk]),
            kind=NotificationKind.LESSON,
            params={"course": section.course.title, "lesson": lesson.title},
        )
    if lesson.kind == Lesson.Kind.VIDEO_URL and lesson.duration is None:
        # The server measures the video (F-08); until then watching cannot complete the lesson.
        from ..tasks import measure_video_url_task

        transaction.on_commit(lambda: measure_video_url_task(lesson.pk))
    return lesson


def delete_lesson(by: User, lesson: Lesson) -> None:
    """Delete a lesson nobody has studied; one students have opened is made optional instead,
    so their progress and attendance keep their lesson."""
    require_capability(by, "course.manage", lesson.section.course)
    if lesson.progress.exists():
        raise ValidationError(
            _("Students have studied this lesson; make it optional instead of deleting it.")
        )
    lesson.delete()


def add_session(by: User, session: Session) -> Session:
    """Put a dated session (built by ``SessionForm``) on its course's timeline."""
    require_capability(by, "course.manage", session.course)
    session.full_clean()
    session.save()
    return session


def delete_session(by: User, session: Session) -> None:
    """Take a session off the timeline, unless students already have attendance for it."""
    require_capability(by, "course.manage", session.course)
    if session.attendance.exists():
        raise ValidationError(_("Students already have attendance for this session."))
    session.delete()


@transaction.atomic
def copy_course(
    course: Course, *, by: User, organisation: Organisation, scope: str | None = None
) -> Course:
    """A new, unpublished course with the same settings, sections and lessons (videos are shared,
    not duplicated), opened at ``organisation`` by ``by``. Timeline dates and enrolments are not
    copied: they belong to the school year of the original. Copying opens a course, so it asks
    what opening one asks."""
    _require_openable(by, organisation.pk)
    scope = scope or course.scope
    content_elements = list(course.content_elements.all())
    audience = list(course.audience.all())
    sections = list(course.sections.prefetch_related("lessons"))
    copy = Course.objects.get(pk=course.pk)
    copy.pk = None
    copy.id = None
    copy._state.adding = True
    copy.title = _("%(title)s (copy)") % {"title": course.title}
    copy.owner = by
    copy.organisation = organisation
    copy.scope = scope
    copy.is_published = False
    copy.copied_from = course
    copy.full_clean()
    copy.save()
    copy.content_elements.set(content_elements)
    copy.audience.set(audience)
    copy.teachers.set([by])
    for section in sections:
        lessons = list(section.lessons.all())
        section.pk = None
        section.course = copy
        section.save()
        for lesson in lessons:
            lesson.pk = None
            lesson.section = section
        Lesson.objects.bulk_create(lessons)
    return copy


# --- Enrolment ------------------------------------------------------------------------------


@dataclass(frozen=True)
class EnrolmentResult:
    added: int
    already: int


@transaction.atomic
def enrol(actor: User, course: Course, students: Iterable[User]) -> EnrolmentResult:
    """Enrol ``students``; every one must be enrollable by ``actor`` or nothing is written."""
    wanted = {student.pk for student in students}
    allowed = set(
        access.enrollable_students(actor, course).filter(pk__in=wanted).values_list("pk", flat=True)
    )
    if wanted - allowed:
        raise PermissionDenied(_("You cannot enrol some of these students into this course."))
    return _enrol_ids(course, wanted, actor)


@transaction.atomic
def enrol_organisation(actor: User, course: Course, organisation: Organisation) -> EnrolmentResult:
    """Enrol every student under a school, grade or class that ``actor`` may enrol."""
    if not access.can_enrol_into(actor, course):
        raise PermissionDenied(_("You cannot enrol students into this course."))
    ids = set(
        access.enrollable_students(actor, course)
        .filter(organisation__path__startswith=organisation.path)
        .values_list("pk", flat=True)
    )
    return _enrol_ids(course, ids, actor)


@transaction.atomic
def enrol_audience(course: Course, organisation: Organisation, by: User) -> EnrolmentResult:
    """Enrol every active student under ``organisation`` into a course opened for it through
    an approved course application (operations): the office's approval is the authority, so
    the students are not limited to those ``by`` teaches."""
    if not organisation.path.startswith(course.organisation.path):
        raise PermissionDenied(_("These students are outside the course's organisation."))
    ids = set(
        User.objects.filter(
            role=User.Role.STUDENT, is_active=True, organisation__path__startswith=organisation.path
        ).values_list("pk", flat=True)
    )
    return _enrol_ids(course, ids, by)


def _enrol_ids(course: Course, ids: set[int], actor: User | None) -> EnrolmentResult:
    existing = set(
        Enrolment.objects.filter(course=course, student_id__in=ids).values_list(
            "student_id", flat=True
        )
    )
    new = [
        Enrolment(course=course, student_id=pk, enrolled_by=actor) for pk in sorted(ids - existing)
    ]
    Enrolment.objects.bulk_create(new, ignore_conflicts=True)
    return EnrolmentResult(added=len(new), already=len(existing))


@transaction.atomic
def enrol_self(student: User, course: Course) -> Enrolment:
    if not access.can_enrol_self(student, course):
        raise PermissionDenied(_("This course is not open for you to join."))
    enrolment, _created = Enrolment.objects.get_or_create(
        course=course, student=student, defaults={"enrolled_by": student}
    )
    return enrolment


@transaction.atomic
def unenrol(actor: User, course: Course, student: User) -> None:
    """Remove an enrolment; the student's progress stays, so enrolling again restores it."""
    if (
        not access.can_manage_course(actor, course)
        and not access.enrollable_students(actor, course).filter(pk=student.pk).exists()
    ):
        raise PermissionDenied(_("You cannot change this student's enrolment."))
    Enrolment.objects.filter(course=course, student=student).delete()


# --- Studying -------------------------------------------------------------------------------


@transaction.atomic
def open_lesson(
    student: User, lesson: Lesson, now: datetime.datetime | None = None
) -> LessonProgress:
    """The student opened ``lesson``: start (or find) their progress, remember it as the lesson to
    resume, complete documents and links at once, and record attendance for a session of today."""
    now = now or timezone.now()
    course = lesson.section.course
    enrolment = Enrolment.objects.select_for_update().get(course=course, student=student)
    progress, _created = LessonProgress.objects.get_or_create(
        student=student, lesson=lesson, defaults={"opened_at": now}
    )
    learning_records.launched(student, lesson, enrolment, now)
    completes_now = lesson.kind in Lesson.OPEN_COMPLETES and progress.completed_at is None
    if completes_now:
        progress.completed_at = now
        progress.save(update_fields=["completed_at"])
    enrolment.last_lesson = lesson
    enrolment.last_activity_at = now
    enrolment.save(update_fields=["last_lesson", "last_activity_at"])
    record_attendance(student, lesson, now)
    if progress.completed_at:
        lesson_completed(progress, now, first=completes_now)
    return progress


@transaction.atomic
def complete_lesson(
    student: User, lesson: Lesson, now: datetime.datetime | None = None
) -> LessonProgress:
    """Mark ``lesson`` complete for ``student`` because of a result elsewhere (a quiz passed,
    an assignment submitted or graded), then update attendance and the course's completion.
    Completing twice keeps the first time."""
    now = now or timezone.now()
    progress, _created = LessonProgress.objects.get_or_create(
        student=student, lesson=lesson, defaults={"opened_at": now}
    )
    if progress.completed_at is None:
        progress.completed_at = now
        progress.save(update_fields=["completed_at"])
        lesson_completed(progress, now)
    return progress


def lesson_completed(
    progress: LessonProgress, now: datetime.datetime | None = None, *, first: bool = True
) -> None:
    """Called once a lesson's progress reaches completion (``first``; opening a completed
    lesson again calls it with ``first=False``): record it, update attendance and the course."""
    now = now or timezone.now()
    if first:
        learning_records.lesson_completed(
            progress.student, progress.lesson, progress.percent, progress.completed_at or now
        )
    record_attendance(progress.student, progress.lesson, now)
    update_course_completion(progress.student, progress.lesson.section.course, now)


def update_course_completion(student: User, course: Course, now: datetime.datetime) -> bool:
    """A course completes when every required lesson has; returns whether it is complete."""
    done, required = selectors.course_progress(student, course)
    complete = done == required and done > 0
    if complete:
        completed_now = Enrolment.objects.filter(
            course=course, student=student, completed_at__isnull=True
        ).update(completed_at=now, updated_at=now)
        if completed_now:
            learning_records.course_completed(student, course, now)
    return complete


# --- Attendance (lesson side) ---------------------------------------------------------------


def mark_for(
    course: Course, day: datetime.date, completed_on: datetime.date | None, today: datetime.date
) -> str | None:
    """The course's rule for a recorded session scheduled on ``day``.

    Completed on (or before) the day: present. Completed within ``late_days`` after: late.
    Not completed and the late window has passed: absent. Otherwise still open (None). When the
    course counts opening rather than completion, the caller passes the day the lesson was opened.
    """
    if completed_on is not None:
        if completed_on <= day:
            return Status.PRESENT
        if completed_on <= day + datetime.timedelta(days=course.late_days):
            return Status.LATE
        return Status.ABSENT
    if today > day + datetime.timedelta(days=course.late_days):
        return Status.ABSENT
    return None


def record_attendance(student: User, lesson: Lesson, now: datetime.datetime) -> None:
    """Mark the student for every recorded session of ``lesson`` that has started, unless a
    teacher has corrected the mark (a correction always wins over the automatic rule)."""
    today = timezone.localdate(now)
    sessions = Session.objects.filter(
        lesson=lesson, kind=Session.Kind.RECORDED, day__lte=today
    ).select_related("course")
    if not sessions:
        return
    progress = LessonProgress.objects.filter(student=student, lesson=lesson).first()
    for session in sessions:
        course = session.course
        done_at = progress.completed_at if progress else None
        if not course.attendance_needs_completion and progress is not None:
            done_at = progress.opened_at
        status = mark_for(
            course, session.day, timezone.localdate(done_at) if done_at else None, today
        )
        status = status or Status.PENDING
        mark, created = Attendance.objects.get_or_create(
            session=session,
            student=student,
            defaults={"status": status, "first_seen_at": now},
        )
        if created:
            learning_records.attendance_marked(student, session, status, now=now)
        if mark.corrected:
            continue
        changed = []
        if mark.first_seen_at is None:
            mark.first_seen_at = now
            changed.append("first_seen_at")
        if progress and progress.completed_at and mark.completed_at != progress.completed_at:
            mark.completed_at = progress.completed_at
            changed.append("completed_at")
        if mark.status != status:
            learning_records.attendance_marked(
                student, session, status, replaces=mark.status != Status.PENDING, now=now
            )
            mark.status = status
            changed.append("status")
        if changed and not created:
            mark.save(update_fields=changed)


@transaction.atomic
def record_live_attendance(
    session: Session, marks: dict[int, tuple[str, int, datetime.datetime | None]]
) -> None:
    """Store the marks the live class computed (student id → mark, minutes present, first
    join), unless a teacher has corrected the mark (a correction always wins)."""
    existing = {mark.student_id: mark for mark in Attendance.objects.filter(session=session)}
    students = User.objects.select_related("organisation").in_bulk(list(marks))
    new = []
    for student_id, (status, minutes, first_seen) in marks.items():
        mark = existing.get(student_id)
        changes = mark is None or (
            not mark.corrected and (mark.status, mark.minutes) != (status, minutes)
        )
        if changes:
            learning_records.attendance_marked(
                students[student_id], session, status, minutes=minutes, replaces=mark is not None
            )
        if mark is None:
            new.append(
                Attendance(
                    session=session,
                    student_id=student_id,
                    status=status,
                    minutes=minutes,
                    first_seen_at=first_seen,
                )
            )
        elif not mark.corrected and (mark.status, mark.minutes) != (status, minutes):
            mark.status, mark.minutes, mark.first_seen_at = status, minutes, first_seen
            mark.save(update_fields=["status", "minutes", "first_seen_at", "updated_at"])
    Attendance.objects.bulk_create(new)


@transaction.atomic
def correct_attendance(
    actor: User, session: Session, student: User, status: str, reason: str
) -> Attendance:
    """A teacher changes a mark; the old and new status and the reason are kept forever."""
    if not access.can_manage_course(actor, session.course) and not access.can_read_records_of(
        actor, session.course, student
    ):
        raise PermissionDenied(_("You cannot change this student's attendance."))
    if not has_capability(actor, "attendance.confirm"):
        raise PermissionDenied(_("Only teachers can correct attendance."))
    reason = reason.strip()
    if not reason:
        raise ValidationError(_("Give the reason for the correction."))
    if status not in Status.values:
        raise ValidationError(_("Choose a valid attendance mark."))
    mark, _created = Attendance.objects.select_for_update().get_or_create(
        session=session, student=student, defaults={"status": Status.ABSENT}
    )
    AttendanceCorrection.objects.create(
        attendance=mark,
        old_status=mark.status,
        new_status=status,
        reason=reason,
        corrected_by=actor,
    )
    learning_records.attendance_marked(
        student,
        session,
        status,
        minutes=mark.minutes if session.kind == Session.Kind.LIVE else None,
        replaces=True,
    )
    mark.status = status
    mark.corrected = True
    mark.save(update_fields=["status", "corrected", "updated_at"])
    return mark
