""" "이어서 학습하기" leads to the next required lesson not yet done (``services.progress_resume``):
across lessons and courses, past optional lessons and closed or unpublished courses, at the
video's last position; everything done says so. Quizzes and assignments handed in are passed
over too: ``assessments/tests/test_resume_handed_in.py``."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from openclass.courses import selectors
from openclass.courses.models import Course, Lesson, LessonProgress, Section
from openclass.courses.services import courses as services
from openclass.courses.services import progress_resume
from openclass.courses.tests.fixtures import Courses, make_course

pytestmark = pytest.mark.django_db


@pytest.fixture
def enrolled(courses: Courses) -> Courses:
    north = courses.city.north
    services.enrol(north.homeroom_a, courses.class_course, [north.student_a1, north.student_a2])
    return courses


def complete(student, lesson: Lesson) -> None:
    services.open_lesson(student, lesson)
    services.complete_lesson(student, lesson)


def test_the_first_required_lesson_not_done_in_course_order(enrolled: Courses) -> None:
    student = enrolled.city.north.student_a1
    point = selectors.resume_target(student)
    assert point is not None and point.lesson == enrolled.video and not point.started
    # Opening the document (it completes on opening) leaves the video first: order, not recency.
    services.open_lesson(student, enrolled.document)
    assert selectors.resume_target(student).lesson == enrolled.video
    # A video opened and not finished stays the next one.
    services.open_lesson(student, enrolled.video)
    point = selectors.resume_target(student)
    assert point.lesson == enrolled.video and point.started


def test_a_section_later_in_order_comes_after_the_first_sections_lessons(
    enrolled: Courses,
) -> None:
    course = enrolled.class_course
    second = Section.objects.create(course=course, title="2단원", position=2)
    later = Lesson.objects.create(
        section=second, title="4차시 자료", kind=Lesson.Kind.DOCUMENT, document="d.pdf"
    )
    student = enrolled.city.north.student_a1
    complete(student, enrolled.video)
    services.open_lesson(student, later)  # the later section's lesson, completed on opening
    assert selectors.resume_target(student).lesson == enrolled.document
    services.open_lesson(student, enrolled.document)
    point = selectors.resume_target(student)
    assert point.all_done and point.lesson is None  # the optional link does not count


def test_optional_lessons_are_never_the_next_step(enrolled: Courses) -> None:
    student = enrolled.city.north.student_a1
    complete(student, enrolled.video)
    services.open_lesson(student, enrolled.link)  # optional: opened last
    assert selectors.resume_target(student).lesson == enrolled.document


def test_everything_done_says_so_on_the_home_page(client, enrolled: Courses) -> None:
    student = enrolled.city.north.student_a1
    complete(student, enrolled.video)
    services.open_lesson(student, enrolled.document)
    point = selectors.resume_target(student)
    assert point is not None and point.all_done
    client.force_login(student)
    page = client.get(reverse("web:home")).content.decode()
    assert "resume-done" in page
    assert 'class="button resume-button"' not in page
    # Nothing to land on right after login either.
    student.resume_at_login = True
    student.save()
    assert selectors.resume_target(student).lesson is None
    from openclass.courses.panels import find_lesson_in_progress

    assert find_lesson_in_progress(student) is None


def test_the_course_studied_last_comes_first_then_the_others(enrolled: Courses) -> None:
    north = enrolled.city.north
    student = north.student_a1
    other = make_course(north.homeroom_a, north.class_a, Course.Scope.CLASS, "3-1 독서")
    section = Section.objects.create(course=other, title="1단원")
    reading = Lesson.objects.create(
        section=section, title="책 읽기", kind=Lesson.Kind.LINK, url="https://example.org/r"
    )
    quiz_like = Lesson.objects.create(
        section=section, title="읽기 영상", kind=Lesson.Kind.VIDEO_URL, url="https://e.org/v.mp4"
    )
    services.enrol(north.homeroom_a, other, [student])
    services.open_lesson(student, reading)  # the other course is now the most recent
    assert selectors.resume_target(student).lesson == quiz_like
    complete(student, quiz_like)
    # The other course done, the first course's next lesson follows.
    assert selectors.resume_target(student).lesson == enrolled.video


def test_unpublished_and_closed_courses_are_passed_over(enrolled: Courses) -> None:
    student = enrolled.city.north.student_a1
    course = enrolled.class_course
    course.is_published = False
    course.save()
    assert selectors.resume_target(student) is None  # no open course at all
    course.is_published = True
    course.closes_on = datetime.date(2020, 1, 1)
    course.save()
    assert selectors.resume_target(student) is None
    today = timezone.localdate()
    course.opens_on = today + datetime.timedelta(days=1)
    course.closes_on = None
    course.save()
    assert selectors.resume_target(student) is None  # not open yet
    course.opens_on = course.closes_on = today  # open for the day: both ends count
    course.save()
    assert selectors.resume_target(student).lesson == enrolled.video
    course.opens_on = course.closes_on = None
    course.save()
    assert selectors.resume_target(student).lesson == enrolled.video


def test_a_video_resumes_at_its_last_position_unless_at_its_end(enrolled: Courses) -> None:
    student = enrolled.city.north.student_a1
    row = services.open_lesson(student, enrolled.video)
    LessonProgress.objects.filter(pk=row.pk).update(position=16.0, duration=100)
    assert selectors.resume_target(student).position == 16.0
    LessonProgress.objects.filter(pk=row.pk).update(position=98.0)
    assert selectors.resume_target(student).position == 0.0  # the end: start again


def test_a_finished_video_is_never_the_target(enrolled: Courses) -> None:
    student = enrolled.city.north.student_a1
    row = services.open_lesson(student, enrolled.video)
    LessonProgress.objects.filter(pk=row.pk).update(position=100.0, duration=100)
    services.complete_lesson(student, enrolled.video)
    point = selectors.resume_target(student)
    assert point.lesson == enrolled.document and point.position == 0.0


def test_the_course_page_offers_the_next_lesson(client, enrolled: Courses) -> None:
    student = enrolled.city.north.student_a1
    complete(student, enrolled.video)
    client.force_login(student)
    page = client.get(reverse("courses:detail", args=[enrolled.class_course.pk]))
    next_url = reverse("courses:lesson", args=[enrolled.class_course.pk, enrolled.document.pk])
    assert f'class="button resume-button" href="{next_url}"' in page.content.decode()
    services.open_lesson(student, enrolled.document)
    page = client.get(reverse("courses:detail", args=[enrolled.class_course.pk]))
    assert "resume-done" in page.content.decode()
    assert 'class="button resume-button"' not in page.content.decode()


def test_handed_in_sources_decide_for_assessment_lessons_only(enrolled: Courses) -> None:
    student = enrolled.city.north.student_a1
    quiz = Lesson.objects.create(
        section=enrolled.video.section, title="퀴즈", kind=Lesson.Kind.QUIZ, position=0
    )
    asked: list[list[int]] = []

    def every(who, lesson_ids):
        asked.append(list(lesson_ids))
        return set(lesson_ids)

    previous = dict(progress_resume._handed_in_sources)
    try:
        progress_resume._handed_in_sources.clear()
        assert selectors.resume_target(student).lesson == quiz
        progress_resume.register_handed_in("test", every)
        assert selectors.resume_target(student).lesson == enrolled.video
        assert asked[-1] == [quiz.pk]  # only quizzes and assignments are asked about
    finally:
        progress_resume._handed_in_sources.clear()
        progress_resume._handed_in_sources.update(previous)
