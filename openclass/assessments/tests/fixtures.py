"""Fixtures for assessment tests, registered for the whole suite by the repository's conftest.py.

``bank``: one question of every kind, owned by the homeroom teacher of the ``courses`` fixture's
class course (``courses.city.north.homeroom_a``), none shared.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

import pytest

from openclass.accounts.models import User
from openclass.accounts.scoping import school_of

from ..models import Assignment, Choice, Question

if TYPE_CHECKING:
    from openclass.accounts.tests.fixtures import School
    from openclass.courses.models import Lesson
    from openclass.courses.tests.fixtures import Courses

Kind = Question.Kind


@dataclass
class Bank:
    owner: User
    single: Question  # "2 + 3 = ?": choices 4, 5 (correct), 6
    multiple: Question  # "Which are prime?": 2 (correct), 3 (correct), 4, 9
    true_false: Question  # "서울은 대한민국의 수도이다.": true
    short: Question  # accepted "독도는 우리 땅" and "Dokdo"; spaces ignored, case folded
    numeric: Question  # "π to two places": 3.14 ± 0.01
    essay: Question  # 2 points

    @property
    def questions(self) -> list[Question]:
        return [self.single, self.multiple, self.true_false, self.short, self.numeric, self.essay]


def make_question(owner: User, kind: str, text: str, choices=(), **fields) -> Question:
    """A question of ``owner``'s bank; ``choices`` is a list of ``(text, is_correct)``. The school
    is filled in from the owner's, as the bank does."""
    question = Question.objects.create(
        owner=owner, school=school_of(owner), kind=kind, text=text, **fields
    )
    Choice.objects.bulk_create(
        Choice(question=question, text=choice, is_correct=correct, position=position)
        for position, (choice, correct) in enumerate(choices, start=1)
    )
    return question


@pytest.fixture
def bank(courses) -> Bank:
    owner = courses.city.north.homeroom_a
    return Bank(
        owner=owner,
        single=make_question(
            owner,
            Kind.SINGLE,
            "2 + 3 = ?",
            [("4", False), ("5", True), ("6", False)],
            category="수학",
            explanation="2 더하기 3은 5입니다.",
        ),
        multiple=make_question(
            owner,
            Kind.MULTIPLE,
            "Which are prime?",
            [("2", True), ("3", True), ("4", False), ("9", False)],
            category="수학",
            points=Decimal(2),
        ),
        true_false=make_question(
            owner, Kind.TRUE_FALSE, "서울은 대한민국의 수도이다.", answer_true=True, category="사회"
        ),
        short=make_question(
            owner,
            Kind.SHORT,
            "독도는 누구 땅인가요?",
            accepted_answers=["독도는 우리 땅", "Dokdo"],
            category="사회",
        ),
        numeric=make_question(
            owner, Kind.NUMERIC, "π to two places", numeric_answer=3.14, tolerance=0.01
        ),
        essay=make_question(
            owner, Kind.ESSAY, "안전한 등굣길에 대해 써 보세요.", points=Decimal(2)
        ),
    )


@dataclass
class Homework:
    """``homework``: an assignment lesson (defaults: no due date, text and files) in the class
    course of the ``courses`` fixture, with north's ``student_a1`` and ``student_a2`` enrolled
    (``student_b1`` and the south school are outsiders); uploads go to a temporary MEDIA_ROOT."""

    courses: Courses
    lesson: Lesson
    assignment: Assignment

    @property
    def north(self) -> School:
        return self.courses.city.north


@pytest.fixture
def homework(courses, settings, tmp_path) -> Homework:
    from openclass.courses.models import Lesson
    from openclass.courses.services import courses as services

    from ..services.assignments import assignment_for

    settings.MEDIA_ROOT = tmp_path / "media"
    north = courses.city.north
    services.enrol(north.homeroom_a, courses.class_course, [north.student_a1, north.student_a2])
    lesson = Lesson.objects.create(
        section=courses.video.section, title="4차시 과제", kind=Lesson.Kind.ASSIGNMENT, position=4
    )
    return Homework(courses, lesson, assignment_for(lesson))
