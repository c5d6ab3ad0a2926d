"""The home-page panels of courses: a student's next lesson to do ("이어서 학습"), their courses
with progress and today's sessions; the courses a teacher runs; for a parent, each child's today,
courses (opening read-only) and attendance, and the parent's own courses (학부모 대상). And the
landing after login on the next lesson to do (바로 로딩).

Registered with ``core.registry`` when this module is imported (``CoursesConfig.ready``).
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from openclass.accounts.capabilities import has_capability
from openclass.accounts.models import User
from openclass.core.registry import CHILD, CHILD_FIGURES, landing, panel

from . import access, selectors


@panel(
    "courses.resume",
    template="courses/panels/resume.html",
    capability="course.learn",
    order=20,
)
def build_resume(student: User) -> dict[str, Any] | None:
    """The next required lesson not yet done, where the video was left ("이어서 학습"), or
    that everything is done; nothing without an open course."""
    target = selectors.resume_target(student)
    return {"resume": target} if target is not None else None


@landing("courses.resume", capability="course.learn")
def find_lesson_in_progress(student: User) -> str | None:
    """Right after login, a student who asked for it opens the next lesson to do."""
    target = selectors.resume_target(student)
    if target is None or target.lesson is None:
        return None
    lesson = target.lesson
    return reverse(
        "courses:lesson", kwargs={"pk": lesson.section.course_id, "lesson_id": lesson.pk}
    )


@panel(
    "courses.my_courses",
    template="courses/panels/my_courses.html",
    capability="course.learn",
    order=30,
)
def build_my_courses(student: User) -> dict[str, Any]:
    return {"courses": selectors.courses_with_progress(student)}


@panel(
    "courses.today",
    template="courses/panels/today.html",
    capability="course.learn",
    order=40,
)
def build_today(student: User) -> dict[str, Any] | None:
    sessions = selectors.todays_sessions(student)
    return {"sessions": sessions} if sessions else None


@panel(
    "courses.teaching",
    template="courses/panels/teaching.html",
    capability="course.teach",
    unless="city.overview",
    order=120,
)
def build_teaching(user: User) -> dict[str, Any] | None:
    """The courses ``user`` runs with who has not started. A teacher or an instructor sees it
    also when they run none yet (it says so); a school's admin only when they run one."""
    rows = selectors.teaching_overview(user)
    if not rows and has_capability(user, "people.manage_school"):
        return None
    return {"rows": rows}


@panel(
    "courses.child_today",
    template="courses/panels/child_today.html",
    capability="people.view_children",
    place=CHILD,
    order=5,
)
def build_child_today(child: User) -> dict[str, Any]:
    """A child's sessions today (live classes with their times, lessons due today)."""
    return {"child": child, "sessions": selectors.todays_sessions(child)}


@panel(
    "courses.child_courses",
    template="courses/panels/child_courses.html",
    capability="people.view_children",
    place=CHILD,
    order=10,
)
def build_child_courses(child: User) -> dict[str, Any]:
    """A child's courses with their progress, each opening read-only for the parent."""
    return {"child": child, "courses": selectors.courses_with_progress(child)}


@panel(
    "courses.child_attendance",
    template="courses/panels/child_attendance.html",
    capability="people.view_children",
    place=CHILD_FIGURES,
    order=10,
)
def build_child_attendance(child: User) -> dict[str, Any]:
    return {"child": child, "attendance": selectors.attendance_summary(child)}


@panel(
    "courses.parent_learning",
    template="courses/panels/parent_learning.html",
    capability="people.view_children",
    order=90,
)
def build_parent_learning(parent: User) -> dict[str, Any] | None:
    """A parent's own courses (학부모 대상): those they take, with progress and the next lesson,
    and those they may join. Nothing when there is neither."""
    taking = selectors.courses_with_progress(parent)
    joined = {row["course"].pk for row in taking}
    offered = [
        course
        for course in access.parent_courses(parent).order_by("title")[:10]
        if course.pk not in joined
    ]
    if not taking and not offered:
        return None
    return {"taking": taking, "offered": offered, "resume": selectors.resume_target(parent)}
