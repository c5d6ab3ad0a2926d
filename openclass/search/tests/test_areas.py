"""The index over the areas' real sources: saves and deletes re-index on commit through Huey,
and each role finds only what it may open (a draft, another class's course, a student's own
video), with the counts saying no more."""

from __future__ import annotations

import pytest

from openclass.courses.models import Course, Lesson
from openclass.courses.tests.fixtures import make_course
from openclass.search import services
from openclass.search.models import Document

pytestmark = pytest.mark.django_db


def titles(user, query: str) -> list[str]:
    return [hit.document.title for hit in services.search(user, query, per_page=50).hits]


@pytest.fixture
def indexed(courses, huey_immediate):
    services.reindex()
    return courses


def test_create_update_delete_reindex_on_commit(
    city, indexed, huey_immediate, django_capture_on_commit_callbacks
):
    teacher = city.north.homeroom_a
    with django_capture_on_commit_callbacks(execute=True):
        course = make_course(teacher, city.north.class_a, Course.Scope.CLASS, "갯벌 생태 탐험")
    assert titles(teacher, "갯벌") == ["갯벌 생태 탐험"]
    with django_capture_on_commit_callbacks(execute=True):
        course.title = "습지 생태 탐험"
        course.save()
    assert titles(teacher, "갯벌") == []
    assert titles(teacher, "습지를") == ["습지 생태 탐험"]
    with django_capture_on_commit_callbacks(execute=True):
        course.delete()
    assert titles(teacher, "습지") == []
    assert not Document.objects.filter(source="courses.course", key=course.pk).exists()


def test_nothing_is_indexed_when_the_transaction_rolls_back(city, indexed, huey_immediate):
    before = Document.objects.count()
    make_course(city.north.homeroom_a, city.north.class_a, Course.Scope.CLASS, "롤백 강좌")
    # The test's transaction never commits: no on-commit callback ran, nothing was indexed.
    assert Document.objects.count() == before


def test_a_renamed_section_reindexes_its_lessons(
    city, indexed, huey_immediate, django_capture_on_commit_callbacks
):
    section = indexed.video.section
    with django_capture_on_commit_callbacks(execute=True):
        section.title = "바다 생물 단원"
        section.save()
    found = Document.objects.get(source="courses.lesson", key=indexed.video.pk)
    assert "바다 생물 단원" in found.tags


def test_a_class_course_is_found_by_its_class_only(city, indexed):
    # "3-1 안전 교육" is north's class A course.
    assert "3-1 안전 교육" in titles(city.north.student_a1, "안전교육")
    assert "3-1 안전 교육" not in titles(city.north.student_b1, "안전교육")
    assert "3-1 안전 교육" not in titles(city.south.student_a1, "안전교육")
    south = services.search(city.south.student_a1, "3-1 안전 교육")
    assert ("courses.course", indexed.class_course.pk) not in {
        (hit.document.source, hit.document.key) for hit in south.hits
    }
    assert dict(south.facets["kind"])["course"] == 1  # the office's course, not class A's
    assert "서울 독도 교육" in titles(city.south.student_a1, "3-1 안전 교육")


def test_a_draft_is_found_by_its_managers_only(city, indexed, huey_immediate):
    draft = make_course(
        city.north.homeroom_a,
        city.north.school,
        Course.Scope.SCHOOL,
        "준비 중인 천문학 강좌",
        is_published=False,
    )
    services.refresh("courses.course", [draft.pk])
    assert titles(city.north.homeroom_a, "천문학") == ["준비 중인 천문학 강좌"]
    assert titles(city.north.student_a1, "천문학") == []
    assert services.search(city.north.student_a1, "천문학").total == 0
    assert titles(city.north.subject_teacher, "천문학") == []


def test_lessons_are_found_by_who_may_open_them(city, indexed):
    lesson = indexed.video
    assert lesson.title in titles(city.north.homeroom_a, "영상")
    # Not enrolled: a student of the class sees the course but may not open its lessons.
    found = titles(city.north.student_a1, "1차시 영상")
    can_open = Lesson.objects.filter(pk=lesson.pk).exists() and lesson.title in found
    from openclass.courses.access import openable_lessons

    assert can_open == openable_lessons(city.north.student_a1).filter(pk=lesson.pk).exists()
    assert lesson.title not in titles(city.south.homeroom_a, "1차시 영상")


def test_what_a_watched_save_reaches_is_asked_at_commit(
    city, indexed, huey_immediate, django_capture_on_commit_callbacks
):
    """A section saved before its lessons are bulk-created (as copying a course does): the
    lessons are indexed, because the section's watch is asked when the transaction commits."""
    from openclass.courses.models import Section

    with django_capture_on_commit_callbacks(execute=True):
        section = Section.objects.create(course=indexed.class_course, title="2단원", position=2)
        Lesson.objects.bulk_create(
            [
                Lesson(
                    section=section,
                    title="별자리 관찰",
                    kind=Lesson.Kind.LINK,
                    url="https://example.org/stars",
                    position=1,
                )
            ]
        )
    assert Document.objects.filter(source="courses.lesson", title="별자리 관찰").exists()


def test_a_scope_is_compiled_once_a_person_and_kept_briefly(city, indexed, monkeypatch):
    """Compiling who may open what is the dearest part of a search: it is kept per person for
    ``Scopes.seconds``, and compiled afresh after, or for someone else."""
    asked: list[int] = []
    compile_scope = services.scope
    monkeypatch.setattr(
        services, "scope", lambda user: asked.append(user.pk) or compile_scope(user)
    )
    teacher = city.north.homeroom_a
    services.search(teacher, "안전교육")
    services.suggest(teacher, "안전")
    assert asked == [teacher.pk]
    services.search(city.north.subject_teacher, "안전교육")
    assert asked == [teacher.pk, city.north.subject_teacher.pk]
    later = services.scopes.clock() + services.scopes.seconds + 1
    monkeypatch.setattr(services.scopes, "clock", lambda: later)
    services.search(teacher, "안전교육")
    assert asked[-1] == teacher.pk and len(asked) == 3


def test_the_students_of_a_class_share_one_compiled_scope(city, indexed, monkeypatch):
    """A student's rules read only their class and flags while they are built, and their own
    key in the SQL: one scope is compiled per class, each student's key put in its place, and
    each still finds only what they may open (the enrolments are their own)."""
    from openclass.accounts.models import User
    from openclass.accounts.tests.fixtures import make_user
    from openclass.courses.models import Enrolment

    compiled: list[int] = []
    compile_scope = services.scope
    monkeypatch.setattr(
        services, "scope", lambda user: compiled.append(user.pk) or compile_scope(user)
    )
    enrolled = city.north.student_b1
    classmate = make_user("north-0004", User.Role.STUDENT, city.north.class_b, number=2)
    Enrolment.objects.create(course=indexed.class_course, student=enrolled)  # class A's course
    assert "3-1 안전 교육" in titles(city.north.student_a1, "안전교육")
    assert compiled == [services.Scopes.STAND_IN]
    assert "3-1 안전 교육" in titles(enrolled, "안전교육")
    assert len(compiled) == 2
    assert "3-1 안전 교육" not in titles(classmate, "안전교육")
    assert len(compiled) == 2
    for student in (city.north.student_a1, enrolled, classmate):
        assert services.scopes.of(student).params == compile_scope(student).params


def test_a_students_search_page_uses_their_class_scope(city, indexed, client):
    """Through the page, as a request's (lazy) user: a class's scope is shared there too."""
    client.force_login(city.north.student_a1)
    page = client.get("/search/", {"q": "안전교육"})
    assert page.status_code == 200
    assert "3-1 안전 교육" in page.content.decode()
    client.force_login(city.north.student_b1)
    page = client.get("/search/", {"q": "안전교육"})
    assert page.status_code == 200 and "3-1 안전 교육" not in page.content.decode()
    assert services.scopes.alike(city.north.student_a1) is not None


def test_a_shared_scope_opens_what_a_persons_own_would(city, indexed):
    """Everyone of the city, each asked through ``Scopes`` (shared where alike) and through
    ``scope`` compiled for them alone, may open the very same documents."""
    from django.db.models import BooleanField
    from django.db.models.expressions import RawSQL

    from openclass.accounts.models import User

    def opened(sql: str, params) -> set[int]:
        allowed = RawSQL(sql, list(params), output_field=BooleanField())  # noqa: S611 (compiled by Django)
        return set(Document.objects.filter(allowed).values_list("pk", flat=True))

    people = list(User.objects.all())
    assert any(services.scopes.alike(person) is not None for person in people)
    for person in people:
        alone = services.scope(person)
        kept = services.scopes.of(person)
        assert opened(kept.sql, kept.params) == opened(alone.sql, alone.params), person.username


def test_a_source_without_alike_makes_every_scope_a_persons_own(city, indexed, notes):
    student = city.north.student_a1
    assert services.scopes.alike(student) is None
    assert services.scopes.of(student).params == services.scope(student).params


def test_a_scope_that_cannot_be_shared_is_not_tried_again_at_every_search(
    city, indexed, notes, monkeypatch
):
    """A source that says alike but answers a list of keys: the shared compile is tried once
    and its "no" kept; each search compiles the person's own (of its moment, so not kept)."""
    from dataclasses import replace

    from openclass.core import registry
    from openclass.search.tests.fixtures import NOTES

    registry.add_search_source(
        replace(registry.search_source(NOTES), alike=registry.same_for_everyone)
    )
    notes.add(1, "안전 수첩")
    tried: list[int] = []
    share = services.scopes._shared
    monkeypatch.setattr(
        services.scopes, "_shared", lambda user: tried.append(user.pk) or share(user)
    )
    student = city.north.student_a1
    assert services.scopes.alike(student) is not None
    for _ in range(3):
        assert "안전 수첩" in titles(student, "안전")
    assert tried == [student.pk]
    assert services.scopes.of(student).params == services.scope(student).params


def test_what_a_kept_scope_reads_at_query_time_changes_at_once(city, indexed):
    """A kept scope holds the sources' rules as subqueries: an enrolment, a course unpublished
    or a move to another class shows in the very next search."""
    from openclass.courses.models import Enrolment

    student = city.north.student_b1
    course = indexed.class_course  # class A's course
    assert "3-1 안전 교육" not in titles(student, "안전교육")
    Enrolment.objects.create(course=course, student=student)
    assert "3-1 안전 교육" in titles(student, "안전교육")
    Enrolment.objects.filter(course=course, student=student).delete()
    assert "3-1 안전 교육" not in titles(student, "안전교육")

    mover = city.north.student_a1
    assert "3-1 안전 교육" in titles(mover, "안전교육")
    mover.organisation = city.north.class_b
    mover.save(update_fields=["organisation"])
    assert "3-1 안전 교육" not in titles(mover, "안전교육")
    stayed = city.north.student_a2
    assert "3-1 안전 교육" in titles(stayed, "안전교육")
    Course.objects.filter(pk=course.pk).update(is_published=False)
    assert "3-1 안전 교육" not in titles(stayed, "안전교육")
