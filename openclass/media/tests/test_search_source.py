"""What media puts in the search index (``media.search``): every uploaded video, found only by
whom the video's page opens for — asked through ``core.registry`` as ``search`` asks."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from openclass.accounts.tests.fixtures import ROLES, City, person_of
from openclass.core.registry import search_source
from openclass.media import search
from openclass.media.models import Video


def keys(visible) -> set[int]:
    return {row["pk"] for row in visible}


def test_a_video_document(city: City) -> None:
    video = Video.objects.create(uploaded_by=city.north.homeroom_a, title="횡단보도 건너기")
    other = Video.objects.create(uploaded_by=city.north.admin, title="학교 소개")
    build = search_source("media.video").documents
    (document,) = build([video.pk])
    assert document.key == video.pk
    assert document.title == "횡단보도 건너기"
    assert document.url == reverse("media:detail", args=[video.pk])
    assert document.mode == "recorded"
    assert document.audience == "teacher"
    assert document.published_at == video.created_at
    assert {d.key for d in build(None)} == {video.pk, other.pk}
    video.delete()
    assert list(build([video.pk])) == []


def test_videos_are_built_in_batches(city: City, monkeypatch) -> None:
    for number in range(5):
        Video.objects.create(uploaded_by=city.north.homeroom_a, title=f"영상 {number}")
    monkeypatch.setattr(search, "BATCH", 2)
    build = search_source("media.video").documents
    with CaptureQueriesContext(connection) as captured:
        assert len(list(build(None))) == 5
    assert len(captured) == 4  # three batches of at most two, and the empty one
    every = list(Video.objects.values_list("pk", flat=True))
    with CaptureQueriesContext(connection) as captured:
        assert len(list(build(every))) == 5
    assert len(captured) == 3  # three batches of keys


def test_a_video_is_found_only_by_whom_its_page_opens_for(client, city: City) -> None:
    north, south = city.north, city.south
    teachers = Video.objects.create(uploaded_by=north.homeroom_a, title="교사의 영상")
    # Students do not upload ("media.upload" is staff's), but a video a student owns stays theirs.
    students = Video.objects.create(uploaded_by=north.student_a1, title="학생의 개인 영상")
    south_video = Video.objects.create(uploaded_by=south.homeroom_a, title="남초 영상")
    visible = search_source("media.video").visible
    people = {role: person_of(city, role) for role in ROLES[1:]}
    people |= {"other student": north.student_a2, "south admin": south.admin}
    found = {}
    for who, user in people.items():
        client.force_login(user)
        mine = keys(visible(user))
        for video in (teachers, students, south_video):
            status = client.get(reverse("media:detail", args=[video.pk])).status_code
            assert status in (200, 404), (who, video.title)
            assert (status == 200) == (video.pk in mine), (who, video.title)
        found[who] = mine
    # The student's own video: the student, and the admins who manage their school's videos.
    assert {who for who, mine in found.items() if students.pk in mine} == {
        "student",
        "school_admin",
        "office_admin",
    }
    assert {who for who, mine in found.items() if teachers.pk in mine} == {
        "homeroom_teacher",
        "school_admin",
        "office_admin",
    }
    assert {who for who, mine in found.items() if south_video.pk in mine} == {
        "south admin",
        "office_admin",
    }
    assert keys(visible(AnonymousUser())) == set()
