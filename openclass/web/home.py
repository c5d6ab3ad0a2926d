"""What each role's home page shows. Later areas (courses, live classes) add their panels here."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Q

from openclass.accounts import scoping
from openclass.accounts.models import Organisation, User
from openclass.assessments import selectors as todo
from openclass.courses import selectors as courses
from openclass.live import selectors as live
from openclass.operations import selectors as operations

Role = User.Role


@dataclass
class ClassSummary:
    klass: Organisation
    students: int
    never_signed_in: int
    is_homeroom: bool = False


@dataclass
class HomeContext:
    role: str
    classes: list[ClassSummary] = field(default_factory=list)
    children: list[User] = field(default_factory=list)
    teachers: list[User] = field(default_factory=list)
    schools: list[dict] = field(default_factory=list)
    totals: dict[str, int] = field(default_factory=dict)
    resume: object | None = None  # the LessonProgress to continue ("이어서 학습")
    courses: list[dict] = field(default_factory=list)
    today: list = field(default_factory=list)
    teaching: list[dict] = field(default_factory=list)
    child_panels: list[dict] = field(default_factory=list)
    todo: list = field(default_factory=list)  # quizzes and assignments still to do
    to_grade: list = field(default_factory=list)  # essays and submissions waiting for grading
    live_now: list = field(default_factory=list)  # live classes of my courses running now
    recordings: list = field(default_factory=list)  # recordings of classes I missed, to watch
    live_today: list = field(default_factory=list)  # today's live classes I teach
    points: int | None = None  # a student's points (the ledger's sum)


def _class_summaries(classes, homeroom_ids: set[int] = frozenset()) -> list[ClassSummary]:
    student = Q(members__role=Role.STUDENT, members__is_active=True)
    rows = (
        classes.select_related("parent")
        .annotate(
            student_count=Count("members", filter=student),
            never=Count("members", filter=student & Q(members__last_login__isnull=True)),
        )
        .order_by("path")
    )
    return [
        ClassSummary(k, k.student_count, k.never, is_homeroom=k.pk in homeroom_ids) for k in rows
    ]


def home_context(user: User) -> HomeContext:
    context = HomeContext(role=user.role)
    if user.role == Role.STUDENT:
        context.live_now = live.live_now_for(user)
        context.recordings = live.to_watch(user)
        context.resume = courses.resume_target(user)
        context.courses = courses.courses_with_progress(user)
        context.today = courses.todays_sessions(user)
        context.todo = todo.student_todo(user)
        context.points = operations.points_balance(user)
        if user.organisation_id:
            context.teachers = list(
                scoping.teachers_of(user.organisation).order_by("name").distinct()
            )
    elif user.role == Role.PARENT:
        context.children = list(
            scoping.children_of(user)
            .select_related("organisation", "organisation__parent__parent")
            .order_by("name")
        )
        context.child_panels = [
            {
                "child": child,
                "courses": courses.courses_with_progress(child),
                "attendance": courses.attendance_summary(child),
                "points": operations.points_balance(child),
            }
            for child in context.children
        ]
    elif user.role == Role.TEACHER:
        context.live_today = live.live_today_for_host(user)
        context.teaching = courses.teaching_overview(user)
        context.to_grade = todo.to_grade(user)
        homeroom = set(scoping.homeroom_classes(user).values_list("pk", flat=True))
        context.classes = _class_summaries(scoping.taught_classes(user), homeroom)
    elif user.role == Role.SCHOOL_ADMIN:
        context.teaching = courses.teaching_overview(user)
        context.to_grade = todo.to_grade(user)
        classes = scoping.visible_organisations(user).filter(kind=Organisation.Kind.CLASS)
        context.classes = _class_summaries(classes)
        people = scoping.visible_users(user)
        context.totals = {
            "students": people.filter(role=Role.STUDENT).count(),
            "teachers": people.filter(role=Role.TEACHER).count(),
            "parents": people.filter(role=Role.PARENT).count(),
            "never_signed_in": people.filter(role=Role.STUDENT, last_login__isnull=True).count(),
        }
    elif user.role == Role.OFFICE_ADMIN or user.is_superuser:
        schools = Organisation.objects.filter(kind=Organisation.Kind.SCHOOL).select_related(
            "parent"
        )
        students = User.objects.filter(role=Role.STUDENT, is_active=True)
        counts = {
            row["organisation__parent__parent"]: row
            for row in students.values("organisation__parent__parent").annotate(
                total=Count("pk"), signed_in=Count("pk", filter=Q(last_login__isnull=False))
            )
        }
        context.schools = [
            {
                "school": school,
                "students": counts.get(school.pk, {}).get("total", 0),
                "signed_in": counts.get(school.pk, {}).get("signed_in", 0),
            }
            for school in schools.order_by("path")
        ]
        context.totals = {
            "schools": len(context.schools),
            "students": students.count(),
            "teachers": User.objects.filter(role=Role.TEACHER).count(),
            "instructors": User.objects.filter(role=Role.INSTRUCTOR).count(),
        }
    elif user.role == Role.INSTRUCTOR:
        context.teaching = courses.teaching_overview(user)
        context.to_grade = todo.to_grade(user)
    return context
