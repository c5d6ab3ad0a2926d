"""Who may see, manage and enrol into which course, and whose records in it they may read.

Built on ``accounts.scoping`` (which people and organisations a user may see or manage), so the
rules for people stay in one place; this module only adds what a course changes:

- a course opened at an organisation is visible to the people under it once published, and an
  office-provided course to everyone (any school may reuse it);
- its owner and its listed teachers and instructors manage it, as do admins above it;
- a teacher or school admin may enrol into a course the students they may see who sit under the
  organisation the course is opened at;
- records (progress, attendance) of a student are readable by the student, their parents, the
  course's managers, and the staff who may see that student;
- a parent follows their own children's courses read-only (``child_courses``), and takes
  themselves the courses meant for parents (학부모 대상: the "parent" audience tag), which a
  student cannot join unless the course is also meant for students.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from openclass.accounts import scoping
from openclass.accounts.capabilities import STAFF, object_rule
from openclass.accounts.models import (
    Organisation,
    User,
    in_natural_order,
    padded_path,
    path_ids,
)
from openclass.catalog.models import Topic
from openclass.core.db import CompiledObjectQuery, CompiledQuery, every_column

from .models import Course, Enrolment, Lesson

Role = User.Role


def _is_office_admin(user: User) -> bool:
    return user.is_superuser or user.role == Role.OFFICE_ADMIN


def _active(user: User) -> bool:
    return user.is_authenticated and user.is_active


def _organisations_above(organisation: Organisation | None) -> list[int]:
    """Ids of ``organisation`` and every organisation above it, from its materialised path."""
    return organisation.path_ids() if organisation is not None else []


def _owned_and_listed(owner: int, listed: int) -> QuerySet:
    """The ids of the courses ``owner`` owns and those ``listed`` is listed as a teacher of
    (the same user's id twice: a compiled read takes each value once), as a union of two index
    lookups. One OR across the teachers join read every course of the city and its teacher
    lists (1.2 ms of PostgreSQL's at 2,000 courses, growing with the city; the union 0.25 ms,
    growing with the user's own courses)."""
    owned = Course.objects.filter(owner_id=owner).order_by().values("pk")
    return owned.union(Course.teachers.through.objects.filter(user_id=listed).values("course_id"))


def manageable_courses(user: User) -> QuerySet[Course]:
    """Courses ``user`` may edit, enrol into without restriction, and report on in full."""
    if not _active(user):
        return Course.objects.none()
    if _is_office_admin(user):
        return Course.objects.all()
    if user.role not in STAFF:
        return Course.objects.none()
    mine = _owned_and_listed(user.pk, user.pk)
    if user.role == Role.SCHOOL_ADMIN:
        school = scoping.school_of(user)
        if school is not None:
            under = Course.objects.filter(organisation__path__startswith=school.path)
            mine = mine.union(under.order_by().values("pk"))
    return Course.objects.filter(pk__in=mine)


#: A teacher's or an instructor's managed courses, compiled once: the learning record store
#: asks this on every request of a teacher's token, and building it cost the ORM five times
#: what PostgreSQL spends running it.
_OWNED_AND_LISTED = CompiledQuery(
    lambda owner, listed: (
        Course.objects.filter(pk__in=_owned_and_listed(owner, listed)).order_by().values_list("pk")
    )
)


def manageable_course_ids(user: User) -> list[int]:
    """The ids of ``manageable_courses(user)``."""
    if (
        _active(user)
        and not _is_office_admin(user)
        and user.role in (Role.TEACHER, Role.INSTRUCTOR)
    ):
        return [pk for (pk,) in _OWNED_AND_LISTED.rows(user.pk, user.pk)]
    return list(manageable_courses(user).order_by().values_list("pk", flat=True))


def _enrolled(student: User | int) -> Q:
    return Q(enrolments__student=student)


def _published_at(above: Iterable[int]) -> Q:
    """Published courses opened at one of the organisations ``above`` (at or above someone)."""
    return Q(is_published=True, organisation__in=above)


def visible_courses(user: User) -> QuerySet[Course]:
    """Courses ``user`` may open: what they manage, what they are enrolled in, and published
    courses opened at an organisation at or above where they (or their children) belong."""
    if not _active(user):
        return Course.objects.none()
    if _is_office_admin(user):
        return Course.objects.all()
    # Only staff manage courses (``manageable_courses``): anyone else is spared its subquery.
    rule = Q(pk__in=manageable_courses(user).values("pk")) if user.role in STAFF else Q()
    above: set[int]
    if user.role == Role.PARENT:
        children = scoping.children_of(user)
        rule |= Q(enrolments__student__in=children)
        above = set()
        for child in children.select_related("organisation"):
            above.update(_organisations_above(child.organisation))
    else:
        rule |= _enrolled(user)
        above = set(_organisations_above(user.organisation))
        if user.role == Role.TEACHER:
            # A teacher also sees what is opened for the grades and classes they teach.
            for path in scoping.taught_classes(user).values_list("path", flat=True):
                above.update(path_ids(path))
    # The office is above everyone, so an office-provided course reaches the whole city.
    rule |= _published_at(above)
    return Course.objects.filter(pk__in=Course.objects.filter(rule).values("pk"))


#: One course a student may open (``visible_courses``' rule for a student: enrolled, or
#: published at or above their class), with its topic and organisation, compiled once: the Open
#: API asks it for each course a site reads, and the ORM took four times as long to build it as
#: SQLite to run it. The path's ids are padded to PATH_DEPTH (one query for every depth).
_LEARNER_COURSE = CompiledObjectQuery(
    lambda pk, student, *above: Course.objects.filter(
        pk=pk,
        pk__in=Course.objects.filter(_enrolled(student) | _published_at(above)).values("pk"),
    ),
    {
        "": every_column(Course),
        "topic": every_column(Topic),
        "organisation": every_column(Organisation),
    },
)


def visible_course(user: User, pk: int) -> Course | None:
    """Course ``pk`` with its topic and organisation when ``user`` may open it
    (``visible_courses``), else None."""
    above = padded_path(_organisations_above(user.organisation)) if _active(user) else None
    if user.role == Role.STUDENT and not _is_office_admin(user) and above is not None:
        return _LEARNER_COURSE.first(pk, user.pk, *above)
    return visible_courses(user).select_related("topic", "organisation").filter(pk=pk).first()


@object_rule("course.manage")
def can_manage_course(user: User, course: Course) -> bool:
    return manageable_courses(user).filter(pk=course.pk).exists()


@object_rule("course.read_records")
def can_read_course_records(user: User, course: Course) -> bool:
    """Whether ``user`` reads the records (attendance, gradebook) of some of ``course``'s
    students: its managers, and staff whose students are enrolled in it (a teacher who enrolled
    their class into an office course). A teacher who may only reuse the course reads none."""
    return can_manage_course(user, course) or enrolments_visible_to(user, course).exists()


def can_view_course(user: User, course: Course) -> bool:
    return visible_courses(user).filter(pk=course.pk).exists()


def can_enrol_into(user: User, course: Course) -> bool:
    """Managers enrol anyone they may see; other teachers and school admins may reuse a
    published course opened above them (an office course, their school's course)."""
    if not _active(user) or user.role not in STAFF:
        return False
    if can_manage_course(user, course):
        return True
    return (
        user.role in (Role.TEACHER, Role.SCHOOL_ADMIN)
        and course.is_published
        and visible_courses(user).filter(pk=course.pk).exists()
    )


def can_preview_lessons(user: User, course: Course) -> bool:
    """Managers, and teachers weighing whether to reuse the course, may open its lessons
    without being enrolled (nothing is recorded for them)."""
    return can_manage_course(user, course) or can_enrol_into(user, course)


def enrollable_students(user: User, course: Course) -> QuerySet[User]:
    """Students ``user`` may enrol into ``course``: under the organisation it is opened at, and
    among the people ``user`` may see."""
    if not can_enrol_into(user, course):
        return User.objects.none()
    under = User.objects.filter(
        role=Role.STUDENT, is_active=True, organisation__path__startswith=course.organisation.path
    )
    return under.filter(pk__in=scoping.visible_users(user).values("pk"))


#: The catalog's audience tags (``catalog.AudienceTag.code``) that say whom a course is for.
PARENT_AUDIENCE, STUDENT_AUDIENCE = "parent", "student"


def is_for_parents(course: Course) -> bool:
    """Whether ``course`` is meant for parents (학부모 대상)."""
    return course.audience.filter(code=PARENT_AUDIENCE).exists()


def is_for_parents_only(course: Course) -> bool:
    """Meant for parents and not also for students: no student joins it."""
    codes = set(course.audience.values_list("code", flat=True))
    return PARENT_AUDIENCE in codes and STUDENT_AUDIENCE not in codes


def parent_courses(user: User) -> QuerySet[Course]:
    """The published courses meant for parents that ``user``, a parent, may see and join."""
    if not _active(user) or user.role != Role.PARENT:
        return Course.objects.none()
    return visible_courses(user).filter(is_published=True, audience__code=PARENT_AUDIENCE)


def can_enrol_self(user: User, course: Course) -> bool:
    """A student may join a published course open to self-enrolment that reaches their class,
    unless it is meant for parents only. A parent may join a published course meant for parents
    that they may see (nobody else enrols a parent, so it needs no self-enrolment setting)."""
    if not _active(user) or not course.is_published:
        return False
    if user.role == Role.PARENT:
        return parent_courses(user).filter(pk=course.pk).exists()
    return (
        user.role == Role.STUDENT
        and course.self_enrolment
        and course.organisation_id in _organisations_above(user.organisation)
        and not is_for_parents_only(course)
    )


def child_of(user: User, child_id: int) -> User | None:
    """``user``'s own child of that id (active), or None: a parent follows only their own."""
    if not _active(user):
        return None
    return (
        scoping.children_of(user)
        .filter(pk=child_id, is_active=True)
        .select_related("organisation")
        .first()
    )


def child_courses(user: User, child: User) -> QuerySet[Course]:
    """The courses ``child`` is enrolled in, when ``child`` is ``user``'s own child; none
    otherwise (what the read-only course view of a child opens)."""
    if not _active(user) or not scoping.children_of(user).filter(pk=child.pk).exists():
        return Course.objects.none()
    return enrolled(child)


def enrolments_visible_to(user: User, course: Course) -> QuerySet[Enrolment]:
    """The enrolments of ``course`` whose records ``user`` may read.

    Course managers read every enrolment; a teacher who enrolled their class into someone else's
    course reads their own students only; a student or parent only their own rows.
    """
    enrolments = Enrolment.objects.filter(course=course)
    if not _active(user):
        return enrolments.none()
    if can_manage_course(user, course):
        return enrolments
    return enrolments.filter(student__in=scoping.visible_users(user).values("pk"))


def can_read_records_of(user: User, course: Course, student: User) -> bool:
    return enrolments_visible_to(user, course).filter(student=student).exists()


def openable_organisations(user: User) -> QuerySet[Organisation]:
    """Where ``user`` may open (or copy) a course: office admins anywhere; school admins in their
    school; teachers for the classes they teach, those classes' grades, and their school."""
    if user.role == Role.TEACHER:
        classes = list(scoping.taught_classes(user))
        ids = {klass.pk for klass in classes} | {klass.parent_id for klass in classes}
        if school := scoping.school_of(user):
            ids.add(school.pk)
        return in_natural_order(Organisation.objects.filter(pk__in=ids))
    openable = (
        Organisation.Kind.OFFICE,
        Organisation.Kind.SCHOOL,
        Organisation.Kind.GRADE,
        Organisation.Kind.CLASS,
    )
    return (
        scoping.manageable_organisations(user)
        .filter(kind__in=openable)
        .select_related("parent")
        .order_by("path")
    )


def enrolled(student: User) -> QuerySet[Course]:
    return Course.objects.filter(
        Exists(Enrolment.objects.filter(course=OuterRef("pk"), student=student))
    )


def is_enrolled(user: User, course: Course) -> bool:
    """Whether ``user`` is a student of ``course`` (what makes lessons record progress)."""
    return Enrolment.objects.filter(course=course, student_id=user.pk).exists()


@dataclass(frozen=True)
class CourseViewer:
    """Who ``user`` is to ``course``, the question every lesson, quiz and assignment page asks
    first: an enrolled student (their work is recorded), a manager (runs it), someone weighing
    whether to reuse it (previews, nothing recorded), or someone who reads some students'
    records (a parent, a teacher whose class was enrolled)."""

    user: User
    course: Course
    is_student: bool
    can_manage: bool

    @cached_property
    def may_preview(self) -> bool:
        return self.can_manage or can_preview_lessons(self.user, self.course)

    @cached_property
    def records(self) -> list[Enrolment]:
        """The enrolments of others whose records this viewer reads (a parent's children, a
        teacher's students), by name; none for students and managers."""
        if self.is_student or self.can_manage:
            return []
        return list(
            enrolments_visible_to(self.user, self.course)
            .exclude(student=self.user)
            .select_related("student")
            .order_by("student__name")
        )

    @property
    def may_open_lessons(self) -> bool:
        return self.is_student or self.may_preview


def viewer_of(user: User, course: Course) -> CourseViewer:
    return CourseViewer(
        user=user,
        course=course,
        is_student=_active(user) and is_enrolled(user, course),
        can_manage=can_manage_course(user, course),
    )


def openable_lessons(user: User) -> QuerySet[Lesson]:
    """The lessons whose page opens for ``user``, as one query: the lesson page's rule
    (``views.lessons.lesson``: the course visible, then ``viewer_of(...).may_open_lessons``, and
    for an enrolled student the course open now, ``selectors.is_open``) for every lesson at once,
    for what lists lessons without opening each (search).

    An enrolled student opens the lessons of a course that is published and within its dates;
    anyone else who may see the course opens them when they may preview it: its managers, and
    teachers and school admins who may reuse it (``can_enrol_into``: published and visible to
    them). Parents and instructors who do not teach it read records but open no lesson."""
    if not _active(user):
        return Lesson.objects.none()
    today = timezone.localdate()
    open_now = (
        Q(is_published=True)
        & (Q(opens_on__isnull=True) | Q(opens_on__lte=today))
        & (Q(closes_on__isnull=True) | Q(closes_on__gte=today))
    )
    studying = Q(Exists(Enrolment.objects.filter(course=OuterRef("pk"), student=user)))
    if user.role in STAFF:
        previewing = Q(pk__in=manageable_courses(user).values("pk"))
        if user.role in (Role.TEACHER, Role.SCHOOL_ADMIN):
            previewing |= Q(is_published=True)
        rule = (studying & open_now) | (~studying & previewing)
    else:
        rule = studying & open_now  # students and parents preview nothing
    courses = visible_courses(user).filter(rule)
    return Lesson.objects.filter(section__course__in=courses.values("pk"))


def attendance_record_students(viewer: User) -> QuerySet[User]:
    """Students whose attendance in every course ``viewer`` may open (the student themself,
    their parents, their teachers and school): the people scoping lets them see."""
    return scoping.visible_users(viewer).filter(role=Role.STUDENT)


def readable_attendance_records(viewer: User, students: list[User]) -> set[int]:
    """Which of ``students`` a page may link to their attendance record for ``viewer``: the
    same rule as the record's page (an instructor reads a course's grid, not the students'
    records across their other courses)."""
    ids = [student.pk for student in students]
    return set(attendance_record_students(viewer).filter(pk__in=ids).values_list("pk", flat=True))
