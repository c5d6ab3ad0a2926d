"""The home page's assessment panels (``services.todo``): a student's work still to do and a
teacher's work still to grade, only from their own courses."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from openclass.assessments.models import Attempt
from openclass.assessments.services import assignments, quizzes, todo
from openclass.assessments.tests.fixtures import Bank
from openclass.courses.models import Lesson
from openclass.courses.services import courses as course_services


@pytest.fixture
def work(bank: Bank, courses):
    """A quiz (the bank's six questions, essay included) and an assignment due tomorrow in the
    class course, which two students of the class take."""
    north = courses.city.north
    course_services.enrol(
        north.homeroom_a, courses.class_course, [north.student_a1, north.student_a2]
    )
    section = courses.video.section
    quiz = quizzes.quiz_for(
        Lesson.objects.create(section=section, title="확인 퀴즈", kind=Lesson.Kind.QUIZ, position=8)
    )
    quizzes.add_questions(quiz, bank.owner, [q.pk for q in bank.questions])
    assignment = assignments.assignment_for(
        Lesson.objects.create(
            section=section, title="안전 지도 과제", kind=Lesson.Kind.ASSIGNMENT, position=9
        )
    )
    assignment.due_at = timezone.now() + datetime.timedelta(days=1)
    assignment.save()
    return quiz, assignment


def titles(items) -> list[str]:
    return [item.title for item in items]


def test_a_student_sees_what_is_left_and_nothing_once_done(work, courses) -> None:
    quiz, assignment = work
    student = courses.city.north.student_a1
    assert titles(todo.student_todo(student)) == ["안전 지도 과제", "확인 퀴즈"]  # due first
    attempt = quizzes.start_attempt(student, quiz)
    [_assignment, in_progress] = todo.student_todo(student)
    assert in_progress.started
    quizzes.submit_attempt(attempt)
    assignments.submit(student, assignment, text="학교 앞 횡단보도를 표시했어요.")
    assert todo.student_todo(student) == []
    # A classmate's list is their own.
    assert titles(todo.student_todo(courses.city.north.student_a2)) == [
        "안전 지도 과제",
        "확인 퀴즈",
    ]


def test_closed_work_leaves_the_list_and_late_work_says_so(work, courses) -> None:
    quiz, assignment = work
    student = courses.city.north.student_a1
    later = timezone.now() + datetime.timedelta(days=2)
    quiz.closes_at = timezone.now() + datetime.timedelta(hours=1)
    quiz.save()
    [late] = todo.student_todo(student, now=later)
    assert late.kind == "assignment" and late.late
    assignment.late_policy = assignment.LatePolicy.REFUSE
    assignment.save()
    assert todo.student_todo(student, now=later) == []


def test_students_of_other_classes_see_none_of_it(work, courses) -> None:
    assert todo.student_todo(courses.city.north.student_b1) == []
    assert todo.student_todo(courses.city.south.student_a1) == []


def test_a_teacher_sees_essays_and_submissions_waiting_only_in_their_courses(work, courses) -> None:
    quiz, assignment = work
    north = courses.city.north
    for student in (north.student_a1, north.student_a2):
        attempt = quizzes.start_attempt(student, quiz)
        quizzes.save_answer(attempt, courses_essay(quiz), ["좌우를 살핍니다."])
        quizzes.submit_attempt(attempt)
    assignments.submit(north.student_a1, assignment, text="지도를 그렸어요.")
    assert Attempt.objects.filter(state=Attempt.State.SUBMITTED).count() == 2
    rows = {(row.kind, row.count) for row in todo.to_grade(north.homeroom_a)}
    assert rows == {("quiz", 2), ("assignment", 1)}
    for outsider in (north.subject_teacher, courses.city.south.homeroom_a, north.student_a1):
        assert todo.to_grade(outsider) == []


def courses_essay(quiz) -> int:
    return quiz.items.get(question__kind="essay").question_id


def test_home_pages_show_the_panels(client, work, courses) -> None:
    north = courses.city.north
    client.force_login(north.student_a1)
    page = client.get(reverse("web:home")).content.decode()
    assert "안전 지도 과제" in page and 'id="todo"' in page
    _quiz, assignment = work
    assignments.submit(north.student_a1, assignment, text="지도를 그렸어요.")
    client.force_login(north.homeroom_a)
    page = client.get(reverse("web:home")).content.decode()
    assert 'id="to-grade"' in page
    assert reverse("assessments:assignment", args=[assignment.lesson_id]) in page


def test_a_students_list_takes_the_same_queries_however_many_quizzes(work, courses) -> None:
    """The list is on every student's home page: the courses it reads are the student's own,
    so no quiz asks again whether they are enrolled (one query a quiz before)."""
    student = courses.city.north.student_a1
    with CaptureQueriesContext(connection) as one:
        assert len(todo.student_todo(student)) == 2
    section = courses.video.section
    for position in (10, 11):
        quizzes.quiz_for(
            Lesson.objects.create(
                section=section, title=f"퀴즈 {position}", kind=Lesson.Kind.QUIZ, position=position
            )
        )
    with CaptureQueriesContext(connection) as three:
        assert len(todo.student_todo(student)) == 4
    assert len(three) == len(one)
