"""Who sees, manages and enrols into which course, and whose records they may read."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from openclass.courses import access
from openclass.courses.models import Course
from openclass.courses.services import courses as services
from openclass.courses.tests.fixtures import Courses, make_course


def ids(queryset) -> set[int]:
    return set(queryset.values_list("pk", flat=True))


def test_students_see_published_courses_opened_above_them(courses: Courses) -> None:
    north, south = courses.city.north, courses.city.south
    all_three = {courses.class_course.pk, courses.school_course.pk, courses.office_course.pk}
    assert ids(access.visible_courses(north.student_a1)) == all_three
    # Class B is not class A: the class course is not for them.
    assert ids(access.visible_courses(north.student_b1)) == all_three - {courses.class_course.pk}
    # Another school sees only the office's course.
    assert ids(access.visible_courses(south.student_a1)) == {courses.office_course.pk}


def test_unpublished_courses_are_hidden_from_students_not_enrolled(courses: Courses) -> None:
    north = courses.city.north
    courses.class_course.is_published = False
    courses.class_course.save()
    assert courses.class_course.pk not in ids(access.visible_courses(north.student_a1))
    services.enrol(north.homeroom_a, courses.class_course, [north.student_a1])
    assert courses.class_course.pk in ids(access.visible_courses(north.student_a1))
    assert courses.class_course.pk not in ids(access.visible_courses(north.student_a2))


def test_one_course_is_found_as_the_list_finds_it(courses: Courses) -> None:
    """``visible_course`` (a compiled read for students) answers for every person and course
    exactly as ``visible_courses`` does, an enrolment in an unpublished course included."""
    city, north, south = courses.city, courses.city.north, courses.city.south
    courses.class_course.is_published = False
    courses.class_course.save()
    services.enrol(north.homeroom_a, courses.class_course, [north.student_a1])
    people = [
        north.student_a1,
        north.student_a2,
        north.student_b1,
        south.student_a1,
        north.parent_a1,
        north.homeroom_a,
        north.admin,
        city.office_admin,
        city.instructor,
    ]
    every = [courses.class_course, courses.school_course, courses.office_course]
    for person in people:
        expected = ids(access.visible_courses(person))
        for course in every:
            found = access.visible_course(person, course.pk)
            assert (found is not None) == (course.pk in expected), (person, course)
            if found is not None:
                assert found == course
                assert found.topic == course.topic
                assert found.organisation == course.organisation
        assert access.visible_course(person, max(c.pk for c in every) + 1000) is None


def test_parents_see_their_childrens_courses_only(courses: Courses) -> None:
    north = courses.city.north
    visible = ids(access.visible_courses(north.parent_a1))
    assert courses.class_course.pk in visible
    assert ids(access.visible_courses(courses.city.south.parent_a1)) == {courses.office_course.pk}


def test_who_manages_a_course(courses: Courses) -> None:
    city, north, south = courses.city, courses.city.north, courses.city.south
    assert access.can_manage_course(north.homeroom_a, courses.class_course)
    assert access.can_manage_course(north.admin, courses.class_course)  # above it
    assert access.can_manage_course(city.office_admin, courses.class_course)
    assert access.can_manage_course(city.instructor, courses.office_course)  # listed teacher
    assert not access.can_manage_course(north.subject_teacher, courses.class_course)
    assert not access.can_manage_course(south.admin, courses.class_course)
    assert not access.can_manage_course(north.admin, courses.office_course)
    assert not access.can_manage_course(north.student_a1, courses.class_course)
    assert not access.can_manage_course(north.parent_a1, courses.class_course)


def test_teachers_enrol_only_students_they_teach_under_the_course(courses: Courses) -> None:
    north, south = courses.city.north, courses.city.south
    # The homeroom teacher reuses the office's course for their own class only.
    assert ids(access.enrollable_students(north.homeroom_a, courses.office_course)) == {
        north.student_a1.pk,
        north.student_a2.pk,
    }
    # A school admin enrols anyone of their school, never another school's students.
    school = ids(access.enrollable_students(north.admin, courses.office_course))
    assert school == {north.student_a1.pk, north.student_a2.pk, north.student_b1.pk}
    # A class course cannot take students of another class, even from its manager.
    assert ids(access.enrollable_students(north.admin, courses.class_course)) == {
        north.student_a1.pk,
        north.student_a2.pk,
    }
    assert not ids(access.enrollable_students(south.admin, courses.class_course))
    assert not ids(access.enrollable_students(north.student_a1, courses.office_course))
    assert not ids(access.enrollable_students(north.parent_a1, courses.office_course))


def test_enrolling_someone_out_of_reach_writes_nothing(courses: Courses) -> None:
    north, south = courses.city.north, courses.city.south
    with pytest.raises(PermissionDenied):
        services.enrol(
            north.homeroom_a, courses.office_course, [north.student_a1, south.student_a1]
        )
    assert not courses.office_course.enrolments.exists()


def test_records_are_read_only_by_those_allowed(courses: Courses) -> None:
    city, north, south = courses.city, courses.city.north, courses.city.south
    services.enrol(north.admin, courses.office_course, [north.student_a1, north.student_b1])
    services.enrol(south.admin, courses.office_course, [south.student_a1])
    course = courses.office_course

    def students(viewer) -> set[int]:
        return set(access.enrolments_visible_to(viewer, course).values_list("student", flat=True))

    everyone = {north.student_a1.pk, north.student_b1.pk, south.student_a1.pk}
    assert students(city.office_admin) == everyone
    assert students(city.instructor) == everyone  # teaches the course
    assert students(north.homeroom_a) == {north.student_a1.pk}
    assert students(north.subject_teacher) == {north.student_b1.pk}
    assert students(south.admin) == {south.student_a1.pk}
    assert students(north.student_a1) == {north.student_a1.pk}
    assert students(north.parent_a1) == {north.student_a1.pk}
    assert students(south.parent_a1) == {south.student_a1.pk}
    assert students(north.student_b1) == {north.student_b1.pk}
    assert not access.can_read_records_of(north.student_a1, course, north.student_b1)


def test_self_enrolment_only_when_open_and_in_reach(courses: Courses) -> None:
    north, south = courses.city.north, courses.city.south
    course = courses.school_course
    assert not access.can_enrol_self(north.student_a1, course)
    course.self_enrolment = True
    course.save()
    assert access.can_enrol_self(north.student_a1, course)
    assert not access.can_enrol_self(south.student_a1, course)
    assert not access.can_enrol_self(north.parent_a1, course)
    draft = make_course(north.admin, north.school, Course.Scope.SCHOOL, "초안", is_published=False)
    draft.self_enrolment = True
    draft.save()
    assert not access.can_enrol_self(north.student_a1, draft)
