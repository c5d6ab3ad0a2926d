"""What courses puts in the one search index (``core.registry``'s search sources): its courses,
their lessons, and the topics of the catalog it files them under.

Each source builds its documents in batches of primary keys, every batch in a fixed number of
queries however many rows it holds (the benchmark indexes 100,000 documents), and asks
``access`` who may open what, the same rule as the page its result opens:

- ``courses.course``: a course's page opens for ``access.visible_courses`` (its managers see
  a draft; a student a published course opened above them, or one they are enrolled in);
- ``courses.lesson``: a lesson's page for ``access.openable_lessons``;
- ``catalog.topic``: the catalog filtered by a topic, which every signed-in user may open.
  Registered here, not by ``catalog``: the page it opens is courses' catalog, and ``catalog``
  sits below ``courses`` and names none of its pages.

Facets are stored in Korean (the catalog's ``name_ko``), as the catalog's data is: the results
page shows them as they are, whatever the reader's language.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, TypeVar
from urllib.parse import urlencode

from django.db.models import Count, Model, QuerySet
from django.urls import reverse

from openclass.accounts.models import Organisation, User
from openclass.accounts.scoping import alike_if_student
from openclass.catalog.models import AudienceTag, ContentElement, Topic
from openclass.core.registry import SearchDocument, SearchSource, same_for_everyone

from . import access
from .models import Course, Enrolment, Lesson, Section

M = TypeVar("M", bound=Model)

#: Rows a batch of documents is built from: one query for them, one per prefetched relation.
BATCH = 1000

#: The grade bands of the ``grade_band`` facet; a special school's courses have none.
GRADE_BANDS = frozenset(
    {
        Organisation.SchoolLevel.ELEMENTARY,
        Organisation.SchoolLevel.MIDDLE,
        Organisation.SchoolLevel.HIGH,
    }
)
#: The ``mode`` facet of each delivery; a blended course is neither live nor recorded.
MODES: dict[str, str] = {Course.Delivery.LIVE: "live", Course.Delivery.RECORDED: "recorded"}
#: The audience tags (catalog.AudienceTag codes) that say whom a course is for.
PARENT_TAG, STUDENT_TAG = "parent", "student"


def batches(
    queryset: QuerySet[M], keys: Iterable[int] | None, size: int | None = None
) -> Iterator[list[M]]:
    """The rows of ``queryset`` with those primary keys (every row for ``None``), ``size`` (or
    ``BATCH``) at a time, in key order for ``None`` (keyset paging: each batch starts after the
    last key)."""
    size = size or BATCH
    if keys is None:
        last = None
        while True:
            page = queryset.order_by("pk")
            if last is not None:
                page = page.filter(pk__gt=last)
            batch = list(page[:size])
            if not batch:
                return
            yield batch
            last = batch[-1].pk
    else:
        wanted = sorted(set(keys))
        for start in range(0, len(wanted), size):
            yield list(queryset.filter(pk__in=wanted[start : start + size]))


def url_template(name: str, ids: int) -> str:
    """The path of the URL pattern ``name`` with ``ids`` ids as a format string
    ("/courses/{}/lessons/{}/"), reversed once for a whole build: reversing costs more than the
    rest of a lesson's document. Reversed with marker ids, which then become the fields."""
    markers = [str(10**17 + number) for number in range(ids)]
    path = reverse(name, args=markers)
    for marker in markers:
        path = path.replace(marker, "{}", 1)
    return path


def enrolment_counts(courses: Iterable[int]) -> dict[int, int]:
    """How many students are enrolled in each of ``courses`` (those with none are absent): one
    grouped query for a batch."""
    rows = (
        Enrolment.objects.filter(course_id__in=set(courses))
        .order_by()
        .values("course_id")
        .annotate(n=Count("pk"))
        .values_list("course_id", "n")
    )
    return dict(rows)


def grade_band(organisation: Organisation) -> str:
    """The school level of the school a course is opened at, or above the grade or class it is
    opened at: "elementary", "middle" or "high"; "" for the office and district offices (the
    whole city) and special schools."""
    school: Organisation | None = organisation
    if organisation.kind == Organisation.Kind.GRADE:
        school = organisation.parent
    elif organisation.kind == Organisation.Kind.CLASS:
        school = organisation.parent.parent if organisation.parent is not None else None
    elif organisation.kind != Organisation.Kind.SCHOOL:
        school = None
    level = school.school_level if school is not None else ""
    return level if level in GRADE_BANDS else ""


def audience(course: Course) -> str:
    """Whom a course is for: "parent" for a parent-education course (filed under a
    parent-education topic, or tagged for parents and not for students), else "student".
    Nothing in a course says it is teacher training, so no course is "teacher"."""
    codes = {tag.code for tag in course.audience.all()}
    if course.topic.kind == Topic.Kind.PARENT_EDUCATION:
        return "parent"
    if PARENT_TAG in codes and STUDENT_TAG not in codes:
        return "parent"
    return "student"


def _facets(course: Course, popularity: int) -> dict[str, Any]:
    """What a course's documents and its lessons' share: the course's catalog area, grade band,
    audience, mode, popularity and date."""
    return {
        "area": course.topic.name_ko,
        "grade_band": grade_band(course.organisation),
        "audience": audience(course),
        "mode": MODES.get(course.delivery, ""),
        "popularity": popularity,
        "published_at": course.created_at,
    }


# --- Courses ----------------------------------------------------------------------------------


def course_documents(keys: Iterable[int] | None) -> Iterator[SearchDocument]:
    """A course: its title; its summary and section titles as the body; its topic, content
    elements and audience tags as tags. Drafts too: ``visible`` shows them to their managers."""
    courses = Course.objects.select_related(
        "topic", "organisation__parent__parent"
    ).prefetch_related("sections", "content_elements", "audience")
    url = url_template("courses:detail", 1)
    for batch in batches(courses, keys):
        students = enrolment_counts(course.pk for course in batch)
        for course in batch:
            sections = [section.title for section in course.sections.all()]
            yield SearchDocument(
                key=course.pk,
                title=course.title,
                url=url.format(course.pk),
                body="\n".join(filter(None, [course.summary, *sections])),
                tags=(
                    course.topic.name_ko,
                    *(element.name_ko for element in course.content_elements.all()),
                    *(tag.name_ko for tag in course.audience.all()),
                ),
                **_facets(course, students.get(course.pk, 0)),
            )


def visible_course_keys(user: User) -> QuerySet[Course, Any]:
    return access.visible_courses(user).values("pk")


def _courses_of_section(section: Section) -> list[int]:
    return [section.course_id]


def _courses_of_topic(topic: Topic) -> QuerySet[Course, int]:
    return Course.objects.filter(topic=topic).values_list("pk", flat=True)


def _courses_of_element(element: ContentElement) -> QuerySet[Course, int]:
    return Course.objects.filter(content_elements=element).values_list("pk", flat=True)


def _courses_of_audience_tag(tag: AudienceTag) -> QuerySet[Course, int]:
    return Course.objects.filter(audience=tag).values_list("pk", flat=True)


COURSES = SearchSource(
    name="courses.course",
    kind="course",
    model=Course,
    documents=course_documents,
    visible=visible_course_keys,
    alike=alike_if_student,
    watch=(
        (Section, _courses_of_section),
        (Topic, _courses_of_topic),
        (ContentElement, _courses_of_element),
        (AudienceTag, _courses_of_audience_tag),
    ),
)


# --- Lessons ----------------------------------------------------------------------------------


def lesson_documents(keys: Iterable[int] | None) -> Iterator[SearchDocument]:
    """A lesson: its title, its description as the body, its course's and section's titles as
    tags, and its course's facets (a lesson is as popular as its course). The courses of a
    batch are read once each, not once a lesson."""
    lessons = Lesson.objects.select_related("section").only(
        "pk", "title", "description", "section__title", "section__course_id"
    )
    url = url_template("courses:lesson", 2)
    for batch in batches(lessons, keys):
        ids = {lesson.section.course_id for lesson in batch}
        courses = Course.objects.select_related("topic", "organisation__parent__parent")
        students = enrolment_counts(ids)
        shared = {
            course.pk: (course.title, _facets(course, students.get(course.pk, 0)))
            for course in courses.prefetch_related("audience").filter(pk__in=ids)
        }
        for lesson in batch:
            section = lesson.section
            title, facets = shared[section.course_id]
            yield SearchDocument(
                key=lesson.pk,
                title=lesson.title,
                url=url.format(section.course_id, lesson.pk),
                body=lesson.description,
                tags=(title, section.title),
                **facets,
            )


def openable_lesson_keys(user: User) -> QuerySet[Lesson, Any]:
    return access.openable_lessons(user).values("pk")


def _lessons_of_section(section: Section) -> QuerySet[Lesson, int]:
    return Lesson.objects.filter(section=section).values_list("pk", flat=True)


def _lessons_of_course(course: Course) -> QuerySet[Lesson, int]:
    return Lesson.objects.filter(section__course=course).values_list("pk", flat=True)


def _lessons_of_topic(topic: Topic) -> QuerySet[Lesson, int]:
    return Lesson.objects.filter(section__course__topic=topic).values_list("pk", flat=True)


LESSONS = SearchSource(
    name="courses.lesson",
    kind="lesson",
    model=Lesson,
    documents=lesson_documents,
    visible=openable_lesson_keys,
    alike=alike_if_student,
    watch=(
        (Section, _lessons_of_section),
        (Course, _lessons_of_course),
        (Topic, _lessons_of_topic),
    ),
)


# --- Topics -----------------------------------------------------------------------------------


def topic_documents(keys: Iterable[int] | None) -> Iterator[SearchDocument]:
    """A topic of the catalog: its Korean name as the title, its English name and its content
    elements as tags, the elements in both languages as the body; as popular as its published
    courses are many. It opens the catalog filtered by it."""
    topics = Topic.objects.prefetch_related("elements")
    catalog = reverse("courses:catalog")
    for batch in batches(topics, keys):
        published = dict(
            Course.objects.filter(topic__in=batch, is_published=True)
            .order_by()
            .values("topic_id")
            .annotate(n=Count("pk"))
            .values_list("topic_id", "n")
        )
        for topic in batch:
            elements = list(topic.elements.all())
            yield SearchDocument(
                key=topic.pk,
                title=topic.name_ko,
                url=f"{catalog}?{urlencode({'topic': topic.code})}",
                body="\n".join(
                    f"{e.name_ko} ({e.name_en})" if e.name_en else e.name_ko for e in elements
                ),
                tags=tuple(filter(None, [topic.name_en, *(e.name_ko for e in elements)])),
                area=topic.name_ko,
                audience="parent" if topic.kind == Topic.Kind.PARENT_EDUCATION else "",
                popularity=published.get(topic.pk, 0),
            )


def every_user(user: User) -> None:
    """The catalog opens for every signed-in user."""
    return None


def _topic_of_element(element: ContentElement) -> list[int]:
    return [element.topic_id]


TOPICS = SearchSource(
    name="catalog.topic",
    kind="topic",
    model=Topic,
    documents=topic_documents,
    visible=every_user,
    alike=same_for_everyone,
    watch=((ContentElement, _topic_of_element),),
)

#: Registered by ``CoursesConfig.ready``.
SOURCES = (COURSES, LESSONS, TOPICS)
