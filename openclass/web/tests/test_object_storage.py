"""S3-compatible object storage (OPENCLASS_STORAGE=s3, docs/decisions/0010-file-storage.md),
against a real S3 API server the test starts (moto's server mode on 127.0.0.1).

The storage comes from the settings loader itself (a child process reads the OPENCLASS_S3_*
variables), and the paths people take run through it: a video uploaded with tus, transcoded and
played, and an assignment handed in and downloaded. MEDIA_ROOT points at a folder that must stay
empty: a file written beside the storage API would show there.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urljoin

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from openclass.assessments.models import Submission
from openclass.assessments.tests.fixtures import Homework
from openclass.core import ffmpeg
from openclass.core import storage as stored
from openclass.core.tests.s3_server import create_bucket, throwaway_s3
from openclass.media import services as media
from openclass.media.models import Video

ROOT = Path(__file__).resolve().parents[3]
TUS = {"Tus-Resumable": "1.0.0"}


@pytest.fixture(scope="module")
def s3_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with throwaway_s3(tmp_path_factory.mktemp("moto")) as endpoint:
        yield endpoint


def loaded_storage(variables: dict[str, str]) -> dict:
    """STORAGES["default"] as openclass/settings.py builds it from these variables."""
    code = (
        "import json; from django.conf import settings; "
        "print(json.dumps(settings.STORAGES['default']))"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "openclass.settings", **variables}
    done = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture
def bucket(s3_endpoint: str, settings, tmp_path: Path) -> str:
    """A fresh bucket as the default storage; MEDIA_ROOT an empty folder that must stay empty."""
    name = f"openclass-{secrets.token_hex(4)}"
    create_bucket(s3_endpoint, name)
    storage = loaded_storage(
        {
            "OPENCLASS_STORAGE": "s3",
            "OPENCLASS_S3_ENDPOINT": s3_endpoint,
            "OPENCLASS_S3_REGION": "us-east-1",
            "OPENCLASS_S3_BUCKET": name,
            "OPENCLASS_S3_ACCESS_KEY": "openclass-test",
            "OPENCLASS_S3_SECRET_KEY": "openclass-test-secret",
        }
    )
    assert storage["BACKEND"] == "storages.backends.s3.S3Storage"
    settings.STORAGES = {**settings.STORAGES, "default": storage}
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MEDIA_ROOT.mkdir()
    settings.MEDIA_SPOOL_DIR = tmp_path / "spool"
    return name


def stored_names(prefix: str) -> list[str]:
    return stored.list_tree(prefix)


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def first_uri(playlist: bytes) -> str:
    lines = playlist.decode().splitlines()
    return next(line for line in lines if line and not line.startswith("#"))


def test_upload_transcode_and_playback_through_object_storage(
    bucket,
    client: Client,
    city,
    tmp_path: Path,
    huey_immediate,
    settings,
    django_capture_on_commit_callbacks,
):
    assert default_storage.__class__.__name__ == "S3Storage"
    assert stored.disk_path("anything") is None  # no local path: every step copies or streams
    data = ffmpeg.make_test_pattern(tmp_path / "lesson.mp4", seconds=2).read_bytes()
    teacher = city.north.homeroom_a
    client.force_login(teacher)
    metadata = f"filename {base64.b64encode(b'lesson.mp4').decode()}"
    created = client.post(
        reverse("media:tus_create"),
        headers={**TUS, "Upload-Length": str(len(data)), "Upload-Metadata": metadata},
    )
    assert created.status_code == 201
    half = len(data) // 2
    with django_capture_on_commit_callbacks(execute=True):  # the transcode, queued on commit
        for offset, chunk in ((0, data[:half]), (half, data[half:])):
            answer = client.generic(
                "PATCH",
                created["Location"],
                chunk,
                content_type="application/offset+octet-stream",
                headers={**TUS, "Upload-Offset": str(offset)},
            )
            assert answer.status_code == 204

    video = Video.objects.get(pk=created["OpenClass-Video-Id"])
    assert video.status == Video.Status.READY, video.error_detail
    with default_storage.open(video.original_path, "rb") as original:
        assert original.read() == data
    names = stored_names(f"videos/{video.key}")
    assert f"{video.hls_dir}/master.m3u8" in names
    assert f"{video.hls_dir}/poster.jpg" in names
    assert any(name.endswith(".ts") for name in names)
    assert not any(settings.MEDIA_ROOT.iterdir())  # nothing went beside the storage
    assert not any((settings.MEDIA_SPOOL_DIR / "work").iterdir())  # scratch copies removed

    master_url = media.playback_url(video, teacher)
    master = client.get(master_url)
    assert master.status_code == 200
    assert master["Content-Type"] == "application/vnd.apple.mpegurl"
    rendition_url = urljoin(master_url, first_uri(body(master)))
    rendition = client.get(rendition_url)
    assert rendition.status_code == 200
    segment = client.get(urljoin(rendition_url, first_uri(body(rendition))))
    assert segment.status_code == 200
    assert body(segment)[:1] == b"\x47"  # MPEG-TS sync byte
    poster = client.get(media.poster_url(video, teacher))
    assert body(poster)[:2] == b"\xff\xd8"
    client.force_login(city.north.student_a1)  # a link made for someone else
    assert client.get(master_url).status_code == 403

    # A second conversion switches to a new set and removes the old one from the bucket.
    first_set = video.hls_dir
    video = media.transcode_video(video)
    assert video.hls_dir != first_set and video.status == Video.Status.READY
    assert stored_names(first_set) == []

    with django_capture_on_commit_callbacks(execute=True):  # the files go once it commits
        Video.objects.filter(pk=video.pk).delete()
    assert stored_names(f"videos/{video.key}") == []


def test_assignment_submission_and_download_through_object_storage(
    bucket, client: Client, homework: Homework, settings
):
    student, teacher = homework.north.student_a1, homework.north.homeroom_a
    content = b"%PDF-1.4\n" + secrets.token_bytes(2000) + b"\n%%EOF\n"
    client.force_login(student)
    page = reverse("assessments:assignment", args=[homework.lesson.pk])
    handed = client.post(
        page, {"text": "답안", "files": [SimpleUploadedFile("보고서.pdf", content)]}
    )
    assert handed.status_code == 302
    row = Submission.objects.get(student=student).versions.get().files.get()
    assert default_storage.exists(row.file.name)
    assert not any(settings.MEDIA_ROOT.iterdir())

    download = reverse("assessments:submission_file", args=[row.pk])
    client.force_login(teacher)
    response = client.get(download)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert body(response) == content
    client.force_login(homework.north.student_a2)  # a classmate: the view still decides
    assert client.get(download).status_code == 404
