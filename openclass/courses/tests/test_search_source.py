"""What courses puts in the search index (``courses.search``): the documents of courses, lessons
and topics, and who may open each — asked through ``core.registry`` as ``search`` asks, and
checked against the pages themselves."""

from __future__ import annotations

import datetime
from urllib.parse import urlencode

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from openclass.accounts.models import Organisation
from openclass.accounts.tests.fixtures import ROLES, person_of
from openclass.catalog.models import AudienceTag, ContentElement, Topic
from openclass.core.registry import search_source, search_sources
from openclass.courses import access
from openclass.courses import search as course_search
from openclass.courses.models import Course, Enrolment, Lesson, Section
from openclass.courses.tests.fixtures import Courses, make_course

TODAY = timezone.localdate()


def keys(visible) -> set[int]:
    """The primary keys in a source's ``visible`` answer (a ``values("pk")`` queryset)."""
    return {row["pk"] for row in visible}


def documents(name: str, objects=None) -> dict:
    build = search_source(name).documents
    found = build(None if objects is None else [item.pk for item in objects])
    return {document.key: document for document in found}


def lesson(course: Course, title: str, **fields) -> Lesson:
    section = course.sections.first() or Section.objects.create(course=course, title="1단원")
    fields.setdefault("kind", Lesson.Kind.LINK)
    fields.setdefault("url", "https://example.org/")
    return Lesson.objects.create(section=section, title=title, **fields)


def test_every_area_registers_its_sources() -> None:
    sources = {source.name: source for source in search_sources()}
    expected = {
        "courses.course": ("course", Course),
        "courses.lesson": ("lesson", Lesson),
        "catalog.topic": ("topic", Topic),
        "media.video": ("video", None),
        "operations.profile": ("instructor", None),
    }
    for name, (kind, model) in expected.items():
        assert sources[name].kind == kind, name
        if model is not None:
            assert sources[name].model is model


# --- Courses ----------------------------------------------------------------------------------


def test_a_course_document_carries_its_text_tags_and_facets(courses: Courses) -> None:
    north = courses.city.north
    course = courses.class_course
    course.summary = "등하굣길 안전을 배웁니다."
    course.topic = Topic.objects.get(code="safety-health")
    course.delivery = Course.Delivery.LIVE
    course.save()
    course.content_elements.set([ContentElement.objects.get(code="safety-health-disaster")])
    course.audience.set([AudienceTag.objects.get(code="student")])
    Section.objects.create(course=course, title="2단원 교실 안전", position=2)
    Enrolment.objects.create(course=course, student=north.student_a1)
    Enrolment.objects.create(course=course, student=north.student_a2)

    document = documents("courses.course", [course])[course.pk]
    assert document.title == "3-1 안전 교육"
    assert document.url == reverse("courses:detail", args=[course.pk])
    assert document.body == "등하굣길 안전을 배웁니다.\n1단원\n2단원 교실 안전"
    assert document.tags == ("안전·건강교육", "안전·재난대비", "학생")
    assert document.area == "안전·건강교육"  # Korean, whatever the language
    assert document.grade_band == "elementary"  # the class's school
    assert document.audience == "student"
    assert document.mode == "live"
    assert document.popularity == 2
    assert document.published_at == course.created_at


def test_grade_band_mode_and_audience_follow_the_course(courses: Courses) -> None:
    city = courses.city
    middle = Organisation.objects.create(
        kind=Organisation.Kind.SCHOOL,
        name="중학교",
        code="middle",
        parent=city.north.school.parent,
        school_level=Organisation.SchoolLevel.MIDDLE,
    )
    grade = Organisation.objects.create(
        kind=Organisation.Kind.GRADE, name="2학년", number=2, parent=middle
    )
    at_grade = make_course(city.office_admin, grade, Course.Scope.GRADE, "2학년 과정")
    blended = courses.office_course
    blended.delivery = Course.Delivery.BLENDED
    blended.save()
    parents = make_course(city.office_admin, city.office, Course.Scope.OFFICE, "자녀와 대화하기")
    parents.topic = Topic.objects.get(code="parent-understanding-children")
    parents.save()
    tagged = make_course(city.office_admin, city.office, Course.Scope.OFFICE, "가정 연계 안전")
    tagged.audience.set([AudienceTag.objects.get(code="parent")])
    both = make_course(city.office_admin, city.office, Course.Scope.OFFICE, "함께 배우는 안전")
    both.audience.set(AudienceTag.objects.filter(code__in=["parent", "student"]))

    found = documents("courses.course")
    assert found[at_grade.pk].grade_band == "middle"
    assert found[courses.school_course.pk].grade_band == "elementary"
    assert found[blended.pk].grade_band == ""  # the whole city
    assert found[blended.pk].mode == ""
    assert found[courses.school_course.pk].mode == "recorded"
    assert found[parents.pk].audience == "parent"
    assert found[parents.pk].area == "자녀 이해와 소통"
    assert found[tagged.pk].audience == "parent"
    assert found[both.pk].audience == "student"


def test_documents_are_built_for_the_keys_asked_and_in_batches(
    courses: Courses, monkeypatch
) -> None:
    asked = documents("courses.course", [courses.school_course])
    assert set(asked) == {courses.school_course.pk}
    assert documents("courses.course", []) == {}
    deleted = courses.school_course.pk
    courses.school_course.delete()
    assert documents("courses.course", [courses.school_course]) == {}
    assert deleted not in documents("courses.course")

    def queries(build) -> int:
        with CaptureQueriesContext(connection) as captured:
            list(build(None))
        return len(captured)

    build = search_source("courses.course").documents
    monkeypatch.setattr(course_search, "BATCH", 2)
    two = queries(build)  # 2 courses: one batch, then the empty one that ends it
    for number in range(4):
        course = make_course(
            courses.city.office_admin, courses.city.office, Course.Scope.OFFICE, f"추가 {number}"
        )
        Section.objects.create(course=course, title="1단원")
        course.audience.set(AudienceTag.objects.all())
    # 6 courses: three batches, each the same few queries however many rows it holds.
    assert queries(build) == 1 + 3 * (two - 1)
    assert len(documents("courses.course")) == 6
    monkeypatch.setattr(course_search, "BATCH", 1000)
    assert queries(build) == two


def test_drafts_hidden_courses_and_other_schools_class_courses(courses: Courses) -> None:
    city, north, south = courses.city, courses.city.north, courses.city.south
    visible = search_source("courses.course").visible
    draft = make_course(
        north.homeroom_a, north.class_a, Course.Scope.CLASS, "초안", is_published=False
    )
    hidden = make_course(north.admin, north.school, Course.Scope.SCHOOL, "숨긴 강좌")
    Enrolment.objects.create(course=hidden, student=north.student_a1)
    hidden.is_published = False
    hidden.save()
    elsewhere = make_course(south.homeroom_a, south.class_a, Course.Scope.CLASS, "남초 3-1")

    # A draft: its managers only (its teacher, the school's admin, the office).
    for user in (north.homeroom_a, north.admin, city.office_admin):
        assert draft.pk in keys(visible(user)), user
    for user in (north.student_a1, north.parent_a1, north.subject_teacher, south.admin):
        assert draft.pk not in keys(visible(user)), user
    # Hidden after a student joined: its managers and that student, nobody else.
    for user in (north.admin, city.office_admin, north.student_a1, north.parent_a1):
        assert hidden.pk in keys(visible(user)), user
    for user in (north.student_a2, north.student_b1, north.homeroom_a, south.student_a1):
        assert hidden.pk not in keys(visible(user)), user
    # Another school's class course: that class, its parents and teacher, the admins above.
    for user in (south.student_a1, south.parent_a1, south.homeroom_a, south.admin):
        assert elsewhere.pk in keys(visible(user)), user
    for user in (north.student_a1, north.parent_a1, north.homeroom_a, north.admin):
        assert elsewhere.pk not in keys(visible(user)), user
    assert south.student_b1 and elsewhere.pk not in keys(visible(south.student_b1))
    assert keys(visible(AnonymousUser())) == set()  # not signed in: nothing
    # The same rule as the course page.
    assert keys(visible(north.student_a2)) == set(
        access.visible_courses(north.student_a2).values_list("pk", flat=True)
    )


def test_course_rule_agrees_with_the_course_page(client, courses: Courses) -> None:
    north = courses.city.north
    draft = make_course(
        north.homeroom_a, north.class_a, Course.Scope.CLASS, "초안", is_published=False
    )
    south_course = make_course(
        courses.city.south.homeroom_a, courses.city.south.class_a, Course.Scope.CLASS, "남초"
    )
    everything = [courses.class_course, courses.school_course, courses.office_course, draft]
    everything.append(south_course)
    for role in ROLES[1:]:
        user = person_of(courses.city, role)
        client.force_login(user)
        visible = keys(search_source("courses.course").visible(user))
        for course in everything:
            status = client.get(reverse("courses:detail", args=[course.pk])).status_code
            assert status in (200, 404), (role, course.title)
            assert (status == 200) == (course.pk in visible), (role, course.title)


def test_course_watches_its_sections_topic_elements_and_audience(courses: Courses) -> None:
    watch = dict(search_source("courses.course").watch)
    section = Section.objects.create(course=courses.class_course, title="새 단원")
    assert list(watch[Section](section)) == [courses.class_course.pk]
    topic = courses.class_course.topic
    assert set(watch[Topic](topic)) == {
        courses.class_course.pk,
        courses.school_course.pk,
        courses.office_course.pk,
    }
    element = ContentElement.objects.get(code="dokdo-love")
    courses.office_course.content_elements.add(element)
    assert list(watch[ContentElement](element)) == [courses.office_course.pk]
    tag = AudienceTag.objects.get(code="parent")
    courses.school_course.audience.add(tag)
    assert list(watch[AudienceTag](tag)) == [courses.school_course.pk]


# --- Lessons ----------------------------------------------------------------------------------


def test_a_lesson_document_carries_its_course(courses: Courses) -> None:
    north = courses.city.north
    courses.video.description = "횡단보도를 건너는 방법을 영상으로 봅니다."
    courses.video.save()
    Enrolment.objects.create(course=courses.class_course, student=north.student_a1)
    found = documents("courses.lesson", [courses.video, courses.link])
    assert set(found) == {courses.video.pk, courses.link.pk}
    document = found[courses.video.pk]
    assert document.title == "1차시 영상"
    assert document.url == reverse(
        "courses:lesson", args=[courses.class_course.pk, courses.video.pk]
    )
    assert document.body == "횡단보도를 건너는 방법을 영상으로 봅니다."
    assert document.tags == ("3-1 안전 교육", "1단원")
    course = documents("courses.course", [courses.class_course])[courses.class_course.pk]
    for facet in ("area", "grade_band", "audience", "mode", "popularity", "published_at"):
        assert getattr(document, facet) == getattr(course, facet), facet
    assert document.popularity == 1


def test_lesson_documents_take_the_same_queries_however_many(courses: Courses) -> None:
    build = search_source("courses.lesson").documents
    with CaptureQueriesContext(connection) as few:
        assert len(list(build(None))) == 3
    for number in range(20):
        lesson(courses.office_course, f"{number}차시")
    with CaptureQueriesContext(connection) as many:
        assert len(list(build(None))) == 23
    assert len(many) == len(few)


def test_lesson_watches_follow_sections_courses_and_topics(courses: Courses) -> None:
    watch = dict(search_source("courses.lesson").watch)
    section = courses.video.section
    lessons = {courses.video.pk, courses.document.pk, courses.link.pk}
    assert set(watch[Section](section)) == lessons
    assert set(watch[Course](courses.class_course)) == lessons
    assert set(watch[Course](courses.office_course)) == set()
    assert lessons <= set(watch[Topic](courses.class_course.topic))


@pytest.fixture
def lesson_world(courses: Courses) -> dict[str, Lesson]:
    """A lesson in each kind of course the lesson page decides about, with class A of north
    enrolled in the class course and the closed, hidden and office courses, and the south's
    class A in its own class course."""
    north, south = courses.city.north, courses.city.south
    closed = make_course(
        north.homeroom_a,
        north.class_a,
        Course.Scope.CLASS,
        "지난 학기",
        closes_on=TODAY - datetime.timedelta(days=1),
    )
    not_yet = make_course(
        north.admin,
        north.school,
        Course.Scope.SCHOOL,
        "다음 학기",
        opens_on=TODAY + datetime.timedelta(days=10),
    )
    hidden = make_course(north.admin, north.school, Course.Scope.SCHOOL, "숨긴 강좌")
    draft = make_course(
        north.homeroom_a, north.class_a, Course.Scope.CLASS, "초안", is_published=False
    )
    elsewhere = make_course(south.homeroom_a, south.class_a, Course.Scope.CLASS, "남초 3-1")
    world = {
        "class video": courses.video,
        "class document": courses.document,
        "school": lesson(courses.school_course, "학교 강좌 1차시"),
        "office": lesson(courses.office_course, "독도 1차시"),
        "closed": lesson(closed, "지난 1차시"),
        "not yet": lesson(not_yet, "다음 1차시"),
        "hidden": lesson(hidden, "숨긴 1차시"),
        "draft": lesson(draft, "초안 1차시"),
        "elsewhere": lesson(elsewhere, "남초 1차시"),
    }
    for course in (courses.class_course, closed, hidden, courses.office_course, not_yet):
        for student in (north.student_a1, north.student_a2):
            Enrolment.objects.create(course=course, student=student)
    Enrolment.objects.create(course=elsewhere, student=south.student_a1)
    hidden.is_published = False
    hidden.save()
    return world


def test_lesson_rule_agrees_with_the_lesson_page(client, courses: Courses, lesson_world) -> None:
    city = courses.city
    people = {role: person_of(city, role) for role in ROLES[1:]}
    people.update(
        {
            "south student": city.south.student_a1,
            "south parent": city.south.parent_a1,
            "south teacher": city.south.homeroom_a,
            "south admin": city.south.admin,
            "north class B student": city.north.student_b1,
        }
    )
    opened: dict[str, set[str]] = {}
    for who, user in people.items():
        client.force_login(user)
        visible = keys(search_source("courses.lesson").visible(user))
        for what, item in lesson_world.items():
            course = item.section.course
            url = reverse("courses:lesson", args=[course.pk, item.pk])
            status = client.get(url).status_code
            assert status in (200, 403, 404), (who, what, status)
            assert (status == 200) == (item.pk in visible), (who, what, status)
            if status == 200:
                opened.setdefault(who, set()).add(what)
    # What the page (and so the rule) comes to, spelled out.
    enrolled_open = {"class video", "class document", "office"}
    assert opened["student"] == enrolled_open
    assert "north class B student" not in opened  # enrolled in nothing
    assert "parent" not in opened  # reads records, opens no lesson
    assert opened["south student"] == {"elsewhere"}
    # The homeroom teacher manages the class courses (closed and draft included) and may reuse
    # the published school and office courses; not the hidden one nor the south's.
    assert opened["homeroom_teacher"] == {
        "class video",
        "class document",
        "school",
        "office",
        "closed",
        "not yet",
        "draft",
    }
    assert opened["subject_teacher"] == {"school", "office", "not yet"}
    assert opened["school_admin"] == set(lesson_world) - {"elsewhere"}
    assert opened["office_admin"] == set(lesson_world)
    assert opened["instructor"] == {"office"}  # teaches it
    assert opened["south admin"] == {"office", "elsewhere"}
    client.logout()
    response = client.get(
        reverse("courses:lesson", args=[courses.class_course.pk, courses.video.pk])
    )
    assert response.status_code == 302  # to the login page
    assert not keys(search_source("courses.lesson").visible(AnonymousUser()))


# --- Topics -----------------------------------------------------------------------------------


def test_topic_documents_open_the_catalog_filtered_by_them(client, courses: Courses) -> None:
    dokdo = Topic.objects.get(code="dokdo")
    courses.office_course.topic = dokdo
    courses.office_course.save()
    found = documents("catalog.topic")
    assert set(found) == set(Topic.objects.values_list("pk", flat=True))
    document = found[dokdo.pk]
    assert document.title == "독도 교육"
    assert document.tags == ("Dokdo education", "국토 이해", "독도 사랑")
    assert "독도 사랑" in document.body and "Caring for Dokdo" in document.body
    assert document.area == "독도 교육"
    assert document.popularity == 1
    assert document.url == f"{reverse('courses:catalog')}?{urlencode({'topic': 'dokdo'})}"
    assert found[Topic.objects.get(code="parent-career").pk].audience == "parent"
    assert search_source("catalog.topic").visible(courses.city.north.student_a1) is None
    assert dict(search_source("catalog.topic").watch)[ContentElement](dokdo.elements.first()) == [
        dokdo.pk
    ]
    client.force_login(courses.city.north.student_a1)
    page = client.get(document.url)
    assert page.status_code == 200
    assert page.context["topic"] == dokdo
    assert [course.title for course in page.context["courses"]] == ["서울 독도 교육"]
