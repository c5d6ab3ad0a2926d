"""A new course: the short form, the error summary at the top, the content-element picker grouped
by area, and the checklist on the course page until it has lessons, students and is published."""

from __future__ import annotations

import re

from django.urls import reverse

from openclass.catalog.models import ContentElement
from openclass.courses.models import Course, Lesson, Section
from openclass.courses.services import courses as services
from openclass.courses.tests.fixtures import Courses


def test_the_new_course_form_is_short_and_leads_to_the_checklist(client, courses: Courses):
    north = courses.city.north
    client.force_login(north.homeroom_a)
    form = client.get(reverse("courses:create")).context["form"]
    assert list(form.fields) == ["title", "organisation", "topic", "delivery", "audience"]
    response = client.post(
        reverse("courses:create"),
        {
            "title": "새 강좌",
            "topic": courses.class_course.topic.pk,
            "organisation": north.class_a.pk,
            "delivery": Course.Delivery.RECORDED,
        },
        follow=True,
    )
    course = Course.objects.get(title="새 강좌")
    assert response.redirect_chain[-1][0] == reverse("courses:detail", args=[course.pk])
    # The rest keeps its defaults until the course's settings.
    assert course.allowed_speeds == [1.0, 1.25, 1.5] and course.late_days == 7
    assert not course.is_published and course.owner == north.homeroom_a
    page = response.content.decode()
    assert "data-checklist" in page
    for name in ("courses:content", "courses:enrolments"):
        assert reverse(name, args=[course.pk]) in page
    # Publishing is offered only once there is a lesson.
    assert (
        reverse("courses:publish", args=[course.pk])
        not in page.split("data-checklist")[1].split("</section>")[0]
    )


def test_the_checklist_ticks_steps_and_goes_when_all_are_done(client, courses: Courses):
    north = courses.city.north
    course = courses.class_course
    course.is_published = False
    course.save()
    client.force_login(north.homeroom_a)
    page = client.get(reverse("courses:detail", args=[course.pk])).content.decode()
    checklist = page.split("data-checklist")[1].split("</section>")[0]
    assert re.search(r'class="done" data-step="lessons"', checklist)
    assert 'class="" data-step="students"' in checklist
    assert reverse("courses:publish", args=[course.pk]) in checklist
    services.enrol(north.homeroom_a, course, [north.student_a1])
    services.publish_course(north.homeroom_a, course)
    assert (
        "data-checklist"
        not in client.get(reverse("courses:detail", args=[course.pk])).content.decode()
    )


def test_the_checklist_is_only_for_those_who_manage_the_course(client, courses: Courses):
    north = courses.city.north
    course = courses.class_course
    services.enrol(north.homeroom_a, course, [north.student_a1])
    client.force_login(north.student_a1)
    assert (
        "data-checklist"
        not in client.get(reverse("courses:detail", args=[course.pk])).content.decode()
    )
    # Another teacher of the school does not manage it (their page has no checklist either).
    client.force_login(north.subject_teacher)
    response = client.get(reverse("courses:detail", args=[course.pk]))
    assert "data-checklist" not in response.content.decode()


def test_a_failed_save_summarises_the_errors_at_the_top(client, courses: Courses):
    client.force_login(courses.city.north.homeroom_a)
    response = client.post(reverse("courses:create"), {"title": "대상 없음"})
    assert response.status_code == 200
    page = response.content.decode()
    summary = page.split("data-form-errors")[1].split("</div>")[0]
    assert 'href="#id_organisation"' in summary and 'href="#id_topic"' in summary
    assert "web/form-errors.js" in page
    # The summary comes before the first field.
    assert page.index("data-form-errors") < page.index('name="title"')
    assert not Course.objects.filter(title="대상 없음").exists()


def test_the_settings_group_content_elements_by_area(client, courses: Courses):
    course = courses.class_course
    client.force_login(courses.city.north.homeroom_a)
    page = client.get(reverse("courses:edit", args=[course.pk])).content.decode()
    groups = re.findall(r'<fieldset class="element-group" data-topic="(\d+)">', page)
    element_topics = set(ContentElement.objects.values_list("topic_id", flat=True))
    assert len(groups) == len(element_topics) > 1
    assert "courses/element-picker.js" in page and "data-filter-box" in page
    # Every element is a checkbox posted as before.
    assert page.count('name="content_elements"') == ContentElement.objects.count()


def test_others_cannot_open_the_new_course_form_or_a_course_settings(client, courses: Courses):
    north = courses.city.north
    client.force_login(north.student_a1)
    assert client.get(reverse("courses:create")).status_code == 403
    client.force_login(courses.city.south.homeroom_a)
    assert client.get(reverse("courses:edit", args=[courses.class_course.pk])).status_code == 404


def test_checklist_counts_lessons(client, courses: Courses):
    north = courses.city.north
    course = services.create_course(
        north.homeroom_a,
        Course(
            title="빈 강좌",
            topic=courses.class_course.topic,
            organisation=north.class_a,
            scope=Course.Scope.CLASS,
        ),
    )
    client.force_login(north.homeroom_a)
    page = client.get(reverse("courses:detail", args=[course.pk])).content.decode()
    assert 'class="" data-step="lessons"' in page
    section = Section.objects.create(course=course, title="1단원", position=1)
    Lesson.objects.create(
        section=section, title="링크", kind=Lesson.Kind.LINK, url="https://example.org/", position=1
    )
    page = client.get(reverse("courses:detail", args=[course.pk])).content.decode()
    assert 'class="done" data-step="lessons"' in page
