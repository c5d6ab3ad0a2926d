"""The tus 1.0.0 endpoints (core, creation, termination), driven like tus-js-client drives them."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from openclass.media.models import Upload, Video

TUS = {"Tus-Resumable": "1.0.0"}
PATCH_TYPE = "application/offset+octet-stream"
CREATE_URL = "/videos/uploads/"


def metadata(**values: str) -> str:
    return ",".join(f"{k} {base64.b64encode(v.encode()).decode()}" for k, v in values.items())


def create(client: Client, length: int, **values: str):
    values.setdefault("filename", "lesson.mp4")
    values.setdefault("filetype", "video/mp4")
    return client.post(
        CREATE_URL,
        headers={**TUS, "Upload-Length": str(length), "Upload-Metadata": metadata(**values)},
    )


def patch(client: Client, url: str, offset: int, body: bytes, content_type: str = PATCH_TYPE):
    return client.generic(
        "PATCH", url, body, content_type=content_type, headers={**TUS, "Upload-Offset": str(offset)}
    )


@pytest.fixture
def teacher_client(client: Client, city, media_root) -> Client:
    client.force_login(city.north.homeroom_a)
    return client


def test_create_url_is_named():
    assert reverse("media:tus_create") == CREATE_URL


def test_options_announces_version_extensions_and_limit(client, settings, db):
    settings.UPLOAD_MAX_BYTES = 5 * 1024 * 1024
    response = client.options(CREATE_URL)
    assert response.status_code == 204
    assert response["Tus-Version"] == "1.0.0"
    assert set(response["Tus-Extension"].split(",")) == {"creation", "termination"}
    assert response["Tus-Max-Size"] == str(5 * 1024 * 1024)


def test_upload_in_two_chunks_with_a_resume(teacher_client, city, sample_video, media_root, spool):
    data = sample_video.read_bytes()
    created = create(teacher_client, len(data), title="물의 순환")
    assert created.status_code == 201
    assert created["Tus-Resumable"] == "1.0.0"
    url = created["Location"]
    video = Video.objects.get(pk=created["OpenClass-Video-Id"])
    assert video.title == "물의 순환"
    assert video.status == Video.Status.UPLOADING
    assert video.uploaded_by == city.north.homeroom_a

    half = len(data) // 2
    first = patch(teacher_client, url, 0, data[:half])
    assert first.status_code == 204
    assert first["Upload-Offset"] == str(half)

    # The connection dropped: the client asks where to continue.
    head = teacher_client.head(url, headers=TUS)
    assert head.status_code == 200
    assert head["Upload-Offset"] == str(half)
    assert head["Upload-Length"] == str(len(data))
    assert "no-store" in head["Cache-Control"]

    last = patch(teacher_client, url, half, data[half:])
    assert last.status_code == 204
    assert last["Upload-Offset"] == str(len(data))
    assert last["OpenClass-Video-Id"] == str(video.pk)

    video.refresh_from_db()
    assert video.status == Video.Status.QUEUED  # ffprobe found a video; the transcode is queued
    assert video.duration == pytest.approx(3.0, abs=0.1)
    assert (video.width, video.height) == (320, 240)
    assert video.has_audio
    original = media_root / video.original_path
    assert original.read_bytes() == data
    assert original.name == "original.mp4"
    upload = Upload.objects.get(video=video)
    assert upload.completed_at is not None
    assert not (spool / upload.part_path).exists()
    assert not list((spool / "work").iterdir())  # the scratch copy is gone


def test_last_byte_queues_the_transcode_which_makes_the_video_ready(
    teacher_client, sample_video, media_root, huey_immediate, django_capture_on_commit_callbacks
):
    data = sample_video.read_bytes()
    url = create(teacher_client, len(data))["Location"]
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert patch(teacher_client, url, 0, data).status_code == 204
    assert len([c for c in callbacks if c.__module__.startswith("openclass.media")]) == 1
    video = Video.objects.get()
    assert video.status == Video.Status.READY
    assert (media_root / video.hls_dir / "master.m3u8").exists()


def test_title_defaults_to_the_file_name(teacher_client):
    created = create(teacher_client, 10, filename="3단원 복습.mov")
    assert Video.objects.get(pk=created["OpenClass-Video-Id"]).title == "3단원 복습"


def test_offset_mismatch_is_409(teacher_client):
    url = create(teacher_client, 100)["Location"]
    assert patch(teacher_client, url, 0, b"x" * 40).status_code == 204
    response = patch(teacher_client, url, 10, b"y" * 10)
    assert response.status_code == 409
    assert response["Upload-Offset"] == "40"
    assert Upload.objects.get().offset == 40


def test_wrong_content_type_is_415(teacher_client):
    url = create(teacher_client, 100)["Location"]
    response = patch(teacher_client, url, 0, b"x" * 10, content_type="application/octet-stream")
    assert response.status_code == 415
    assert Upload.objects.get().offset == 0


def test_body_past_the_length_is_refused(teacher_client, spool):
    url = create(teacher_client, 10)["Location"]
    assert patch(teacher_client, url, 0, b"x" * 11).status_code == 400
    upload = Upload.objects.get()
    assert upload.offset == 0
    assert (spool / upload.part_path).stat().st_size == 0


def test_size_limit_is_413(teacher_client, settings):
    settings.UPLOAD_MAX_BYTES = 1024 * 1024
    assert create(teacher_client, 1024 * 1024 + 1).status_code == 413
    assert create(teacher_client, 1024 * 1024).status_code == 201


def test_missing_length_or_bad_metadata_is_400(teacher_client):
    assert teacher_client.post(CREATE_URL, headers=TUS).status_code == 400
    bad = teacher_client.post(
        CREATE_URL, headers={**TUS, "Upload-Length": "5", "Upload-Metadata": "filename !!!"}
    )
    assert bad.status_code == 400


def test_non_video_file_type_is_refused_at_creation(teacher_client):
    response = create(teacher_client, 1000, filename="시간표.pdf", filetype="application/pdf")
    assert response.status_code == 415
    assert not Video.objects.exists()


def test_wrong_protocol_version_is_412(teacher_client):
    response = teacher_client.post(CREATE_URL, headers={"Tus-Resumable": "0.2.2"})
    assert response.status_code == 412
    assert response["Tus-Version"] == "1.0.0"


def test_delete_terminates_the_upload(teacher_client, spool):
    url = create(teacher_client, 100)["Location"]
    patch(teacher_client, url, 0, b"x" * 30)
    part = spool / Upload.objects.get().part_path
    assert part.exists()
    response = teacher_client.delete(url, headers=TUS)
    assert response.status_code == 204
    assert not part.exists()
    assert not Upload.objects.exists()
    assert not Video.objects.exists()
    assert teacher_client.head(url, headers=TUS).status_code == 404


def test_a_finished_upload_cannot_be_terminated(teacher_client, sample_video):
    data = sample_video.read_bytes()
    url = create(teacher_client, len(data))["Location"]
    patch(teacher_client, url, 0, data)
    assert teacher_client.delete(url, headers=TUS).status_code == 409
    assert Video.objects.count() == 1


def test_renamed_pdf_fails_with_a_clear_reason(teacher_client, media_root):
    data = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n" * 20
    url = create(teacher_client, len(data), filename="lesson.mp4")["Location"]
    assert patch(teacher_client, url, 0, data).status_code == 204
    video = Video.objects.get()
    assert video.status == Video.Status.FAILED
    assert video.error_code == Video.Failure.NOT_VIDEO
    assert video.error == Video.Failure.NOT_VIDEO.label
    status = teacher_client.get(reverse("media:status", args=[video.pk])).json()
    assert status["failed"] and status["error"] == video.error


@pytest.mark.parametrize("who", ["student", "parent"])
def test_students_and_parents_may_not_upload(client, city, media_root, who):
    user = city.north.student_a1 if who == "student" else city.north.parent_a1
    client.force_login(user)
    assert create(client, 100).status_code == 403
    assert not Upload.objects.exists()


@pytest.mark.parametrize("who", ["instructor", "admin", "office_admin"])
def test_instructors_and_admins_may_upload(client, city, media_root, who):
    user = {
        "instructor": city.instructor,
        "admin": city.north.admin,
        "office_admin": city.office_admin,
    }[who]
    client.force_login(user)
    assert create(client, 100).status_code == 201


def test_another_teachers_upload_is_not_found(client, city, media_root):
    client.force_login(city.north.homeroom_a)
    url = create(client, 100)["Location"]
    client.force_login(city.north.subject_teacher)
    assert client.head(url, headers=TUS).status_code == 404
    assert patch(client, url, 0, b"x" * 10).status_code == 404
    assert client.delete(url, headers=TUS).status_code == 404
    assert Upload.objects.get().offset == 0


def test_unauthenticated_requests_are_refused(client, city, media_root):
    assert create(client, 100).status_code == 403
    client.force_login(city.north.homeroom_a)
    url = create(client, 100)["Location"]
    client.logout()
    assert client.head(url, headers=TUS).status_code == 403
    assert patch(client, url, 0, b"x").status_code == 403


def test_csrf_stays_on_and_the_header_token_passes(city, media_root):
    client = Client(enforce_csrf_checks=True)
    client.force_login(city.north.homeroom_a)
    assert create(client, 100).status_code == 403  # no token
    page = client.get(reverse("media:my_videos"))
    token = page.context["csrf_token"]
    response = client.post(
        CREATE_URL,
        headers={
            **TUS,
            "Upload-Length": "100",
            "Upload-Metadata": metadata(filename="a.mp4"),
            "X-CSRFToken": str(token),
        },
    )
    assert response.status_code == 201


def test_part_files_live_in_the_spool_not_in_the_storage(
    teacher_client, media_root: Path, spool: Path
):
    create(teacher_client, 100)
    upload = Upload.objects.get()
    assert (spool / upload.part_path).is_file()
    assert upload.part_path.startswith("uploads/")
    assert not any(media_root.iterdir())


def test_a_patch_reaching_a_host_without_the_part_file_starts_it(teacher_client, spool: Path):
    """The creating POST may reach another web host than the PATCHes (behind nginx): the first
    PATCH makes the part file on its own host."""
    url = create(teacher_client, 20)["Location"]
    part = spool / Upload.objects.get().part_path
    part.unlink()
    assert patch(teacher_client, url, 0, b"x" * 10).status_code == 204
    assert part.read_bytes() == b"x" * 10


def test_a_patch_on_a_host_missing_the_bytes_so_far_is_refused(teacher_client, spool: Path):
    url = create(teacher_client, 20)["Location"]
    assert patch(teacher_client, url, 0, b"x" * 10).status_code == 204
    (spool / Upload.objects.get().part_path).unlink()  # as on a host the bytes did not reach
    response = patch(teacher_client, url, 10, b"y" * 10)
    assert response.status_code == 500
    assert Upload.objects.get().offset == 10
