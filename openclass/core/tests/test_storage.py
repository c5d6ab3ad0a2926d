"""openclass.core.storage on the default filesystem storage (the S3 side runs in
web/tests/test_object_storage.py against a real S3 API server), and the rule that no area
builds paths under MEDIA_ROOT itself."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import FileResponse

from openclass.core import storage as stored

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def media(tmp_path: Path, settings) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MEDIA_SPOOL_DIR = tmp_path / "spool"
    return settings.MEDIA_ROOT


def test_a_local_copy_on_a_filesystem_is_the_stored_file_itself(media: Path):
    name = default_storage.save("videos/k/original.mp4", ContentFile(b"abc"))
    with stored.local_copy(name) as path:
        assert path == media / "videos/k/original.mp4"
    assert (media / name).read_bytes() == b"abc"
    with pytest.raises(FileNotFoundError), stored.local_copy("videos/k/missing.mp4"):
        pass


def test_save_file_replaces_under_the_exact_name_and_moves_when_asked(media: Path, tmp_path):
    local = tmp_path / "made.txt"
    local.write_bytes(b"one")
    assert stored.save_file("a/b.txt", local) == "a/b.txt"
    assert local.exists()  # copied
    local.write_bytes(b"two")
    assert stored.save_file("a/b.txt", local, move=True) == "a/b.txt"  # not "a/b_x7Yz.txt"
    assert not local.exists()  # moved
    assert (media / "a/b.txt").read_bytes() == b"two"


def test_trees_are_stored_listed_and_deleted(media: Path, tmp_path):
    work = tmp_path / "work"
    (work / "360p").mkdir(parents=True)
    (work / "master.m3u8").write_text("#EXTM3U\n")
    (work / "360p/index.m3u8").write_text("#EXTM3U\n")
    (work / "360p/seg_0.ts").write_bytes(b"\x47")
    stored.save_tree(work, "videos/k/hls-1")
    assert sorted(stored.list_tree("videos/k")) == [
        "videos/k/hls-1/360p/index.m3u8",
        "videos/k/hls-1/360p/seg_0.ts",
        "videos/k/hls-1/master.m3u8",
    ]
    stored.delete_tree("videos/k")
    assert stored.list_tree("videos/k") == []
    assert not (media / "videos/k").exists()  # no empty folders left behind
    stored.delete_tree("videos/never")  # nothing there: no error


def test_a_stored_file_is_streamed_or_left_to_nginx(media: Path):
    default_storage.save("v/poster.jpg", ContentFile(b"\xff\xd8"))
    streamed = stored.stored_file_response("v/poster.jpg", "image/jpeg")
    assert isinstance(streamed, FileResponse)
    assert b"".join(streamed.streaming_content) == b"\xff\xd8"
    accel = stored.stored_file_response("v/poster.jpg", "image/jpeg", accel_prefix="/_p/")
    assert accel["X-Accel-Redirect"] == "/_p/v/poster.jpg"


# Reading MEDIA_ROOT is the storage's business (and the settings'): even the backup asks the
# storage for its folder.
MAY_NAME_MEDIA_ROOT = {"openclass/settings.py"}


def test_no_area_builds_paths_under_media_root():
    offenders = []
    for path in sorted((ROOT / "openclass").rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        if "/tests/" in relative or "/migrations/" in relative or relative in MAY_NAME_MEDIA_ROOT:
            continue
        if re.search(r"settings\.MEDIA_ROOT|\bMEDIA_ROOT\b\s*[/)]", path.read_text()):
            offenders.append(relative)
    assert offenders == []
