"""After a recorded class: the teacher keeps the recording private, shares it with the course
(a lesson, assigned to those who missed the class) or deletes it; nobody else may."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import translation

from openclass.courses.models import Attendance, Lesson
from openclass.live import recording as recordings
from openclass.live import services
from openclass.live.models import LiveRoom, Recording
from openclass.media import ffmpeg
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
    room = services.main_room(live_class.session)
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
    assert client.post(url).status_code == 403
    assert recordings.to_watch(live_class.classmate) == []
    client.force_login(live_class.teacher)
    client.post(url)
    recorded.refresh_from_db()
    lesson = recorded.lesson
    assert lesson.kind == Lesson.Kind.VIDEO and not lesson.is_required
    assert lesson.section.course == live_class.courses.class_course
    assert list(recorded.assigned_to.all()) == [live_class.classmate]
    assert recordings.to_watch(live_class.classmate) == [recorded]
    assert recordings.to_watch(live_class.student) == []
    client.force_login(live_class.classmate)
    home = client.get(reverse("web:home")).content.decode()
    assert reverse("courses:lesson", args=[lesson.section.course_id, lesson.pk]) in home


def test_deleting_removes_the_video_and_the_files(client, recorded, live_class, settings, tmp_path):
    settings.LIVE_RECORDINGS_DIR = tmp_path / "recordings"
    folder = recordings.folder(recorded.room)
    folder.mkdir(parents=True)
    (folder / "videoroom-1-user-2-3-audio-0.mjr").write_bytes(b"x")
    original = media.absolute(recorded.video.original_path)
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
        recordings.share(live_class.teacher, recorded)


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
