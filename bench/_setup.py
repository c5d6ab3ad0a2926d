"""Set-up pieces the benchmarks run inside the installation's Django (``manage.py shell``)."""

from __future__ import annotations

import math

# The demo city's password (openclass.accounts.demo.DEMO_PASSWORD), which every account made
# here shares; the load generator has no Django to import it from.
DEMO_PASSWORD = "openclass-demo"


def add_students(count: int, code: str = "bench"):
    """A school of its own (벤치초등학교) with ``count`` new students, 30 to a class over six
    grades, named ``bench-00001`` …, sharing a demo student's password hash (no hashing cost).
    Returns the school. (Django models are imported here: the load generator imports this
    module without Django set up.)"""
    from openclass.accounts.models import Organisation, User

    Kind = Organisation.Kind
    district = Organisation.objects.filter(kind=Kind.DISTRICT).order_by("pk").first()
    school = Organisation.objects.create(
        kind=Kind.SCHOOL,
        name="벤치초등학교",
        code=code,
        parent=district,
        school_level=Organisation.SchoolLevel.ELEMENTARY,
    )
    password = User.objects.filter(role=User.Role.STUDENT).values_list("password", flat=True)[0]
    per_class, classes_per_grade = 30, max(1, math.ceil(count / 30 / 6))
    new_users = []
    number = 0
    for grade_number in range(1, 7):
        grade = Organisation.objects.create(
            kind=Kind.GRADE, name=f"{grade_number}학년", number=grade_number, parent=school
        )
        for class_number in range(1, classes_per_grade + 1):
            klass = Organisation.objects.create(
                kind=Kind.CLASS, name=f"{class_number}반", number=class_number, parent=grade
            )
            for seat in range(1, per_class + 1):
                if number >= count:
                    break
                number += 1
                new_users.append(
                    User(
                        username=f"{code}-{number:05d}",
                        name=f"벤치{number:05d}",
                        role=User.Role.STUDENT,
                        organisation=klass,
                        number=seat,
                        password=password,
                    )
                )
    User.objects.bulk_create(new_users, batch_size=1000)
    return school


def session_key(user) -> str:
    """A signed-in session for ``user``, as a login would make, without the password hashing."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return store.session_key


def add_teachers(school, count: int, code: str) -> list:
    """``count`` teachers of ``school`` named ``<code>-t00`` …, with a demo student's password
    hash (as ``add_students``), in name order."""
    from openclass.accounts.models import User

    password = User.objects.filter(role=User.Role.STUDENT).values_list("password", flat=True)[0]
    User.objects.bulk_create(
        User(
            username=f"{code}-t{number:02d}",
            name=f"벤치교사{number:02d}",
            role=User.Role.TEACHER,
            organisation=school,
            password=password,
        )
        for number in range(count)
    )
    return list(User.objects.filter(username__startswith=f"{code}-t").order_by("username"))


def live_courses(school, teachers: list, classes: list[list], titles: list[str]) -> list[dict]:
    """For each teacher a course of ``school`` with a live session today (started five minutes
    ago, an hour long; its room made, not started), its students enrolled: teacher ``n`` teaches
    ``classes[n]`` under ``titles[n]``. Returns per course ``{"room", "session", "host",
    "members"}`` with the teacher and the students (User objects)."""
    import datetime

    from django.utils import timezone

    from openclass.catalog.models import Topic
    from openclass.courses.models import Course, Enrolment, Session
    from openclass.live.services.rooms import main_room

    topic = Topic.objects.order_by("position").first()
    start = timezone.localtime().replace(second=0, microsecond=0) - datetime.timedelta(minutes=5)
    end = start + datetime.timedelta(hours=1)
    ends_at = end.time() if end.date() == start.date() else datetime.time(23, 59)
    rooms = []
    for teacher, members, title in zip(teachers, classes, titles, strict=True):
        course = Course.objects.create(
            title=f"벤치 {title}",
            topic=topic,
            scope=Course.Scope.SCHOOL,
            organisation=school,
            owner=teacher,
            is_published=True,
            delivery=Course.Delivery.LIVE,
        )
        Enrolment.objects.bulk_create([Enrolment(course=course, student=s) for s in members])
        session = Session.objects.create(
            course=course,
            kind=Session.Kind.LIVE,
            title=f"실시간 {title}",
            day=start.date(),
            starts_at=start.time(),
            ends_at=ends_at,
        )
        room = main_room(session)
        rooms.append({"room": room.pk, "session": session.pk, "host": teacher, "members": members})
    return rooms


def video_course(school, students: list, seconds: float, owner=None):
    """A course of ``school`` (no skipping) whose one lesson is a URL video of ``seconds``,
    ``students`` enrolled, each with a progress row opened an hour ago (so their first beats
    may claim the time since). Its owner: ``owner``, else the first office administrator.
    Returns the lesson."""
    import datetime

    from django.utils import timezone

    from openclass.accounts.models import User
    from openclass.catalog.models import Topic
    from openclass.courses.models import Course, Enrolment, Lesson, LessonProgress, Section

    course = Course.objects.create(
        title="벤치 강좌",
        topic=Topic.objects.order_by("position").first(),
        scope=Course.Scope.SCHOOL,
        organisation=school,
        owner=owner or User.objects.filter(role=User.Role.OFFICE_ADMIN).first(),
        is_published=True,
        no_skip=True,
    )
    section = Section.objects.create(course=course, title="1단원", position=1)
    lesson = Lesson.objects.create(
        section=section,
        title="한 시간 영상",
        kind=Lesson.Kind.VIDEO_URL,
        url="https://media.example.org/hour.mp4",
        duration=seconds,
        position=1,
    )
    Enrolment.objects.bulk_create([Enrolment(course=course, student=s) for s in students])
    an_hour_ago = timezone.now() - datetime.timedelta(hours=1)
    LessonProgress.objects.bulk_create(
        [LessonProgress(student=s, lesson=lesson, opened_at=an_hour_ago) for s in students]
    )
    return lesson


def quiz_course(school, students: list, questions: int, owner=None) -> dict:
    """A course of ``school`` whose one lesson is a 40-minute quiz of ``questions`` one-point
    questions of every objective kind, ``students`` enrolled; its owner ``owner``, else the
    first office administrator. Returns ``{"course", "lesson", "quiz", "key"}``, the key
    holding a right and a wrong form value per question."""
    from openclass.accounts.models import User
    from openclass.assessments.models import Choice, Question, Quiz, QuizQuestion
    from openclass.catalog.models import Topic
    from openclass.courses.models import Course, Enrolment, Lesson, Section

    owner = owner or User.objects.filter(role=User.Role.OFFICE_ADMIN).first()
    course = Course.objects.create(
        title="벤치 평가 강좌",
        topic=Topic.objects.order_by("position").first(),
        scope=Course.Scope.SCHOOL,
        organisation=school,
        owner=owner,
        is_published=True,
    )
    section = Section.objects.create(course=course, title="1단원", position=1)
    lesson = Lesson.objects.create(
        section=section, title="단원 평가", kind=Lesson.Kind.QUIZ, position=1
    )
    quiz = Quiz.objects.create(
        lesson=lesson, time_limit_minutes=40, attempts_allowed=1, shuffle_choices=True
    )
    Kind = Question.Kind
    kinds = [Kind.SINGLE, Kind.MULTIPLE, Kind.TRUE_FALSE, Kind.SHORT, Kind.NUMERIC]
    key = []
    for number in range(1, questions + 1):
        kind = kinds[(number - 1) % len(kinds)]
        question = Question.objects.create(
            owner=owner, kind=kind, text=f"{number}번 문제", category="벤치"
        )
        if kind in (Kind.SINGLE, Kind.MULTIPLE):
            right_count = 1 if kind == Kind.SINGLE else 2
            choices = [
                Choice.objects.create(
                    question=question, text=f"보기 {i}", is_correct=i <= right_count, position=i
                )
                for i in range(1, 5)
            ]
            right = [str(c.pk) for c in choices if c.is_correct]
            wrong = [str(choices[-1].pk)]
        elif kind == Kind.TRUE_FALSE:
            question.answer_true = number % 2 == 0
            right = ["true" if question.answer_true else "false"]
            wrong = ["false" if question.answer_true else "true"]
        elif kind == Kind.SHORT:
            question.accepted_answers = ["독도", "獨島"]
            right, wrong = ["독 도"], ["울릉도"]
        else:
            question.numeric_answer, question.tolerance = 42.0, 0.5
            right, wrong = ["42.3"], ["50"]
        question.save()
        QuizQuestion.objects.create(quiz=quiz, question=question, position=number)
        key.append({"question": question.pk, "right": right, "wrong": wrong})
    Enrolment.objects.bulk_create([Enrolment(course=course, student=s) for s in students])
    return {"course": course.pk, "lesson": lesson.pk, "quiz": quiz.pk, "key": key}
