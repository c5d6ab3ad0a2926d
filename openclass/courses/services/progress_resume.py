"""Where "이어서 학습하기" (continue learning) leads: the next required lesson not yet done.

"Done" is what course completion counts (``selectors.completed_required_lessons``: the lesson's
progress is completed) and, for quizzes and assignments, also handed in: a quiz attempt
submitted (waiting for its grade, or graded below the pass mark) or an assignment submitted is
the teacher's to act on, not the student's next step. ``courses`` cannot read ``assessments``
(it sits above): ``assessments`` registers here, while Django starts, a function telling which
of a student's lessons are handed in (``register_handed_in``).

The rule, for one course: the first required lesson, in course order (section, then lesson), that
is neither completed nor handed in; none when every required lesson is. Across a student's
courses (the home page and the landing after login): the open courses they are enrolled in, the
one studied most recently first, then the others in the order they joined; the first with a
lesson left gives it. A video resumes at the student's last position (unless that is its end).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import cast

from django.db.models import F, Model, Q
from django.utils import timezone

from openclass.accounts.models import User
from openclass.core.db import CompiledObjectQuery, every_column

from ..models import Course, Enrolment, Lesson, LessonProgress, Section

#: Given a student and lesson ids, the ids among them the student has handed in.
HandedIn = Callable[[User, list[int]], Iterable[int]]

_handed_in_sources: dict[str, HandedIn] = {}

#: A video stopped this close to its end starts again from the beginning.
END_SLACK = 5.0


def register_handed_in(name: str, source: HandedIn) -> HandedIn:
    """Register an area's "handed in" lessons (``assessments``: quizzes and assignments).
    Registering the same name again replaces it (a module imported again in a test)."""
    _handed_in_sources[name] = source
    return source


def handed_in(student: User, lesson_ids: list[int]) -> set[int]:
    """The lessons of ``lesson_ids`` that ``student`` handed in, as the registered areas say."""
    found: set[int] = set()
    if not lesson_ids:
        return found
    for source in _handed_in_sources.values():
        found.update(source(student, lesson_ids))
    return found


@dataclass(frozen=True)
class ResumePoint:
    """Where to continue: ``lesson`` in ``course`` at ``position`` seconds (videos), or, with
    ``lesson`` None, every required lesson of the student's open courses is done."""

    course: Course | None
    lesson: Lesson | None
    position: float = 0.0
    started: bool = False  # the lesson was opened before

    @property
    def all_done(self) -> bool:
        return self.lesson is None


# Every student's home page and landing ask where to continue: these reads are compiled
# (core.db), once for each number of courses or lessons, where the ORM took ~2-3 ms to build
# each on this hardware.
_REQUIRED_IN_ORDER = CompiledObjectQuery(
    lambda course_ids: Lesson.objects.filter(
        section__course__in=course_ids, is_required=True
    ).order_by("section__position", "section__pk", "position", "pk"),
    {
        "": every_column(Lesson),
        "section": every_column(Section),
        "section__course": every_column(Course),
        "video": every_column(cast("type[Model]", Lesson._meta.get_field("video").related_model)),
    },
)
_PROGRESS_ON = CompiledObjectQuery(
    lambda student, lesson_ids: LessonProgress.objects.filter(
        student=student, lesson_id__in=lesson_ids
    ),
    {"": every_column(LessonProgress)},
)
_OPEN_ENROLMENTS = CompiledObjectQuery(
    lambda student, opened_by, open_on: (
        Enrolment.objects.filter(student=student, course__is_published=True)
        .filter(Q(course__opens_on__isnull=True) | Q(course__opens_on__lte=opened_by))
        .filter(Q(course__closes_on__isnull=True) | Q(course__closes_on__gte=open_on))
        .order_by(F("last_activity_at").desc(nulls_last=True), "enrolled_at", "pk")
    ),
    {"": ["id", "course_id"], "course": every_column(Course)},
    dates=(1, 2),
)


def _required_in_order(course_ids: list[int]) -> dict[int, list[Lesson]]:
    by_course: dict[int, list[Lesson]] = {course_id: [] for course_id in course_ids}
    for lesson in _REQUIRED_IN_ORDER.all(course_ids):
        by_course[lesson.section.course_id].append(lesson)
    return by_course


def _point(student: User, lesson: Lesson, row: LessonProgress | None) -> ResumePoint:
    position = 0.0
    if row is not None and lesson.is_video:
        length = lesson.known_duration or row.duration or 0
        if row.position > 0 and not (length and row.position >= length - END_SLACK):
            position = row.position
    return ResumePoint(lesson.section.course, lesson, position, started=row is not None)


def next_unfinished(student: User, courses: list[Course]) -> ResumePoint | None:
    """The first course of ``courses`` (in the order given) with a required lesson ``student``
    has not done, and that lesson; ``ResumePoint(None, None)`` when all are done; ``None``
    when ``courses`` is empty."""
    if not courses:
        return None
    by_course = _required_in_order([course.pk for course in courses])
    kinds = {lesson.pk: lesson.kind for lessons in by_course.values() for lesson in lessons}
    ids = list(kinds)
    rows = {row.lesson_id: row for row in _PROGRESS_ON.all(student.pk, ids)}
    done = {pk for pk, row in rows.items() if row.completed_at is not None}
    assessed = [pk for pk in ids if pk not in done and kinds[pk] in Lesson.ASSESSMENT_KINDS]
    done |= handed_in(student, assessed)
    for course in courses:
        for lesson in by_course[course.pk]:
            if lesson.pk not in done:
                return _point(student, lesson, rows.get(lesson.pk))
    return ResumePoint(None, None)


def next_in_course(student: User, course: Course) -> ResumePoint:
    """The next required lesson of ``course`` for ``student`` (see the module's rule)."""
    point = next_unfinished(student, [course])
    assert point is not None
    return point


def open_courses(student: User, today: datetime.date | None = None) -> list[Course]:
    """The courses ``student`` studies now (enrolled, published, within their dates), the one
    studied most recently first, then the others in the order they joined."""
    today = today or timezone.localdate()
    return [enrolment.course for enrolment in _OPEN_ENROLMENTS.all(student.pk, today, today)]


def resume_point(student: User, today: datetime.date | None = None) -> ResumePoint | None:
    """Where ``student`` continues across their courses: ``None`` when they study no open
    course, a point without a lesson when everything required is done."""
    return next_unfinished(student, open_courses(student, today))
