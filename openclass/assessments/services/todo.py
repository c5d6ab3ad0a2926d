"""What the home page lists from assessments: a student's work still to do, and a teacher's work
still to grade. Built on the same rules as the quiz and assignment pages (``quizzes``,
``assignments``) and the same scoping (``courses.access``), so the home page never offers what
the page behind the link would refuse."""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass

from django.db.models import Count, F, Q
from django.utils import timezone

from openclass.accounts.models import User
from openclass.core.db import CompiledObjectQuery, CompiledQuery, every_column
from openclass.courses import access
from openclass.courses import selectors as courses
from openclass.courses.models import Course, Lesson, Section

from ..models import Answer, Assignment, Attempt, Question, Quiz, Submission
from . import assignments, quizzes

LIMIT = 8


@dataclass
class Todo:
    """One piece of work on a student's list; ``deadline`` is when it closes or is due."""

    lesson_id: int
    course: Course
    title: str
    kind: str  # "quiz" or "assignment"
    deadline: datetime.datetime | None
    started: bool = False  # a quiz attempt in progress
    late: bool = False  # an assignment past its due date that still takes late work


# Every student's home page lists their to-do: these reads are compiled (core.db), once for
# each number of open courses, where the ORM took ~2-3 ms to build each on this hardware.
_ENROLLED = CompiledObjectQuery(
    lambda student: access.enrolled(student).order_by("pk"), {"": every_column(Course)}
)
_ALONG_LESSON = {
    "lesson": every_column(Lesson),
    "lesson__section": every_column(Section),
    "lesson__section__course": every_column(Course),
}
_QUIZZES = CompiledObjectQuery(
    lambda course_ids: Quiz.objects.filter(lesson__section__course__in=course_ids).order_by("pk"),
    {"": every_column(Quiz), **_ALONG_LESSON},
)
_ATTEMPTS = CompiledQuery(
    lambda student, course_ids: (
        Attempt.objects.filter(student=student, quiz__lesson__section__course__in=course_ids)
        .order_by()
        .values_list("quiz_id", "state")
    )
)
_NOT_HANDED_IN = CompiledObjectQuery(
    lambda course_ids, student: (
        Assignment.objects.filter(lesson__section__course__in=course_ids)
        .exclude(pk__in=Submission.objects.filter(student=student).values("assignment_id"))
        .order_by("pk")
    ),
    {"": every_column(Assignment), **_ALONG_LESSON},
)


def _open_courses(student: User, today: datetime.date) -> list[Course]:
    return [c for c in _ENROLLED.all(student.pk) if courses.is_open(c, today)]


def student_todo(
    student: User, now: datetime.datetime | None = None, limit: int | None = LIMIT
) -> list[Todo]:
    """Quizzes the student may still start or finish and assignments they have not handed in,
    in their open courses, the nearest deadline first (work without one last); ``limit`` of
    them (``None``: all, for the to-do page)."""
    now = now or timezone.now()
    open_courses = _open_courses(student, timezone.localdate(now))
    if not open_courses:
        return []
    course_ids = [course.pk for course in open_courses]
    items: list[Todo] = []
    in_progress: set[int] = set()
    used: Counter[int] = Counter()
    for quiz_id, state in _ATTEMPTS.rows(student.pk, course_ids):
        used[quiz_id] += 1
        if state == Attempt.State.IN_PROGRESS:
            in_progress.add(quiz_id)
    for quiz in _QUIZZES.all(course_ids):
        if quizzes.timing(quiz, now) is not None:  # the courses are the student's own
            continue
        started = quiz.pk in in_progress
        if not started and used[quiz.pk]:
            continue  # taken: a retake is the student's choice, not a to-do
        items.append(
            Todo(
                quiz.lesson_id,
                quiz.lesson.section.course,
                quiz.lesson.title,
                "quiz",
                quiz.closes_at,
                started=started,
            )
        )
    for assignment in _NOT_HANDED_IN.all(course_ids, student.pk):
        window = assignments.window(assignment, now)
        if not window.open:
            continue
        items.append(
            Todo(
                assignment.lesson_id,
                assignment.lesson.section.course,
                assignment.lesson.title,
                "assignment",
                assignment.accept_until if window.late else assignment.due_at,
                late=window.late,
            )
        )
    far = datetime.datetime.max.replace(tzinfo=datetime.UTC)
    items.sort(key=lambda item: (item.deadline or far, item.title))
    return items[:limit]


@dataclass
class ToGrade:
    lesson_id: int
    course: Course
    title: str
    kind: str  # "quiz" (essays waiting) or "assignment" (submissions not graded since sent)
    count: int


def to_grade(user: User, limit: int | None = LIMIT) -> list[ToGrade]:
    """Per quiz and assignment of the courses ``user`` manages, how much waits for them:
    essay answers of submitted attempts without a score, and submissions not graded since
    their latest version. Largest piles first; ``limit`` of them (``None``: all)."""
    managed = access.manageable_courses(user)
    rows: list[ToGrade] = []
    essays = (
        Answer.objects.filter(
            attempt__quiz__lesson__section__course__in=managed,
            attempt__state=Attempt.State.SUBMITTED,
            question__kind=Question.Kind.ESSAY,
            score__isnull=True,
        )
        .values("attempt__quiz")
        .annotate(n=Count("pk"))
        .values_list("attempt__quiz", "n")
    )
    waiting = dict(essays)
    for quiz in Quiz.objects.filter(pk__in=waiting).select_related("lesson__section__course"):
        rows.append(
            ToGrade(
                quiz.lesson_id,
                quiz.lesson.section.course,
                quiz.lesson.title,
                "quiz",
                waiting[quiz.pk],
            )
        )
    ungraded = (
        Submission.objects.filter(assignment__lesson__section__course__in=managed)
        .filter(Q(graded_at__isnull=True) | Q(submitted_at__gt=F("graded_at")))
        .values("assignment")
        .annotate(n=Count("pk"))
        .values_list("assignment", "n")
    )
    waiting = dict(ungraded)
    for assignment in Assignment.objects.filter(pk__in=waiting).select_related(
        "lesson__section__course"
    ):
        rows.append(
            ToGrade(
                assignment.lesson_id,
                assignment.lesson.section.course,
                assignment.lesson.title,
                "assignment",
                waiting[assignment.pk],
            )
        )
    rows.sort(key=lambda row: (-row.count, row.title))
    return rows[:limit]


def missed_work(
    student: User, now: datetime.datetime | None = None, limit: int | None = None
) -> list[Todo]:
    """Work the student can no longer hand in and did not, in the published courses they are
    enrolled in: assignments past their last day for late work (their due date when late work is
    refused) without a submission, quizzes closed without a handed-in attempt. The latest first;
    ``deadline`` is when it closed."""
    now = now or timezone.now()
    enrolled = Q(lesson__section__course__enrolments__student=student) & Q(
        lesson__section__course__is_published=True
    )
    items = [
        Todo(
            a.lesson_id,
            a.lesson.section.course,
            a.lesson.title,
            "assignment",
            a.due_at if a.late_policy == Assignment.LatePolicy.REFUSE else a.accept_until,
        )
        for a in Assignment.objects.filter(enrolled, due_at__lt=now)
        .exclude(submissions__student=student)
        .select_related("lesson__section__course")
        .distinct()
        if not assignments.window(a, now).open  # the assignment page's rule
    ]
    handed_in = Attempt.objects.filter(
        student=student, state__in=[Attempt.State.SUBMITTED, Attempt.State.GRADED]
    ).values("quiz")
    items += [
        Todo(q.lesson_id, q.lesson.section.course, q.lesson.title, "quiz", q.closes_at)
        for q in Quiz.objects.filter(enrolled, closes_at__lt=now)
        .exclude(pk__in=handed_in)
        .select_related("lesson__section__course")
        .distinct()
    ]
    far = datetime.datetime.min.replace(tzinfo=datetime.UTC)
    items.sort(key=lambda item: (item.deadline or far, item.title), reverse=True)
    return items[:limit]
