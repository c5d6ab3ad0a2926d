"""After a recorded class: the teacher keeps the recording private, shares it with the course
(a lesson, assigned to those who missed the class) or deletes it; nobody else may."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.storage import default_storage
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from openclass.core import ffmpeg
from openclass.courses.models import Attendance, Lesson, LessonProgress
from openclass.live import recording as recordings
from openclass.live import selectors
from openclass.live.models import LiveRoom, Recording, Stay, Ticket
from openclass.live.services import rooms
from openclass.live.services.recordings import share_recording, shared_into_course
from openclass.media import services as media

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    """The refusals are checked by their English wording (Korean is the default)."""
    with translation.override("en"):
        yield


@pytest.fixture
def recorded(live_class, tmp_path, settings) -> Recording:
    settings.MEDIA_ROOT = tmp_path / "media"
    room = rooms.main_room(live_class.session)
    room.status = LiveRoom.Status.ENDED
    room.save()
    source = ffmpeg.make_test_pattern(tmp_path / "class.mp4", seconds=2)
    video = media.create_video_from_file(source, live_class.teacher, "녹화", transcode_now=False)
    Attendance.objects.create(
        session=live_class.session, student=live_class.student, status=Attendance.Status.PRESENT
    )
    Attendance.objects.create(
        session=live_class.session, student=live_class.classmate, status=Attendance.Status.ABSENT
    )
    return Recording.objects.create(
        room=room, started_by=live_class.teacher, status=Recording.Status.READY, video=video
    )


def test_sharing_makes_a_lesson_assigned_to_who_missed_the_class(client, recorded, live_class):
    url = reverse("live:recording_share", args=[recorded.room_id])
    client.force_login(live_class.student)
    assert client.post(url).status_code == 403  # in the class, not its teacher
    client.force_login(live_class.outsider)
    assert client.post(url).status_code == 404  # not even told the class was recorded
    assert selectors.to_watch(live_class.classmate) == []
    assert shared_into_course(recorded.room) is None  # recorded, not yet shared
    client.force_login(live_class.teacher)
    client.post(url)
    assert shared_into_course(recorded.room) == recorded
    recorded.refresh_from_db()
    lesson = recorded.lesson
    assert lesson.kind == Lesson.Kind.VIDEO and not lesson.is_required
    assert lesson.section.course == live_class.courses.class_course
    assert list(recorded.assigned_to.all()) == [live_class.classmate]
    with CaptureQueriesContext(connection) as read:
        (listed,) = selectors.to_watch(live_class.classmate)
        assert (listed.lesson.section.course, listed.room.session) == (
            live_class.courses.class_course,
            live_class.session,
        )
    assert listed == recorded and len(read.captured_queries) == 1
    assert selectors.to_watch(live_class.student) == []
    client.force_login(live_class.classmate)
    home = client.get(reverse("web:home")).content.decode()
    assert reverse("courses:lesson", args=[lesson.section.course_id, lesson.pk]) in home
    # Watched to the end: no longer asked for (watched only in part: still asked).
    progress = LessonProgress.objects.create(student=live_class.classmate, lesson=lesson)
    assert selectors.to_watch(live_class.classmate) == [recorded]
    progress.completed_at = timezone.now()
    progress.save()
    assert selectors.to_watch(live_class.classmate) == []


def test_deleting_removes_the_video_and_the_files(client, recorded, live_class, settings, tmp_path):
    settings.LIVE_RECORDINGS_DIR = tmp_path / "recordings"
    folder = recordings.folder(recorded.room)
    folder.mkdir(parents=True)
    (folder / "videoroom-1-user-2-3-audio-0.mjr").write_bytes(b"x")
    original = Path(default_storage.path(recorded.video.original_path))
    client.force_login(live_class.student)
    assert client.post(reverse("live:recording_delete", args=[recorded.room_id])).status_code == 403
    client.force_login(live_class.teacher)
    client.post(reverse("live:recording_delete", args=[recorded.room_id]))
    recorded.refresh_from_db()
    assert recorded.status == Recording.Status.DELETED and recorded.video is None
    assert not folder.exists() and not original.exists()


def test_only_a_ready_recording_is_shared(recorded, live_class):
    recorded.status = Recording.Status.PROCESSING
    recorded.save()
    with pytest.raises(Exception, match="not ready"):
        share_recording(live_class.teacher, recorded)


def test_recording_files_are_found_by_room_and_feed(tmp_path: Path):
    for name in (
        "videoroom-7-user-11-100-audio-0.mjr",
        "videoroom-7-user-11-101-video-1.mjr",
        "videoroom-7-user-12-102-video-1.mjr",
        "videoroom-8-user-13-103-video-1.mjr",  # another room
        "videoroom-7-user-14-104-video-1.mjr.tmp",  # still being written
    ):
        (tmp_path / name).write_bytes(b"x" * 10)
    feeds = recordings.feeds_in(tmp_path, {7})
    assert sorted(feeds) == [11, 12]
    assert sorted(feeds[11].files) == ["audio", "video"]


def colour_clip(target: Path, colour: str, seconds: float, size: str, audio: bool = False) -> Path:
    """A VP8 WebM of one colour (as janus-pp-rec writes a feed's video), or an Opus tone."""
    command = [settings.FFMPEG_BINARY, "-nostdin", "-loglevel", "error", "-y"]
    if audio:
        command += [
            "-f",
            "lavfi",
            "-i",
            f"sine=frequency=440:duration={seconds}",
            "-c:a",
            "libopus",
        ]
    else:
        command += ["-f", "lavfi", "-i", f"color=c={colour}:s={size}:r=25:d={seconds}"]
        command += ["-c:v", "libvpx", "-deadline", "realtime", "-b:v", "300k"]
    subprocess.run([*command, str(target)], check=True, timeout=60)
    return target


def pixel(video: Path, at: float, x: int, y: int) -> tuple[int, int, int]:
    command = [
        settings.FFMPEG_BINARY, "-nostdin", "-loglevel", "error", "-ss", str(at),
        "-i", str(video), "-frames:v", "1", "-vf", f"crop=2:2:{x}:{y}",
        "-f", "rawvideo", "-pix_fmt", "rgb24", "-",
    ]  # fmt: skip
    frame = subprocess.run(command, capture_output=True, check=True, timeout=60).stdout
    return tuple(frame[:3])


def looks(rgb: tuple[int, int, int]) -> str:
    red, _green, blue = rgb
    if max(rgb) < 40:
        return "black"
    return "red" if red > 150 and blue < 90 else "blue" if blue > 150 and red < 90 else str(rgb)


CENTRE = (640, 300)
CORNER = (recordings.CANVAS_WIDTH - 100, recordings.CANVAS_HEIGHT - 60)


def test_a_shared_screen_fills_the_recording_with_the_camera_in_the_corner(tmp_path: Path):
    camera = recordings.Track(colour_clip(tmp_path / "camera.webm", "red", 6, "320x240"), 0, 6)
    voice = recordings.Track(colour_clip(tmp_path / "voice.opus", "", 6, "", audio=True), 0.2)
    screen = recordings.Track(colour_clip(tmp_path / "screen.webm", "blue", 2, "640x360"), 2, 2)
    out = tmp_path / "class.mp4"
    subprocess.run(
        recordings.composite_command(camera, voice, [screen], out), check=True, timeout=120
    )
    info = ffmpeg.probe(out)
    assert (info.width, info.height) == (recordings.CANVAS_WIDTH, recordings.CANVAS_HEIGHT)
    assert 5.5 < info.duration < 6.5 and info.has_audio
    assert looks(pixel(out, 1, *CENTRE)) == "red"  # the camera, full (4:3, pillarboxed)
    assert looks(pixel(out, 1, *CORNER)) == "black"
    assert looks(pixel(out, 3, *CENTRE)) == "blue"  # the shared screen …
    assert looks(pixel(out, 3, *CORNER)) == "red"  # … with the camera in the corner
    assert looks(pixel(out, 5, *CENTRE)) == "red"  # sharing stopped


def test_screen_shares_without_a_camera_are_recorded_on_black(tmp_path: Path):
    first = recordings.Track(colour_clip(tmp_path / "one.webm", "blue", 1, "640x360"), 1, 1)
    second = recordings.Track(colour_clip(tmp_path / "two.webm", "blue", 1, "640x360"), 3, 1)
    out = tmp_path / "class.mp4"
    subprocess.run(
        recordings.composite_command(None, None, [first, second], out), check=True, timeout=120
    )
    assert 3.5 < ffmpeg.probe(out).duration < 4.5
    assert [looks(pixel(out, at, *CENTRE)) for at in (0.5, 1.5, 2.5, 3.5)] == [
        "black",
        "blue",
        "black",
        "blue",
    ]


def test_the_teachers_camera_and_screen_shares_are_told_apart_by_their_tickets(
    live_class, tmp_path: Path
):
    room = rooms.main_room(live_class.session)
    teacher = rooms.participant_for(live_class.teacher, room)
    student = rooms.participant_for(live_class.student, room)
    now = timezone.now()
    for participant, feed_id in ((teacher, 11), (teacher, 12), (student, 13)):
        Stay.objects.create(participant=participant, room=room, feed_id=feed_id, joined_at=now)
    Ticket.objects.create(
        participant=teacher, room=room, purpose=Ticket.Purpose.SCREEN, feed_id=12,
        token="screen-token", expires_at=now,
    )  # fmt: skip
    for name, size in (
        ("videoroom-7-user-11-100-video-0.mjr", 50),
        ("videoroom-7-user-11-100-audio-1.mjr", 10),
        ("videoroom-7-user-12-200-video-0.mjr", 90),  # the longest, but a screen
        ("videoroom-7-user-13-300-video-0.mjr", 99),  # a student's
    ):
        (tmp_path / name).write_bytes(b"x" * size)
    camera, screens = recordings._host_feeds(room, recordings.feeds_in(tmp_path, {7}))
    assert camera.feed_id == 11 and sorted(camera.files) == ["audio", "video"]
    assert [feed.feed_id for feed in screens] == [12]
