"""Signed playback URLs: the right files with the right types, to the right user, for a while."""

from __future__ import annotations

import time
from unittest import mock
from urllib.parse import urljoin

import pytest
from django.conf import settings as django_settings
from django.core import signing

from openclass.media import services
from openclass.media.models import Video


def first_uri(playlist: str) -> str:
    return next(line for line in playlist.splitlines() if line and not line.startswith("#"))


def test_owner_plays_master_rendition_segment_and_poster(client, city, ready_video):
    teacher = city.north.homeroom_a
    client.force_login(teacher)
    master_url = services.playback_url(ready_video, teacher)
    assert master_url.startswith("/videos/play/") and master_url.endswith("/master.m3u8")

    master = client.get(master_url)
    assert master.status_code == 200
    assert master["Content-Type"] == "application/vnd.apple.mpegurl"
    assert "private" in master["Cache-Control"]
    master_text = b"".join(master.streaming_content).decode()

    rendition_url = urljoin(master_url, first_uri(master_text))  # as a player resolves it
    assert rendition_url.startswith(master_url.rsplit("/", 1)[0] + "/")
    rendition = client.get(rendition_url)
    assert rendition.status_code == 200
    assert rendition["Content-Type"] == "application/vnd.apple.mpegurl"

    segment_url = urljoin(rendition_url, first_uri(b"".join(rendition.streaming_content).decode()))
    segment = client.get(segment_url)
    assert segment.status_code == 200
    assert segment["Content-Type"] == "video/mp2t"
    assert b"".join(segment.streaming_content)[:1] == b"\x47"  # MPEG-TS sync byte

    poster = client.get(services.poster_url(ready_video, teacher))
    assert poster.status_code == 200
    assert poster["Content-Type"] == "image/jpeg"


def test_a_token_is_refused_to_another_user(client, city, ready_video):
    url = services.playback_url(ready_video, city.north.student_a1)
    client.force_login(city.north.student_a2)
    assert client.get(url).status_code == 403
    client.force_login(city.north.student_a1)
    assert client.get(url).status_code == 200


def test_a_token_is_refused_without_a_session(client, city, ready_video):
    url = services.playback_url(ready_video, city.north.student_a1)
    assert client.get(url).status_code == 403


def test_a_tampered_token_is_refused(client, city, ready_video):
    student = city.north.student_a1
    client.force_login(student)
    url = services.playback_url(ready_video, student)
    token = url.split("/")[3]
    payload, stamp, signature = token.split(":")
    flipped = signature[:-1] + ("A" if signature[-1] != "A" else "B")
    assert client.get(url.replace(token, f"{payload}:{stamp}:{flipped}")).status_code == 403
    # A token made for another video id with the same signature is no better.
    other = signing.dumps([ready_video.pk + 1, student.pk], salt="openclass.media.playback")
    forged = f"{other.split(':')[0]}:{stamp}:{signature}"
    assert client.get(url.replace(token, forged)).status_code == 403
    # Nor is one signed with another salt (a token from some other feature).
    foreign = signing.dumps([ready_video.pk, student.pk])
    assert client.get(url.replace(token, foreign)).status_code == 403


def test_an_expired_token_is_refused(client, city, ready_video):
    student = city.north.student_a1
    client.force_login(student)
    url = services.playback_url(ready_video, student)
    later = time.time() + django_settings.VIDEO_PLAYBACK_TOKEN_MAX_AGE + 60
    with mock.patch("django.core.signing.time.time", return_value=later):
        assert client.get(url).status_code == 403
    assert client.get(url).status_code == 200


def test_the_expiry_is_a_setting(client, city, ready_video, settings):
    student = city.north.student_a1
    client.force_login(student)
    url = services.playback_url(ready_video, student)
    settings.VIDEO_PLAYBACK_TOKEN_MAX_AGE = -1
    assert client.get(url).status_code == 403


@pytest.mark.parametrize(
    "name",
    [
        "../original.mp4",
        "360p/../../original.mp4",
        "..",
        "360p/../master.m3u8",
        ".hidden.m3u8",
        "360p//index.m3u8",
        "%2e%2e/original.mp4",
        "notes.txt",
        "missing.m3u8",
        "360p",
    ],
)
def test_only_the_videos_own_hls_files_are_served(client, city, ready_video, name):
    student = city.north.student_a1
    client.force_login(student)
    prefix = services.playback_url(ready_video, student).rsplit("/", 1)[0]
    assert client.get(f"{prefix}/{name}").status_code == 404


def test_nothing_outside_the_folder_resolves(ready_video, hls_set):
    root, key = hls_set
    (root / f"videos/{key}/hls/notes.txt").write_text("not for players")
    assert services.resolve_hls_file(ready_video, "master.m3u8") is not None
    assert services.resolve_hls_file(ready_video, "../original.mp4") is None
    assert services.resolve_hls_file(ready_video, "/etc/passwd") is None
    assert services.resolve_hls_file(ready_video, "notes.txt") is None


def test_no_url_until_the_video_is_ready(client, city, ready_video):
    teacher = city.north.homeroom_a
    url = services.playback_url(ready_video, teacher)
    Video.objects.filter(pk=ready_video.pk).update(status=Video.Status.TRANSCODING)
    ready_video.refresh_from_db()
    assert services.playback_url(ready_video, teacher) == ""
    assert services.poster_url(ready_video, teacher) == ""
    client.force_login(teacher)
    assert client.get(url).status_code == 404


def test_the_anonymous_user_gets_no_url(ready_video):
    from django.contrib.auth.models import AnonymousUser

    assert services.playback_url(ready_video, AnonymousUser()) == ""


def test_behind_nginx_the_file_is_sent_by_x_accel_redirect(client, city, ready_video, settings):
    settings.VIDEO_ACCEL_REDIRECT_PREFIX = "/_protected_media/"
    teacher = city.north.homeroom_a
    client.force_login(teacher)
    response = client.get(services.playback_url(ready_video, teacher))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.apple.mpegurl"
    assert response["X-Accel-Redirect"] == f"/_protected_media/{ready_video.hls_dir}/master.m3u8"
    assert response.content == b""
    # The checks come first: a refused token sends nothing.
    client.force_login(city.north.student_a1)
    refused = client.get(services.playback_url(ready_video, teacher))
    assert refused.status_code == 403
    assert "X-Accel-Redirect" not in refused
