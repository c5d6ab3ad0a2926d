"""The permission matrix's world: the small test city with, for three classes, one of every kind
of object a page or socket can be asked about. Registered for the whole suite by the
repository's conftest.py.

The three classes are the scopes an actor is tried against (``SCOPES``):

- ``own``: north 3학년 1반 — the class of the student, the parent's child, the homeroom teacher
  and (as a co-teacher of its course) the outside instructor; in the school admin's school;
- ``class``: north 3학년 2반 — the same school, another class (the subject teacher's);
- ``school``: south 3학년 1반 — another school;
- ``city``: an office course the instructor teaches, with a student of the own class and one of
  the other school enrolled: its teacher is an outsider to both schools, and each school's
  teachers read only their own students' records in it.

Each class has a published course run by its teacher, with every kind of lesson, a quiz with an
attempt and an essay answer, an assignment with a graded submission and files, a live class on
today's timeline with its room open, a question, a rubric, an uploaded video, and a course
application of its school.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from io import StringIO

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from openclass.accounts.models import Organisation, User
from openclass.accounts.tests.fixtures import City, Rows, School
from openclass.assessments.models import (
    Answer,
    Assignment,
    AssignmentFile,
    Attempt,
    Question,
    QuizQuestion,
    Rubric,
    RubricCriterion,
    Submission,
    SubmissionFile,
)
from openclass.assessments.services import assignments as assignment_services
from openclass.assessments.services import quizzes
from openclass.assessments.services.rubrics import create_essay_rubric
from openclass.assessments.tests.fixtures import make_question
from openclass.catalog.models import Topic
from openclass.courses.models import Course, Lesson, Section, Session
from openclass.courses.services import courses as course_services
from openclass.courses.tests.fixtures import make_course
from openclass.live.models import LiveRoom, Recording
from openclass.live.services import rooms
from openclass.media.models import Video
from openclass.operations.models import Application, Call, InstructorDocument, InstructorProfile
from openclass.operations.services import workflow

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
# A 1×1 PNG: a question's picture.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)
SCOPES = ("own", "class", "school", "city")


@dataclass
class Scope:
    """One class and one object of every kind in it."""

    name: str
    school: School
    klass: Organisation
    teacher: User
    student: User  # enrolled; has the attempt and the submission
    course: Course
    section: Section
    video: Lesson
    document: Lesson
    quiz_lesson: Lesson
    item: QuizQuestion
    question: Question
    attempt: Attempt
    answer: Answer
    assignment_lesson: Lesson
    assignment: Assignment
    assignment_file: AssignmentFile
    submission: Submission
    submission_file: SubmissionFile
    session: Session
    room: LiveRoom
    rubric: Rubric
    criterion: RubricCriterion
    uploaded: Video
    application: Application


@dataclass
class World:
    city: City
    scopes: dict[str, Scope]
    profile: InstructorProfile  # the instructor's, approved
    instructor_document: InstructorDocument


def _scope(
    name: str,
    school: School,
    klass: Organisation,
    teacher: User,
    students: list[User],
    call: Call,
    *,
    office: tuple[Organisation, User] | None = None,
    applicant: User | None = None,
) -> Scope:
    """A class course of ``teacher`` with every kind of object in it; with ``office`` (the
    office and its admin), an office course the admin opens, taught by ``teacher``, into which
    the admin enrols ``students`` of several schools."""
    now = timezone.localtime()
    if office is None:
        course = make_course(teacher, klass, Course.Scope.CLASS, f"{klass.name} 안전 교육 ({name})")
        course_services.enrol(teacher, course, students)
    else:
        organisation, admin = office
        course = make_course(
            admin,
            organisation,
            Course.Scope.OFFICE,
            "서울 독도 교육",
            arrangement=Course.Arrangement.OFFICE_INSTRUCTOR,
        )
        course.teachers.add(teacher)
        course_services.enrol(admin, course, students)
    section = Section.objects.create(course=course, title="1단원", position=1)

    def lesson(kind: str, title: str, position: int, **fields) -> Lesson:
        return Lesson.objects.create(
            section=section, title=title, kind=kind, position=position, **fields
        )

    video = lesson(
        Lesson.Kind.VIDEO_URL,
        "영상",
        1,
        url="https://media.example.org/lesson1.mp4",
        duration=100,
    )
    document = lesson(Lesson.Kind.DOCUMENT, "자료", 2)
    document.document.save(f"{name}.pdf", ContentFile(PDF))
    quiz_lesson = lesson(Lesson.Kind.QUIZ, "퀴즈", 3)
    question = make_question(teacher, Question.Kind.ESSAY, "안전에 대해 쓰세요.", points=Decimal(2))
    question.image.save(f"{name}.png", ContentFile(PNG))
    quiz = quizzes.quiz_for(quiz_lesson)
    quizzes.add_questions(quiz, teacher, [question.pk])
    item = quiz.items.get()
    student = students[0]
    course_services.open_lesson(student, video)
    attempt = quizzes.start_attempt(student, quiz)
    attempt = quizzes.submit_attempt(attempt, data={f"q-{question.pk}": ["안전 제일"]})
    answer = attempt.answers.get()

    assignment_lesson = lesson(Lesson.Kind.ASSIGNMENT, "과제", 4)
    assignment = assignment_services.assignment_for(assignment_lesson)
    (assignment_file,) = assignment_services.add_instruction_files(
        teacher, assignment, [ContentFile(PDF, name="안내.pdf")]
    )
    version = assignment_services.submit(
        student, assignment, text="제출합니다.", files=[ContentFile(PDF, name="과제.pdf")]
    )
    submission = version.submission
    submission = assignment_services.grade(
        teacher,
        submission,
        score=Decimal(8),
        feedback="잘했어요.",
        feedback_file=ContentFile(PDF, name="피드백.pdf"),
    )
    submission_file = version.files.get()

    start = now - datetime.timedelta(minutes=5)
    end = start + datetime.timedelta(hours=1)
    session = Session.objects.create(
        course=course,
        kind=Session.Kind.LIVE,
        title="실시간 수업",
        day=start.date(),
        starts_at=start.time(),
        ends_at=end.time() if end.date() == start.date() else datetime.time(23, 59),
    )
    room = rooms.main_room(session)
    room.status = LiveRoom.Status.OPEN
    room.save()

    rubric = create_essay_rubric(teacher)
    uploaded = Video.objects.create(uploaded_by=teacher, title=f"{name} 영상")
    # The class was recorded; the recording waits for the teacher's decision.
    Recording.objects.create(
        room=room, started_by=teacher, status=Recording.Status.READY, video=uploaded
    )
    application = workflow.submit_application(
        applicant or teacher,
        call,
        audience=klass,
        topic=call.topics.get(),
        title=f"{klass.name} 생명존중 교육",
        plan="생명의 소중함을 배웁니다.",
        expected_students=25,
        delivery="live",
        sessions=[
            workflow.SessionWish(
                now.date() + datetime.timedelta(days=7), datetime.time(10), datetime.time(10, 40)
            )
        ],
        today=now.date(),
    )
    return Scope(
        name=name,
        school=school,
        klass=klass,
        teacher=teacher,
        student=student,
        course=course,
        section=section,
        video=video,
        document=document,
        quiz_lesson=quiz_lesson,
        item=item,
        question=question,
        attempt=attempt,
        answer=answer,
        assignment_lesson=assignment_lesson,
        assignment=assignment,
        assignment_file=assignment_file,
        submission=submission,
        submission_file=submission_file,
        session=session,
        room=room,
        rubric=rubric,
        criterion=rubric.criteria.order_by("position").first(),
        uploaded=uploaded,
        application=application,
    )


def make_world(city: City) -> World:
    today = timezone.localdate()
    topic = Topic.objects.order_by("position").first()
    call = Call.objects.create(
        title="범교과 강좌 개설 신청",
        opens_on=today - datetime.timedelta(days=30),
        closes_on=today + datetime.timedelta(days=30),
        is_published=True,
        created_by=city.office_admin,
    )
    call.topics.add(topic)
    north, south = city.north, city.south
    scopes = {
        "own": _scope(
            "own",
            north,
            north.class_a,
            north.homeroom_a,
            [north.student_a1, north.student_a2],
            call,
        ),
        "class": _scope(
            "class", north, north.class_b, north.subject_teacher, [north.student_b1], call
        ),
        "school": _scope(
            "school",
            south,
            south.class_a,
            south.homeroom_a,
            [south.student_a1, south.student_a2],
            call,
        ),
        "city": _scope(
            "city",
            north,
            north.class_a,
            city.instructor,
            [north.student_a1, south.student_a1],
            call,
            office=(city.office, city.office_admin),
            applicant=north.admin,
        ),
    }
    # The outside instructor co-teaches the own class's course (as an office course's instructor
    # would) and is invited to its application.
    scopes["own"].course.teachers.add(city.instructor)
    profile = InstructorProfile.objects.create(
        user=city.instructor,
        kind=InstructorProfile.Kind.GENERAL,
        headline="생명존중 전문 강사",
        career="10년 경력",
        status=InstructorProfile.Status.APPROVED,
        reviewed_by=city.office_admin,
        reviewed_at=timezone.now(),
    )
    profile.topics.add(topic)
    document = InstructorDocument(profile=profile, title="자격증")
    document.file.save("certificate.pdf", ContentFile(PDF))
    return World(city, scopes, profile, document)


@pytest.fixture
def world(city: City, settings, tmp_path) -> World:
    settings.MEDIA_ROOT = tmp_path / "media"
    return make_world(city)


#: The small demo city's rows, by the day they were built: see ``demo_city``.
_demo_rows: dict[datetime.date, Rows] = {}


@pytest.fixture
def demo_city(db) -> None:
    """The small demo city (``manage.py demo_data --size small``), as the command builds it.

    It is built once per test process and day, in a transaction that is rolled back, and each
    test gets its rows inserted again (``Rows``), which costs a fraction of a second instead of
    the build's 6–12 s; some thirty tests ask for it. The day counts because the demo's live
    classes and deadlines are placed around today. A test may still run ``demo_data`` again, on
    top of it, as ``make run`` would.
    """
    day = timezone.localdate()
    if day not in _demo_rows:
        with transaction.atomic():
            _, _demo_rows[day] = Rows.added_by(
                lambda: call_command("demo_data", "--size", "small", stdout=StringIO())
            )
            transaction.set_rollback(True)
    _demo_rows[day].restore()
