"""Statements from real flows (issue 19, item 1): a student watches a lesson (heartbeats through
the beacon endpoint), opens a document, takes a quiz through the assessments services and
attends a live class (stays as Janus's events make them, without Janus), and the store holds
exactly the statements these events make — no name, user name or e-mail of anyone in them."""

from __future__ import annotations

import dataclasses
import datetime
import json
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from openclass.accounts.models import User
from openclass.assessments.models import Question
from openclass.assessments.services import quizzes
from openclass.courses.models import Attendance, Enrolment, Lesson, LessonProgress, Session
from openclass.courses.services import courses as course_services
from openclass.courses.services import progress
from openclass.courses.services.progress import State
from openclass.live.models import LiveRoom, Ticket
from openclass.live.services import janus_events, rooms
from openclass.xapi import services as xapi
from openclass.xapi.access import readable_statements
from openclass.xapi.models import Actor, Statement
from openclass.xapi.vocabulary import (
    EXTENSION_ATTENDANCE,
    EXTENSION_MINUTES,
    EXTENSION_PROGRESS,
    EXTENSION_WATCHED,
    VERBS,
)

pytestmark = pytest.mark.django_db(transaction=False)

VERB_NAMES = {verb.id: name for name, verb in VERBS.items()}


def verbs_and_objects(rows: list[Statement]) -> list[tuple[str, str, str]]:
    """(the learner's user name, the verb's name, the object's id) of each statement, in order."""
    found = []
    for row in rows:
        target = row.full["object"]
        found.append((row.user.username, VERB_NAMES[row.verb], target["id"]))
    return found


def statements() -> list[Statement]:
    return list(Statement.objects.select_related("user").order_by("number"))


def heartbeat(client, course_id: int, lesson_id: int, payload: dict) -> Any:
    url = reverse("courses:heartbeat", args=[course_id, lesson_id])
    return client.post(url, {"beat": json.dumps(payload)})


def test_a_student_watches_takes_a_quiz_and_attends_a_live_class(
    client, live_class, room, bank
) -> None:
    courses = live_class.courses
    course = courses.class_course
    student, classmate, teacher = live_class.student, live_class.classmate, live_class.teacher
    # Names and e-mails that must never reach a statement.
    User.objects.filter(pk=student.pk).update(name="김하늘", email="haneul@example.org")
    User.objects.filter(pk=classmate.pk).update(name="이바다", email="bada@example.org")
    User.objects.filter(pk=teacher.pk).update(name="박선생", email="teacher@example.org")
    student.refresh_from_db()
    video = courses.video
    Lesson.objects.filter(pk=video.pk).update(duration=240)
    enrolment = Enrolment.objects.get(course=course, student=student)
    registration = str(xapi.registration_for(enrolment.pk))
    # The course's quiz, with a pass mark (its lesson is the last the course needs).
    quiz_lesson = Lesson.objects.create(
        section=video.section, title="확인 퀴즈", kind=Lesson.Kind.QUIZ, position=9
    )
    quiz = quizzes.quiz_for(quiz_lesson)
    quiz.pass_percent, quiz.shuffle_choices = 50, False
    quiz.save()
    quizzes.add_questions(quiz, bank.owner, [bank.single.pk, bank.true_false.pk])

    # --- Watching: the lesson page, then a beat every 30 s of video ---------------------------
    client.force_login(student)
    page = client.get(reverse("courses:lesson", args=[course.pk, video.pk]))
    assert page.status_code == 200
    row = LessonProgress.objects.get(student=student, lesson=video)
    seq = 0
    for start in range(0, 210, 30):
        LessonProgress.objects.filter(pk=row.pk).update(
            last_beat_at=timezone.now() - datetime.timedelta(seconds=40)
        )
        seq += 1
        answer = heartbeat(
            client,
            course.pk,
            video.pk,
            {"seq": seq, "intervals": [[start, start + 30]], "position": start + 30, "speed": 1},
        )
        assert answer.status_code == 200, answer.content
        if seq == 3:
            before = Statement.objects.count()
            replayed = heartbeat(
                client, course.pk, video.pk, {"seq": seq, "intervals": [[0, 90]], "position": 90}
            )
            assert replayed.status_code == 409
            assert Statement.objects.count() == before  # a rejected beat records nothing
    LessonProgress.objects.filter(pk=row.pk).update(
        last_beat_at=timezone.now() - datetime.timedelta(seconds=40)
    )
    done = heartbeat(
        client, course.pk, video.pk, {"seq": seq + 1, "intervals": [[210, 220]], "position": 220}
    )
    assert done.json()["completed"] is True
    # --- A document opens and completes --------------------------------------------------------
    assert client.get(reverse("courses:lesson", args=[course.pk, courses.document.pk])).status_code
    # --- A quiz with a pass mark: one right answer, one wrong ----------------------------------
    attempt = quizzes.start_attempt(student, quiz)
    five = bank.single.choices.get(text="5")
    quizzes.save_answer(attempt, bank.single.pk, [str(five.pk)])
    quizzes.save_answer(attempt, bank.true_false.pk, ["false"])
    attempt = quizzes.submit_attempt(attempt)
    assert attempt.score == Decimal("1.00")
    assert Enrolment.objects.get(pk=enrolment.pk).completed_at is not None
    # --- The live class: in at the start, out for a minute, back until the class ends ----------
    session = live_class.session
    start = timezone.make_aware(datetime.datetime.combine(session.day, session.starts_at))
    LiveRoom.objects.filter(pk=room.pk).update(janus_room=4242)
    participant = rooms.participant_for(student, room)
    for feed, at in ((101, start), (102, start + datetime.timedelta(minutes=2))):
        Ticket.objects.create(
            participant=participant,
            room=room,
            feed_id=feed,
            token=f"token-{feed}",
            expires_at=timezone.now() + datetime.timedelta(hours=1),
        )
        assert janus_events.joined(
            4242, feed, token=f"token-{feed}", display="", janus_session=None, at=at
        )
        if feed == 101:
            janus_events.left(4242, feed, at=start + datetime.timedelta(minutes=1))
    rooms.end_class(teacher, LiveRoom.objects.get(pk=room.pk))
    mark = Attendance.objects.get(session=session, student=student)
    assert mark.status == Attendance.Status.PRESENT
    # --- The teacher excuses the classmate's absence -----------------------------------------
    course_services.correct_attendance(
        teacher, session, classmate, Attendance.Status.EXCUSED, "병원 진료"
    )

    rows = statements()
    lesson_id = xapi.activity_id("lesson", video.pk)
    document_id = xapi.activity_id("lesson", courses.document.pk)
    quiz_id = xapi.activity_id("quiz", quiz.pk)
    live_id = xapi.activity_id("live", session.pk)
    a1, a2 = student.username, classmate.username
    absent = [r for r in rows if r.user_id == classmate.pk and r.verb == VERBS["absent"].id]
    assert verbs_and_objects(rows) == [
        (a1, "launched", lesson_id),
        (a1, "progressed", lesson_id),
        (a1, "progressed", lesson_id),
        (a1, "progressed", lesson_id),
        (a1, "completed", lesson_id),
        (a1, "launched", document_id),
        (a1, "completed", document_id),
        (a1, "attempted", quiz_id),
        (a1, "answered", xapi.activity_id("question", bank.single.pk)),
        (a1, "answered", xapi.activity_id("question", bank.true_false.pk)),
        (a1, "scored", quiz_id),
        (a1, "passed", quiz_id),
        (a1, "completed", quiz_id),
        (a1, "completed", xapi.activity_id("lesson", quiz_lesson.pk)),
        (a1, "completed", xapi.activity_id("course", course.pk)),
        (a1, "joined", live_id),
        (a1, "left", live_id),
        (a1, "joined", live_id),
        (a1, "left", live_id),
        (a1, "attended", live_id),
        (a2, "absent", live_id),
        (a2, "voided", str(absent[0].statement_id)),
        (a2, "absent", live_id),
    ]
    results = [row.full.get("result") for row in rows]
    segments = ["0[.]60", "0[.]120", "0[.]180"]
    assert results[0] is None
    assert [r["extensions"] for r in results[1:4]] == [
        {EXTENSION_WATCHED: played, EXTENSION_PROGRESS: fraction}
        for played, fraction in zip(segments, [0.25, 0.5, 0.75], strict=True)
    ]
    assert results[4] == {"completion": True, "extensions": {EXTENSION_PROGRESS: 0.91}}
    assert results[5] is None and results[6] == {"completion": True}
    assert results[7] is None
    assert results[8] == {
        "response": str(five.pk),
        "success": True,
        "score": {"raw": 1.0, "min": 0, "max": 1.0, "scaled": 1.0},
    }
    assert results[9] == {
        "response": "false",
        "success": False,
        "score": {"raw": 0.0, "min": 0, "max": 1.0, "scaled": 0.0},
    }
    quiz_score = {"raw": 1.0, "min": 0, "max": 2.0, "scaled": 0.5}
    assert results[10] == {"score": quiz_score}
    assert results[11] == {"score": quiz_score, "success": True}
    assert results[12] == results[13] == results[14] == {"completion": True}
    assert results[15] is None and results[17] is None
    assert results[16] == {"duration": "PT0H1M0S"}
    last_stay = participant.stays.get(feed_id=102)
    assert last_stay.left_at is not None
    stayed = (last_stay.left_at - last_stay.joined_at).total_seconds()
    assert results[18] == {"duration": xapi_duration(stayed)}
    assert results[19] == {
        "extensions": {EXTENSION_ATTENDANCE: "present", EXTENSION_MINUTES: mark.minutes}
    }
    assert mark.minutes >= 4
    assert results[20] == {"extensions": {EXTENSION_ATTENDANCE: "absent", EXTENSION_MINUTES: 0}}
    assert results[22] == {"extensions": {EXTENSION_ATTENDANCE: "excused", EXTENSION_MINUTES: 0}}
    # The corrected mark's first statement is voided; nothing else is.
    assert [row.pk for row in rows if row.voided] == [absent[0].pk]

    # Every statement: the learner as an opaque account, the course, class and school as
    # groupings, the enrolment's registration.
    keys = {actor.user_id: str(actor.key) for actor in Actor.objects.all()}
    north = live_class.courses.city.north
    for row in rows:
        full = row.full
        assert full["actor"] == {
            "objectType": "Agent",
            "account": {"homePage": xapi.home_page(), "name": keys[row.user_id]},
        }
        assert full["authority"]["account"]["name"] == "openclass"
        if VERB_NAMES[row.verb] == "voided":
            assert full["object"]["objectType"] == "StatementRef"
            continue
        context = full["context"]
        grouping = [activity["id"] for activity in context["contextActivities"]["grouping"]]
        assert grouping == [
            xapi.activity_id("course", course.pk),
            xapi.activity_id("class", north.class_a.pk),
            xapi.activity_id("school", north.school.pk),
        ]
        mine = Enrolment.objects.get(course=course, student_id=row.user_id)
        assert context["registration"] == str(xapi.registration_for(mine.pk))
        assert (row.course_id, row.klass_id, row.school_id) == (
            course.pk,
            north.class_a.pk,
            north.school.pk,
        )
    assert rows[0].full["context"]["registration"] == registration
    answered = rows[8].full["context"]["contextActivities"]["parent"]
    assert [activity["id"] for activity in answered] == [quiz_id]
    assert rows[0].full["object"]["definition"]["name"] == {"ko-KR": video.title}

    # No name, user name or e-mail of anyone, anywhere.
    dump = json.dumps([row.full for row in Statement.objects.all()], ensure_ascii=False)
    for person in User.objects.all():
        for value in (person.name, person.username, person.email):
            if value:
                assert value not in dump, value

    # Who reads them: the course's teacher (its manager) all; a teacher of another class, the
    # course's manager of nothing, none; the student their own.
    readable = Statement.objects.filter(readable_statements(teacher))
    assert readable.count() == len(rows)
    other = north.subject_teacher
    assert not Statement.objects.filter(readable_statements(other)).exists()
    assert set(
        Statement.objects.filter(readable_statements(student)).values_list("user", flat=True)
    ) == {student.pk}


def xapi_duration(seconds: float) -> str:
    from openclass.courses.services.learning_records import iso_duration

    return iso_duration(seconds)


def test_a_rolled_back_event_leaves_no_statement(courses) -> None:
    north = courses.city.north
    course_services.enrol(north.homeroom_a, courses.class_course, [north.student_a1])
    with pytest.raises(RuntimeError), transaction.atomic():
        course_services.open_lesson(north.student_a1, courses.document)
        assert Statement.objects.count() == 2  # launched, completed
        raise RuntimeError("the page failed after the lesson opened")
    assert not Statement.objects.exists()
    assert not LessonProgress.objects.exists()


def test_progress_writes_record_at_most_one_statement_per_whole_minute(courses) -> None:
    """The heartbeats' batched flush (``progress.save``): a statement only when the whole
    minutes watched grow, however the beats fall, and none on the writes between."""
    north = courses.city.north
    course_services.enrol(north.homeroom_a, courses.class_course, [north.student_a1])
    Lesson.objects.filter(pk=courses.video.pk).update(duration=600)
    row = course_services.open_lesson(north.student_a1, Lesson.objects.get(pk=courses.video.pk))
    launched = Statement.objects.count()
    state = State(duration=600)
    watched_to = [20, 50, 59.9, 60, 95, 130, 250, 251]
    for seq, end in enumerate(watched_to, start=1):
        state = dataclasses.replace(
            state, intervals=[(0.0, float(end))], watched=-1.0, last_seq=seq, furthest=end
        )
        state = dataclasses.replace(state, watched=float(end))
        progress.save({row.pk: state})
    rows = list(Statement.objects.order_by("number"))[launched:]
    assert [row.verb for row in rows] == [VERBS["progressed"].id] * 3  # at 60, 130, 250
    assert [row.full["result"]["extensions"][EXTENSION_WATCHED] for row in rows] == [
        "0[.]60",
        "0[.]130",
        "0[.]250",
    ]


def test_a_flush_of_many_watchers_records_their_minutes_as_one_batch(courses) -> None:
    """The flush of a thousand watchers must not pay a store per watcher: each statement is
    still about its own learner (actor, class, school, registration), and a second watcher
    crossing a minute in the same flush adds only the read of their key."""
    north = courses.city.north
    learners = [north.student_a1, north.student_a2]
    course_services.enrol(north.homeroom_a, courses.class_course, learners)
    Lesson.objects.filter(pk=courses.video.pk).update(duration=600)
    video = Lesson.objects.get(pk=courses.video.pk)
    rows = [course_services.open_lesson(learner, video) for learner in learners]
    launched = Statement.objects.count()

    def watched(seconds: float, seq: int) -> State:
        return State(
            duration=600,
            intervals=[(0.0, seconds)],
            watched=seconds,
            furthest=seconds,
            last_seq=seq,
        )

    with CaptureQueriesContext(connection) as alone:
        progress.save({rows[0].pk: watched(60, 1)})
    with CaptureQueriesContext(connection) as together:
        progress.save({rows[0].pk: watched(120, 2), rows[1].pk: watched(60, 1)})
    assert len(together) <= len(alone) + 1

    stored = list(Statement.objects.select_related("user").order_by("number"))[launched:]
    assert [row.user for row in stored] == [learners[0], learners[0], learners[1]]
    enrolments = {e.student_id: e.pk for e in Enrolment.objects.filter(course=courses.class_course)}
    for row in stored:
        assert row.verb == VERBS["progressed"].id
        assert row.full["actor"]["account"]["name"] == str(Actor.objects.get(user=row.user).key)
        assert row.full["context"]["registration"] == str(
            xapi.registration_for(enrolments[row.user_id])
        )
        grouping = {a["id"] for a in row.full["context"]["contextActivities"]["grouping"]}
        assert grouping == {
            xapi.activity_id("course", courses.class_course.pk),
            xapi.activity_id("class", north.class_a.pk),
            xapi.activity_id("school", north.school.pk),
        }
        assert (row.klass_id, row.school_id) == (north.class_a.pk, north.school.pk)
    assert [row.full["result"]["extensions"][EXTENSION_WATCHED] for row in stored] == [
        "0[.]60",
        "0[.]120",
        "0[.]60",
    ]


def test_a_corrected_recorded_session_mark_voids_the_earlier_statement(courses) -> None:
    north = courses.city.north
    student, teacher = north.student_a1, north.homeroom_a
    course_services.enrol(teacher, courses.class_course, [student])
    session = Session.objects.create(
        course=courses.class_course,
        kind=Session.Kind.RECORDED,
        lesson=courses.document,
        day=timezone.localdate(),
        title="자료 읽기",
    )
    course_services.open_lesson(student, courses.document)
    marked = Statement.objects.get(verb=VERBS["attended"].id)
    assert marked.full["object"]["id"] == xapi.activity_id("session", session.pk)
    assert marked.full["result"] == {"extensions": {EXTENSION_ATTENDANCE: "present"}}
    course_services.correct_attendance(teacher, session, student, "absent", "다른 학생이 열었음")
    marked.refresh_from_db()
    assert marked.voided
    voiding = Statement.objects.get(verb=VERBS["voided"].id)
    assert voiding.full["object"] == {"objectType": "StatementRef", "id": str(marked.statement_id)}
    again = Statement.objects.get(verb=VERBS["absent"].id)
    assert again.full["result"] == {"extensions": {EXTENSION_ATTENDANCE: "absent"}}
    assert again.number > voiding.number
    # Opening the lesson again changes no corrected mark and records no new mark.
    course_services.open_lesson(student, courses.document)
    marks = [VERBS["attended"].id, VERBS["absent"].id]
    assert Statement.objects.filter(verb__in=marks).count() == 2


def test_essays_are_never_recorded_and_blank_answers_are_not_answers(courses, bank) -> None:
    north = courses.city.north
    course_services.enrol(north.homeroom_a, courses.class_course, [north.student_a1])
    lesson = Lesson.objects.create(
        section=courses.video.section, title="서술형", kind=Lesson.Kind.QUIZ, position=9
    )
    quiz = quizzes.quiz_for(lesson)
    quizzes.add_questions(quiz, bank.owner, [bank.single.pk, bank.essay.pk])
    attempt = quizzes.start_attempt(north.student_a1, quiz)
    secret = "우리 반 김하늘은 010-1234-5678"
    quizzes.save_answer(attempt, bank.essay.pk, [secret])
    attempt = quizzes.submit_attempt(attempt)
    assert attempt.state == attempt.State.SUBMITTED  # the essay waits for the teacher
    answered = Statement.objects.get(verb=VERBS["answered"].id)
    assert "result" not in answered.full
    assert answered.full["object"]["definition"]["type"] == (
        "http://adlnet.gov/expapi/activities/cmi.interaction"
    )
    assert secret not in json.dumps([s.full for s in Statement.objects.all()], ensure_ascii=False)
    # Not graded yet: answered (the essay; the choice left blank was not) and completed.
    assert [VERB_NAMES[s.verb] for s in Statement.objects.order_by("number")] == [
        "attempted",
        "answered",
        "completed",
    ]
    essay = attempt.answers.get(question=bank.essay)
    quizzes.grade_answer(essay, north.homeroom_a, Decimal("1.5"))
    scored = Statement.objects.get(verb=VERBS["scored"].id)
    assert scored.full["result"]["score"] == {"raw": 1.5, "min": 0, "max": 3.0, "scaled": 0.5}
    assert not Statement.objects.filter(verb__in=[VERBS["passed"].id, VERBS["failed"].id])
    assert (
        Question.objects.get(pk=bank.essay.pk).text[:100]
        == (answered.full["object"]["definition"]["name"]["ko-KR"])
    )


def test_an_assignment_submitted_and_scored_names_neither_text_files_nor_teacher(
    homework,
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from openclass.assessments.services import assignments

    north = homework.north
    student, teacher = north.student_a1, north.homeroom_a
    assignment = homework.assignment
    assignment.pass_score = Decimal(60)
    assignment.save()
    upload = SimpleUploadedFile("김하늘_보고서.pdf", b"%PDF-1.4 report", "application/pdf")
    assignments.submit(student, assignment, text="제 이름은 김하늘입니다.", files=[upload])
    submission = assignment.submissions.get(student=student)
    assignments.grade(teacher, submission, score=Decimal(80), feedback="잘했어요, 하늘")
    rows = statements()
    activity = xapi.activity_id("assignment", assignment.pk)
    assert verbs_and_objects(rows) == [
        (student.username, "submitted", activity),
        (student.username, "scored", activity),
        (student.username, "passed", activity),
        (student.username, "completed", xapi.activity_id("lesson", homework.lesson.pk)),
    ]
    assert rows[0].full["result"] == {"response": ""}
    score = {"raw": 80.0, "min": 0, "max": float(assignment.max_score)}
    score["scaled"] = round(80.0 / float(assignment.max_score), 4)
    assert rows[1].full["result"] == {"score": score}
    assert rows[2].full["result"] == {"score": score, "success": True}
    dump = json.dumps([row.full for row in rows], ensure_ascii=False)
    for secret in ("김하늘", "보고서", "하늘", teacher.username):
        assert secret not in dump
    assert "instructor" not in dump
    assert not Actor.objects.filter(user=teacher).exists()  # the teacher is not even keyed


def test_marks_computed_again_at_confirmation_void_what_changed(live_class, room) -> None:
    """The class ended with nobody's stay known (a lost join); the host confirms after the
    stay was recovered: the student's absent statement is voided and attended recorded, the
    classmate's unchanged mark records nothing new."""
    from openclass.live.models import Stay
    from openclass.live.services import attendance

    session = live_class.session
    student, teacher = live_class.student, live_class.teacher
    rooms.end_class(teacher, room)
    first = Statement.objects.get(user=student, verb=VERBS["absent"].id)
    start = timezone.make_aware(datetime.datetime.combine(session.day, session.starts_at))
    ended = LiveRoom.objects.get(pk=room.pk)
    assert ended.ended_at is not None
    Stay.objects.create(
        participant=rooms.participant_for(student, ended),
        room=ended,
        feed_id=7,
        joined_at=start,
        left_at=ended.ended_at,
    )
    before = Statement.objects.count()
    attendance.confirm_attendance(teacher, ended)
    first.refresh_from_db()
    assert first.voided
    added = list(Statement.objects.order_by("number"))[before:]
    assert [(row.user_id, VERB_NAMES[row.verb]) for row in added] == [
        (student.pk, "voided"),
        (student.pk, "attended"),
    ]
    mark = Attendance.objects.get(session=session, student=student)
    assert added[1].full["result"]["extensions"] == {
        EXTENSION_ATTENDANCE: mark.status,
        EXTENSION_MINUTES: mark.minutes,
    }
