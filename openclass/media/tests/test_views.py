"""Status polls, "my videos", the video page, the widget and the admin."""

from __future__ import annotations

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse
from django.utils.html import escape

from openclass.accounts.models import User
from openclass.accounts.tests.fixtures import make_user
from openclass.media import access, services
from openclass.media.models import Video


@pytest.fixture
def processing_video(city) -> Video:
    return Video.objects.create(
        uploaded_by=city.north.homeroom_a,
        title="처리 중",
        status=Video.Status.TRANSCODING,
        progress=45,
        duration=60.0,
    )


def test_status_json_for_the_uploader(client, city, processing_video):
    client.force_login(city.north.homeroom_a)
    response = client.get(reverse("media:status", args=[processing_video.pk]))
    assert response.status_code == 200
    assert response["Cache-Control"].startswith("max-age=0")
    data = response.json()
    assert data["status"] == "transcoding"
    assert data["progress"] == 45
    assert data["processing"] and not data["ready"] and not data["failed"]


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("uploader", 200),
        ("school_admin", 200),
        ("office_admin", 200),
        ("other_teacher", 404),
        ("other_school_admin", 404),
        ("student", 404),
    ],
)
def test_who_may_see_the_status(client, city, processing_video, who, expected):
    user = {
        "uploader": city.north.homeroom_a,
        "school_admin": city.north.admin,
        "office_admin": city.office_admin,
        "other_teacher": city.north.subject_teacher,
        "other_school_admin": city.south.admin,
        "student": city.north.student_a1,
    }[who]
    client.force_login(user)
    assert client.get(reverse("media:status", args=[processing_video.pk])).status_code == expected
    fragment = client.get(reverse("media:status_fragment", args=[processing_video.pk]))
    assert fragment.status_code == expected


def test_status_needs_a_session(client, processing_video):
    assert client.get(reverse("media:status", args=[processing_video.pk])).status_code == 403


def test_fragment_polls_while_processing_and_stops_when_ready(client, city, processing_video):
    client.force_login(city.north.homeroom_a)
    url = reverse("media:status_fragment", args=[processing_video.pk])
    html = client.get(url).content.decode()
    assert f'hx-get="{url}"' in html
    assert 'value="45"' in html
    processing_video.status = Video.Status.READY
    processing_video.save()
    html = client.get(url).content.decode()
    assert "hx-get" not in html
    assert reverse("media:detail", args=[processing_video.pk]) in html


def test_fragment_shows_the_failure_reason(client, city, processing_video):
    processing_video.status = Video.Status.FAILED
    processing_video.error_code = Video.Failure.TRANSCODE
    processing_video.error_detail = "moov atom not found"
    processing_video.save()
    client.force_login(city.north.homeroom_a)
    html = client.get(reverse("media:status_fragment", args=[processing_video.pk])).content
    html = html.decode()
    assert "hx-get" not in html
    assert escape(str(Video.Failure.TRANSCODE.label)) in html
    assert "moov atom not found" in html


def test_my_videos_lists_only_mine_with_the_upload_widget(client, city, processing_video):
    Video.objects.create(uploaded_by=city.north.subject_teacher, title="남의 영상")
    client.force_login(city.north.homeroom_a)
    response = client.get(reverse("media:my_videos"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "처리 중" in html and "남의 영상" not in html
    assert 'name="video"' in html and "data-upload-video-id" in html
    assert f'data-endpoint="{reverse("media:tus_create")}"' in html
    # Hashed names in the manifest storage: tus.min.<hash>.js
    assert "vendor/tus-js-client/tus.min." in html and "media/upload." in html
    assert "<script>" not in html  # no inline scripts: the CSP forbids them


def test_my_videos_is_for_uploaders(client, city):
    client.force_login(city.north.student_a1)
    assert client.get(reverse("media:my_videos")).status_code == 403
    client.logout()
    assert client.get(reverse("media:my_videos")).status_code == 302


def test_video_page_has_the_player_once_ready(client, city, ready_video):
    client.force_login(city.north.homeroom_a)
    html = client.get(reverse("media:detail", args=[ready_video.pk])).content.decode()
    assert 'data-hls-src="/videos/play/' in html
    assert "vendor/hls.js/hls.min." in html and "media/hls-player." in html
    assert "vendor/hls.js/hls.worker." in html
    assert 'poster="/videos/play/' in html


def test_upload_widget_tag_names_the_hidden_input(city):
    request = RequestFactory().get("/")
    request.user = city.north.homeroom_a
    html = Template(
        '{% load media_tags %}{% upload_widget field_name="lesson_video" title_input="id_title" %}'
    ).render(Context({"user": request.user, "csrf_token": "tok", "request": request}))
    assert 'name="lesson_video"' in html
    assert 'data-title-input="id_title"' in html
    assert 'data-csrf-token="tok"' in html


def test_duration_filter():
    from openclass.media.templatetags.media_tags import duration

    assert duration(125.4) == "2:05"
    assert duration(3725) == "1:02:05"
    assert duration(None) == ""


def test_owned_and_manageable_videos(city, processing_video):
    assert list(access.owned_videos(city.north.homeroom_a)) == [processing_video]
    assert not access.owned_videos(city.north.subject_teacher).exists()
    assert processing_video in access.manageable_videos(city.north.admin)
    assert processing_video in access.manageable_videos(city.office_admin)
    assert not access.manageable_videos(city.south.admin).exists()
    assert not access.manageable_videos(city.north.student_a1).exists()


def test_a_lesson_attaches_the_videos_its_author_manages(city, processing_video):
    """The lesson form's choice and the media pages answer with one rule: a school admin may
    attach their teachers' videos, a teacher only their own, and a lesson keeps its video."""
    north = city.north
    assert processing_video in access.attachable_videos(north.admin)
    assert processing_video in access.attachable_videos(city.office_admin)
    assert processing_video not in access.attachable_videos(north.subject_teacher)
    kept = access.attachable_videos(north.subject_teacher, keeping=processing_video.pk)
    assert list(kept) == [processing_video]
    assert not access.attachable_videos(city.south.admin).exists()


@pytest.mark.parametrize("who", ["student", "parent"])
def test_only_those_who_hold_media_upload_see_my_videos(client, city, who):
    user = {"student": city.north.student_a1, "parent": city.north.parent_a1}[who]
    client.force_login(user)
    assert client.get(reverse("media:my_videos")).status_code == 403
    client.force_login(city.instructor)
    assert client.get(reverse("media:my_videos")).status_code == 200


def test_admin_lists_videos(client, city, processing_video):
    admin = make_user("root", User.Role.OFFICE_ADMIN, city.office, is_staff=True, is_superuser=True)
    client.force_login(admin)
    response = client.get(reverse("admin:media_video_changelist"))
    assert response.status_code == 200
    assert "처리 중" in response.content.decode()
    change = client.get(reverse("admin:media_video_change", args=[processing_video.pk]))
    assert change.status_code == 200
    assert client.get(reverse("admin:media_upload_changelist")).status_code == 200


def test_a_failed_conversion_can_be_tried_again(
    client, city, media_root, sample_video, django_capture_on_commit_callbacks
):
    video = services.create_video_from_file(
        sample_video, city.north.homeroom_a, "다시", transcode_now=False
    )
    Video.objects.filter(pk=video.pk).update(
        status=Video.Status.FAILED, error_code=Video.Failure.TRANSCODE, error_detail="x"
    )
    client.force_login(city.north.homeroom_a)
    html = client.get(reverse("media:status_fragment", args=[video.pk])).content.decode()
    assert reverse("media:retry", args=[video.pk]) in html
    client.force_login(city.north.subject_teacher)
    assert client.post(reverse("media:retry", args=[video.pk])).status_code == 404
    client.force_login(city.north.homeroom_a)
    assert client.get(reverse("media:retry", args=[video.pk])).status_code == 405
    with django_capture_on_commit_callbacks() as queued:
        response = client.post(reverse("media:retry", args=[video.pk]))
    assert response.status_code == 302
    # The transcode task, handed to Huey on commit (beside the search index's own flush).
    assert len([c for c in queued if c.__module__.startswith("openclass.media")]) == 1
    video.refresh_from_db()
    assert video.status == Video.Status.QUEUED
    assert video.error == ""


def test_a_refused_file_is_not_tried_again(client, city, media_root, tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("메모\n" * 100)
    video = services.create_video_from_file(text, city.north.homeroom_a, "메모")
    client.force_login(city.north.homeroom_a)
    html = client.get(reverse("media:status_fragment", args=[video.pk])).content.decode()
    assert reverse("media:retry", args=[video.pk]) not in html
    client.post(reverse("media:retry", args=[video.pk]))
    video.refresh_from_db()
    assert video.error_code == Video.Failure.NOT_VIDEO
