"""The gradebook's rules: cells, weights and the total computed by hand, the missing-grade rule,
overrides with their history and lifting, who sees which rows, what students may see of quiz
scores, the query count, and the weights."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation

from openclass.accounts.capabilities import has_capability
from openclass.accounts.models import User
from openclass.accounts.tests.fixtures import make_user
from openclass.assessments import access
from openclass.assessments.models import (
    Assignment,
    Attempt,
    GradebookSettings,
    GradeOverride,
    Quiz,
    Submission,
)
from openclass.assessments.services import gradebook
from openclass.assessments.services.gradebook import State
from openclass.assessments.services.quizzes import kept_percents
from openclass.courses import selectors
from openclass.courses.models import Course, Enrolment, Lesson, LessonProgress, Section
from openclass.courses.services import courses as services
from openclass.courses.tests.fixtures import Courses

NOW = timezone.make_aware(datetime.datetime(2026, 5, 1, 12, 0))
PAST = NOW - datetime.timedelta(days=1)
FUTURE = NOW + datetime.timedelta(days=1)


@pytest.fixture(autouse=True)
def english():
    """Labels are checked in English, whatever the project's default language."""
    with translation.override("en"):
        yield


def add_quiz(section: Section, title: str, position: int, **fields) -> Quiz:
    lesson = Lesson.objects.create(
        section=section, title=title, kind=Lesson.Kind.QUIZ, position=position
    )
    return Quiz.objects.create(lesson=lesson, **fields)


def add_assignment(section: Section, title: str, position: int, **fields) -> Assignment:
    lesson = Lesson.objects.create(
        section=section, title=title, kind=Lesson.Kind.ASSIGNMENT, position=position
    )
    return Assignment.objects.create(lesson=lesson, **fields)


def attempt(quiz: Quiz, student: User, score, max_score=10, state=Attempt.State.GRADED) -> Attempt:
    number = Attempt.objects.filter(quiz=quiz, student=student).count() + 1
    return Attempt.objects.create(
        quiz=quiz,
        student=student,
        number=number,
        state=state,
        started_at=PAST,
        submitted_at=PAST,
        graded_at=PAST if state == Attempt.State.GRADED else None,
        score=None if score is None else Decimal(score),
        max_score=Decimal(max_score),
    )


def submit(assignment: Assignment, student: User, score=None, late=False) -> Submission:
    return Submission.objects.create(
        assignment=assignment,
        student=student,
        submitted_at=PAST,
        is_late=late,
        version_count=1,
        score=None if score is None else Decimal(score),
    )


@dataclass
class Book:
    courses: Courses
    course: Course
    quiz1: Quiz  # weight 2, keep best
    quiz2: Quiz  # weight 1
    essay: Assignment  # weight 3, out of 50, due in the past

    @property
    def north(self):
        return self.courses.city.north


@pytest.fixture
def book(courses: Courses) -> Book:
    """The class course (video, document, optional link) with two quizzes and an assignment in
    a second section; students a1 and a2 of north class A enrolled."""
    course = courses.class_course
    section = Section.objects.create(course=course, title="2단원", position=2)
    quiz1 = add_quiz(section, "쪽지 시험 1", 1, weight=Decimal(2))
    quiz2 = add_quiz(section, "쪽지 시험 2", 2, weight=Decimal(1))
    essay = add_assignment(
        section, "독도 글쓰기", 3, weight=Decimal(3), max_score=Decimal(50), due_at=PAST
    )
    north = courses.city.north
    services.enrol(north.homeroom_a, course, [north.student_a1, north.student_a2])
    return Book(courses, course, quiz1, quiz2, essay)


def row_of(table: gradebook.Table, student: User) -> gradebook.Row:
    return next(row for row in table.rows if row.student.pk == student.pk)


def test_columns_follow_lesson_order_and_total_is_the_weighted_mean(book: Book) -> None:
    north = book.north
    a1 = north.student_a1
    attempt(book.quiz1, a1, 5)  # 50 %
    attempt(book.quiz1, a1, 8)  # 80 %: best kept
    attempt(book.quiz2, a1, 6)  # 60 %
    submit(book.essay, a1, score=45, late=True)  # 45/50 = 90 %
    GradebookSettings.objects.create(course=book.course, completion_weight=Decimal(1))
    for lesson in (book.courses.video, book.courses.document):
        services.complete_lesson(a1, lesson)  # 2 of 5 required lessons: 40 %

    table = gradebook.table(book.course, north.homeroom_a, now=NOW)

    assert [c.title for c in table.columns] == ["쪽지 시험 1", "쪽지 시험 2", "독도 글쓰기"]
    row = row_of(table, a1)
    assert [cell.percent for cell in row.cells] == [Decimal(80), Decimal(60), Decimal(90)]
    assert row.cells[2].late and "late" in row.cells[2].notes
    assert (row.completion.done, row.completion.required) == (2, 5)
    assert row.completion.percent == Decimal(40)
    # (80×2 + 60×1 + 90×3 + 40×1) / (2+1+3+1) = 530 / 7
    assert row.total == Decimal("75.71")
    assert row.total_label == "75.71 %"


def test_completion_matches_the_courses_rule(book: Book) -> None:
    north = book.north
    services.complete_lesson(north.student_a2, book.courses.document)
    services.complete_lesson(north.student_a2, book.courses.link)  # optional: not counted
    row = row_of(gradebook.table(book.course, north.homeroom_a, now=NOW), north.student_a2)
    assert (row.completion.done, row.completion.required) == selectors.course_progress(
        north.student_a2, book.course
    )


def test_missing_grades_count_as_zero_only_after_the_date(book: Book) -> None:
    """quiz1 closes tomorrow (not attempted: left out), quiz2 closed yesterday (not attempted:
    0), the essay was due yesterday (not submitted: 0)."""
    north = book.north
    Quiz.objects.filter(pk=book.quiz1.pk).update(closes_at=FUTURE)
    Quiz.objects.filter(pk=book.quiz2.pk).update(closes_at=PAST)
    a2 = north.student_a2

    row = row_of(gradebook.table(book.course, north.homeroom_a, now=NOW), a2)
    states = [cell.state for cell in row.cells]
    assert states == [State.NOT_ATTEMPTED, State.NOT_ATTEMPTED, State.NOT_SUBMITTED]
    assert [cell.counted for cell in row.cells] == [None, 0, 0]
    assert "counts as 0" in row.cells[1].notes and not row.cells[0].notes
    assert row.total == Decimal(0)

    attempt(book.quiz1, a2, 9)  # 90 % now counts with weight 2
    row = row_of(gradebook.table(book.course, north.homeroom_a, now=NOW), a2)
    # (90×2 + 0×1 + 0×3) / 6
    assert row.total == Decimal("30.00")

    # A week earlier nothing was due yet: only the graded quiz counts.
    earlier = NOW - datetime.timedelta(days=7)
    row = row_of(gradebook.table(book.course, north.homeroom_a, now=earlier), a2)
    assert [cell.counted for cell in row.cells] == [Decimal(90), None, None]
    assert row.total == Decimal(90)


def test_items_without_a_date_never_count_missing_work(book: Book) -> None:
    north = book.north
    Assignment.objects.filter(pk=book.essay.pk).update(due_at=None)
    row = row_of(gradebook.table(book.course, north.homeroom_a, now=NOW), north.student_a1)
    assert [cell.counted for cell in row.cells] == [None, None, None]
    assert row.total is None
    assert row.total_label == "—"


def test_work_waiting_for_the_teacher_is_left_out(book: Book) -> None:
    north = book.north
    a1 = north.student_a1
    Quiz.objects.filter(pk__in=[book.quiz1.pk, book.quiz2.pk]).update(closes_at=PAST)
    attempt(book.quiz1, a1, None, state=Attempt.State.SUBMITTED)  # essay question waiting
    attempt(book.quiz2, a1, 7)
    attempt(book.quiz2, a1, None, state=Attempt.State.SUBMITTED)  # a newer attempt waiting
    attempt(book.quiz2, a1, None, state=Attempt.State.IN_PROGRESS)  # not submitted: ignored
    submit(book.essay, a1)  # submitted, no score yet

    row = row_of(gradebook.table(book.course, north.homeroom_a, now=NOW), a1)
    first, second, essay = row.cells
    assert first.state == State.WAITING and first.counted is None
    assert first.label == "Waiting for grading"
    assert second.percent == Decimal(70) and second.waiting
    assert "newer attempt waiting for grading" in second.notes
    assert essay.state == State.NOT_GRADED and essay.counted is None
    assert essay.label == "Not graded"
    assert row.total == Decimal(70)


def test_weight_zero_keeps_an_item_out(book: Book) -> None:
    north = book.north
    a1 = north.student_a1
    Quiz.objects.filter(pk=book.quiz1.pk).update(weight=0)
    attempt(book.quiz1, a1, 0)
    attempt(book.quiz2, a1, 10)
    submit(book.essay, a1, score=25)  # 50 %
    row = row_of(gradebook.table(book.course, north.homeroom_a, now=NOW), a1)
    # (100×1 + 50×3) / 4; quiz1's 0 % weighs nothing
    assert row.total == Decimal("62.50")


@pytest.mark.parametrize("rule", [Quiz.Grading.BEST, Quiz.Grading.LAST, Quiz.Grading.AVERAGE])
def test_quiz_cells_are_the_quizzes_kept_grade(book: Book, rule: str) -> None:
    north = book.north
    Quiz.objects.filter(pk=book.quiz1.pk).update(grading=rule)
    book.quiz1.refresh_from_db()
    for score in (3, 9, 4):
        attempt(book.quiz1, north.student_a1, score)
    attempt(book.quiz1, north.student_a2, 1, max_score=3)
    ids = [north.student_a1.pk, north.student_a2.pk]
    table = gradebook.table(book.course, north.homeroom_a, now=NOW)
    mine = {row.student.pk: row.cells[0].percent for row in table.rows}
    assert mine == kept_percents(book.quiz1, ids)
    expected = {"best": Decimal(90), "last": Decimal(40), "average": Decimal("53.33")}[rule]
    assert mine[north.student_a1.pk] == expected


def test_assignment_with_max_score_zero_is_full_marks(book: Book) -> None:
    north = book.north
    Assignment.objects.filter(pk=book.essay.pk).update(max_score=0)
    submit(book.essay, north.student_a1, score=0)
    row = row_of(gradebook.table(book.course, north.homeroom_a, now=NOW), north.student_a1)
    assert row.cells[2].percent == Decimal(100)


# --- Overrides -------------------------------------------------------------------------------


def test_cell_override_replaces_the_cell_and_counts_in_the_total(book: Book) -> None:
    north = book.north
    a1, teacher = north.student_a1, north.homeroom_a
    attempt(book.quiz1, a1, 5)
    attempt(book.quiz2, a1, 5)
    submit(book.essay, a1, score=25)
    before = row_of(gradebook.table(book.course, teacher, now=NOW), a1)
    # (50×2 + 50 + 50×3) / 6
    assert before.total == Decimal(50)

    gradebook.set_override(teacher, book.course, a1, book.quiz1.lesson, Decimal(95), "재채점")
    row = row_of(gradebook.table(book.course, teacher, now=NOW), a1)
    cell = row.cells[0]
    assert cell.is_overridden and cell.percent == Decimal(95) and cell.computed == Decimal(50)
    assert cell.override.reason == "재채점" and "overridden" in cell.notes
    # (95×2 + 50 + 50×3) / 6 = 390 / 6
    assert row.total == Decimal(65)


def test_override_of_missing_work_counts_it(book: Book) -> None:
    north = book.north
    a2, teacher = north.student_a2, north.homeroom_a
    gradebook.set_override(teacher, book.course, a2, book.quiz2.lesson, Decimal(80), "구두 시험")
    row = row_of(gradebook.table(book.course, teacher, now=NOW), a2)
    assert row.cells[1].state == State.NOT_ATTEMPTED and row.cells[1].percent == Decimal(80)
    # quiz1 has no date (left out); the essay is past due (0, weight 3): (80×1 + 0×3) / 4
    assert row.total == Decimal(20)


def test_latest_override_wins_and_an_empty_percent_lifts_it(book: Book) -> None:
    north = book.north
    a1, teacher = north.student_a1, north.homeroom_a
    lesson = book.quiz1.lesson
    attempt(book.quiz1, a1, 6)
    gradebook.set_override(teacher, book.course, a1, lesson, Decimal(70), "first")
    gradebook.set_override(north.admin, book.course, a1, lesson, Decimal("72.5"), "second")
    cell = row_of(gradebook.table(book.course, teacher, now=NOW), a1).cells[0]
    assert cell.percent == Decimal("72.50")
    assert [o.reason for o in cell.history] == ["second", "first"]
    assert cell.history[0].changed_by == north.admin

    gradebook.set_override(teacher, book.course, a1, lesson, None, "lifted after appeal")
    cell = row_of(gradebook.table(book.course, teacher, now=NOW), a1).cells[0]
    assert not cell.is_overridden and cell.percent == Decimal(60)
    assert [o.reason for o in cell.history] == ["lifted after appeal", "second", "first"]
    assert GradeOverride.objects.count() == 3  # rows are never edited
    with pytest.raises(ValidationError):
        gradebook.set_override(teacher, book.course, a1, lesson, None, "again")
    assert GradeOverride.objects.count() == 3


def test_total_override_replaces_the_total(book: Book) -> None:
    north = book.north
    a1, teacher = north.student_a1, north.homeroom_a
    attempt(book.quiz2, a1, 4)
    submit(book.essay, a1, score=50)
    row = row_of(gradebook.table(book.course, teacher, now=NOW), a1)
    assert row.total == Decimal(85)  # (40×1 + 100×3) / 4
    gradebook.set_override(teacher, book.course, a1, None, Decimal(88), "수행평가 반영")
    row = row_of(gradebook.table(book.course, teacher, now=NOW), a1)
    assert row.total == Decimal(88) and row.computed_total == Decimal(85)
    assert row.total_override.reason == "수행평가 반영"
    # The other student's total is untouched.
    other = row_of(gradebook.table(book.course, teacher, now=NOW), north.student_a2)
    assert other.total_override is None
    gradebook.set_override(teacher, book.course, a1, None, None, "취소")
    assert row_of(gradebook.table(book.course, teacher, now=NOW), a1).total == Decimal(85)


@pytest.mark.parametrize(
    ("percent", "reason"),
    [(Decimal(101), "too high"), (Decimal(-1), "negative"), (Decimal(50), "  "), (Decimal(50), "")],
)
def test_bad_overrides_are_refused(book: Book, percent, reason) -> None:
    north = book.north
    with pytest.raises(ValidationError):
        gradebook.set_override(
            north.homeroom_a, book.course, north.student_a1, book.quiz1.lesson, percent, reason
        )
    assert not GradeOverride.objects.exists()


def test_override_of_a_lesson_of_another_course_or_kind_is_refused(book: Book) -> None:
    north = book.north
    other = Section.objects.create(course=book.courses.school_course, title="x", position=1)
    foreign = add_quiz(other, "다른 강좌 시험", 1)
    for lesson in (foreign.lesson, book.courses.video):
        with pytest.raises(ValidationError):
            gradebook.set_override(
                north.homeroom_a, book.course, north.student_a1, lesson, Decimal(1), "x"
            )
    assert not GradeOverride.objects.exists()


@pytest.mark.parametrize("who", ["student", "parent", "other_teacher", "other_admin"])
def test_only_the_students_teachers_may_override(book: Book, who: str) -> None:
    north, south = book.north, book.courses.city.south
    user = {
        "student": north.student_a1,
        "parent": north.parent_a1,
        "other_teacher": north.subject_teacher,
        "other_admin": south.admin,
    }[who]
    with pytest.raises(PermissionDenied):
        gradebook.set_override(
            user, book.course, north.student_a1, book.quiz1.lesson, Decimal(100), "please"
        )
    assert not GradeOverride.objects.exists()


# --- Who sees which rows -----------------------------------------------------------------------


def test_rows_are_the_enrolments_the_viewer_may_read(book: Book) -> None:
    """In the school course (managed by the school admin) with a student of each class, each
    class's teacher sees their own student only; a student or parent their own row."""
    north = book.north
    course = book.courses.school_course
    Enrolment.objects.create(course=course, student=north.student_a1)
    Enrolment.objects.create(course=course, student=north.student_b1)

    def names(viewer):
        return [row.student.pk for row in gradebook.table(course, viewer, now=NOW).rows]

    assert sorted(names(north.admin)) == sorted([north.student_a1.pk, north.student_b1.pk])
    assert names(north.homeroom_a) == [north.student_a1.pk]
    assert names(north.subject_teacher) == [north.student_b1.pk]
    assert names(north.student_a1) == [north.student_a1.pk]
    assert names(north.parent_a1) == [north.student_a1.pk]
    assert names(book.courses.city.south.homeroom_a) == []
    assert has_capability(north.subject_teacher, "gradebook.view", course)
    assert not has_capability(north.student_a1, "gradebook.view", course)
    assert not has_capability(book.courses.city.south.homeroom_a, "gradebook.view", course)
    assert not access.can_edit_weights(north.subject_teacher, course)


def test_student_row_is_refused_to_anyone_else(book: Book) -> None:
    north = book.north
    for viewer in (north.student_a2, north.subject_teacher, book.courses.city.south.parent_a1):
        with pytest.raises(PermissionDenied):
            gradebook.student_row(book.course, viewer, north.student_a1, now=NOW)
    _table, row = gradebook.student_row(book.course, north.parent_a1, north.student_a1, now=NOW)
    assert row.student == north.student_a1


# --- What students see of quiz scores --------------------------------------------------------


def test_scores_hidden_by_the_quiz_are_hidden_from_students_and_parents(book: Book) -> None:
    north = book.north
    a1 = north.student_a1
    Quiz.objects.filter(pk=book.quiz1.pk).update(
        show_results=Quiz.Reveal.AFTER_CLOSE, closes_at=FUTURE
    )
    Quiz.objects.filter(pk=book.quiz2.pk).update(show_results=Quiz.Reveal.NEVER)
    attempt(book.quiz1, a1, 9)
    attempt(book.quiz2, a1, 3)
    submit(book.essay, a1, score=40)  # 80 %
    gradebook.set_override(north.homeroom_a, book.course, a1, None, Decimal(99), "x")

    _table, teacher_row = gradebook.student_row(book.course, north.homeroom_a, a1, now=NOW)
    assert [c.percent for c in teacher_row.cells] == [Decimal(90), Decimal(30), Decimal(80)]
    assert teacher_row.total == Decimal(99)

    for viewer in (a1, north.parent_a1):
        _table, row = gradebook.student_row(book.course, viewer, a1, now=NOW)
        first, second, essay = row.cells
        assert first.hidden and first.percent is None
        assert first.label.startswith("Hidden until ") and "2026-05-02" in first.label
        assert second.hidden and second.label == "Not shown"
        assert essay.percent == Decimal(80)
        # Only what is shown counts, and the total override waits too: no working a score out.
        assert row.total == Decimal(80) and row.partial_total
        assert row.total_override is None

    Quiz.objects.filter(pk=book.quiz1.pk).update(closes_at=None)
    _table, row = gradebook.student_row(book.course, a1, a1, now=NOW)
    assert row.cells[0].label == "Hidden until the quiz closes"
    Quiz.objects.filter(pk=book.quiz1.pk).update(closes_at=FUTURE)

    after = FUTURE + datetime.timedelta(minutes=1)
    _table, row = gradebook.student_row(book.course, a1, a1, now=after)
    assert row.cells[0].percent == Decimal(90) and not row.cells[0].hidden
    assert row.cells[1].hidden


def test_a_quiz_not_attempted_is_not_hidden(book: Book) -> None:
    north = book.north
    Quiz.objects.filter(pk=book.quiz1.pk).update(show_results=Quiz.Reveal.NEVER)
    _table, row = gradebook.student_row(book.course, north.student_a1, north.student_a1, now=NOW)
    assert not row.cells[0].hidden and row.cells[0].label == "Not attempted"
    assert not row.partial_total


# --- Weights ---------------------------------------------------------------------------------


def test_weights_are_saved_together(book: Book) -> None:
    north = book.north
    weights = {
        book.quiz1.lesson.pk: Decimal("1.5"),
        book.quiz2.lesson.pk: Decimal(0),
        book.essay.lesson.pk: Decimal(4),
    }
    gradebook.set_weights(north.homeroom_a, book.course, weights, Decimal(2))
    book.quiz1.refresh_from_db()
    book.quiz2.refresh_from_db()
    book.essay.refresh_from_db()
    assert (book.quiz1.weight, book.quiz2.weight, book.essay.weight) == (
        Decimal("1.50"),
        Decimal(0),
        Decimal(4),
    )
    assert book.course.gradebook_settings.completion_weight == Decimal(2)


def test_bad_or_stale_weights_change_nothing(book: Book) -> None:
    north = book.north
    good = {
        book.quiz1.lesson.pk: Decimal(5),
        book.quiz2.lesson.pk: Decimal(5),
        book.essay.lesson.pk: Decimal(5),
    }
    stale = dict(good)
    stale.pop(book.essay.lesson.pk)
    negative = {**good, book.essay.lesson.pk: Decimal(-1)}
    for weights, completion in ((stale, Decimal(1)), (negative, Decimal(1)), (good, Decimal(-2))):
        with pytest.raises(ValidationError):
            gradebook.set_weights(north.homeroom_a, book.course, weights, completion)
    with pytest.raises(PermissionDenied):
        gradebook.set_weights(north.subject_teacher, book.course, good, Decimal(1))
    assert set(Quiz.objects.values_list("weight", flat=True)) == {Decimal(2), Decimal(1)}
    assert Assignment.objects.get().weight == Decimal(3)
    assert not GradebookSettings.objects.exists()


# --- Queries ---------------------------------------------------------------------------------


@pytest.fixture
def big_book(courses: Courses) -> tuple[Course, User]:
    """35 students, 10 quizzes and 10 assignments, each with grades, some overrides and
    completed lessons."""
    north = courses.city.north
    course = courses.class_course
    section = Section.objects.create(course=course, title="평가", position=2)
    quizzes = [add_quiz(section, f"퀴즈 {i}", i, closes_at=PAST) for i in range(10)]
    tasks = [add_assignment(section, f"과제 {i}", 10 + i, due_at=PAST) for i in range(10)]
    students = [
        make_user(f"big-{i:02d}", User.Role.STUDENT, north.class_a, number=10 + i)
        for i in range(35)
    ]
    Enrolment.objects.bulk_create(Enrolment(course=course, student=s) for s in students)
    for index, student in enumerate(students):
        for quiz in quizzes[: index % 10]:
            attempt(quiz, student, index % 11)
        for task in tasks[: (index + 3) % 10]:
            submit(task, student, score=index if index % 4 else None, late=index % 3 == 0)
        LessonProgress.objects.create(student=student, lesson=courses.document, completed_at=PAST)
        if index % 5 == 0:
            GradeOverride.objects.create(
                course=course, student=student, lesson=tasks[0].lesson, percent=77, reason="r"
            )
            GradeOverride.objects.create(course=course, student=student, percent=66, reason="t")
    return course, north.homeroom_a


def test_table_takes_a_fixed_handful_of_queries(big_book, django_assert_max_num_queries) -> None:
    course, teacher = big_book
    with django_assert_max_num_queries(10):
        table = gradebook.table(course, teacher, now=NOW)
        rendered = [
            (row.student.placement, [cell.label for cell in row.all_cells], row.total_label)
            for row in table.rows
        ]
        history = [(o.student.name, o.changed_by, o.lesson) for o in table.overrides]
    assert len(rendered) == 35 and len(table.columns) == 20
    assert len(history) == 14
    overridden = [row for row in table.rows if row.total_override is not None]
    assert len(overridden) == 7 and all(row.total == 66 for row in overridden)
