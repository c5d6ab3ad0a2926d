"""Consents (issue 15, item 3, step 4): who gives them (a parent under 14, the student from 14),
their history, a new text asking again, and the YouTube lesson that waits for consent."""

from __future__ import annotations

import pytest
from django.urls import reverse

from openclass.accounts.models import Organisation
from openclass.courses.models import Lesson
from openclass.courses.services import courses as course_services
from openclass.privacy import consents, services
from openclass.privacy.models import Consent

YOUTUBE = Consent.Purpose.YOUTUBE
URL = "privacy:consent_decide"


def _decide(client, who, student, action="give", purpose=YOUTUBE):
    client.force_login(who)
    return client.post(reverse(URL), {"student": student.pk, "purpose": purpose, "action": action})


def test_a_parent_decides_for_a_child_under_14(client, city) -> None:
    north = city.north
    child = north.student_a1  # elementary school
    assert _decide(client, north.parent_a1, child).status_code == 302
    assert services.has_consent(child, YOUTUBE)
    consent = Consent.objects.get()
    assert (consent.given_by_id, consent.version) == (
        north.parent_a1.pk,
        consents.PURPOSES[YOUTUBE].version,
    )
    assert _decide(client, north.parent_a1, child, "withdraw").status_code == 302
    assert not services.has_consent(child, YOUTUBE)
    assert _decide(client, north.parent_a1, child).status_code == 302
    # the history stays: given, withdrawn, given again
    assert Consent.objects.filter(person=child).count() == 2
    assert Consent.objects.filter(person=child, withdrawn_by=north.parent_a1).count() == 1
    # the child sees where it stands but does not decide
    assert _decide(client, child, child, "withdraw").status_code == 403
    page = client.get(reverse("privacy:consents")).content.decode()
    assert 'name="action"' not in page
    assert services.has_consent(child, YOUTUBE)


def test_from_14_the_student_decides_and_the_parent_does_not(client, city) -> None:
    north = city.north
    Organisation.objects.filter(pk=north.school.pk).update(
        school_level=Organisation.SchoolLevel.HIGH
    )
    assert _decide(client, north.parent_a1, north.student_a1).status_code == 403
    assert _decide(client, north.student_a1, north.student_a1).status_code == 302
    assert services.has_consent(north.student_a1, YOUTUBE)


def test_nobody_decides_for_a_student_not_theirs(client, city) -> None:
    north, south = city.north, city.south
    assert _decide(client, south.parent_a1, north.student_a1).status_code == 404
    assert _decide(client, north.student_a2, north.student_a1).status_code == 404
    client.force_login(north.homeroom_a)
    assert client.get(reverse("privacy:consents")).status_code == 403
    assert _decide(client, north.homeroom_a, north.student_a1).status_code == 403
    assert _decide(client, north.parent_a1, north.student_a1, "nope").status_code == 404
    response = _decide(client, north.parent_a1, north.student_a1, purpose="nope")
    assert response.status_code == 302
    assert not Consent.objects.exists()


def test_a_new_text_asks_again(client, city, monkeypatch) -> None:
    north = city.north
    services.give_consent(north.parent_a1, north.student_a1, YOUTUBE)
    newer = consents.Purpose(YOUTUBE, "2027-03-01", consents.PURPOSES[YOUTUBE].title, "…")
    monkeypatch.setitem(consents.PURPOSES, YOUTUBE, newer)
    assert not services.has_consent(north.student_a1, YOUTUBE)
    client.force_login(north.parent_a1)
    assert "다시" in client.get(reverse("privacy:consents")).content.decode()
    services.give_consent(north.parent_a1, north.student_a1, YOUTUBE)
    assert services.has_consent(north.student_a1, YOUTUBE)
    standing = Consent.objects.filter(person=north.student_a1, withdrawn_at__isnull=True)
    assert [c.version for c in standing] == ["2027-03-01"]


@pytest.fixture
def youtube_lesson(courses):
    north = courses.city.north
    lesson = Lesson.objects.create(
        section=courses.video.section,
        title="유튜브 차시",
        kind=Lesson.Kind.YOUTUBE,
        url="https://www.youtube.com/watch?v=dQw4w9WgXcQ",
        duration=212,
        position=5,
    )
    course_services.enrol(north.homeroom_a, courses.class_course, [north.student_a1])
    return courses, lesson


def test_a_youtube_lesson_waits_for_consent(client, youtube_lesson) -> None:
    courses, lesson = youtube_lesson
    north = courses.city.north
    url = reverse("courses:lesson", args=[courses.class_course.pk, lesson.pk])
    client.force_login(north.student_a1)
    page = client.get(url)
    body = page.content.decode()
    assert "dQw4w9WgXcQ" not in body and "youtube.com" not in page["Content-Security-Policy"]
    assert reverse("privacy:consents") in body
    services.give_consent(north.parent_a1, north.student_a1, YOUTUBE)
    page = client.get(url)
    assert 'data-youtube-id="dQw4w9WgXcQ"' in page.content.decode()
    assert "youtube.com" in page["Content-Security-Policy"]
    # the teacher's preview needs none
    client.force_login(north.homeroom_a)
    assert 'data-youtube-id="dQw4w9WgXcQ"' in client.get(url).content.decode()
