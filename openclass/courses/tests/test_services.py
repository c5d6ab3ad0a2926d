"""Course rules: enrolment, opening and completing lessons, resume, copying, ordering and the
lesson-side attendance rules with teachers' corrections."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from openclass.courses import selectors
from openclass.courses.models import (
    Attendance,
    AttendanceCorrection,
    Course,
    Enrolment,
    Lesson,
    LessonProgress,
    Session,
)
from openclass.courses.services import courses as services
from openclass.courses.tests.fixtures import Courses

Status = Attendance.Status
DAY = datetime.date(2026, 4, 6)  # a Monday


def at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def test_bulk_enrolment_by_class_is_idempotent(courses: Courses) -> None:
    north = courses.city.north
    first = services.enrol_organisation(north.admin, courses.office_course, north.class_a)
    again = services.enrol_organisation(north.admin, courses.office_course, north.school)
    assert (first.added, first.already) == (2, 0)
    assert (again.added, again.already) == (1, 2)  # class B's student joins, nobody twice
    assert courses.office_course.enrolments.count() == 3


def test_bulk_enrolment_of_another_school_adds_nobody(courses: Courses) -> None:
    south = courses.city.south
    result = services.enrol_organisation(
        courses.city.north.admin, courses.office_course, south.school
    )
    assert result.added == 0
    with pytest.raises(PermissionDenied):
        services.enrol_organisation(south.admin, courses.class_course, south.school)


def test_documents_and_links_complete_when_opened_videos_do_not(enrolled: Courses) -> None:
    student = enrolled.city.north.student_a1
    video = services.open_lesson(student, enrolled.video)
    document = services.open_lesson(student, enrolled.document)
    assert video.completed_at is None
    assert document.completed_at is not None
    assert document.percent == 100


def test_course_completes_when_required_lessons_do(enrolled: Courses) -> None:
    student = enrolled.city.north.student_a1
    enrolment = Enrolment.objects.get(course=enrolled.class_course, student=student)
    services.open_lesson(student, enrolled.document)
    enrolment.refresh_from_db()
    assert enrolment.completed_at is None  # the video is still required
    progress = services.open_lesson(student, enrolled.video)
    progress.completed_at = timezone.now()
    progress.save()
    services.lesson_completed(progress)
    enrolment.refresh_from_db()
    assert enrolment.completed_at is not None  # the optional link is not needed
    assert selectors.course_progress(student, enrolled.class_course) == (2, 2)


def test_opening_a_lesson_needs_an_enrolment(courses: Courses) -> None:
    with pytest.raises(Enrolment.DoesNotExist):
        services.open_lesson(courses.city.north.student_a1, courses.video)
    assert not LessonProgress.objects.exists()


def test_courses_with_progress_counts_required_lessons(enrolled: Courses) -> None:
    student = enrolled.city.north.student_a1
    services.open_lesson(student, enrolled.document)
    services.open_lesson(student, enrolled.link)
    [row] = selectors.courses_with_progress(student)
    assert (row["completed"], row["required"], row["percent"]) == (1, 2, 50)


def test_copy_course_copies_content_not_students(enrolled: Courses) -> None:
    north = enrolled.city.north
    copy = services.copy_course(
        enrolled.class_course, by=north.subject_teacher, organisation=north.class_b
    )
    assert copy.pk != enrolled.class_course.pk
    assert copy.owner == north.subject_teacher and not copy.is_published
    assert copy.scope == Course.Scope.CLASS and copy.organisation == north.class_b
    assert [lesson.title for lesson in selectors.lessons_in_order(copy)] == [
        lesson.title for lesson in selectors.lessons_in_order(enrolled.class_course)
    ]
    assert not copy.enrolments.exists()
    assert Lesson.objects.filter(section__course=enrolled.class_course).count() == 3


def test_courses_are_opened_only_by_those_who_may_and_where_they_may(courses: Courses) -> None:
    north, city = courses.city.north, courses.city
    original = courses.class_course
    for refused, where in (
        (city.instructor, city.office),  # instructors get theirs through 개설 신청
        (north.student_a1, north.class_a),
        (north.homeroom_a, city.south.class_a),  # not a class they teach
    ):
        with pytest.raises(PermissionDenied):
            services.copy_course(original, by=refused, organisation=where)
        draft = Course(
            title="새 강좌",
            topic=original.topic,
            scope=Course.Scope.CLASS,
            organisation=where,
        )
        with pytest.raises(PermissionDenied):
            services.create_course(refused, draft)
    assert not Course.objects.filter(title__in=["새 강좌", f"{original.title} (copy)"]).exists()
    made = services.create_course(
        north.homeroom_a,
        Course(
            title="새 강좌",
            topic=original.topic,
            scope=Course.Scope.CLASS,
            organisation=north.class_a,
        ),
    )
    assert made.owner == north.homeroom_a and list(made.teachers.all()) == [north.homeroom_a]
    with pytest.raises(ValidationError):  # the model's own rules still hold
        services.create_course(
            north.homeroom_a,
            Course(
                title="틀린 범위",
                topic=original.topic,
                scope=Course.Scope.SCHOOL,
                organisation=north.class_a,
            ),
        )


def test_only_managers_change_a_course(courses: Courses) -> None:
    north = courses.city.north
    course, section = courses.class_course, courses.video.section
    for outsider in (north.subject_teacher, north.student_a1, courses.city.south.admin):
        for command, args in (
            (services.unpublish_course, (course,)),
            (services.add_section, (course, "남의 단원")),
            (services.delete_lesson, (courses.link,)),
            (services.delete_section, (section,)),
        ):
            with pytest.raises(PermissionDenied):
                command(outsider, *args)
    course.refresh_from_db()
    assert course.is_published and courses.link.pk in section.lessons.values_list("pk", flat=True)


def test_reorder_refuses_a_stale_list(courses: Courses) -> None:
    section = courses.video.section
    lessons = section.lessons.all()
    services.reorder(lessons, [courses.link.pk, courses.video.pk, courses.document.pk])
    assert list(lessons.values_list("pk", flat=True)) == [
        courses.link.pk,
        courses.video.pk,
        courses.document.pk,
    ]
    with pytest.raises(ValidationError):
        services.reorder(lessons, [courses.link.pk, courses.video.pk])


# --- Attendance rules ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("completed", "today", "expected"),
    [
        (DAY, DAY, Status.PRESENT),
        (DAY - datetime.timedelta(days=1), DAY, Status.PRESENT),  # studied ahead
        (DAY + datetime.timedelta(days=1), DAY + datetime.timedelta(days=1), Status.LATE),
        (DAY + datetime.timedelta(days=7), DAY + datetime.timedelta(days=7), Status.LATE),
        (DAY + datetime.timedelta(days=8), DAY + datetime.timedelta(days=8), Status.ABSENT),
        (None, DAY + datetime.timedelta(days=3), None),  # still open
        (None, DAY + datetime.timedelta(days=8), Status.ABSENT),
    ],
)
def test_mark_for(completed, today, expected) -> None:
    course = Course(late_days=7)
    assert services.mark_for(course, DAY, completed, today) == expected


@pytest.fixture
def scheduled(enrolled: Courses) -> Session:
    return Session.objects.create(
        course=enrolled.class_course,
        kind=Session.Kind.RECORDED,
        title="1차시",
        lesson=enrolled.video,
        day=DAY,
    )


def complete(student, lesson, when) -> LessonProgress:
    progress = services.open_lesson(student, lesson, now=when)
    progress.completed_at = when
    progress.save()
    services.lesson_completed(progress, when)
    return progress


def test_opening_on_the_day_records_attendance_in_progress(enrolled, scheduled) -> None:
    student = enrolled.city.north.student_a1
    services.open_lesson(student, enrolled.video, now=at(DAY, 9))
    mark = Attendance.objects.get(session=scheduled, student=student)
    assert mark.status == Status.PENDING
    assert mark.first_seen_at == at(DAY, 9)


def test_completing_on_the_day_is_present_later_is_late(enrolled, scheduled) -> None:
    north = enrolled.city.north
    complete(north.student_a1, enrolled.video, at(DAY, 15))
    complete(north.student_a2, enrolled.video, at(DAY + datetime.timedelta(days=2)))
    marks = dict(
        Attendance.objects.filter(session=scheduled).values_list("student__username", "status")
    )
    assert marks == {north.student_a1.username: Status.PRESENT, north.student_a2.username: "late"}


def test_opening_only_counts_when_the_course_says_so(enrolled, scheduled) -> None:
    course = enrolled.class_course
    course.attendance_needs_completion = False
    course.save()
    student = enrolled.city.north.student_a1
    services.open_lesson(student, enrolled.video, now=at(DAY, 9))
    assert Attendance.objects.get(session=scheduled, student=student).status == Status.PRESENT


def test_a_lesson_opened_before_its_day_records_nothing_yet(enrolled, scheduled) -> None:
    services.open_lesson(
        enrolled.city.north.student_a1, enrolled.video, now=at(DAY - datetime.timedelta(days=1))
    )
    assert not Attendance.objects.exists()


def test_teacher_correction_is_kept_and_wins_over_the_rule(enrolled, scheduled) -> None:
    north = enrolled.city.north
    student = north.student_a1
    services.open_lesson(student, enrolled.video, now=at(DAY, 9))
    services.correct_attendance(north.homeroom_a, scheduled, student, Status.EXCUSED, "병결")
    complete(student, enrolled.video, at(DAY + datetime.timedelta(days=2)))
    mark = Attendance.objects.get(session=scheduled, student=student)
    assert mark.status == Status.EXCUSED and mark.corrected
    services.correct_attendance(north.admin, scheduled, student, Status.LATE, "확인 결과 지각")
    history = list(
        AttendanceCorrection.objects.filter(attendance=mark).values_list(
            "old_status", "new_status", "reason", "corrected_by__username"
        )
    )
    assert history == [
        (Status.PENDING, Status.EXCUSED, "병결", north.homeroom_a.username),
        (Status.EXCUSED, Status.LATE, "확인 결과 지각", north.admin.username),
    ]


def test_corrections_need_a_reason_and_the_right_person(enrolled, scheduled) -> None:
    north, south = enrolled.city.north, enrolled.city.south
    with pytest.raises(ValidationError):
        services.correct_attendance(north.homeroom_a, scheduled, north.student_a1, "present", " ")
    with pytest.raises(ValidationError):
        services.correct_attendance(north.homeroom_a, scheduled, north.student_a1, "gone", "x")
    for outsider in (south.admin, north.subject_teacher, north.student_a1, north.parent_a1):
        with pytest.raises(PermissionDenied):
            services.correct_attendance(outsider, scheduled, north.student_a1, "present", "x")
    assert not AttendanceCorrection.objects.exists()
