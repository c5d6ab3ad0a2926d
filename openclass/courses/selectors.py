"""What other areas read of courses: lessons in order, progress, today's sessions, what a teacher
runs, attendance counts, whether a course is open.

The public read API of ``courses`` (``assessments``, ``live``, ``operations`` and the home page
read courses through it, not through its tables). Reads only: what changes a course, an
enrolment or a mark is a command in ``courses.services``. Who may read what is decided by the
caller through ``courses.access`` first; these functions answer for the student or course given.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.db.models import Count, Exists, F, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from openclass.accounts.capabilities import has_capability
from openclass.accounts.models import User
from openclass.catalog.models import Topic
from openclass.core.db import CompiledObjectQuery, CompiledQuery, every_column

from . import access
from .models import Attendance, Course, Enrolment, Lesson, LessonProgress, Session
from .services import progress_resume
from .services.progress_resume import ResumePoint as ResumePoint
from .services.progress_resume import register_handed_in as register_handed_in


def is_open(course: Course, today: datetime.date | None = None) -> bool:
    """Published and within its opening dates: students may study it and hand work in."""
    today = today or timezone.localdate()
    return (
        course.is_published
        and (course.opens_on is None or course.opens_on <= today)
        and (course.closes_on is None or today <= course.closes_on)
    )


def catalog_courses(user: User, *, topic: Topic | None = None, query: str = "") -> QuerySet[Course]:
    """The catalog page's courses (``catalog_listing``), published first, with their number of
    students.

    The count is a subquery, not a join: two joins over enrolments made n × n rows for a
    course of n students before counting (1.2 s for a course of 1,000)."""
    enrolled = Enrolment.objects.filter(course=OuterRef("pk"))
    count = enrolled.order_by().values("course").annotate(n=Count("pk")).values("n")
    return (
        catalog_listing(user, topic=topic, query=query)
        # A class's full name is its school's and grade's: the card reads both.
        .select_related("topic", "organisation__parent__parent")
        .annotate(students=Coalesce(Subquery(count, output_field=IntegerField()), 0))
        .order_by("-is_published", "title")
    )


def catalog_listing(user: User, *, topic: Topic | None = None, query: str = "") -> QuerySet[Course]:
    """The courses the catalog lists to ``user``: those they may open
    (``access.visible_courses``), of ``topic`` and with ``query`` in the title or summary when
    given. A learner is shown a course not yet published only when enrolled in it. (The Open
    API lists these; the page adds its count and order, ``catalog_courses``.)"""
    courses = access.visible_courses(user)
    if has_capability(user, "course.learn"):
        mine = Enrolment.objects.filter(course=OuterRef("pk"), student=user)
        courses = courses.filter(Exists(mine) | Q(is_published=True))
    if topic is not None:
        courses = courses.filter(topic=topic)
    if query:
        courses = courses.filter(Q(title__icontains=query) | Q(summary__icontains=query))
    return courses


def lessons_in_order(course: Course) -> list[Lesson]:
    """Every lesson of ``course`` in the order students meet them (section, then lesson)."""
    return list(
        Lesson.objects.filter(section__course=course)
        .select_related("section", "video")
        .order_by("section__position", "section__pk", "position", "pk")
    )


# The home page's course cards ask these for every student who opens it: compiled once for
# each number of courses and students (core.db), where the ORM took ~2 ms to build each.
_COMPLETED_REQUIRED = CompiledQuery(
    lambda student_ids, course_ids: (
        LessonProgress.objects.filter(
            student_id__in=student_ids,
            lesson__section__course__in=course_ids,
            lesson__is_required=True,
            completed_at__isnull=False,
        )
        .values_list("student_id", "lesson__section__course")
        .annotate(n=Count("pk"))
        .order_by()
    )
)
_REQUIRED_COUNTS = CompiledQuery(
    lambda course_ids: (
        Lesson.objects.filter(section__course__in=course_ids, is_required=True)
        .values_list("section__course")
        .annotate(n=Count("pk"))
        .order_by()
    )
)
_ENROLMENTS_WITH_COURSES = CompiledObjectQuery(
    lambda student: Enrolment.objects.filter(student=student).order_by(
        "completed_at", "-last_activity_at", "-enrolled_at"
    ),
    {
        "": every_column(Enrolment),
        "course": every_column(Course),
        "course__topic": every_column(Topic),
        "last_lesson": every_column(Lesson),
    },
)


def completed_required_lessons(
    *, students: Iterable[User | int], courses: Iterable[Course | int]
) -> dict[tuple[int, int], int]:
    """How many required lessons each student has completed in each course, as ``{(student id,
    course id): count}`` (pairs with none completed are absent). One query, whether it is one
    student across their courses (the home page) or a class across one course (the gradebook):
    what course completion counts, written once."""
    student_ids = [getattr(student, "pk", student) for student in students]
    course_ids = [getattr(course, "pk", course) for course in courses]
    rows = _COMPLETED_REQUIRED.rows(student_ids, course_ids)
    return {(student_id, course_id): n for student_id, course_id, n in rows}


def required_lesson_counts(course_ids: Iterable[int]) -> dict[int, int]:
    """How many required lessons each course has (courses with none are absent)."""
    return dict(_REQUIRED_COUNTS.rows(list(course_ids)))


def course_progress(student: User, course: Course) -> tuple[int, int]:
    """(completed required lessons, required lessons) of ``student`` in ``course``."""
    done = completed_required_lessons(students=[student], courses=[course])
    required = required_lesson_counts([course.pk])
    return done.get((student.pk, course.pk), 0), required.get(course.pk, 0)


def courses_with_progress(student: User) -> list[dict]:
    """The student's enrolments, most recently studied first, with required/completed counts,
    in three queries whatever the number of courses."""
    enrolments = _ENROLMENTS_WITH_COURSES.all(student.pk)
    course_ids = [e.course_id for e in enrolments]
    required = required_lesson_counts(course_ids)
    done = completed_required_lessons(students=[student], courses=course_ids)
    live = live_attendance(student, course_ids)
    rows = []
    for enrolment in enrolments:
        total = required.get(enrolment.course_id, 0)
        completed = done.get((student.pk, enrolment.course_id), 0)
        attended, held = live.get(enrolment.course_id, (0, 0))
        rows.append(
            {
                "enrolment": enrolment,
                "course": enrolment.course,
                "required": total,
                "completed": completed,
                "percent": int(completed * 100 / total) if total else 0,
                # A live-only course has no lessons to complete: its live classes attended.
                "live_attended": attended,
                "live_held": held,
            }
        )
    return rows


#: The attendance marks that count as having been in a session (pay's attendance minimum,
#: students' points).
ATTENDED = (Attendance.Status.PRESENT, Attendance.Status.LATE, Attendance.Status.LEFT_EARLY)

_LIVE_HELD = CompiledQuery(
    lambda course_ids, today: (
        Session.objects.filter(course__in=course_ids, kind=Session.Kind.LIVE, day__lte=today)
        .values_list("course")
        .annotate(n=Count("pk"))
        .order_by()
    ),
    dates=(1,),
)
_LIVE_ATTENDED = CompiledQuery(
    lambda student, course_ids: (
        Attendance.objects.filter(
            student=student,
            session__course__in=course_ids,
            session__kind=Session.Kind.LIVE,
            status__in=ATTENDED,
        )
        .values_list("session__course")
        .annotate(n=Count("pk"))
        .order_by()
    )
)


def live_attendance(
    student: User, course_ids: Iterable[int], today: datetime.date | None = None
) -> dict[int, tuple[int, int]]:
    """Per course, ``(live classes attended, live classes held so far)`` by ``student`` (held:
    scheduled today or before); courses without a live class are absent. Two queries."""
    today = today or timezone.localdate()
    ids = list(course_ids)
    held = dict(_LIVE_HELD.rows(ids, today))
    attended = dict(_LIVE_ATTENDED.rows(student.pk, ids))
    return {course: (attended.get(course, 0), n) for course, n in held.items()}


def resume_target(student: User) -> ResumePoint | None:
    """Where "이어서 학습" leads ``student``: the next required lesson not yet done in the open
    course they studied most recently (then their other open courses), at the video's last
    position; a point without a lesson when everything is done; ``None`` without an open course
    (``services.progress_resume``)."""
    return progress_resume.resume_point(student)


def next_in_course(student: User, course: Course) -> ResumePoint:
    """The next required lesson of ``course`` that ``student`` has not done (the course page's
    "이어서 학습"); a point without a lesson when every one is done."""
    return progress_resume.next_in_course(student, course)


_TODAYS_SESSIONS = CompiledObjectQuery(
    lambda student, today: Session.objects.filter(
        day=today, course__enrolments__student=student, course__is_published=True
    ).order_by("starts_at", "pk"),
    {"": every_column(Session), "course": every_column(Course), "lesson": every_column(Lesson)},
    dates=(1,),
)


def todays_sessions(student: User, today: datetime.date | None = None) -> list[Session]:
    """Sessions scheduled today in the courses ``student`` is enrolled in."""
    return _TODAYS_SESSIONS.all(student.pk, today or timezone.localdate())


def attendance_summary(student: User) -> dict[str, int]:
    """How many of each attendance mark ``student`` has, across their courses."""
    counts = dict(
        Attendance.objects.filter(student=student)
        .values_list("status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {status: counts.get(status, 0) for status in Attendance.Status.values}


def teaching_overview(user: User) -> list[dict]:
    """The courses ``user`` runs, each with its enrolled, not-started and completed counts."""
    courses = (
        Course.objects.filter(Q(owner=user) | Q(teachers=user))
        .distinct()
        .annotate(
            enrolled=Count("enrolments", distinct=True),
            completed=Count(
                "enrolments", filter=Q(enrolments__completed_at__isnull=False), distinct=True
            ),
        )
        .order_by("-is_published", "title")
    )
    shown = list(courses[:20])
    # Students enrolled in each course who have progress in one of its lessons, in one query.
    started = dict(
        LessonProgress.objects.filter(
            lesson__section__course__in=[course.pk for course in shown],
            student__enrolments__course=F("lesson__section__course"),
        )
        .values("lesson__section__course")
        .annotate(n=Count("student", distinct=True))
        .values_list("lesson__section__course", "n")
    )
    return [
        {
            "course": course,
            "enrolled": course.enrolled,
            "completed": course.completed,
            "not_started": max(0, course.enrolled - started.get(course.pk, 0)),
        }
        for course in shown
    ]


# --- Attendance and completion, as the operations area pays and awards points for them -----


def enrolled_count(course_id: int) -> int:
    """How many students are enrolled in the course."""
    return Enrolment.objects.filter(course=course_id).count()


def attended_student_ids(session: Session) -> list[int]:
    """The students marked as having attended ``session`` (present, late or left early)."""
    return list(
        Attendance.objects.filter(session=session, status__in=ATTENDED).values_list(
            "student_id", flat=True
        )
    )


def completed_student_ids(course_id: int) -> list[int]:
    """The students who have completed the course."""
    return list(
        Enrolment.objects.filter(course=course_id, completed_at__isnull=False).values_list(
            "student_id", flat=True
        )
    )


# --- What the Open API lists (``api.resources.courses``, ``api.resources.live``) -------------


def lessons_of(course: Course) -> QuerySet[Lesson]:
    """The lessons of ``course`` as a queryset (to filter and page), with their sections."""
    return Lesson.objects.filter(section__course=course).select_related("section")


def enrolments_of_student(student: User) -> QuerySet[Enrolment]:
    """A student's own enrolments, with their courses."""
    return Enrolment.objects.filter(student=student).select_related("course")


def progress_in(course: Course, enrolments: QuerySet[Enrolment]) -> QuerySet[LessonProgress]:
    """The lesson progress in ``course`` of the students of ``enrolments`` (the caller narrows
    them first, with ``access.enrolments_visible_to``)."""
    return LessonProgress.objects.filter(
        lesson__section__course=course, student__in=enrolments.values("student")
    ).select_related("lesson")


def live_sessions_of(courses: QuerySet[Course]) -> QuerySet[Session]:
    """The live classes on the timelines of ``courses`` (the caller's visible courses)."""
    return Session.objects.filter(kind=Session.Kind.LIVE, course__in=courses).select_related(
        "course"
    )
