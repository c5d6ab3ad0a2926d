"""The progress WebSocket through the real ASGI stack (origin check, session authentication,
routing): who may report on which lesson, the answers, and batched writes that reach the
database on disconnect, on completion and every few seconds."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime
import json
from collections.abc import Iterator

import pytest
from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from channels.testing.websocket import WebsocketCommunicator
from django.db import connections
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from openclass.accounts.models import User
from openclass.asgi import application
from openclass.core.runtime import runtime
from openclass.courses.consumers import CLOSE_DENIED, CLOSE_UNAUTHENTICATED, MAX_REFUSALS
from openclass.courses.models import (
    Attendance,
    Lesson,
    LessonProgress,
    RejectedHeartbeat,
    Session,
)
from openclass.courses.services import courses as services
from openclass.courses.services.progress_hub import hub
from openclass.courses.tests.fixtures import Courses

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
Reason = RejectedHeartbeat.Reason
TIMEOUT = 5


@pytest.fixture(autouse=True)
def fresh_hub() -> Iterator[None]:
    runtime.reset()
    yield
    runtime.reset()
    # Session look-ups ran on asgiref's thread for synchronous code: close its connection too
    # (PostgreSQL keeps connections open, and the test database could not be dropped).
    asyncio.run(sync_to_async(connections.close_all, thread_sensitive=True)())


@pytest.fixture
def watching(courses: Courses) -> Courses:
    """north's student A1 enrolled in the class course; its 100 s video opened 200 s ago."""
    north = courses.city.north
    services.enrol(north.homeroom_a, courses.class_course, [north.student_a1])
    services.open_lesson(
        north.student_a1, courses.video, now=timezone.now() - datetime.timedelta(seconds=200)
    )
    return courses


def session_cookie(user: User | None) -> list[tuple[bytes, bytes]]:
    headers = [(b"origin", b"http://localhost")]
    if user is not None:
        client = Client()
        client.force_login(user)
        headers.append((b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode()))
    return headers


def connect(headers: list[tuple[bytes, bytes]]) -> WebsocketCommunicator:
    return WebsocketCommunicator(application, "/ws/progress/", headers=headers)


async def ask(socket: WebsocketCommunicator, message: dict) -> dict:
    await socket.send_to(text_data=json.dumps(message))
    return json.loads(await socket.receive_from(timeout=TIMEOUT))


def beat(lesson: int, seq: int, start: float, end: float, **extra) -> dict:
    return {
        "type": "beat",
        "lesson": lesson,
        "seq": seq,
        "intervals": [[start, end]],
        "position": end,
        "speed": 1.0,
        **extra,
    }


def run(coroutine) -> object:
    return asyncio.run(coroutine)


def rewind(student: User, lesson: int, seconds: float = 60.0) -> None:
    """As if the live state's previous beat came ``seconds`` earlier: the time that a stretch
    of the video takes to play (credit never outruns the clock since the previous beat)."""
    live = hub.live[(student.pk, lesson)]
    before = live.state.last_beat_at or timezone.now()
    live.state = dataclasses.replace(
        live.state, last_beat_at=before - datetime.timedelta(seconds=seconds)
    )


def test_an_enrolled_student_reports_and_the_beats_are_written_on_disconnect(watching) -> None:
    student = watching.city.north.student_a1
    cookie = session_cookie(student)
    lesson = watching.video.pk

    async def scenario() -> list[dict]:
        socket = connect(cookie)
        connected, _code = await socket.connect(timeout=TIMEOUT)
        assert connected
        answers = [await ask(socket, {"type": "open", "lesson": lesson})]
        for seq in range(1, 6):
            if seq > 1:
                rewind(student, lesson, 10)
            answers.append(await ask(socket, beat(lesson, seq, (seq - 1) * 10, seq * 10)))
        # Batched: nothing is written per beat.
        stored = await database_sync_to_async(
            lambda: LessonProgress.objects.get(student=student, lesson_id=lesson).last_seq
        )()
        assert stored == 0
        await socket.disconnect()
        return answers

    opened, *acks = run(scenario())
    assert opened["type"] == "state" and opened["seq"] == 0 and opened["percent"] == 0
    assert [a["type"] for a in acks] == ["ack"] * 5
    assert [a["beat"] for a in acks] == [1, 2, 3, 4, 5]
    assert acks[-1] | {"type": "ack"} == {
        "type": "ack",
        "lesson": lesson,
        "beat": 5,
        "ok": True,
        "seq": 5,
        "watched": 50.0,
        "furthest": 50.0,
        "position": 50.0,
        "duration": 100.0,
        "percent": 50,
        "completed": False,
        "saved": 0,  # acknowledged, not stored yet: the page keeps the beats
    }
    row = LessonProgress.objects.get(student=student, lesson_id=lesson)
    assert row.intervals == [[0.0, 50.0]] and row.watched == 50 and row.last_seq == 5
    assert row.position == 50 and row.duration == 100 and row.last_beat_at is not None
    assert not hub.live  # forgotten once written and nobody watches


def test_anonymous_connections_are_refused(watching) -> None:
    async def scenario() -> tuple[bool, int]:
        return await connect(session_cookie(None)).connect(timeout=TIMEOUT)

    assert run(scenario()) == (False, CLOSE_UNAUTHENTICATED)


def test_a_foreign_origin_is_refused(watching) -> None:
    async def scenario() -> bool:
        socket = WebsocketCommunicator(
            application, "/ws/progress/", headers=[(b"origin", b"https://evil.example")]
        )
        connected, _code = await socket.connect(timeout=TIMEOUT)
        return connected

    assert run(scenario()) is False


@pytest.mark.parametrize("who", ["classmate_not_enrolled", "other_school", "teacher", "parent"])
def test_lessons_of_courses_one_is_not_enrolled_in_are_refused(watching, who) -> None:
    north, south = watching.city.north, watching.city.south
    user = {
        "classmate_not_enrolled": north.student_a2,  # the lesson of student A1's course
        "other_school": south.student_a1,
        "teacher": north.homeroom_a,
        "parent": north.parent_a1,
    }[who]
    cookie = session_cookie(user)

    async def scenario() -> tuple[dict, dict]:
        socket = connect(cookie)
        connected, _code = await socket.connect(timeout=TIMEOUT)
        assert connected
        answer = await ask(socket, beat(watching.video.pk, 1, 0, 10))
        closed = await socket.receive_output(timeout=TIMEOUT)
        return answer, closed

    answer, closed = run(scenario())
    assert answer == {"type": "denied", "lesson": watching.video.pk}
    assert closed == {"type": "websocket.close", "code": CLOSE_DENIED}
    assert not LessonProgress.objects.filter(student=user).exists()


def test_unknown_lessons_documents_and_closed_courses_are_refused(watching) -> None:
    student = watching.city.north.student_a1
    cookie = session_cookie(student)
    course = watching.class_course

    async def denied(lesson: int) -> bool:
        socket = connect(cookie)
        await socket.connect(timeout=TIMEOUT)
        answer = await ask(socket, {"type": "open", "lesson": lesson})
        await socket.disconnect()
        return answer["type"] == "denied"

    assert run(denied(999_999))
    assert run(denied(watching.document.pk))
    course.closes_on = timezone.localdate() - datetime.timedelta(days=1)
    course.save()
    assert run(denied(watching.video.pk))


def test_tampered_beats_are_refused_answered_and_logged(watching) -> None:
    student = watching.city.north.student_a1
    cookie = session_cookie(student)
    lesson = watching.video.pk
    # Opened 12 s ago: time for 12 s × 1.5 (the fastest speed) + 10 % of video, no more.
    LessonProgress.objects.update(opened_at=timezone.now() - datetime.timedelta(seconds=12))

    async def scenario() -> list[dict]:
        socket = connect(cookie)
        await socket.connect(timeout=TIMEOUT)
        answers = [
            await ask(socket, beat(lesson, 1, 0, 10)),
            await ask(socket, beat(lesson, 1, 10, 20)),  # replayed
            await ask(socket, beat(lesson, 2, 10, 20, speed=3.0)),
            await ask(socket, beat(lesson, 3, 50, 60)),  # skipped ahead
            await ask(socket, beat(lesson, 4, 95, 130)),  # past the end
            await ask(socket, beat(lesson, 5, 10, 90)),  # 80 s in no time
            await ask(socket, {"type": "beat", "lesson": lesson, "seq": 6, "intervals": "x"}),
            await ask(socket, beat(lesson, 7, 10, 12)),
        ]
        await socket.send_to(text_data="not json")
        answers.append(json.loads(await socket.receive_from(timeout=TIMEOUT)))
        await socket.disconnect()
        return answers

    answers = run(scenario())
    assert [a.get("reason", a["type"]) for a in answers] == [
        "ack",
        Reason.REPLAYED,
        Reason.SPEED,
        Reason.SKIPPED_AHEAD,
        Reason.PAST_DURATION,
        Reason.TOO_FAST,
        Reason.MALFORMED,
        "ack",
        Reason.MALFORMED,
    ]
    assert answers[5]["watched"] == 10.0  # a refused beat changes nothing
    row = LessonProgress.objects.get(student=student, lesson_id=lesson)
    assert row.intervals == [[0.0, 12.0]] and row.last_seq == 7
    logged = RejectedHeartbeat.objects.filter(student=student, lesson_id=lesson).order_by("pk")
    assert [r.reason for r in logged] == [
        Reason.REPLAYED,
        Reason.SPEED,
        Reason.SKIPPED_AHEAD,
        Reason.PAST_DURATION,
        Reason.TOO_FAST,
        Reason.MALFORMED,
    ]
    assert logged[0].payload["seq"] == 1 and logged[0].payload["intervals"] == [[10.0, 20.0]]


def test_a_connection_that_keeps_sending_refused_beats_is_cut_off(watching) -> None:
    student = watching.city.north.student_a1
    cookie = session_cookie(student)

    async def scenario() -> dict:
        socket = connect(cookie)
        await socket.connect(timeout=TIMEOUT)
        for _ in range(MAX_REFUSALS):
            await ask(socket, beat(watching.video.pk, 1, 50, 60, speed=9.0))
        return await socket.receive_output(timeout=TIMEOUT)

    assert run(scenario())["type"] == "websocket.close"


def test_two_tabs_share_one_state_and_one_sequence(watching) -> None:
    student = watching.city.north.student_a1
    cookie = session_cookie(student)
    lesson = watching.video.pk

    async def scenario() -> list[dict]:
        first, second = connect(cookie), connect(cookie)
        await first.connect(timeout=TIMEOUT)
        await second.connect(timeout=TIMEOUT)
        answers = [
            await ask(first, beat(lesson, 1, 0, 10)),
            await ask(second, {"type": "open", "lesson": lesson}),
            await ask(second, beat(lesson, 1, 10, 20)),
        ]
        rewind(student, lesson, 10)
        answers.append(await ask(second, beat(lesson, 2, 10, 20)))
        await first.disconnect()
        assert hub.live  # the second tab still watches
        await second.disconnect()
        return answers

    answers = run(scenario())
    assert answers[1]["seq"] == 1 and answers[1]["watched"] == 10
    assert answers[2]["reason"] == Reason.REPLAYED
    assert answers[3]["type"] == "ack" and answers[3]["watched"] == 20
    assert LessonProgress.objects.get(student=student, lesson_id=lesson).last_seq == 2


def test_beats_are_written_every_few_seconds_while_watching(watching) -> None:
    hub.flush_seconds = 0.05  # runtime.reset() puts it back
    student = watching.city.north.student_a1
    cookie = session_cookie(student)
    lesson = watching.video.pk
    key = (student.pk, lesson)

    async def scenario() -> int:
        socket = connect(cookie)
        await socket.connect(timeout=TIMEOUT)
        await ask(socket, beat(lesson, 1, 0, 10))
        rewind(student, lesson, 10)
        await ask(socket, beat(lesson, 2, 10, 20))
        for _ in range(200):
            if hub.live[key].saved_seq == 2:
                break
            await asyncio.sleep(0.01)
        saved = hub.live[key].saved_seq  # written while still connected
        # ... and the page is told, so it may forget the beats it kept until then.
        told = json.loads(await socket.receive_from(timeout=TIMEOUT))
        while told["saved"] < 2:
            told = json.loads(await socket.receive_from(timeout=TIMEOUT))
        assert told == {"type": "saved", "lesson": lesson, "saved": 2}
        await socket.disconnect()
        return saved

    assert run(scenario()) == 2
    assert LessonProgress.objects.get(student=student, lesson_id=lesson).watched == 20


def test_completion_is_written_at_once_with_attendance(watching) -> None:
    student = watching.city.north.student_a1
    cookie = session_cookie(student)
    lesson = watching.video
    session = Session.objects.create(
        course=watching.class_course,
        kind=Session.Kind.RECORDED,
        title=lesson.title,
        lesson=lesson,
        day=timezone.localdate(),
    )
    key = (student.pk, lesson.pk)

    async def scenario() -> tuple[dict, int]:
        socket = connect(cookie)
        await socket.connect(timeout=TIMEOUT)
        await ask(socket, beat(lesson.pk, 1, 0, 60))
        rewind(student, lesson.pk, 30)
        answer = await ask(socket, beat(lesson.pk, 2, 60, 90))
        for _ in range(200):
            if hub.live[key].saved_seq == 2:
                break
            await asyncio.sleep(0.01)
        written = hub.live[key].saved_seq  # by the completion, long before any periodic flush
        await socket.disconnect()
        return answer, written

    answer, written = run(scenario())
    assert answer["completed"] is True and answer["percent"] == 90
    assert written == 2
    assert LessonProgress.objects.get(student=student, lesson=lesson).completed_at is not None
    mark = Attendance.objects.get(session=session, student=student)
    assert mark.status == Attendance.Status.PRESENT


def test_a_player_reconnecting_resends_what_was_not_acknowledged(watching) -> None:
    """The resent stretch earns nothing twice, and a beacon between two connections is kept."""
    student = watching.city.north.student_a1
    cookie = session_cookie(student)
    lesson = watching.video.pk

    async def scenario() -> dict:
        first = connect(cookie)
        await first.connect(timeout=TIMEOUT)
        await ask(first, beat(lesson, 1, 0, 10))
        await first.disconnect()
        second = connect(cookie)
        await second.connect(timeout=TIMEOUT)
        state = await ask(second, {"type": "open", "lesson": lesson})
        assert state["seq"] == 1 and state["watched"] == 10
        answer = await ask(second, beat(lesson, 2, 0, 12))
        await second.disconnect()
        return answer

    answer = run(scenario())
    assert answer["type"] == "ack" and answer["watched"] == 12


def test_a_beacon_and_the_batched_write_come_in_either_order(watching) -> None:
    """The page closes: what it played goes by sendBeacon (seq 4) while the WebSocket's
    batched state (seq 3) is written only afterwards, on disconnect. Neither undoes the other.
    (The beacon holds everything the page played: the database does not know the acknowledged
    beats yet, and in a no-skip course the last stretch alone would start beyond its furthest
    point.)"""
    student = watching.city.north.student_a1
    cookie = session_cookie(student)
    lesson = watching.video.pk
    client = Client()
    client.force_login(student)
    url = reverse("courses:heartbeat", args=[watching.class_course.pk, lesson])

    def beacon() -> int:
        last = {"seq": 4, "intervals": [[0, 40]], "position": 40, "speed": 1}
        return client.post(url, {"beat": json.dumps(last)}).status_code

    async def scenario() -> int:
        socket = connect(cookie)
        await socket.connect(timeout=TIMEOUT)
        for seq in (1, 2, 3):
            await ask(socket, beat(lesson, seq, (seq - 1) * 10, seq * 10))
        status = await database_sync_to_async(beacon)()
        await socket.disconnect()
        return status

    assert run(scenario()) == 200
    row = LessonProgress.objects.get(student=student, lesson_id=lesson)
    assert row.intervals == [[0.0, 40.0]] and row.watched == 40
    assert (row.last_seq, row.position) == (4, 40)


def test_idle_time_is_not_saved_up_on_the_socket(watching) -> None:
    """F-08 (g): the page was open 200 s before the first beat. That beat may use the time; the
    next, a moment later, may claim no more of it than the half-minute bank: 40 s need time
    since the previous beat."""
    student = watching.city.north.student_a1
    cookie = session_cookie(student)
    lesson = watching.video.pk

    async def scenario() -> list[dict]:
        socket = connect(cookie)
        await socket.connect(timeout=TIMEOUT)
        answers = [
            await ask(socket, beat(lesson, 1, 0, 10)),
            await ask(socket, beat(lesson, 2, 10, 50)),
        ]
        rewind(student, lesson, 30)
        answers.append(await ask(socket, beat(lesson, 3, 10, 50)))
        await socket.disconnect()
        return answers

    first, greedy, fair = run(scenario())
    assert first["type"] == "ack"
    assert greedy["type"] == "refused" and greedy["reason"] == Reason.TOO_FAST
    assert fair["type"] == "ack" and fair["watched"] == 50
    assert LessonProgress.objects.get(student=student, lesson_id=lesson).watched == 50


def test_beats_of_a_video_of_unknown_length_complete_nothing(watching) -> None:
    """F-08 (a): over the socket too, a player's two-second "duration" is not taken."""
    Lesson.objects.filter(pk=watching.video.pk).update(duration=None)
    student = watching.city.north.student_a1
    cookie = session_cookie(student)
    lesson = watching.video.pk
    two_seconds = beat(lesson, 1, 0, 2, duration=2)

    async def scenario() -> dict:
        socket = connect(cookie)
        await socket.connect(timeout=TIMEOUT)
        answer = await ask(socket, two_seconds)
        await socket.disconnect()
        return answer

    answer = run(scenario())
    assert answer["type"] == "refused" and answer["reason"] == Reason.UNKNOWN_DURATION
    assert answer["completed"] is False
    row = LessonProgress.objects.get(student=student, lesson_id=lesson)
    assert row.completed_at is None and row.watched == 0
