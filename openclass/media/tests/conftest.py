"""Fixtures for the media tests: short real videos made with ffmpeg, and a private MEDIA_ROOT.

The videos are made once per session (about a second in all); a ready HLS set is transcoded once
too, so the playback tests need no transcode of their own.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from openclass.accounts.tests.fixtures import City
from openclass.core import ffmpeg
from openclass.media.models import Video

SECONDS = 3


@pytest.fixture(scope="session")
def sample_video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 3-second 320×240 H.264 video with a 440 Hz tone (MP4)."""
    return ffmpeg.make_test_pattern(
        tmp_path_factory.mktemp("samples") / "lesson.mp4", seconds=SECONDS
    )


@pytest.fixture(scope="session")
def silent_video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same picture without any audio track."""
    return ffmpeg.make_test_pattern(
        tmp_path_factory.mktemp("samples") / "silent.mp4", seconds=SECONDS, audio=False
    )


@pytest.fixture
def media_root(tmp_path: Path, settings) -> Path:
    """A private MEDIA_ROOT (the filesystem storage's folder), and a private spool beside it."""
    root = tmp_path / "media"
    root.mkdir()
    settings.MEDIA_ROOT = root
    settings.MEDIA_SPOOL_DIR = tmp_path / "spool"
    return root


@pytest.fixture
def spool(media_root: Path, settings) -> Path:
    """This host's spool: unfinished uploads' part files and scratch copies."""
    return settings.MEDIA_SPOOL_DIR


@pytest.fixture(scope="session")
def hls_set(tmp_path_factory: pytest.TempPathFactory, sample_video: Path) -> tuple[Path, str]:
    """A MEDIA_ROOT holding one transcoded video: (root, video key)."""
    root = tmp_path_factory.mktemp("ready-media")
    key = "0123456789abcdef0123456789abcdef"
    folder = root / "videos" / key
    folder.mkdir(parents=True)
    shutil.copyfile(sample_video, folder / "original.mp4")
    info = ffmpeg.probe(folder / "original.mp4")
    ffmpeg.transcode_hls(folder / "original.mp4", folder / "hls", info, on_progress=lambda s: None)
    ffmpeg.make_poster(folder / "original.mp4", folder / "hls" / "poster.jpg", info.duration)
    return root, key


@pytest.fixture
def ready_video(hls_set: tuple[Path, str], settings, city: City) -> Video:
    """A ready video uploaded by north's homeroom teacher, its files in the session's HLS set."""
    root, key = hls_set
    settings.MEDIA_ROOT = root
    hls_dir = f"videos/{key}/hls"
    return Video.objects.create(
        key=key,
        uploaded_by=city.north.homeroom_a,
        title="물의 순환",
        original_path=f"videos/{key}/original.mp4",
        original_name="lesson.mp4",
        size_bytes=(root / f"videos/{key}/original.mp4").stat().st_size,
        duration=float(SECONDS),
        width=320,
        height=240,
        has_audio=True,
        status=Video.Status.READY,
        progress=100,
        hls_dir=hls_dir,
        poster_path=f"{hls_dir}/poster.jpg",
        renditions=ffmpeg.read_master_playlist(root / hls_dir / "master.m3u8"),
    )
