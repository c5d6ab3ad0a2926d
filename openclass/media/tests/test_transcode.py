"""Checking with ffprobe and transcoding to HLS with ffmpeg: the real binaries, short videos."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from django.utils import timezone

from openclass.core import ffmpeg
from openclass.media import services
from openclass.media.models import Video


def test_probe_reads_a_video(sample_video: Path):
    info = ffmpeg.probe(sample_video)
    assert info.duration == pytest.approx(3.0, abs=0.1)
    assert (info.width, info.height) == (320, 240)
    assert info.has_audio
    assert info.video_codec == "h264"


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("notes.txt", "오늘 수업 내용\n".encode() * 50),
        ("lesson.mp4", b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n" * 50),
        ("empty.mp4", b""),
    ],
)
def test_probe_refuses_what_is_not_a_video(tmp_path: Path, name: str, content: bytes):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ffmpeg.ProbeError) as refused:
        ffmpeg.probe(path)
    assert refused.value.code == Video.Failure.NOT_VIDEO


def test_probe_refuses_a_still_picture(tmp_path: Path, sample_video: Path):
    picture = tmp_path / "slide.jpg"
    ffmpeg.make_poster(sample_video, picture, 3.0)
    with pytest.raises(ffmpeg.ProbeError):
        ffmpeg.probe(picture)


def test_transcode_makes_adaptive_hls_and_a_poster(city, media_root: Path, sample_video: Path):
    video = services.create_video_from_file(sample_video, city.north.homeroom_a, "물의 순환")
    assert video.status == Video.Status.READY, video.error_detail
    assert video.progress == 100
    assert video.duration == pytest.approx(3.0, abs=0.1)
    assert (video.width, video.height) == (320, 240)
    assert video.has_audio
    hls = media_root / video.hls_dir
    master = (hls / "master.m3u8").read_text()
    assert "360p/index.m3u8" in master and "720p/index.m3u8" in master
    assert "mp4a" in master  # AAC audio in the renditions
    assert [(r["name"], r["height"]) for r in video.renditions] == [("360p", 360), ("720p", 720)]
    assert all(r["bandwidth"] > 0 for r in video.renditions)
    for rung in ("360p", "720p"):
        playlist = (hls / rung / "index.m3u8").read_text()
        assert "#EXT-X-ENDLIST" in playlist
        segments = sorted((hls / rung).glob("seg_*.ts"))
        assert segments and all(s.stat().st_size > 0 for s in segments)
        assert ffmpeg.probe(segments[0]).height == int(rung[:-1])
    poster = media_root / video.poster_path
    assert poster.read_bytes()[:2] == b"\xff\xd8"  # a JPEG
    assert (media_root / video.original_path).exists()
    assert sorted(p.name for p in (media_root / f"videos/{video.key}").iterdir()) == sorted(
        ["original.mp4", video.hls_dir.rsplit("/", 1)[-1]]
    )


def test_a_video_without_audio(city, media_root: Path, silent_video: Path):
    video = services.create_video_from_file(silent_video, city.north.homeroom_a, "무음")
    assert video.status == Video.Status.READY, video.error_detail
    assert not video.has_audio
    master = (media_root / video.hls_dir / "master.m3u8").read_text()
    assert "360p/index.m3u8" in master and "720p/index.m3u8" in master
    assert "mp4a" not in master


def test_a_corrupted_original_fails_with_a_reason_and_is_kept(
    city, media_root: Path, sample_video: Path
):
    video = services.create_video_from_file(
        sample_video, city.north.homeroom_a, "깨진 영상", transcode_now=False
    )
    assert video.status == Video.Status.QUEUED  # it passed the first check
    original = media_root / video.original_path
    original.write_bytes(original.read_bytes()[: original.stat().st_size // 2])

    video = services.transcode_video(video.pk)
    assert video.status == Video.Status.FAILED
    assert video.error_code == Video.Failure.TRANSCODE
    assert video.error == Video.Failure.TRANSCODE.label  # "… the original file is kept …"
    assert video.error_detail  # ffmpeg's (or ffprobe's) last error line
    assert original.exists()
    assert not list((media_root / f"videos/{video.key}").glob("hls*"))  # nothing half-stored


def test_a_missing_original_fails_with_a_reason(city, media_root: Path, sample_video: Path):
    video = services.create_video_from_file(
        sample_video, city.north.homeroom_a, "사라진 영상", transcode_now=False
    )
    (media_root / video.original_path).unlink()
    video = services.transcode_video(video)
    assert video.status == Video.Status.FAILED
    assert video.error_code == Video.Failure.MISSING_ORIGINAL


def test_ffmpeg_failing_mid_way_records_its_error_line(
    city, media_root: Path, sample_video: Path, settings
):
    video = services.create_video_from_file(
        sample_video, city.north.homeroom_a, "실패", transcode_now=False
    )
    settings.VIDEO_TRANSCODE_THREADS = -5  # ffmpeg refuses this, after the probe passed
    video = services.transcode_video(video)
    assert video.status == Video.Status.FAILED
    assert video.error_code == Video.Failure.TRANSCODE
    assert video.error_detail
    assert (media_root / video.original_path).exists()


def test_a_failed_video_can_be_transcoded_again(city, media_root: Path, sample_video: Path):
    video = services.create_video_from_file(
        sample_video, city.north.homeroom_a, "재시도", transcode_now=False
    )
    Video.objects.filter(pk=video.pk).update(status=Video.Status.FAILED, error_code="transcode")
    video = services.transcode_video(video)
    assert video.status == Video.Status.READY
    assert video.error == ""


def test_a_non_video_file_gives_a_failed_video(city, media_root: Path, tmp_path: Path):
    text = tmp_path / "notes.txt"
    text.write_text("숙제: 교과서 12쪽\n" * 100)
    video = services.create_video_from_file(text, city.north.homeroom_a, "메모")
    assert video.status == Video.Status.FAILED
    assert video.error_code == Video.Failure.NOT_VIDEO
    assert video.original_path.endswith("/original")  # ffprobe is not steered by its ".txt"


@pytest.mark.parametrize("suffix", [".txt", ".bin", ".ans"])
def test_text_art_demuxers_do_not_pass_text_as_video(tmp_path: Path, suffix: str):
    path = tmp_path / f"notes{suffix}"
    path.write_text("숙제: 교과서 12쪽\n" * 100)
    with pytest.raises(ffmpeg.ProbeError):
        ffmpeg.probe(path)


def test_progress_is_written_from_out_time(city, media_root: Path, monkeypatch):
    video = Video.objects.create(uploaded_by=city.north.homeroom_a, title="t", duration=200.0)
    monkeypatch.setattr(services, "PROGRESS_INTERVAL", 0)
    report = services._progress_writer(video)
    report(90.0)
    assert Video.objects.get(pk=video.pk).progress == 45
    report(250.0)  # ffmpeg may overshoot the probed length: never 100 before "ready"
    assert Video.objects.get(pk=video.pk).progress == 99


def test_progress_writes_are_throttled(city, media_root: Path):
    video = Video.objects.create(uploaded_by=city.north.homeroom_a, title="t", duration=100.0)
    report = services._progress_writer(video)
    report(10.0)
    report(20.0)  # within 2 s of the first: not written
    assert Video.objects.get(pk=video.pk).progress == 10


def test_the_task_runs_the_transcode(city, media_root: Path, sample_video: Path, huey_immediate):
    from openclass.media.tasks import transcode_video_task

    video = services.create_video_from_file(
        sample_video, city.north.homeroom_a, "큐", transcode_now=False
    )
    transcode_video_task(video.pk)
    video.refresh_from_db()
    assert video.status == Video.Status.READY


def test_deleting_a_video_removes_its_files(
    city, media_root: Path, sample_video: Path, django_capture_on_commit_callbacks
):
    video = services.create_video_from_file(
        sample_video, city.north.homeroom_a, "삭제", transcode_now=False
    )
    folder = media_root / f"videos/{video.key}"
    assert folder.exists()
    with django_capture_on_commit_callbacks(execute=True):
        video.delete()
    assert not folder.exists()


def test_a_second_transcode_switches_to_a_new_set_and_deletes_the_old(
    city, media_root: Path, sample_video: Path
):
    video = services.create_video_from_file(sample_video, city.north.homeroom_a, "두 번")
    first = video.hls_dir
    video = services.transcode_video(video)
    assert video.status == Video.Status.READY
    assert video.hls_dir != first and video.poster_path.startswith(video.hls_dir)
    assert (media_root / video.hls_dir / "master.m3u8").is_file()
    assert not (media_root / first).exists()


def _stalled(video: Video, status: str, minutes: float) -> None:
    """As if ``video``'s row last moved ``minutes`` ago, in ``status``."""
    then = timezone.now() - datetime.timedelta(minutes=minutes)
    Video.objects.filter(pk=video.pk).update(status=status, updated_at=then)


def test_a_lost_transcode_is_queued_again_and_done(
    city, media_root: Path, sample_video: Path, huey_immediate, django_capture_on_commit_callbacks
):
    """The consumer killed mid-transcode (the row stays "converting") or Redis losing the queue
    (it stays "waiting"): the periodic task queues it again, and the video becomes ready."""
    owner = city.north.homeroom_a
    converting = services.create_video_from_file(
        sample_video, owner, "변환 중", transcode_now=False
    )
    waiting = services.create_video_from_file(sample_video, owner, "대기 중", transcode_now=False)
    fresh = services.create_video_from_file(sample_video, owner, "방금 변환", transcode_now=False)
    _stalled(converting, Video.Status.TRANSCODING, 11)
    _stalled(waiting, Video.Status.QUEUED, 11)
    _stalled(fresh, Video.Status.TRANSCODING, 1)  # alive: its transcode touched it a minute ago

    with django_capture_on_commit_callbacks(execute=True):
        queued = services.requeue_stalled_transcodes()
    assert sorted(queued) == sorted([converting.pk, waiting.pk])

    for video in (converting, waiting):
        video.refresh_from_db()
        assert video.status == Video.Status.READY, video.error_detail
    fresh.refresh_from_db()
    assert fresh.status == Video.Status.TRANSCODING
    assert services.requeue_stalled_transcodes() == []


def test_a_second_task_for_a_video_being_converted_does_nothing(
    city, media_root: Path, sample_video: Path
):
    """Two tasks for one video (one queued again while the first was only slow) race on one
    UPDATE: the one that loses converts nothing."""
    video = services.create_video_from_file(
        sample_video, city.north.homeroom_a, "느린 변환", transcode_now=False
    )
    _stalled(video, Video.Status.TRANSCODING, 1)
    assert services.transcode_video(video.pk).status == Video.Status.TRANSCODING
    video.refresh_from_db()
    assert video.hls_dir == "" and video.status == Video.Status.TRANSCODING
    _stalled(video, Video.Status.READY, 0)
    assert services.transcode_video(video.pk).status == Video.Status.READY
