"""A session the platform numbered (a course opened through the office) is named in each
reader's language ("3회차" / "Session 3"); one a teacher titled is shown as written, and the
timeline's form still asks the teacher for a title. Sessions numbered before, in the opener's
language, are turned into numbers by courses 0006."""

from __future__ import annotations

import datetime
import importlib

import pytest
from django.apps import apps
from django.utils import translation

from openclass.courses.forms import SessionForm
from openclass.courses.models import Session

numbering = importlib.import_module("openclass.courses.migrations.0006_session_number")


@pytest.mark.django_db
def test_titles_in_the_readers_language_and_as_written(courses) -> None:
    course = courses.class_course
    day = datetime.date(2026, 12, 7)
    numbered = Session.objects.create(course=course, kind="live", number=3, day=day)
    titled = Session.objects.create(course=course, kind="live", title="현장 체험 안내", day=day)
    with translation.override("ko"):
        assert (numbered.shown_title, titled.shown_title) == ("3회차", "현장 체험 안내")
        assert str(numbered) == "2026-12-07 3회차"
    with translation.override("en"):
        assert (numbered.shown_title, titled.shown_title) == ("Session 3", "현장 체험 안내")


@pytest.mark.django_db
def test_the_timeline_form_asks_for_a_title(courses) -> None:
    form = SessionForm(
        {"kind": "live", "title": "", "day": "2026-12-07"}, course=courses.class_course
    )
    assert not form.is_valid() and "title" in form.errors


@pytest.mark.django_db
def test_titles_generated_before_become_numbers(courses) -> None:
    course = courses.class_course
    day = datetime.date(2026, 12, 7)
    made = [
        Session.objects.create(course=course, kind="live", title=title, day=day)
        for title in ("1회차", "Session 2", "1차시 안전 교육", "12회차 ")
    ]
    numbering.number_the_generated(apps, None)
    rows = [Session.objects.values_list("title", "number").get(pk=s.pk) for s in made]
    assert rows == [("", 1), ("", 2), ("1차시 안전 교육", None), ("", 12)]
    numbering.title_the_numbered(apps, None)
    assert Session.objects.get(pk=made[1].pk).title == "2회차"
