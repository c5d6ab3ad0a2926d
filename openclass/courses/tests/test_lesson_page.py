"""What a lesson page tells its player and its reader: the saved position the video starts at
(the browser side is ``test_progress_browser``), and a document by its own name and size, never
its storage path."""

from __future__ import annotations

import re

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from openclass.courses.models import Lesson, LessonProgress
from openclass.courses.services import courses as services
from openclass.courses.tests.fixtures import Courses

pytestmark = pytest.mark.django_db


@pytest.fixture
def enrolled(courses: Courses) -> Courses:
    north = courses.city.north
    services.enrol(north.homeroom_a, courses.class_course, [north.student_a1])
    return courses


def player_data(page: str, name: str) -> str:
    found = re.search(rf'data-{name}="([^"]*)"', page)
    assert found, name
    return found.group(1)


def test_the_player_starts_at_the_saved_position(client, enrolled: Courses) -> None:
    student = enrolled.city.north.student_a1
    row = services.open_lesson(student, enrolled.video)
    LessonProgress.objects.filter(pk=row.pk).update(position=16.0, furthest=20.0, duration=100)
    client.force_login(student)
    url = reverse("courses:lesson", args=[enrolled.class_course.pk, enrolled.video.pk])
    page = client.get(url).content.decode()
    assert float(player_data(page, "position")) == 16.0
    assert float(player_data(page, "furthest")) == 20.0
    assert player_data(page, "msg-restart")  # "start from the beginning" is offered
    assert "%(time)s" in player_data(page, "msg-resumed")
    # A manager's preview starts at 0: nothing is the manager's own.
    client.force_login(enrolled.city.north.homeroom_a)
    page = client.get(url).content.decode()
    assert float(player_data(page, "position")) == 0.0


def test_a_document_is_shown_by_its_name_and_size(client, enrolled: Courses, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    lesson = enrolled.document
    lesson.document.save("handout.pdf", ContentFile(b"%PDF-1.4\n" + b"x" * 2039), save=True)
    assert lesson.document.name.startswith("documents/")
    client.force_login(enrolled.city.north.student_a1)
    page = client.get(
        reverse("courses:lesson", args=[enrolled.class_course.pk, lesson.pk])
    ).content.decode()
    assert "handout.pdf" in page
    assert "documents/" not in page
    assert re.search(r"2[.,]0\s?(KB|킬로바이트)", page)


def test_a_missing_document_file_still_shows_the_page(client, enrolled: Courses) -> None:
    lesson = Lesson.objects.get(pk=enrolled.document.pk)  # "documents/test.pdf", never stored
    client.force_login(enrolled.city.north.student_a1)
    response = client.get(reverse("courses:lesson", args=[enrolled.class_course.pk, lesson.pk]))
    assert response.status_code == 200
    assert "test.pdf" in response.content.decode()
