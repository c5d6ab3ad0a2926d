"""The course pages through the test client: what each role may open, and the refusals."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from openclass.courses.models import Course, Enrolment, Lesson, LessonProgress, Section
from openclass.courses.services import courses as services
from openclass.courses.tests.fixtures import Courses, make_course


@pytest.fixture
def enrolled(courses: Courses) -> Courses:
    north = courses.city.north
    services.enrol(north.homeroom_a, courses.class_course, [north.student_a1])
    return courses


def post_in_english(client, url: str, data: dict) -> str:
    """The page a POST ends on (after its redirect), in English, to read its messages."""
    with translation.override("en"):
        return client.post(url, data, follow=True, HTTP_ACCEPT_LANGUAGE="en").content.decode()


def get(client, user, name: str, *args, **params):
    client.force_login(user)
    return client.get(reverse(name, args=args), params)


def test_catalog_lists_only_visible_courses(client, courses: Courses) -> None:
    south = courses.city.south
    page = get(client, south.student_a1, "courses:catalog").content.decode()
    assert courses.office_course.title in page
    assert courses.class_course.title not in page
    assert courses.school_course.title not in page


def test_the_catalog_takes_the_same_queries_however_many_class_courses(
    client, courses: Courses
) -> None:
    """A class course's card names its school, grade and class: read with the courses, not
    one card at a time (two queries a card before)."""
    north = courses.city.north
    client.force_login(north.admin)
    client.get(reverse("courses:catalog"))
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("courses:catalog"))
    for title in ("3-1 독서 교육", "3-2 과학 교육"):
        klass = north.class_a if title.startswith("3-1") else north.class_b
        make_course(north.admin, klass, Course.Scope.CLASS, title)
    with CaptureQueriesContext(connection) as three:
        page = client.get(reverse("courses:catalog")).content.decode()
    assert "3-2 과학 교육" in page and north.class_b.full_name in page
    assert len(three) == len(one)


def test_course_page_of_another_school_is_not_found(client, courses: Courses) -> None:
    south = courses.city.south
    for user in (south.student_a1, south.homeroom_a, south.admin, south.parent_a1):
        assert get(client, user, "courses:detail", courses.class_course.pk).status_code == 404


def test_authoring_pages_need_a_manager(client, courses: Courses) -> None:
    north = courses.city.north
    course = courses.class_course
    section = courses.video.section
    pages = [
        ("courses:edit", course.pk),
        ("courses:content", course.pk),
        ("courses:section_edit", course.pk, section.pk),
        ("courses:lesson_create", course.pk, section.pk),
        ("courses:lesson_edit", course.pk, section.pk, courses.video.pk),
    ]
    for name, *args in pages:
        assert get(client, north.homeroom_a, name, *args).status_code == 200, name
        for outsider in (north.subject_teacher, north.student_a1, north.parent_a1):
            assert get(client, outsider, name, *args).status_code == 404, (name, outsider)
    client.force_login(north.student_a1)
    response = client.post(reverse("courses:publish", args=[course.pk]), {"publish": "0"})
    assert response.status_code == 404
    course.refresh_from_db()
    assert course.is_published


def test_student_opens_a_lesson_and_the_visit_is_recorded(client, enrolled: Courses) -> None:
    student = enrolled.city.north.student_a1
    response = get(client, student, "courses:lesson", enrolled.class_course.pk, enrolled.link.pk)
    assert response.status_code == 200
    progress = LessonProgress.objects.get(student=student, lesson=enrolled.link)
    assert progress.completed_at is not None
    assert Enrolment.objects.get(student=student).last_lesson == enrolled.link


def test_lessons_are_refused_to_students_not_enrolled(client, enrolled: Courses) -> None:
    north = enrolled.city.north
    url_args = (enrolled.class_course.pk, enrolled.link.pk)
    assert get(client, north.student_a2, "courses:lesson", *url_args).status_code == 403
    assert get(client, north.parent_a1, "courses:lesson", *url_args).status_code == 403
    assert not LessonProgress.objects.exists()


def test_manager_preview_records_nothing(client, enrolled: Courses) -> None:
    north = enrolled.city.north
    response = get(
        client, north.homeroom_a, "courses:lesson", enrolled.class_course.pk, enrolled.link.pk
    )
    assert response.status_code == 200
    assert not LessonProgress.objects.exists()
    preview = get(client, north.homeroom_a, "courses:detail", enrolled.class_course.pk, preview=1)
    assert "Preview" in preview.content.decode() or "미리보기" in preview.content.decode()


def test_closed_course_refuses_lessons(client, enrolled: Courses) -> None:
    course = enrolled.class_course
    course.is_published = False
    course.save()
    student = enrolled.city.north.student_a1
    assert get(client, student, "courses:lesson", course.pk, enrolled.link.pk).status_code == 403


def test_teacher_creates_a_class_course(client, courses: Courses) -> None:
    north = courses.city.north
    client.force_login(north.homeroom_a)
    topic = courses.class_course.topic
    response = client.post(
        reverse("courses:create"),
        {
            "title": "새 강좌",
            "topic": topic.pk,
            "organisation": north.class_a.pk,
            "arrangement": Course.Arrangement.TEACHER,
            "delivery": Course.Delivery.RECORDED,
            "allowed_speeds": ["1.0", "1.5"],
            "completion_threshold": 90,
            "late_days": 7,
            "no_skip": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()
    course = Course.objects.get(title="새 강좌")
    assert course.scope == Course.Scope.CLASS and course.owner == north.homeroom_a
    # The short form leaves playback to the course's settings (their defaults until then).
    assert course.allowed_speeds == [1.0, 1.25, 1.5]


def test_teacher_cannot_open_a_course_for_a_class_they_do_not_teach(client, courses) -> None:
    north = courses.city.north
    client.force_login(north.homeroom_a)
    response = client.post(
        reverse("courses:create"),
        {
            "title": "남의 반",
            "topic": courses.class_course.topic.pk,
            "organisation": north.class_b.pk,
            "arrangement": Course.Arrangement.TEACHER,
            "delivery": Course.Delivery.RECORDED,
            "allowed_speeds": ["1.0"],
            "completion_threshold": 90,
            "late_days": 7,
        },
    )
    assert response.status_code == 200
    assert not Course.objects.filter(title="남의 반").exists()


def test_students_cannot_create_courses(client, courses: Courses) -> None:
    assert get(client, courses.city.north.student_a1, "courses:create").status_code == 403


def test_adding_a_link_lesson_and_moving_it_up(client, courses: Courses) -> None:
    north = courses.city.north
    course = courses.class_course
    section = Section.objects.get(course=course)
    client.force_login(north.homeroom_a)
    response = client.post(
        reverse("courses:lesson_create", args=[course.pk, section.pk]),
        {"title": "4차시 링크", "kind": Lesson.Kind.LINK, "url": "https://example.org/a"},
    )
    assert response.status_code == 302
    lesson = Lesson.objects.get(title="4차시 링크")
    assert lesson.position == 4
    client.post(
        reverse("courses:move", args=[course.pk]),
        {"what": "lesson", "id": lesson.pk, "section": section.pk, "direction": "up"},
    )
    titles = list(section.lessons.values_list("title", flat=True))
    assert titles == ["1차시 영상", "2차시 자료", "4차시 링크", "3차시 참고"]


def test_a_youtube_lesson_needs_a_youtube_address(client, courses: Courses) -> None:
    north = courses.city.north
    section = courses.video.section
    client.force_login(north.homeroom_a)
    url = reverse("courses:lesson_create", args=[courses.class_course.pk, section.pk])
    bad = client.post(url, {"title": "유튜브", "kind": "youtube", "url": "https://example.org/"})
    assert bad.status_code == 200
    good = client.post(
        url, {"title": "유튜브", "kind": "youtube", "url": "https://youtu.be/dQw4w9WgXcQ"}
    )
    assert good.status_code == 302


def test_enrolment_page_enrols_a_class_and_refuses_outsiders(client, courses: Courses) -> None:
    north, south = courses.city.north, courses.city.south
    course = courses.office_course
    client.force_login(north.homeroom_a)
    response = client.post(
        reverse("courses:enrolments", args=[course.pk]), {"organisation": north.class_a.pk}
    )
    assert response.status_code == 302
    assert set(course.enrolments.values_list("student__username", flat=True)) == {
        north.student_a1.username,
        north.student_a2.username,
    }
    # Posting another school's class is refused by the form's choices.
    response = client.post(
        reverse("courses:enrolments", args=[course.pk]), {"organisation": south.class_a.pk}
    )
    assert response.status_code == 200
    assert course.enrolments.count() == 2
    for outsider in (north.student_a1, north.parent_a1):
        client.force_login(outsider)
        assert client.get(reverse("courses:enrolments", args=[course.pk])).status_code == 403


def test_self_enrolment(client, courses: Courses) -> None:
    north = courses.city.north
    course = courses.school_course
    client.force_login(north.student_b1)
    assert client.post(reverse("courses:enrol_self", args=[course.pk])).status_code == 403
    course.self_enrolment = True
    course.save()
    assert client.post(reverse("courses:enrol_self", args=[course.pk])).status_code == 302
    assert course.enrolments.filter(student=north.student_b1).exists()


def test_home_shows_resume_and_courses(client, enrolled: Courses) -> None:
    student = enrolled.city.north.student_a1
    services.open_lesson(student, enrolled.video)
    client.force_login(student)
    page = client.get(reverse("web:home")).content.decode()
    assert enrolled.video.title in page
    assert enrolled.class_course.title in page


def test_resume_at_login_opens_the_lesson_once(client, enrolled: Courses) -> None:
    from openclass.accounts.tests.fixtures import PASSWORD

    student = enrolled.city.north.student_a1
    services.open_lesson(student, enrolled.video)
    student.resume_at_login = True
    student.save()
    response = client.post(
        reverse("accounts:login"), {"username": student.username, "password": PASSWORD}
    )
    home = client.get(response["Location"])
    assert home.status_code == 302
    assert home["Location"] == reverse(
        "courses:lesson", args=[enrolled.class_course.pk, enrolled.video.pk]
    )
    assert client.get(reverse("web:home")).status_code == 200  # only right after login


def test_a_new_quiz_lesson_is_set_up_next_and_keeps_its_kind(client, courses: Courses) -> None:
    north = courses.city.north
    section = courses.video.section
    client.force_login(north.homeroom_a)
    response = client.post(
        reverse("courses:lesson_create", args=[courses.class_course.pk, section.pk]),
        {"title": "5차시 퀴즈", "kind": Lesson.Kind.QUIZ},
    )
    quiz = Lesson.objects.get(title="5차시 퀴즈")
    assert response.status_code == 302
    assert response["Location"] == reverse("assessments:quiz", args=[quiz.pk])
    edit = reverse("courses:lesson_edit", args=[courses.class_course.pk, section.pk, quiz.pk])
    refused = client.post(
        edit, {"title": "5차시 링크", "kind": Lesson.Kind.LINK, "url": "https://example.org/"}
    )
    assert refused.status_code == 200
    quiz.refresh_from_db()
    assert (quiz.kind, quiz.title) == (Lesson.Kind.QUIZ, "5차시 퀴즈")
    content = client.get(reverse("courses:content", args=[courses.class_course.pk]))
    assert reverse("assessments:quiz", args=[quiz.pk]) in content.content.decode()


def test_opening_an_assignment_lesson_records_it_and_leads_to_the_assignment(
    client, enrolled: Courses
) -> None:
    north = enrolled.city.north
    lesson = Lesson.objects.create(
        section=enrolled.video.section, title="과제", kind=Lesson.Kind.ASSIGNMENT, position=9
    )
    client.force_login(north.student_a1)
    response = client.get(reverse("courses:lesson", args=[enrolled.class_course.pk, lesson.pk]))
    assert response["Location"] == reverse("assessments:assignment", args=[lesson.pk])
    progress = LessonProgress.objects.get(student=north.student_a1, lesson=lesson)
    assert progress.completed_at is None  # an assignment completes by its result, not by opening


def test_instructors_get_their_courses_through_applications(client, courses: Courses) -> None:
    """ "course.create" is not an instructor's: the page answers 403 and no page offers the
    button, nor the copy (which opens a course too) of the course they teach."""
    instructor = courses.city.instructor
    course = courses.office_course
    assert get(client, instructor, "courses:create").status_code == 403
    assert get(client, instructor, "courses:copy", course.pk).status_code == 403
    catalog = get(client, instructor, "courses:catalog").content.decode()
    assert reverse("courses:create") not in catalog
    detail = get(client, instructor, "courses:detail", course.pk).content.decode()
    assert reverse("courses:content", args=[course.pk]) in detail  # they do run it
    assert reverse("courses:copy", args=[course.pk]) not in detail
    teacher = courses.city.north.homeroom_a
    assert reverse("courses:create") in get(client, teacher, "courses:catalog").content.decode()
    detail = get(client, teacher, "courses:detail", course.pk).content.decode()
    assert reverse("courses:copy", args=[course.pk]) in detail


def test_records_links_only_for_those_who_read_records(client, courses: Courses) -> None:
    """A teacher weighing whether to reuse an office course is offered enrolment, not the
    attendance and gradebook pages that would refuse them; once their class is enrolled they
    are offered both, and both open."""
    north = courses.city.north
    course = courses.office_course
    attendance = reverse("courses:attendance", args=[course.pk])
    gradebook = reverse("assessments:gradebook", args=[course.pk])
    page = get(client, north.homeroom_a, "courses:detail", course.pk).content.decode()
    assert reverse("courses:enrolments", args=[course.pk]) in page
    assert attendance not in page and gradebook not in page
    assert client.get(attendance).status_code == 403
    services.enrol(north.homeroom_a, course, [north.student_a1])
    page = client.get(reverse("courses:detail", args=[course.pk])).content.decode()
    assert attendance in page and gradebook in page
    assert client.get(attendance).status_code == 200
    assert client.get(gradebook).status_code == 200


def test_the_childs_grades_link_is_for_parents(client, enrolled: Courses) -> None:
    north = enrolled.city.north
    grades = reverse("assessments:course_grades", args=[enrolled.class_course.pk])
    parent_page = get(client, north.parent_a1, "courses:detail", enrolled.class_course.pk)
    assert parent_page.content.decode().count(grades) == 1
    assert client.get(grades).status_code == 200
    teacher_page = get(client, north.homeroom_a, "courses:detail", enrolled.class_course.pk)
    assert grades not in teacher_page.content.decode()


def test_publishing_needs_a_lesson(client, courses: Courses) -> None:
    north = courses.city.north
    empty = Course.objects.create(
        title="빈 강좌",
        topic=courses.class_course.topic,
        scope=Course.Scope.CLASS,
        organisation=north.class_a,
        owner=north.homeroom_a,
    )
    empty.teachers.add(north.homeroom_a)
    client.force_login(north.homeroom_a)
    url = reverse("courses:publish", args=[empty.pk])
    page = post_in_english(client, url, {"publish": "1"})
    assert "Add at least one lesson before publishing." in page
    empty.refresh_from_db()
    assert not empty.is_published
    Section.objects.create(course=empty, title="1단원").lessons.create(
        title="링크", kind=Lesson.Kind.LINK, url="https://example.org/"
    )
    client.post(url, {"publish": "1"})
    empty.refresh_from_db()
    assert empty.is_published
    client.post(url, {"publish": "0"})
    empty.refresh_from_db()
    assert not empty.is_published


def test_deleting_a_section_or_lesson_keeps_what_students_did(client, enrolled: Courses) -> None:
    north = enrolled.city.north
    course = enrolled.class_course
    section = enrolled.video.section
    client.force_login(north.homeroom_a)
    kept = post_in_english(
        client, reverse("courses:section_edit", args=[course.pk, section.pk]), {"delete": "1"}
    )
    assert "Move or delete the section&#x27;s lessons first." in kept
    assert Section.objects.filter(pk=section.pk).exists()
    services.open_lesson(north.student_a1, enrolled.link)
    edit = reverse("courses:lesson_edit", args=[course.pk, section.pk, enrolled.link.pk])
    refused = client.post(edit, {"delete": "1"})
    assert refused.status_code == 302 and refused["Location"] == edit
    assert Lesson.objects.filter(pk=enrolled.link.pk).exists()
    unstudied = enrolled.document
    gone = client.post(
        reverse("courses:lesson_edit", args=[course.pk, section.pk, unstudied.pk]),
        {"delete": "1"},
    )
    assert gone.status_code == 302 and not Lesson.objects.filter(pk=unstudied.pk).exists()
    empty = Section.objects.create(course=course, title="빈 단원", position=2)
    client.post(reverse("courses:section_edit", args=[course.pk, empty.pk]), {"delete": "1"})
    assert not Section.objects.filter(pk=empty.pk).exists()


def test_a_stale_move_is_refused_with_a_message(client, courses: Courses) -> None:
    course = courses.class_course
    client.force_login(courses.city.north.homeroom_a)
    page = post_in_english(
        client,
        reverse("courses:move", args=[course.pk]),
        {"what": "section", "id": "999999", "direction": "up"},
    )
    assert "The list changed meanwhile." in page


def test_a_school_admin_builds_lessons_from_their_teachers_videos(client, courses) -> None:
    """The lesson form offers the videos media lets the author manage (one rule for both)."""
    from openclass.media.models import Video

    north = courses.city.north
    video = Video.objects.create(uploaded_by=north.homeroom_a, title="담임의 영상")
    other = Video.objects.create(uploaded_by=courses.city.south.homeroom_a, title="남의 영상")
    course, section = (
        courses.school_course,
        Section.objects.create(course=courses.school_course, title="1단원"),
    )
    client.force_login(north.admin)
    url = reverse("courses:lesson_create", args=[course.pk, section.pk])
    made = client.post(url, {"title": "영상 차시", "kind": Lesson.Kind.VIDEO, "video": video.pk})
    assert made.status_code == 302
    assert Lesson.objects.get(title="영상 차시").video == video
    refused = client.post(url, {"title": "남의 차시", "kind": Lesson.Kind.VIDEO, "video": other.pk})
    assert refused.status_code == 200
    assert not Lesson.objects.filter(title="남의 차시").exists()


def test_an_instructor_running_a_course_saves_its_settings(client, courses: Courses) -> None:
    """They may open no course, but the one they run stays where it was opened."""
    course = courses.office_course
    client.force_login(courses.city.instructor)
    form = client.get(reverse("courses:edit", args=[course.pk])).context["form"]
    data = {
        name: value
        for name, value in form.initial.items()
        if value is not None and name not in ("content_elements", "audience")
    }
    data.update(title="서울 독도 교육 (개정)", organisation=course.organisation_id)
    data["allowed_speeds"] = [str(speed) for speed in course.allowed_speeds]
    response = client.post(reverse("courses:edit", args=[course.pk]), data)
    assert response.status_code == 302, response.context["form"].errors
    course.refresh_from_db()
    assert course.title == "서울 독도 교육 (개정)"
    # Moving it elsewhere is still refused: the instructor may open nothing anywhere else.
    data["organisation"] = courses.city.north.school.pk
    assert client.post(reverse("courses:edit", args=[course.pk]), data).status_code == 200
    course.refresh_from_db()
    assert course.organisation == courses.city.office


def test_the_students_page_takes_the_same_queries_however_many_students(
    client, courses: Courses
) -> None:
    """Each row names the student's school, grade and class ("북초 3학년 1반 1번"): read with
    the enrolments, not a row at a time (a query a row before)."""
    north = courses.city.north
    course = courses.school_course
    services.enrol(north.admin, course, [north.student_a1])
    client.force_login(north.admin)
    url = reverse("courses:enrolments", args=[course.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    services.enrol(north.admin, course, [north.student_a2, north.student_b1])
    with CaptureQueriesContext(connection) as three:
        page = client.get(url).content.decode()
    assert north.student_b1.placement in page
    assert len(three) == len(one)
