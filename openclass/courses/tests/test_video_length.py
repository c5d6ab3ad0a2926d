"""F-08 (a): a YouTube or URL video lesson's length is the server's, never the student's player's.

It comes from ffprobe of the URL (a real file served here on 127.0.0.1), from the YouTube player
on the teacher's lesson form (a hidden field, checked), or from the teacher; without it, beats
complete nothing and both the student and the teacher are told."""

from __future__ import annotations

import functools
import json
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from openclass.core import ffmpeg
from openclass.courses.forms import LessonForm, format_length, parse_length, reported_length
from openclass.courses.models import Attendance, Lesson, LessonProgress, RejectedHeartbeat, Session
from openclass.courses.services import courses as services
from openclass.courses.services import video_length
from openclass.courses.tests.fixtures import Courses
from openclass.privacy.models import Consent
from openclass.privacy.services import give_consent

Reason = RejectedHeartbeat.Reason
REVIEW_BEAT = {"seq": 1, "intervals": [[0, 2]], "position": 2, "speed": 1, "duration": 2}


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    """A three-second video served over HTTP on 127.0.0.1: the base URL of its folder."""
    ffmpeg.make_test_pattern(tmp_path / "clip.mp4", seconds=3, size="160x120", audio=False)
    handler = functools.partial(QuietHandler, directory=str(tmp_path))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def unknown_length(courses: Courses, kind: str) -> Lesson:
    lesson = courses.video
    lesson.kind = kind
    lesson.url = (
        "https://www.youtube.com/watch?v=dQw4w9WgXcQ"
        if kind == Lesson.Kind.YOUTUBE
        else "https://media.example.org/lesson1.mp4"
    )
    lesson.duration = None
    lesson.save()
    return lesson


# --- Beats -----------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", [Lesson.Kind.YOUTUBE, Lesson.Kind.VIDEO_URL])
def test_two_seconds_of_beats_do_not_complete_a_lesson_of_unknown_length(client, courses, kind):
    """The review's request: a beat claiming the video is two seconds long, and two seconds
    watched. It completed the lesson and marked the day present; now it is refused."""
    north = courses.city.north
    lesson = unknown_length(courses, kind)
    services.enrol(north.homeroom_a, courses.class_course, [north.student_a1])
    session = Session.objects.create(
        course=courses.class_course,
        kind=Session.Kind.RECORDED,
        title=lesson.title,
        lesson=lesson,
        day=timezone.localdate(),
    )
    # A YouTube video plays once consent is on record (a parent's, under 14: privacy).
    give_consent(north.parent_a1, north.student_a1, Consent.Purpose.YOUTUBE)
    client.force_login(north.student_a1)
    page = client.get(reverse("courses:lesson", args=[courses.class_course.pk, lesson.pk]))
    # The page speaks Korean: "watching it cannot complete the lesson".
    assert "시청해도 차시를 이수할 수 없습니다" in page.content.decode()
    assert 'data-ws-path=""' in page.content.decode()  # the player reports nothing
    url = reverse("courses:heartbeat", args=[courses.class_course.pk, lesson.pk])
    answer = client.post(url, {"beat": json.dumps(REVIEW_BEAT)})
    assert answer.status_code == 409 and answer.json()["reason"] == Reason.UNKNOWN_DURATION
    assert answer.json()["completed"] is False
    row = LessonProgress.objects.get(student=north.student_a1, lesson=lesson)
    assert row.completed_at is None and row.watched == 0 and row.duration is None
    mark = Attendance.objects.filter(session=session, student=north.student_a1).first()
    assert mark is None or mark.status != Attendance.Status.PRESENT


def test_a_known_length_must_be_watched(client, courses) -> None:
    north = courses.city.north
    lesson = unknown_length(courses, Lesson.Kind.YOUTUBE)
    Lesson.objects.filter(pk=lesson.pk).update(duration=212.0)
    services.enrol(north.homeroom_a, courses.class_course, [north.student_a1])
    services.open_lesson(north.student_a1, lesson)
    client.force_login(north.student_a1)
    url = reverse("courses:heartbeat", args=[courses.class_course.pk, lesson.pk])
    answer = client.post(url, {"beat": json.dumps(REVIEW_BEAT)})
    assert answer.status_code == 200
    assert answer.json()["completed"] is False and answer.json()["duration"] == 212.0


# --- The length, from the teacher, the teacher's page, or ffprobe ------------------------------


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("1:40", 100.0), ("100", 100.0), (" 12:30 ", 750.0), ("0:02.5", 2.5), ("360:00", 21600.0)],
)
def test_lengths_are_minutes_and_seconds_or_seconds(text, seconds) -> None:
    assert parse_length(text) == seconds


@pytest.mark.parametrize("text", ["", "0", "0:00", "²", "1:60", "-5", "abc", "360:01", "1e3"])
def test_odd_lengths_are_refused(text) -> None:
    assert parse_length(text) is None


@pytest.mark.parametrize("value", ["", None, "0", "-3", "nan", "inf", "21601", "x", "1e309"])
def test_a_reported_length_is_a_positive_number_within_bounds(value) -> None:
    assert reported_length(value) is None
    assert reported_length("212.3456") == 212.346


def test_the_form_shows_a_known_length() -> None:
    assert format_length(100.0) == "1:40" and format_length(62.5) == "1:02.5"
    assert parse_length(format_length(4321.125)) == 4321.125


def lesson_post(lesson: Lesson | None = None, **fields) -> dict:
    data = {
        "title": lesson.title if lesson else "영상",
        "kind": lesson.kind if lesson else Lesson.Kind.YOUTUBE,
        "description": "",
        "is_required": "on",
        "url": lesson.url if lesson else "https://youtu.be/dQw4w9WgXcQ",
        "length": format_length(lesson.duration) if lesson else "",
        "reported_length": "",
    }
    return data | fields


def save(courses: Courses, data: dict, lesson: Lesson | None = None) -> Lesson:
    form = LessonForm(data, instance=lesson, user=courses.city.north.homeroom_a)
    assert form.is_valid(), form.errors
    return services.save_lesson(
        courses.city.north.homeroom_a, courses.video.section, form.save(commit=False)
    )


def test_the_teachers_entry_is_the_length(courses) -> None:
    added = save(courses, lesson_post(length="3:32", reported_length="999"))
    assert added.duration == 212.0
    changed = save(courses, lesson_post(added, length="200"), added)
    assert changed.duration == 200.0
    form = LessonForm(lesson_post(added, length="²"), instance=added, user=courses.city.north.admin)
    assert not form.is_valid() and "length" in form.errors


def test_the_youtube_players_length_from_the_teachers_page(courses) -> None:
    added = save(courses, lesson_post(reported_length="212.32"))
    assert added.duration == 212.32
    # Another video: the old length is forgotten, the page's new report taken.
    other = save(
        courses,
        lesson_post(added, url="https://youtu.be/aaaaaaaaaaa", reported_length="61"),
        added,
    )
    assert other.duration == 61.0
    # A figure that is no length is not taken: the lesson has none.
    odd = save(
        courses, lesson_post(other, url="https://youtu.be/bbbbbbbbbbb", reported_length="-1"), other
    )
    assert odd.duration is None


def test_a_url_video_is_measured_by_ffprobe_when_saved(
    client, courses, served, huey_immediate, django_capture_on_commit_callbacks
) -> None:
    teacher = courses.city.north.homeroom_a
    client.force_login(teacher)
    section = courses.video.section
    url = reverse("courses:lesson_create", args=[courses.class_course.pk, section.pk])
    data = lesson_post(kind=Lesson.Kind.VIDEO_URL, url=f"{served}/clip.mp4", title="URL 영상")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, data)
    assert response.status_code == 302
    lesson = Lesson.objects.get(title="URL 영상")
    assert lesson.duration == pytest.approx(3.0, abs=0.1)
    assert lesson.known_duration == lesson.duration


def test_a_url_ffprobe_cannot_read_leaves_the_length_to_the_teacher(
    client, courses, served, huey_immediate, django_capture_on_commit_callbacks
) -> None:
    client.force_login(courses.city.north.homeroom_a)
    section = courses.video.section
    url = reverse("courses:lesson_create", args=[courses.class_course.pk, section.pk])
    data = lesson_post(kind=Lesson.Kind.VIDEO_URL, url=f"{served}/missing.mp4", title="없는 영상")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, data, follow=True)
    # "if it stays unknown, enter the length on the lesson form", in Korean as the page shows it.
    assert "계속 알 수 없으면 차시 편집 화면에서 길이를 적어 주세요" in response.content.decode()
    lesson = Lesson.objects.get(title="없는 영상")
    assert lesson.duration is None
    edit = reverse("courses:lesson_edit", args=[courses.class_course.pk, section.pk, lesson.pk])
    page = client.get(edit)
    assert "data-length-unknown" in page.content.decode()
    assert video_length.probe_url("file:///etc/passwd") is None


def test_a_measurement_does_not_overwrite_a_changed_lesson(courses, served) -> None:
    lesson = unknown_length(courses, Lesson.Kind.VIDEO_URL)
    Lesson.objects.filter(pk=lesson.pk).update(url=f"{served}/clip.mp4", duration=42.0)
    assert video_length.measure(lesson.pk) is None  # the teacher's 42 s stays
    Lesson.objects.filter(pk=lesson.pk).update(duration=None)
    assert video_length.measure(lesson.pk) == pytest.approx(3.0, abs=0.1)
